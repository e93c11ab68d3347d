"""Reading the files users hand in: a plan (TOML), candidates (UTF-8 CSV), a conference's
minutes (TOML). Every error names the file, the row or key, and the rule broken."""

from __future__ import annotations

import csv
import tomllib
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import procedures
from domain.commands import OpenPlan, RecordConferenceResult, RegisterCandidate
from domain.errors import Violation
from domain.people import (
    Actor,
    Candidate,
    CandidateGroup,
    DisciplineKind,
    DisciplineRecord,
    Gender,
    Organization,
)
from domain.plan import PlanState
from domain.plan_terms import SeatAllocation, StructureTargets, Vote


class InputError(Exception):
    def __init__(self, violations: list[Violation]) -> None:
        self.violations = tuple(violations)
        super().__init__("; ".join(str(v) for v in violations))


def _fail(field: str, rule: str, message: str) -> InputError:
    return InputError([Violation(field=field, rule=rule, message=message)])


def _nfc(text: str) -> str:
    """Vietnamese typed on different keyboards comes composed or decomposed: store one form."""
    return unicodedata.normalize("NFC", text).strip()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(str(path), "file_exists", "no such file") from None
    except UnicodeDecodeError:
        raise _fail(str(path), "utf8", "the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise _fail(str(path), "toml_syntax", str(exc)) from None


def _require(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise _fail(f"{where}{key}", "required", "missing")
    value = data[key]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise _fail(f"{where}{key}", "type", f"must be {kind.__name__}, got {value!r}")
    return value


def read_plan(path: Path, actor: Actor, command_id: str) -> OpenPlan:
    data = _read_toml(path)
    org = data.get("organization")
    if not isinstance(org, dict):
        raise _fail("organization", "required", "an [organization] table is required")
    seats = data.get("seats")
    if not isinstance(seats, dict) or not seats:
        raise _fail("seats", "required", "a [seats] table (position group = seats) is required")
    procedure_id = data.get("procedure", procedures.DEFAULT_PROCEDURE)
    try:
        procedure = procedures.load(procedure_id)
    except procedures.UnknownProcedure as exc:
        raise _fail("procedure", "known_procedure", str(exc)) from None
    targets = data.get("targets", {})
    unknown = set(targets) - set(StructureTargets.__dataclass_fields__)
    if unknown:
        raise _fail("targets", "known_target", f"unknown targets: {', '.join(sorted(unknown))}")
    return OpenPlan(
        command_id=command_id, actor=actor,
        plan_id=_require(data, "plan_id", str, ""),
        organization=Organization(
            organization_id=_require(org, "id", str, "organization."),
            name=_nfc(_require(org, "name", str, "organization.")),
            parent_id=org.get("parent_id"), level=org.get("level", "grassroots"),
        ),
        term=_require(data, "term", str, ""),
        term_start=_require(data, "term_start", date, ""),
        seats=tuple(SeatAllocation(position_group=k, seats=_require(seats, k, int, "seats."))
                    for k in seats),
        targets=StructureTargets(**targets), procedure=procedure,
    )


GENDERS = {"nam": Gender.MALE, "male": Gender.MALE, "nữ": Gender.FEMALE, "nu": Gender.FEMALE,
           "female": Gender.FEMALE}
GROUPS = {"tái cử": CandidateGroup.INCUMBENT, "tai cu": CandidateGroup.INCUMBENT,
          "incumbent": CandidateGroup.INCUMBENT, "lần đầu": CandidateGroup.FIRST_TIME,
          "lan dau": CandidateGroup.FIRST_TIME, "first_time": CandidateGroup.FIRST_TIME,
          "first-time": CandidateGroup.FIRST_TIME}
CSV_COLUMNS = ("full_name", "birth_date", "gender", "ethnicity", "candidate_group",
               "current_post")


def parse_gender(text: str, field: str = "gender") -> Gender:
    try:
        return GENDERS[_nfc(text).casefold()]
    except KeyError:
        raise _fail(field, "one_of", f"{text!r} is not one of nam, nữ, male, female") from None


def parse_group(text: str, field: str = "candidate_group") -> CandidateGroup:
    try:
        return GROUPS[_nfc(text).casefold()]
    except KeyError:
        raise _fail(field, "one_of",
                    f"{text!r} is not one of tái cử, lần đầu, incumbent, first_time") from None


YES = {"có", "co", "yes", "true", "1"}
NO = {"không", "khong", "no", "false", "0"}
DISCIPLINE = {"khiển trách": DisciplineKind.REPRIMAND, "reprimand": DisciplineKind.REPRIMAND,
              "cảnh cáo": DisciplineKind.WARNING, "warning": DisciplineKind.WARNING,
              "cách chức": DisciplineKind.DISMISSAL, "dismissal": DisciplineKind.DISMISSAL}


def parse_yes_no(text: str, field: str) -> bool | None:
    """Có / không; blank means not stated."""
    value = _nfc(text).casefold()
    if not value:
        return None
    if value in YES or value in NO:
        return value in YES
    raise _fail(field, "one_of", f"{text!r} is not có, không or blank")


def parse_discipline(text: str, field: str) -> tuple[DisciplineRecord, ...]:
    """"cảnh cáo 2024-05-01; khiển trách 2021-03-02" (kind, then the decision's date)."""
    records = []
    for part in filter(None, (p.strip() for p in _nfc(text).split(";"))):
        kind_text, _, day = part.rpartition(" ")
        kind = DISCIPLINE.get(kind_text.strip().casefold())
        if kind is None:
            raise _fail(field, "one_of",
                        f"{part!r}: write the kind (khiển trách, cảnh cáo, cách chức) then the "
                        f"date, e.g. 'cảnh cáo 2024-05-01'")
        records.append(DisciplineRecord(kind=kind, decided_on=parse_date(day, field)))
    return tuple(records)


def parse_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _fail(field, "date", f"{text!r} is not a date written YYYY-MM-DD") from None


def nomination_id_for(plan_id: str, candidate: Candidate, position_group: str) -> str:
    """Stable per person and group, so importing the same file twice registers no one twice."""
    who = candidate.party_card_number or f"{candidate.full_name.casefold()}|{candidate.birth_date}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"nhansu:{plan_id}:{position_group}:{who}"))


@dataclass(frozen=True)
class CandidateRow:
    row: int
    command: RegisterCandidate


def read_candidates(path: Path, plan_id: str, actor: Actor) -> list[CandidateRow]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _fail(str(path), "file_exists", "no such file") from None
    except UnicodeDecodeError:
        raise _fail(str(path), "utf8", "the CSV must be saved as UTF-8") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise _fail(f"{path.name}: header", "columns", f"missing columns: {', '.join(missing)}")
    rows: list[CandidateRow] = []
    problems: list[Violation] = []
    for number, row in enumerate(reader, start=2):
        try:
            rows.append(CandidateRow(row=number, command=_candidate_row(row, number, plan_id,
                                                                         actor)))
        except InputError as exc:
            problems.extend(exc.violations)
    if problems:
        raise InputError(problems)
    if not rows:
        raise _fail(path.name, "not_empty", "the file lists no candidate")
    return rows


def _candidate_row(row: dict[str, str], number: int, plan_id: str,
                   actor: Actor) -> RegisterCandidate:
    where = f"row {number}, "
    for column in CSV_COLUMNS:
        if not (row.get(column) or "").strip():
            raise _fail(where + column, "required", "empty")
    position_group = (row.get("position_group") or "").strip() or "committee_member"
    candidate = Candidate(
        in_cadre_plan=parse_yes_no(row.get("in_cadre_plan") or "", where + "in_cadre_plan"),
        discipline=parse_discipline(row.get("discipline") or "", where + "discipline"),
        full_name=_nfc(row["full_name"]),
        birth_date=parse_date(row["birth_date"], where + "birth_date"),
        gender=parse_gender(row["gender"], where + "gender"),
        ethnicity=_nfc(row["ethnicity"]), current_post=_nfc(row["current_post"]),
        party_card_number=(row.get("party_card_number") or "").strip() or None,
    )
    nomination_id = nomination_id_for(plan_id, candidate, position_group)
    return RegisterCandidate(
        command_id=f"register-{nomination_id}", actor=actor, nomination_id=nomination_id,
        candidate=candidate, position_group=position_group,
        candidate_group=parse_group(row["candidate_group"], where + "candidate_group"),
    )


def read_conference(path: Path, state: PlanState, actor: Actor,
                    command_id: str) -> RecordConferenceResult:
    data = _read_toml(path)
    votes = data.get("votes")
    if not isinstance(votes, dict) or not votes:
        raise _fail("votes", "required", "a [votes] table (candidate = yes-votes) is required")
    resolved = [Vote(nomination_id=_resolve(state, key), yes=_require(votes, key, int, "votes."))
                for key in votes]
    tie_break = tuple(_resolve(state, str(k)) for k in data.get("tie_break", []))
    return RecordConferenceResult(
        command_id=command_id, actor=actor,
        position_group=data.get("position_group", "committee_member"),
        candidate_group=parse_group(_require(data, "candidate_group", str, "")),
        step=_require(data, "step", int, ""), held_on=_require(data, "held_on", date, ""),
        summoned=_require(data, "summoned", int, ""),
        attending=_require(data, "attending", int, ""),
        ballots_issued=_require(data, "ballots_issued", int, ""),
        ballots_valid=_require(data, "ballots_valid", int, ""),
        votes=tuple(resolved), tie_break=tie_break,
    )


def _resolve(state: PlanState, key: str) -> str:
    """Tallies may name a nomination by its id or by the candidate's party card number."""
    if key in state.nominations:
        return key
    for n in state.nominations.values():
        if n.candidate.party_card_number == key:
            return n.nomination_id
    raise _fail(f"votes.{key}", "known_candidate",
                "neither a nomination id nor a party card number of this plan")
