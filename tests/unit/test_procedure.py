"""Procedure definitions are versioned data files, checked when loaded."""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import date
from fractions import Fraction
from typing import Any

import pytest

import procedures
from domain.errors import InvalidDefinition
from domain.people import CandidateGroup
from domain.procedure import PassBase, parse_procedure, ratio
from domain.serialization import to_data

pytestmark = pytest.mark.unit


def test_both_directives_are_available() -> None:
    assert procedures.available() == ["directive-35-2019", "directive-45-2025"]


def test_the_2019_procedure() -> None:
    d = procedures.load("directive-35-2019")

    assert (d.key, d.effective_from, d.term_months) == ("directive-35-2019@v1",
                                                        date(2019, 5, 30), 60)
    assert d.candidate_group_order == (CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME)
    assert [s.number for s in d.steps] == [1, 2, 3, 4, 5]
    assert (d.final_step, d.next_step(1), d.next_step(5)) == (5, 2, None)
    assert (d.quorum, d.pass_base, d.pass_threshold) == ("2/3", PassBase.SUMMONED, "1/2")
    assert d.position_group_codes()[0] == "committee_member"
    assert d.eligibility.re_election_min_months_before_retirement == 30


def test_the_2025_procedure_keeps_the_steps_and_lengthens_the_retirement_margin() -> None:
    d35, d45 = procedures.load("directive-35-2019"), procedures.load("directive-45-2025")

    assert d45.eligibility.re_election_min_months_before_retirement == 48
    assert d45.effective_from == date(2025, 4, 14)
    assert d35.steps == d45.steps


def test_an_unknown_procedure() -> None:
    with pytest.raises(procedures.UnknownProcedure, match="directive-35-2019"):
        procedures.load("directive-99-2030")


def test_a_definition_round_trips_through_its_data() -> None:
    d = procedures.load()

    assert parse_procedure(json.loads(json.dumps(to_data(d)))) == d


def definition(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = deepcopy(to_data(procedures.load()))
    for path, value in changes.items():
        target = data
        *parents, last = path.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return data


@pytest.mark.parametrize(("changes", "message"), [
    ({"steps": []}, "increasing order"),
    ({"candidate_group_order": ["incumbent"]}, "candidate_group_order"),
    ({"candidate_group_order": ["incumbent", "incumbent"]}, "candidate_group_order"),
    ({"candidate_group_order": ["incumbent", "first_time", "incumbent"]},
     "candidate_group_order"),
    ({"position_groups": []}, "position_groups"),
    ({"quorum": "3/2"}, "outside 0..1"),
    ({"pass_threshold": "half"}, "not a ratio"),
    ({"surplus__prepared_min": "1/5"}, "prepared_min is above"),
    ({"version": 0}, "positive"),
    ({"term_months": 0}, "positive"),
    ({"pass_base": "present"}, "procedure definition"),
    ({"surprise": 1}, "unknown fields"),
])
def test_a_malformed_definition_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidDefinition, match=message):
        parse_procedure(definition(**changes))


def test_steps_out_of_order_are_refused() -> None:
    data = definition()
    data["steps"] = [data["steps"][1], data["steps"][0], *data["steps"][2:]]

    with pytest.raises(InvalidDefinition, match="increasing order"):
        parse_procedure(data)


def test_duplicate_position_groups_are_refused() -> None:
    data = definition()
    data["position_groups"].append(data["position_groups"][0])

    with pytest.raises(InvalidDefinition, match="unique"):
        parse_procedure(data)


def test_a_step_override_must_be_a_ratio() -> None:
    data = definition()
    data["steps"][1]["quorum"] = "most"

    with pytest.raises(InvalidDefinition, match="not a ratio"):
        parse_procedure(data)


@pytest.mark.parametrize(("text", "value"), [("2/3", Fraction(2, 3)), ("0", Fraction(0)),
                                             ("1", Fraction(1)), ("3/20", Fraction(3, 20))])
def test_ratio(text: str, value: Fraction) -> None:
    assert ratio(text) == value
