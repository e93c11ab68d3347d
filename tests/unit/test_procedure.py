"""Procedure definitions are versioned data files, checked when loaded."""

from __future__ import annotations

import hashlib
import json
import shutil
from copy import deepcopy
from dataclasses import replace
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import procedures
from domain.errors import InvalidDefinition
from domain.events import PlanOpened, event_from_data
from domain.people import CandidateGroup
from domain.procedure import BALLOT_RULES, ElectionRule, PassBase, parse_procedure, ratio
from domain.serialization import to_data
from tests.support import golden

pytestmark = pytest.mark.unit


def test_both_directives_are_available() -> None:
    assert procedures.available() == ["directive-35-2019@v1", "directive-45-2025@v1",
                                      "directive-45-2025@v2"]


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
    with pytest.raises(procedures.UnknownProcedure, match="directive-35-2019@v1"):
        procedures.load("directive-99-2030")
    with pytest.raises(procedures.UnknownProcedure, match="không có phiên bản 7"):
        procedures.load("directive-45-2025@v7")
    with pytest.raises(procedures.UnknownProcedure):
        procedures.load("../domain/procedure")


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
    ({"steps": []}, "tăng dần"),
    ({"candidate_group_order": ["incumbent"]}, "candidate_group_order"),
    ({"candidate_group_order": ["incumbent", "incumbent"]}, "candidate_group_order"),
    ({"candidate_group_order": ["incumbent", "first_time", "incumbent"]},
     "candidate_group_order"),
    ({"position_groups": []}, "position_groups"),
    ({"quorum": "3/2"}, "ngoài khoảng 0..1"),
    ({"pass_threshold": "half"}, "không phải tỷ lệ"),
    ({"surplus__prepared_min": "1/5"}, "prepared_min lớn hơn"),
    ({"version": 0}, "số dương"),
    ({"term_months": 0}, "số dương"),
    ({"pass_base": "present"}, "định nghĩa quy trình"),
    ({"surprise": 1}, "unknown fields"),
])
def test_a_malformed_definition_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidDefinition, match=message):
        parse_procedure(definition(**changes))


def test_steps_out_of_order_are_refused() -> None:
    data = definition()
    data["steps"] = [data["steps"][1], data["steps"][0], *data["steps"][2:]]

    with pytest.raises(InvalidDefinition, match="tăng dần"):
        parse_procedure(data)


def test_duplicate_position_groups_are_refused() -> None:
    data = definition()
    data["position_groups"].append(data["position_groups"][0])

    with pytest.raises(InvalidDefinition, match="không được trùng"):
        parse_procedure(data)


def test_a_step_override_must_be_a_ratio() -> None:
    data = definition()
    data["steps"][1]["quorum"] = "most"

    with pytest.raises(InvalidDefinition, match="không phải tỷ lệ"):
        parse_procedure(data)


@pytest.mark.parametrize(("text", "value"), [("2/3", Fraction(2, 3)), ("0", Fraction(0)),
                                             ("1", Fraction(1)), ("3/20", Fraction(3, 20))])
def test_ratio(text: str, value: Fraction) -> None:
    assert ratio(text) == value


# --- published versions are locked ----------------------------------------------------------
SHIPPED = procedures.DIRECTORY


def copy_of_shipped(tmp_path: Path) -> Path:
    """The shipped directory's definitions and their records, in a directory of the test's."""
    for path in SHIPPED.glob("*.json"):
        shutil.copyfile(path, tmp_path / path.name)
    return tmp_path


def test_every_shipped_version_is_published_and_unaltered() -> None:
    records = procedures.published()

    assert sorted(records) == procedures.available()
    for key in procedures.available():
        definition = procedures.load(key)
        assert definition.key == key
        assert procedures.digest_of(SHIPPED / procedures.file_name(
            definition.procedure_id, definition.version)) == records[key]


def test_a_name_without_version_reads_the_latest_published_one(tmp_path: Path) -> None:
    directory = copy_of_shipped(tmp_path)
    data = json.loads((directory / "directive-45-2025@v2.json").read_text(encoding="utf-8"))
    data["version"] = 3
    data["eligibility"]["re_election_min_months_before_retirement"] = 36
    (directory / "directive-45-2025@v3.json").write_text(json.dumps(data), encoding="utf-8")
    procedures.publish("directive-45-2025@v3", directory)

    latest = procedures.load("directive-45-2025", directory=directory)
    first = procedures.load("directive-45-2025@v1", directory=directory)

    assert procedures.available(directory) == [
        "directive-35-2019@v1", "directive-45-2025@v1", "directive-45-2025@v2",
        "directive-45-2025@v3"]
    assert (latest.key, latest.eligibility.re_election_min_months_before_retirement) == (
        "directive-45-2025@v3", 36)
    assert (first.key, first.eligibility.re_election_min_months_before_retirement) == (
        "directive-45-2025@v1", 48)
    assert first == procedures.load("directive-45-2025@v1")  # the shipped v1, as published


def test_the_2025_procedure_v2_carries_the_election_rules_of_quy_che_190() -> None:
    """v2 is v1 with the election section of Quy chế 190; v1 reads with the defaults (the
    rules of Quy chế 244) and keeps the digest plans recorded."""
    v1, v2 = procedures.load("directive-45-2025@v1"), procedures.load("directive-45-2025@v2")

    assert procedures.load("directive-45-2025") == v2
    assert v1.election == ElectionRule() and v1.digest() == golden_v1_digest()
    assert replace(v2, version=1, regulation=v1.regulation, election=v1.election) == v1
    e = v2.election
    assert e.nomination_support_min == "3/10" and e.secretary_by_congress
    assert e.invalid_ballots == BALLOT_RULES
    assert (e.pass_base, e.pass_threshold, e.tie_break) == (PassBase.SUMMONED, "1/2", "revote")
    assert e.appointment_consensus == "2/3"
    assert "190-QĐ/TW" in v2.regulation


def golden_v1_digest() -> str:
    """The digest of directive-45-2025@v1 as plans recorded it before the election section
    (and eligibility.blocking) existed: its canonical data without them."""
    data = to_data(procedures.load("directive-45-2025@v1"))
    del data["election"]
    del data["eligibility"]["blocking"]
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("edit", [
    lambda text: text.replace('"re_election_min_months_before_retirement": 48',
                              '"re_election_min_months_before_retirement": 36'),
    lambda text: text + " ",  # even a space is a change
    lambda text: text.replace("\n", "\r\n"),  # and a line ending
], ids=["rule", "space", "line-ending"])
def test_an_edited_published_file_is_refused(tmp_path: Path, edit: Any) -> None:
    directory = copy_of_shipped(tmp_path)
    path = directory / "directive-45-2025.json"
    path.write_bytes(edit(path.read_text(encoding="utf-8")).encode("utf-8"))

    with pytest.raises(procedures.ProcedureAltered) as refused:
        procedures.load("directive-45-2025@v1", directory=directory)

    message = str(refused.value)
    assert "directive-45-2025@v1" in message
    assert "phiên bản mới" in message and "directive-45-2025@v3.json" in message
    assert isinstance(refused.value, procedures.ProcedureError)
    assert procedures.load("directive-35-2019", directory=directory)  # others still load


def test_a_version_never_published_is_refused(tmp_path: Path) -> None:
    directory = copy_of_shipped(tmp_path)
    data = json.loads((directory / "directive-35-2019.json").read_text(encoding="utf-8"))
    data["version"] = 2
    (directory / "directive-35-2019@v2.json").write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(procedures.ProcedureUnpublished, match="chưa được công bố"):
        procedures.load("directive-35-2019@v2", directory=directory)
    # The latest version is the unpublished one: the plain name is refused, not silently v1.
    with pytest.raises(procedures.ProcedureUnpublished):
        procedures.load("directive-35-2019", directory=directory)
    assert procedures.load("directive-35-2019@v1", directory=directory).version == 1


def test_a_file_must_hold_the_version_its_name_says(tmp_path: Path) -> None:
    directory = copy_of_shipped(tmp_path)
    data = json.loads((directory / "directive-35-2019.json").read_text(encoding="utf-8"))
    (directory / "directive-35-2019@v3.json").write_text(json.dumps(data), encoding="utf-8")
    procedures.publish("directive-35-2019@v3", directory)

    with pytest.raises(procedures.ProcedureError, match="directive-35-2019@v1"):
        procedures.load("directive-35-2019@v3", directory=directory)


def test_a_published_version_cannot_be_published_again_with_other_bytes(
        tmp_path: Path) -> None:
    directory = copy_of_shipped(tmp_path)
    before = procedures.published(directory)
    path = directory / "directive-35-2019.json"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")

    with pytest.raises(procedures.ProcedureAltered):
        procedures.publish("directive-35-2019@v1", directory)
    assert procedures.published(directory) == before


def test_a_directory_without_records_publishes_nothing(tmp_path: Path) -> None:
    shutil.copyfile(SHIPPED / "directive-35-2019.json", tmp_path / "directive-35-2019.json")

    with pytest.raises(procedures.ProcedureUnpublished):
        procedures.load("directive-35-2019", directory=tmp_path)


def test_a_recorded_definition_keeps_its_digest_when_parameters_are_added_later() -> None:
    """The worked plan's PlanOpened fixture was recorded before the retirement schedule and
    the blocking checks existed; read today (both at their defaults), its definition still
    hashes to the digest the plan recorded."""
    doc = golden.load(golden.path_of("PlanOpened", 1))
    opened = event_from_data("PlanOpened", 1, doc["data"])
    assert isinstance(opened, PlanOpened)

    assert "blocking" not in doc["data"]["procedure"]["eligibility"]
    assert opened.procedure.eligibility.blocking == ()
    assert opened.procedure.digest() == opened.procedure_digest
    with_blocking = replace(opened.procedure, eligibility=replace(
        opened.procedure.eligibility, blocking=("discipline_bar",)))
    assert with_blocking.digest() != opened.procedure_digest


def test_blocking_checks_must_be_known_check_codes() -> None:
    with pytest.raises(InvalidDefinition, match=r"eligibility\.blocking"):
        parse_procedure(definition(eligibility__blocking=["discipline_bar", "horoscope"]))
    assert parse_procedure(definition(eligibility__blocking=["discipline_bar"])
                           ).eligibility.blocking == ("discipline_bar",)
