"""What people read of a congress (reads/congress.py, audit/count_protocol.py): the elected
committee by position group with how each seat was filled, a round's ballots with their
counts, and the count protocol as a printable page that escapes every value."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from audit.count_protocol import protocol_html
from domain.congress_events import CongressOpened, RoundOpened
from reads.congress import congress_view, elected_committee, record_of, round_view
from tests.support.congress import COMMITTEE, whole_election

pytestmark = pytest.mark.unit


def test_the_elected_committee_says_how_each_seat_was_filled() -> None:
    committee = elected_committee(record_of(whole_election()))

    [group] = committee.groups
    assert (group.position_group, group.seats, group.elected, group.appointed, group.open,
            group.approved) == (COMMITTEE, 9, 8, 1, 0, True)
    elected = [m for m in committee.members if m.how == "elected"]
    appointed = [m for m in committee.members if m.how == "appointed"]
    assert len(elected) == 8 and [m.party_card_number for m in appointed] == ["TD-000013"]
    assert {(m.round, m.ballot) for m in elected} == {(1, 1), (1, 2)}
    assert all(m.decision_ref == "QĐ-88/BTV" and m.approved for m in elected)
    assert appointed[0].decision_ref == "QĐ-99/BTV" and appointed[0].votes is None
    assert all(m.base == 100 for m in elected)
    assert elected[0].votes is not None and elected[0].how_label == "Trúng cử"


def test_a_round_shows_its_list_its_ballots_and_its_counts() -> None:
    record = record_of(whole_election())
    view = round_view(record, 1)

    assert view.stage == "concluded" and view.open_seats == 1
    assert [b.kind for b in view.ballots] == ["first", "tie"]
    withdrawn = [e for e in view.entries if e.withdrawn]
    assert len(withdrawn) == 1 and withdrawn[0].source == "delegate"
    first = view.ballots[0]
    assert first.signed and first.signatories == ("Lê Văn Kiểm", "Ngô Thị Phiếu")
    assert first.outcome == "tie" and first.needed == 51
    assert sum(v.kept for v in first.votes) > 0 and first.count is not None
    assert view.shortfall_decisions[0].startswith("Không bầu tiếp")
    congress = congress_view(record)
    assert congress.phase == "closed" and [d.kind for d in congress.decisions] == [
        "ElectionPaused", "DirectionGiven", "ElectionResultApproved", "MemberAppointed"]


def test_the_count_protocol_is_printable_and_escapes_every_value() -> None:
    events = whole_election()
    hostile = "<script>alert(1)</script> & «Đồi Mây»"
    events = [replace(e, organization=replace(e.organization, name=hostile))
              if isinstance(e, CongressOpened) else e for e in events]
    record = record_of(events)
    rnd = round_view(record, 1)

    page = protocol_html(congress_view(record), rnd, rnd.ballots[0],
                         now=datetime(2025, 6, 1, 9, 0, tzinfo=UTC))

    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "BIÊN BẢN KIỂM PHIẾU" in page and "Trúng cử" in page
    assert rnd.ballots[0].count_digest in page
    assert rnd.ballots[0].count is not None
    assert rnd.ballots[0].count.ballot_file_sha256 in page
    assert "Lê Văn Kiểm" in page and "01/06/2025 16:00:00" in page
    assert "không lưu người bỏ phiếu" in page
    opened = next(e for e in events if isinstance(e, RoundOpened))
    assert all(e.candidate.full_name in page for e in opened.entries[:9])
