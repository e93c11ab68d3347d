"""Forms that stand for files: a conference's minutes filled in on a page are written as the
minutes file they stand for and read by the same reader (``application.files``), so that a
form and an uploaded file are refused by the same rules with the same messages; and where
each message belongs on the page.

Every value typed is written into the TOML as a value (a string unless it is a plain number
or day), never as TOML text: what a person types cannot change the document's shape."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from application.files import toml_key, toml_string

COUNTS = ("summoned", "attending", "ballots_issued", "ballots_valid")
MINUTES_FIELDS = ("held_on", *COUNTS, "tie_break")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
VIETNAMESE_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
INDEXED_VOTE = re.compile(r"votes\[(\d+)\](?:\.yes)?")

#: The candidate form's fields and their Vietnamese titles (the candidate list's columns).
CANDIDATE_FIELDS = {
    "full_name": "Họ và tên", "birth_date": "Ngày sinh", "gender": "Giới tính",
    "ethnicity": "Dân tộc", "candidate_group": "Tái cử/Lần đầu",
    "current_post": "Chức vụ hiện tại", "party_card_number": "Số thẻ đảng viên",
    "position_group": "Nhóm chức danh", "in_cadre_plan": "Trong quy hoạch",
    "discipline": "Kỷ luật",
}


@dataclass(frozen=True, kw_only=True)
class Conference:
    """What the next conference is (from its minutes template): the fixed part of the form."""

    plan_id: str
    organization_id: str
    position_group: str
    candidate_group: str
    step: int
    attempt: int
    cards: tuple[str, ...]  # party card numbers (or nomination ids) in the template's order


def conference_of(template: str) -> Conference:
    data = tomllib.loads(template)
    return Conference(plan_id=data["plan_id"], organization_id=data["organization_id"],
                      position_group=data["position_group"],
                      candidate_group=data["candidate_group"], step=int(data["step"]),
                      attempt=int(data["attempt"]), cards=tuple(data["votes"]))


def _value(typed: str) -> str | None:
    """A typed value as a TOML value: a plain number as an integer, anything else as a
    string (the reader names the field and says what it expected); empty: None (left out)."""
    typed = typed.strip()
    if not typed:
        return None
    if typed.isascii() and typed.isdigit() and len(typed) <= 12:
        return str(int(typed))
    return toml_string(typed)


def minutes_text(fixed: Mapping[str, str], values: Mapping[str, str],
                 votes: Sequence[tuple[str, str]], tie_break: Sequence[str] = ()) -> str:
    """The minutes file a filled form stands for. ``fixed``: the plan, organization, groups,
    step and attempt (hidden fields of the form); ``values``: held_on and the counts as typed;
    ``votes``: (card, yes-votes as typed)."""
    lines = []
    for key in ("plan_id", "organization_id", "position_group", "candidate_group"):
        lines.append(f"{key} = {toml_string(fixed.get(key, ''))}")
    for key in ("step", "attempt"):
        value = _value(fixed.get(key, ""))
        if value is not None:
            lines.append(f"{key} = {value}")
    held_on = iso_day(values.get("held_on", ""))
    if held_on:
        lines.append(f"held_on = {held_on if DAY.fullmatch(held_on) else toml_string(held_on)}")
    for key in COUNTS:
        value = _value(values.get(key, ""))
        if value is not None:
            lines.append(f"{key} = {value}")
    chosen = [t for t in (c.strip() for c in tie_break) if t]
    if chosen:
        lines.append("tie_break = [" + ", ".join(toml_string(c) for c in chosen) + "]")
    lines.append("[votes]")
    for card, typed in votes:
        value = _value(typed)
        lines.append(f"{toml_key(card)} = {value if value is not None else toml_string('')}")
    return "\n".join(lines) + "\n"


def iso_day(typed: str) -> str:
    """A day as people write it (31/01/2025) in the form TOML writes it (2025-01-31); anything
    else as typed, for the reader to refuse with its own message."""
    typed = typed.strip()
    found = VIETNAMESE_DAY.fullmatch(typed)
    try:
        if found:
            d, m, y = (int(part) for part in found.groups())
            return date(y, m, d).isoformat()
        if DAY.fullmatch(typed):
            return date.fromisoformat(typed).isoformat()
    except ValueError:
        return f"«{typed}»"  # not a day: a string, which the reader refuses as held_on's
    return typed


VIETNAMESE_MOMENT = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T,]+(\d{1,2})(?:[:h](\d{2}))?(?::(\d{2}))?)?")


def iso_moment(typed: str) -> str:
    """A moment as people write it ("07/05/2025 17:00", Vietnam time unless a zone is
    written) in ISO form, for ``application.inputs.parse_moment``; anything else as typed."""
    typed = typed.strip()
    found = VIETNAMESE_MOMENT.fullmatch(typed)
    if not found:
        return typed
    d, m, y, hh, mm, ss = (int(g) if g else 0 for g in found.groups())
    return f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:{ss:02d}"


def _unquoted(key: str) -> str:
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "\"'":
        return key[1:-1]
    return key


def minutes_place(cards: Sequence[str]) -> Any:
    """Where a violation of a minutes form (read from its file, or refused by the domain)
    belongs: beside a count, the day, or one candidate's yes-votes; None: above the form."""

    def place(field: str) -> str | None:
        name = field.split(", khóa ", 1)[1] if ", khóa " in field else field
        if name in MINUTES_FIELDS:
            return name
        indexed = INDEXED_VOTE.fullmatch(name)
        if indexed and int(indexed.group(1)) < len(cards):
            return f"votes.{cards[int(indexed.group(1))]}"
        if name.startswith("votes."):
            card = _unquoted(name.removeprefix("votes."))
            if card in cards:
                return f"votes.{card}"
        return None

    return place


def candidate_place(field: str) -> str | None:
    """Where a violation of the candidate form belongs: the field whose title the reader
    named ("tùy chọn Họ và tên"), or the domain's ("candidate.birth_date")."""
    name = field.removeprefix("tùy chọn ")
    for code, title in CANDIDATE_FIELDS.items():
        if name in (title, code):
            return code
    last = field.rsplit(".", 1)[-1]
    return last if last in CANDIDATE_FIELDS else None


def reason_place(field: str) -> str | None:
    return "reason" if field.endswith("reason") else None


def file_place(field: str) -> str | None:
    """Every problem of an uploaded file is shown beside the file field."""
    return "file"
