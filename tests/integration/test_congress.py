"""The congress on a real Temporal dev server and a real PostgreSQL, through the application
layer as its users act: the committee elected with a tie settled by a re-vote, the standing
committee entered ballot by ballot, the secretary, the superior committee's approval; a seat
left open and appointed with consensus; the planned secretary not elected (paused, directed);
who may do what; a recount; and the secret ballot, down to every stored byte.

Each test's plan is approved in a commune of its own (tests/support/approved.py writes it to
the store as the plan's workflow would have)."""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus

from application import congress
from application.context import Context
from application.errors import Forbidden, Rejected
from domain.ballots import BallotPattern
from domain.congress_events import congress_stream
from domain.election import CongressPhase, CountBallots
from domain.people import Role
from domain.vocabulary import VIETNAM
from eventstore.store import PostgresEventStore
from reads.congress import load_congress
from tests.support import histories, people
from tests.support.approved import nomination, organization_of, store_approved_plan
from tests.support.congress import spread
from workflows.messages import CongressOutcome, congress_workflow_id

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("worker")]

COMMITTEE, STANDING, SECRETARY = ("committee_member", "standing_committee_member", "secretary")
DELEGATES = 120


@dataclass
class Cast:
    plan_id: str
    department: Any
    counters: Any
    committee: Any
    auditor: Any


async def congress_of(app: Context, store: PostgresEventStore, plan_id: str) -> Cast:
    """An approved plan in the store, its commune in the registry, and its people."""
    await store_approved_plan(store, plan_id)
    organization = organization_of(plan_id)
    await people.register_plan_organization(app, organization)
    org = organization.organization_id
    return Cast(plan_id=plan_id,
                department=(await people.department(app, org)).principal,
                counters=(await people.person(app, [(Role.VOTE_COUNTING_COMMITTEE, org, None)],
                                              "kiemphieu")).principal,
                committee=(await people.committee(app)).principal,
                auditor=(await people.auditor(app)).principal)


def today(app: Context) -> date:
    return app.clock().astimezone(VIETNAM).date()


def key() -> str:
    return str(uuid.uuid4())


def card(i: int) -> str:
    return f"TD-{i:06d}"


def ballot_file(path: Path, patterns: tuple[BallotPattern, ...],
                names: Mapping[str, str], *, seed: int | None = None,
                numbered: bool = False) -> Path:
    """The ballots as the counting committee's CSV: one row per ballot, Vietnamese headers;
    shuffled with ``seed``; with an STT column when ``numbered``."""
    rows = [("có" if p.issued else "không", ";".join(sorted(names[e] for e in p.crossed_out)),
             "có" if p.marked else "") for p in patterns for _ in range(p.count)]
    if seed is not None:
        random.Random(seed).shuffle(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((["STT"] if numbered else []) + ["Có dấu", "Gạch tên", "Đánh dấu"])
    for n, row in enumerate(rows, start=1):
        writer.writerow(([str(n)] if numbered else []) + list(row))
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


async def entries_of(app: Context, plan_id: str, round_: int) -> tuple[str, ...]:
    state = (await load_congress(app.store, plan_id)).state
    ballot = state.rounds[round_ - 1].ballot
    assert ballot is not None
    return ballot.entries


async def names_of(app: Context, plan_id: str) -> dict[str, str]:
    state = (await load_congress(app.store, plan_id)).state
    return {e: c.candidate.party_card_number or e for e, c in state.entries.items()}


async def open_committee_round(app: Context, cast: Cast, *, nominee: bool = True) -> None:
    day = today(app)
    await congress.open_congress(app, cast.department, cast.plan_id, kind="đại hội đại biểu",
                                 summoned=DELEGATES, opens_on=day, key=key())
    await congress.open_round(app, cast.department, cast.plan_id,
                              position_group="Ủy viên Ban chấp hành (cấp ủy viên)",
                              body="congress", seats=15, summoned=DELEGATES, present=118,
                              held_on=day, key=key())
    if nominee:
        await congress.nominate(
            app, cast.department, cast.plan_id, 1, source="đề cử",
            particulars={"full_name": "Hoàng Văn Đề Cử", "birth_date": "12/05/1980",
                         "gender": "nam", "ethnicity": "Kinh",
                         "current_post": "Bí thư Chi bộ thôn 3", "party_card_number": "TD-777001"},
            nominated_by="Đại biểu Lò Thị Nêu", consented=True, accepted=True, support=40,
            key=key())
    await congress.vote_on_list(app, cast.department, cast.plan_id, 1, present=118,
                                in_favour=110, key=key())


def committee_votes(plan_id: str, entries: tuple[str, ...], **changes: int) -> dict[str, int]:
    """c1-c13 from 90 down to 78, c14 75, c15 and c16 tied at 65, c17 40, the nominee 30."""
    def nid(i: int) -> str:
        return nomination(plan_id, i)

    votes = {nid(i): 91 - i for i in range(1, 14)} | {nid(14): 75, nid(15): 65,
                                                      nid(16): 65, nid(17): 40}
    for name, value in changes.items():
        votes[nid(int(name[1:]))] = value
    nominee = [e for e in entries if e not in votes]
    return votes | dict.fromkeys(nominee, 30)


def invalid(entries: tuple[str, ...]) -> tuple[BallotPattern, ...]:
    """8 invalid ballots: 3 without the seal, 4 keeping every name, 1 signed."""
    return (BallotPattern(issued=False, crossed_out=(), count=3),
            BallotPattern(issued=True, crossed_out=(), count=4),
            BallotPattern(issued=True, crossed_out=tuple(sorted(entries[:10])), marked=True))


async def import_and_sign(app: Context, cast: Cast, round_: int,
                          kept: Mapping[str, int], ballots: int, tmp_path: Path, *,
                          extra: tuple[BallotPattern, ...] = (),
                          seed: int | None = 1) -> Any:
    entries = await entries_of(app, cast.plan_id, round_)
    state = (await load_congress(app.store, cast.plan_id)).state
    rnd = state.rounds[round_ - 1]
    assert rnd.ballot is not None
    patterns = (*spread(entries, kept, ballots, rnd.ballot.seats), *extra)
    path = ballot_file(tmp_path / f"phieu-{round_}-{rnd.ballot.number}.csv", patterns,
                       await names_of(app, cast.plan_id), seed=seed)
    issued = sum(p.count for p in patterns if p.issued)
    counted = await congress.import_ballots(app, cast.counters, cast.plan_id, round_, path,
                                            issued=issued)
    signed = await congress.sign_count(app, cast.counters, cast.plan_id, round_,
                                       signatories=("Lê Văn Kiểm", "Ngô Thị Phiếu"),
                                       count_digest=counted.count_digest, key=key())
    return counted, signed


# --- the whole congress -----------------------------------------------------------------------
async def test_a_congress_from_its_opening_to_the_elected_committee(
        app: Context, store: PostgresEventStore, temporal_client: Client,
        tmp_path: Path) -> None:
    cast = await congress_of(app, store, f"dh-{uuid.uuid4().hex[:8]}")
    await open_committee_round(app, cast)
    entries = await entries_of(app, cast.plan_id, 1)
    assert len(entries) == 18

    votes = committee_votes(cast.plan_id, entries)
    counted, signed = await import_and_sign(app, cast, 1, votes, 100, tmp_path,
                                            extra=invalid(entries))
    assert counted.ballot.count.returned == 108 and counted.ballot.count.invalid == 8
    assert {i.reason: i.ballots for i in counted.ballot.invalid} == {
        "not_issued": 3, "too_many_kept": 4, "none_kept_with_surplus": 0,
        "names_added": 0, "marked": 1}
    assert "Bằng phiếu" in signed.summary
    view = await congress.show_round(app, cast.auditor, cast.plan_id, 1)
    assert [b.kind for b in view.ballots] == ["first", "tie"]
    c15, c16 = nomination(cast.plan_id, 15), nomination(cast.plan_id, 16)
    assert view.ballots[1].entries == (c15, c16)

    await import_and_sign(app, cast, 1, {c15: 70, c16: 45}, 115, tmp_path)
    view = await congress.show_round(app, cast.auditor, cast.plan_id, 1)
    assert view.stage == "concluded" and len(view.elected) == 15
    assert "TD-000015" in " ".join(view.elected) and "TD-000016" not in " ".join(view.elected)

    # The new committee elects its standing committee: the plan has no list for it, the
    # presidium nominates; the ballots are entered one by one with a running count.
    day = today(app)
    await congress.open_round(app, cast.department, cast.plan_id,
                              position_group=STANDING, body="executive_committee", seats=5,
                              summoned=15, present=15, held_on=day, key=key())
    for i in range(1, 7):
        await congress.nominate(app, cast.department, cast.plan_id, 2, source="presidium",
                                who=card(i), consented=True, key=key())
    await congress.vote_on_list(app, cast.department, cast.plan_id, 2, present=15,
                                in_favour=15, key=key())
    entry = await congress.start_ballot_entry(app, cast.counters, cast.plan_id, 2)
    for crossed in [[card(6)]] * 12 + [[card(5)]] * 2 + [[card(1)]]:
        result = entry.add(crossed)
        assert result.valid
    wrong = entry.add([card(6)], issued=False)
    assert not wrong.valid and wrong.reason == "not_issued"
    entry.remove([card(6)], issued=False)
    running = entry.running()
    assert (running.returned, running.valid) == (15, 15)
    counted = await congress.finish_ballot_entry(app, cast.counters, entry, issued=15)
    await congress.sign_count(app, cast.counters, cast.plan_id, 2,
                              signatories=("Lê Văn Kiểm",), key=key())
    # The secretary, from the standing committee, on the plan's list (c1, c2).
    await congress.open_round(app, cast.department, cast.plan_id, position_group=SECRETARY,
                              body="executive_committee", seats=1, summoned=15, present=15,
                              held_on=day, key=key())
    await congress.vote_on_list(app, cast.department, cast.plan_id, 3, present=15,
                                in_favour=14, key=key())
    await import_and_sign(app, cast, 3, {nomination(cast.plan_id, 1, SECRETARY): 13,
                                         nomination(cast.plan_id, 2, SECRETARY): 2}, 15,
                          tmp_path)

    await congress.approve_result(app, cast.committee, cast.plan_id, decision_ref="QĐ-15/BTV",
                                  reasons="Chuẩn y kết quả bầu cử", key=key())
    committee = await congress.show_elected_committee(app, cast.auditor, cast.plan_id)
    by_group = {g.position_group: g for g in committee.groups}
    assert (by_group[COMMITTEE].elected, by_group[STANDING].elected,
            by_group[SECRETARY].elected) == (15, 5, 1)
    assert all(g.approved and g.open == 0 for g in committee.groups)
    secretary = committee.of_group(SECRETARY)[0]
    assert (secretary.party_card_number, secretary.how, secretary.votes, secretary.base) == (
        "TD-000001", "elected", 13, 15)
    tied = next(m for m in committee.of_group(COMMITTEE) if m.party_card_number == "TD-000015")
    assert (tied.round, tied.ballot, tied.decision_ref, tied.source) == (1, 2, "QĐ-15/BTV",
                                                                         "plan")

    page = await congress.count_protocol(app, cast.auditor, cast.plan_id, 1, 1)
    assert "BIÊN BẢN KIỂM PHIẾU" in page and counted.ballot.count is not None
    first = (await congress.show_round(app, cast.auditor, cast.plan_id, 1)).ballots[0]
    assert first.count is not None and first.count.ballot_file_sha256 in page
    assert first.count_digest in page and "Ngô Thị Phiếu" in page

    await congress.close_congress(app, cast.department, cast.plan_id, key=key())
    handle = temporal_client.get_workflow_handle(congress_workflow_id(cast.plan_id),
                                                 result_type=CongressOutcome)
    outcome = await handle.result()
    assert outcome.phase == "closed" and outcome.rounds == 3
    assert (await handle.describe()).status is WorkflowExecutionStatus.COMPLETED
    assert (await store.verify()).ok
    # The current code's version only (congress_v1_full was recorded by the code of its time).
    await histories.record(handle, "congress_v4_local_appends")


# --- a seat left open, then appointed -----------------------------------------------------------
async def test_a_seat_left_open_is_appointed_by_the_superior_committee_with_consensus(
        app: Context, store: PostgresEventStore, tmp_path: Path) -> None:
    cast = await congress_of(app, store, f"dh-{uuid.uuid4().hex[:8]}")
    await open_committee_round(app, cast, nominee=False)
    entries = await entries_of(app, cast.plan_id, 1)
    # Only 14 pass more than half of 120: c15 and c16 have exactly 60 (half), not more.
    signed = (await import_and_sign(app, cast, 1,
                                    committee_votes(cast.plan_id, entries, c15=60, c16=60), 100,
                                    tmp_path))[1]
    assert "Còn thiếu 1 chỉ tiêu" in signed.summary
    with pytest.raises(Rejected) as refused:
        await congress.appoint(app, cast.committee, cast.plan_id, position_group=COMMITTEE,
                               who=card(15), decision_ref="QĐ-1", members=9, agreeing=9,
                               reason="Bổ sung", key=key())
    assert {v.rule for v in refused.value.violations} == {"no_open_seat"}

    await congress.decide_shortfall(app, cast.department, cast.plan_id, 1,
                                    decision="để trống",
                                    reason="Đại hội biểu quyết không bầu tiếp", key=key())
    await congress.approve_result(app, cast.committee, cast.plan_id, decision_ref="QĐ-20/BTV",
                                  key=key())
    with pytest.raises(Rejected) as refused:  # 6 of 9 is not more than two thirds
        await congress.appoint(app, cast.committee, cast.plan_id, position_group=COMMITTEE,
                               who=card(16), decision_ref="QĐ-21/BTV", members=9, agreeing=6,
                               reason="Chỉ định bổ sung", key=key())
    assert [v.rule for v in refused.value.violations] == ["consensus"]
    await congress.appoint(app, cast.committee, cast.plan_id, position_group=COMMITTEE,
                           who=card(16), decision_ref="QĐ-21/BTV", members=9, agreeing=7,
                           reason="Chỉ định bổ sung theo ý kiến đồng thuận", key=key())
    committee = await congress.show_elected_committee(app, cast.department, cast.plan_id)
    group = committee.groups[0]
    assert (group.elected, group.appointed, group.open) == (14, 1, 0)
    appointed = [m for m in committee.members if m.how == "appointed"]
    assert [(m.party_card_number, m.decision_ref, m.body) for m in appointed] == [
        ("TD-000016", "QĐ-21/BTV", "superior_standing_committee")]


# --- the planned secretary not elected ------------------------------------------------------------
async def test_the_planned_secretary_not_elected_pauses_until_the_superior_committee_directs(
        app: Context, store: PostgresEventStore, tmp_path: Path) -> None:
    cast = await congress_of(app, store, f"dh-{uuid.uuid4().hex[:8]}")
    await open_committee_round(app, cast)
    entries = await entries_of(app, cast.plan_id, 1)
    # Both persons the plan prepared for secretary (c1, c2) fall short; 15 others pass.
    votes = committee_votes(cast.plan_id, entries, c1=40, c2=35, c15=66, c16=65, c17=64)
    planned = {nomination(cast.plan_id, i) for i in range(1, 18)}
    votes |= {e: 63 for e in entries if e not in planned}
    await import_and_sign(app, cast, 1, votes, 100, tmp_path)
    view = await congress.show_congress(app, cast.committee, cast.plan_id)
    assert view.phase == "paused" and view.paused_groups == (SECRETARY,)
    assert "TD-000001" in view.pause_reason and "TD-000002" in view.pause_reason

    with pytest.raises(Rejected) as refused:
        await congress.open_round(app, cast.department, cast.plan_id, position_group=STANDING,
                                  body="executive_committee", seats=5, summoned=15,
                                  present=15, held_on=today(app), key=key())
    assert [v.rule for v in refused.value.violations] == ["election_paused"]
    with pytest.raises(Forbidden):
        await congress.give_direction(app, cast.department, cast.plan_id,
                                      decision_ref="x", direction="Tiếp tục", key=key())
    await congress.give_direction(app, cast.committee, cast.plan_id, decision_ref="CV-5/BTV",
                                  direction="Tiếp tục bầu Ban Thường vụ; Ban Thường vụ Tỉnh "
                                            "ủy sẽ giới thiệu nhân sự Bí thư", key=key())
    state = (await load_congress(store, cast.plan_id)).state
    assert state.phase is CongressPhase.OPEN
    await congress.open_round(app, cast.department, cast.plan_id, position_group=STANDING,
                              body="executive_committee", seats=5, summoned=15, present=15,
                              held_on=today(app), key=key())


# --- who may do what --------------------------------------------------------------------------
async def test_only_the_counting_committee_counts_and_signs_only_the_superior_approves(
        app: Context, store: PostgresEventStore, tmp_path: Path) -> None:
    cast = await congress_of(app, store, f"dh-{uuid.uuid4().hex[:8]}")
    await open_committee_round(app, cast, nominee=False)
    entries = await entries_of(app, cast.plan_id, 1)
    patterns = spread(entries, committee_votes(cast.plan_id, entries, c15=70), 100, 15)
    path = ballot_file(tmp_path / "phieu.csv", patterns, await names_of(app, cast.plan_id))
    for who in (cast.department, cast.committee, cast.auditor):
        with pytest.raises(Forbidden):
            await congress.import_ballots(app, who, cast.plan_id, 1, path, issued=100)
    other = await people.person(app, [(Role.VOTE_COUNTING_COMMITTEE, "org-tinh-lam-dong",
                                       None)], "kiemphieu-khac")
    with pytest.raises(Forbidden):  # a counting committee of another organization
        await congress.import_ballots(app, other.principal, cast.plan_id, 1, path, issued=100)
    counted = await congress.import_ballots(app, cast.counters, cast.plan_id, 1, path,
                                            issued=100)
    for who in (cast.department, cast.committee):
        with pytest.raises(Forbidden):
            await congress.sign_count(app, who, cast.plan_id, 1, signatories=("A",),
                                      key=key())
    await congress.sign_count(app, cast.counters, cast.plan_id, 1, signatories=("Lê Văn Kiểm",),
                              count_digest=counted.count_digest, key=key())
    for who in (cast.department, cast.counters):
        with pytest.raises(Forbidden):
            await congress.approve_result(app, who, cast.plan_id, decision_ref="QĐ",
                                          key=key())
        with pytest.raises(Forbidden):
            await congress.appoint(app, who, cast.plan_id, position_group=COMMITTEE,
                                   who=card(16), decision_ref="QĐ", members=9, agreeing=9,
                                   reason="x", key=key())
    # The counting committee reads its congress, not the plan's dossiers.
    assert (await congress.show_round(app, cast.counters, cast.plan_id, 1)).number == 1
    from application.preparation import show_plan

    with pytest.raises(Forbidden):
        await show_plan(app, cast.counters, cast.plan_id)
    await congress.approve_result(app, cast.committee, cast.plan_id, decision_ref="QĐ-3/BTV",
                                  key=key())


# --- counting again ---------------------------------------------------------------------------
async def test_a_recount_of_the_same_ballots_in_another_order_is_the_same_count(
        app: Context, store: PostgresEventStore, tmp_path: Path) -> None:
    cast = await congress_of(app, store, f"dh-{uuid.uuid4().hex[:8]}")
    await open_committee_round(app, cast, nominee=False)
    entries = await entries_of(app, cast.plan_id, 1)
    patterns = (*spread(entries, committee_votes(cast.plan_id, entries, c15=70), 100, 15),
                *invalid(entries))
    names = await names_of(app, cast.plan_id)
    first = await congress.import_ballots(
        app, cast.counters, cast.plan_id, 1, ballot_file(tmp_path / "a.csv", patterns, names,
                                                         seed=1), issued=105)
    again = await congress.import_ballots(
        app, cast.counters, cast.plan_id, 1, ballot_file(tmp_path / "b.csv", patterns, names,
                                                         seed=2, numbered=True), issued=105)

    assert again.count_digest == first.count_digest
    assert again.canonical_file == first.canonical_file
    assert again.ballot.recount_matches is True and again.ballot.counts == 2
    stored = [e for e in await store.read_stream(congress_stream(cast.plan_id))
              if e.event_type == "BallotsCounted"]
    assert len(stored) == 2 and stored[0].data["count"] == stored[1].data["count"]


# --- the secret ballot ------------------------------------------------------------------------
# Words of a key that would name a voter or a ballot's place (the key split at "_").
VOTER_WORDS = frozenset({"voter", "voters", "elector", "row", "line", "index", "order",
                         "sequence", "stt", "nguoi", "cu", "tri"})


def keys_in(data: Any) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in keys_in(v)}
    if isinstance(data, list):
        return {k for v in data for k in keys_in(v)}
    return set()


def normalized(data: Any, plan_id: str, cards: Mapping[str, str]) -> Any:
    """Stored data with what differs between two congresses whatever the ballots blanked (the
    plan, the people acting, the moments, the ids made by each workflow), and each name on
    the ballot by its party card rather than the plan's nomination id."""
    per_run = {"occurred_at", "actor", "organization_id", "role", "workflow_id",
               "workflow_run_id", "decided_on", "command_digest", "plan_id",
               "count_digest"}  # the digest of the count, whose names are the plan's ids
    if isinstance(data, dict):
        return {k: "·" if k in per_run else normalized(v, plan_id, cards)
                for k, v in data.items()}
    if isinstance(data, list):
        return [normalized(v, plan_id, cards) for v in data]
    if isinstance(data, str):
        return cards.get(data, data.replace(plan_id, "·"))
    return data


async def counts_in_history(client: Client, plan_id: str) -> list[CountBallots]:
    """The count commands as the congress workflow's history holds them (Update inputs)."""
    history = await client.get_workflow_handle(congress_workflow_id(plan_id)).fetch_history()
    found = []
    for event in history.events:
        if event.event_type is not EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            continue
        request = event.workflow_execution_update_accepted_event_attributes.accepted_request
        if request.input.name == "count_ballots":
            [command] = await client.data_converter.decode(request.input.args.payloads,
                                                           [CountBallots])
            found.append(command)
    return found


async def test_secret_ballot_nothing_stored_links_a_ballot_to_a_voter_or_its_place(
        app: Context, store: PostgresEventStore, temporal_client: Client,
        tmp_path: Path) -> None:
    """Two congresses count the same ballots, one file in the order the ballots were read
    and numbered, the other shuffled: every stored byte about the count is the same, the
    workflow's history holds the same command, and nothing anywhere is per ballot."""
    casts = [await congress_of(app, store, f"dh-{uuid.uuid4().hex[:8]}") for _ in range(2)]
    for cast in casts:
        await open_committee_round(app, cast, nominee=False)
    entries = await entries_of(app, casts[0].plan_id, 1)
    cards = [await names_of(app, c.plan_id) for c in casts]
    assert [cards[0][e] for e in entries] == [cards[1][e] for e in
                                              await entries_of(app, casts[1].plan_id, 1)]
    patterns = (*spread(entries, committee_votes(casts[0].plan_id, entries, c15=70),
                          100, 15), *invalid(entries))
    names = await names_of(app, casts[0].plan_id)
    files = [ballot_file(tmp_path / "theo-thu-tu.csv", patterns, names, numbered=True),
             ballot_file(tmp_path / "xao-tron.csv", patterns, names, seed=99)]
    assert files[0].read_bytes() != files[1].read_bytes()
    for cast, path in zip(casts, files, strict=True):
        await congress.import_ballots(app, cast.counters, cast.plan_id, 1, path, issued=105)

    stored = []
    for cast in casts:
        events = [e for e in await store.read_stream(congress_stream(cast.plan_id))
                  if e.event_type == "BallotsCounted"]
        assert len(events) == 1  # one event per count, never one per ballot
        stored.append(events[0])
    a, b = stored
    assert a.data["count"]["ballot_file_sha256"] == b.data["count"]["ballot_file_sha256"]
    assert a.data["command_id"] == b.data["command_id"]  # derived from the ballots' content
    assert normalized(a.data, casts[0].plan_id, cards[0]) == normalized(
        b.data, casts[1].plan_id, cards[1])
    assert normalized(a.metadata, casts[0].plan_id, cards[0]) == normalized(
        b.metadata, casts[1].plan_id, cards[1])
    counts = [normalized(e.data["count"], c.plan_id, card)
              for e, c, card in zip(stored, casts, cards, strict=True)]
    assert json.dumps(counts[0], sort_keys=True) == json.dumps(counts[1], sort_keys=True)

    # Temporal's history holds the command as sent: the same canonical patterns.
    commands = [await counts_in_history(temporal_client, c.plan_id) for c in casts]
    assert [len(c) for c in commands] == [1, 1]
    sent = [sorted((p.issued, sorted(card[e] for e in p.crossed_out), p.marked, p.count)
                   for p in c[0].ballots) for c, card in zip(commands, cards, strict=True)]
    assert sent[0] == sent[1]
    for c in commands:
        assert list(c[0].ballots) == sorted(c[0].ballots, key=lambda p: p.key())

    # Nothing stored names a voter or a place among the ballots: not a key of any stored
    # congress event, not a column of any table.
    for cast in casts:
        for event in await store.read_stream(congress_stream(cast.plan_id)):
            found = {k for k in keys_in(event.data) | keys_in(event.metadata)
                     if VOTER_WORDS & set(k.casefold().split("_"))}
            assert found == set(), (event.event_type, found)
    async with app.engine.connect() as conn:
        columns = (await conn.execute(text(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"))).all()
        suspicious = [c for c in columns if any(w in c[2].casefold()
                                                for w in ("voter", "ballot", "cu_tri"))]
        assert suspicious == []
        # The ballot file's rows are stored nowhere: no table holds one of its lines.
        crossed = next(row[2] for row in csv.reader(files[0].read_text("utf-8").splitlines()[1:])
                       if row[2].count(";") >= 2)
        hits = []
        for schema, table, column in columns:
            found = await conn.execute(text(
                f'SELECT count(*) FROM "{schema}"."{table}" WHERE "{column}"::text LIKE :p'),
                {"p": f"%{crossed}%"})
            if found.scalar_one():
                hits.append((schema, table, column))
        assert hits == []
