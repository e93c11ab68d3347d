"""Ballots: every reason a ballot is invalid and its edges, the count, the canonical order
that keeps nothing of the order ballots were read in, and a recount's identity."""

from __future__ import annotations

import hashlib
import random

import pytest

import procedures
from domain.ballots import (
    CANONICAL_HEADER,
    BallotPattern,
    ballot_file_sha256,
    canonical,
    canonical_ballot_file,
    canonical_encoding,
    count_ballots,
    count_digest,
    invalid_reason,
    is_canonical,
)
from domain.procedure import BALLOT_RULES

pytestmark = pytest.mark.unit

V2 = procedures.load("directive-45-2025@v2").election.invalid_ballots  # Quy chế 190
V1 = procedures.load("directive-45-2025@v1").election.invalid_ballots  # defaults (244)
NAMES = ("a", "b", "c", "d", "e")  # a list of 5 for 3 seats: a surplus of 2


def ballot(*crossed: str, issued: bool = True, added: bool = False, marked: bool = False,
           n: int = 1) -> BallotPattern:
    return BallotPattern(issued=issued, crossed_out=tuple(sorted(crossed)), names_added=added,
                         marked=marked, count=n)


def reason(pattern: BallotPattern, *, size: int = 5, seats: int = 3,
           rules: tuple[str, ...] = V2) -> str | None:
    return invalid_reason(pattern, size=size, seats=seats, rules=rules)


# --- validity, rule by rule ------------------------------------------------------------------
def test_the_procedures_name_their_rules() -> None:
    assert V2 == BALLOT_RULES
    assert V1 == ("not_issued", "too_many_kept", "none_kept_with_surplus")


def test_a_ballot_without_the_counting_committees_seal_is_invalid() -> None:
    assert reason(ballot("a", "b", issued=False)) == "not_issued"
    assert reason(ballot("a", "b")) is None


@pytest.mark.parametrize(("crossed", "expected"), [
    (("a", "b"), None),  # keeps exactly the seats
    (("a", "b", "c"), None),  # keeps fewer: fine
    (("a", "b", "c", "d"), None),  # keeps one
    (("a",), "too_many_kept"),  # keeps one more than the seats
    ((), "too_many_kept"),  # keeps everyone
])
def test_keeping_more_names_than_seats_is_invalid_and_fewer_is_not(
        crossed: tuple[str, ...], expected: str | None) -> None:
    assert reason(ballot(*crossed)) == expected


def test_keeping_none_is_invalid_on_a_list_with_a_surplus_only() -> None:
    assert reason(ballot(*NAMES)) == "none_kept_with_surplus"
    # The same ballot on a list without surplus (3 names, 3 seats): a vote against all.
    assert reason(ballot("a", "b", "c"), size=3, seats=3) is None
    # A single candidate crossed out on a single-seat list: a vote against, valid.
    assert reason(ballot("a"), size=1, seats=1) is None
    assert reason(ballot(), size=1, seats=1) is None


def test_names_written_in_and_marks_are_invalid_under_quy_che_190() -> None:
    assert reason(ballot("a", "b", added=True)) == "names_added"
    assert reason(ballot("a", "b", marked=True)) == "marked"


def test_a_procedure_without_those_rules_counts_such_ballots() -> None:
    assert reason(ballot("a", "b", added=True), rules=V1) is None
    assert reason(ballot("a", "b", marked=True), rules=V1) is None


def test_the_first_rule_that_applies_is_the_reason_given() -> None:
    many = ballot(issued=False, added=True, marked=True)  # also keeps all five
    assert reason(many) == "not_issued"
    assert reason(ballot(added=True, marked=True)) == "too_many_kept"
    assert reason(many, rules=("marked", "not_issued")) == "marked"


# --- the count --------------------------------------------------------------------------------
def box() -> list[BallotPattern]:
    """12 ballots read one by one: 8 valid, 4 invalid (one of each of four reasons)."""
    return [
        ballot("d", "e"), ballot("d", "e"), ballot("c", "e"), ballot("a", "e"),
        ballot("b", "c", "d", "e"), ballot("c", "d"), ballot("d", "e"), ballot("a", "b", "c"),
        ballot("d", issued=False), ballot(), ballot(*NAMES), ballot("d", "e", marked=True),
    ]


CARDS = {name: f"TD-{name.upper()}" for name in NAMES}


def test_the_count_has_kept_votes_per_name_and_invalid_ballots_per_reason() -> None:
    result = count_ballots(round=1, ballot=1, seats=3, entries=NAMES, issued=11,
                           patterns=box(), rules=V2, ballot_file_sha256="0" * 64)

    assert (result.returned, result.valid, result.invalid, result.issued) == (12, 8, 4, 11)
    assert {v.entry_id: v.kept for v in result.votes} == {"a": 6, "b": 6, "c": 4, "d": 3,
                                                          "e": 2}
    assert [(i.reason, i.ballots) for i in result.invalid_by_reason] == [
        ("not_issued", 1), ("too_many_kept", 1), ("none_kept_with_surplus", 1),
        ("names_added", 0), ("marked", 1)]
    assert [v.entry_id for v in result.votes] == list(NAMES)  # the ballot's order


def test_canonical_merges_kinds_and_forgets_the_order_ballots_were_read_in() -> None:
    read = box()
    merged = canonical(read)

    assert sum(p.count for p in merged) == len(read)
    assert len(merged) == len({p.key() for p in read}) == 10
    assert is_canonical(merged) and not is_canonical(tuple(read))
    shuffled = read[:]
    random.Random(7).shuffle(shuffled)
    assert canonical(shuffled) == merged
    assert canonical([*merged[5:], *merged[:5]]) == merged


def test_a_recount_of_the_same_ballots_in_another_order_is_the_same_count_byte_for_byte() -> None:
    first = count_ballots(round=1, ballot=1, seats=3, entries=NAMES, issued=11,
                          patterns=box(), rules=V2,
                          ballot_file_sha256=ballot_file_sha256(box(), CARDS))
    for seed in range(5):
        shuffled = box()
        random.Random(seed).shuffle(shuffled)
        again = count_ballots(round=1, ballot=1, seats=3, entries=NAMES, issued=11,
                              patterns=shuffled, rules=V2,
                              ballot_file_sha256=ballot_file_sha256(shuffled, CARDS))

        assert canonical_encoding(again) == canonical_encoding(first)
        assert count_digest(again) == count_digest(first)
    assert count_digest(first) == hashlib.sha256(canonical_encoding(first)).hexdigest()


def test_a_different_box_is_a_different_count() -> None:
    one_more = [*box(), ballot("a", "b")]
    first = count_ballots(round=1, ballot=1, seats=3, entries=NAMES, issued=12,
                          patterns=box(), rules=V2, ballot_file_sha256="0" * 64)
    second = count_ballots(round=1, ballot=1, seats=3, entries=NAMES, issued=12,
                           patterns=one_more, rules=V2, ballot_file_sha256="0" * 64)

    assert count_digest(first) != count_digest(second)


def test_the_canonical_ballot_file_is_one_sorted_line_per_ballot_by_party_card() -> None:
    text = canonical_ballot_file(box(), CARDS).decode("utf-8")
    lines = text.splitlines()

    assert lines[0] == CANONICAL_HEADER
    assert len(lines) == 1 + 12 and lines[1:] == sorted(lines[1:])
    assert "no,TD-D,no,no" in lines  # the ballot without a seal
    assert "yes,TD-D;TD-E,no,yes" in lines  # the marked one
    assert "yes,,no,no" in lines  # the one keeping everyone
    assert text.endswith("\n") and "\r" not in text
    shuffled = box()
    random.Random(3).shuffle(shuffled)
    assert canonical_ballot_file(shuffled, CARDS) == canonical_ballot_file(box(), CARDS)
    assert ballot_file_sha256(shuffled, CARDS) == hashlib.sha256(text.encode()).hexdigest()
