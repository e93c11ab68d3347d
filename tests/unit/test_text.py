"""Text at the door: one normalization for the boundary, the same checks in the domain."""

from __future__ import annotations

import unicodedata

import pytest

from domain.errors import Violations
from domain.text import (
    check_party_card,
    check_text,
    control_characters,
    is_identifier,
    is_nfc,
    is_uuid,
    nfc,
)

pytestmark = pytest.mark.unit

NAME = "Nguyễn Thị Hồng Nhung"
DECOMPOSED = unicodedata.normalize("NFD", NAME)


def found(check: object) -> list[tuple[str, str]]:
    v = Violations()
    check(v)  # type: ignore[operator]
    return [(x.field, x.rule) for x in v.items]


def test_nfc_composes_and_trims() -> None:
    assert DECOMPOSED != NAME and len(DECOMPOSED) > len(NAME)
    assert nfc(f"  {DECOMPOSED}\n") == NAME
    assert is_nfc(NAME) and not is_nfc(DECOMPOSED)
    assert nfc(nfc(DECOMPOSED)) == nfc(DECOMPOSED)


@pytest.mark.parametrize(("text", "multiline", "bad"), [
    ("Nguyễn Văn A", False, []),
    ("A\x00B", False, ["U+0000"]),
    ("\x1b[31mđỏ\x1b[0m", False, ["U+001B"]),
    ("An\u200bBình", False, ["U+200B"]),  # zero-width space (Cf)
    ("evil\u202etxt.exe", False, ["U+202E"]),  # right-to-left override (Cf)
    ("dòng 1\ndòng 2\tcột", False, ["U+000A", "U+0009"]),
    ("dòng 1\ndòng 2\tcột", True, []),
    ("dòng 1\r\ndòng 2", True, ["U+000D"]),
    ("private \ue000 use", False, ["U+E000"]),
])
def test_control_and_format_characters(text: str, multiline: bool, bad: list[str]) -> None:
    assert control_characters(text, multiline=multiline) == bad


@pytest.mark.parametrize(("text", "ok"), [
    ("plan-1", True), ("xa-an-binh-2025-2030", True), ("a", True), ("0", True),
    ("a" * 64, True), ("a" * 65, False), ("../../etc/passwd", False), ("Plan-1", False),
    ("plan_1", False), ("-plan", False), ("plan-", False), ("plan-1\n", False),
    ("", False), ("plan 1", False), ("kế-hoạch", False),
])
def test_identifiers(text: str, ok: bool) -> None:
    assert is_identifier(text) is ok


@pytest.mark.parametrize(("text", "ok"), [
    ("3f2b8c1e-0a4d-4e6f-9b7a-1c2d3e4f5a6b", True),
    ("3F2B8C1E-0A4D-4E6F-9B7A-1C2D3E4F5A6B", False),  # not the canonical (lower-case) form
    ("3f2b8c1e0a4d4e6f9b7a1c2d3e4f5a6b", False), ("n01", False),
    ("3f2b8c1e-0a4d-4e6f-9b7a-1c2d3e4f5a6b\n", False), ("", False),
])
def test_uuids(text: str, ok: bool) -> None:
    assert is_uuid(text) is ok


def test_a_text_within_its_limits_passes() -> None:
    assert found(lambda v: check_text(v, "f", NAME, what="Họ và tên", limit=200,
                                      required=True)) == []


@pytest.mark.parametrize(("text", "rules"), [
    ("   ", ["required"]),
    ("A" * 201, ["max_length"]),
    ("A" * 10_000, ["max_length"]),
    (DECOMPOSED, ["nfc"]),
    ("Nguyễn\x00Văn", ["no_control_characters"]),
    ("Nguyễn\nVăn", ["no_control_characters"]),
])
def test_a_bad_text_is_refused(text: str, rules: list[str]) -> None:
    assert found(lambda v: check_text(v, "f", text, what="Họ và tên", limit=200,
                                      required=True)) == [("f", r) for r in rules]


def test_a_paragraph_may_break_lines() -> None:
    assert found(lambda v: check_text(v, "reason", "Thứ nhất:\n\t- vì ...", what="Lý do",
                                      limit=2000, multiline=True)) == []


def test_a_too_long_text_is_not_read_further() -> None:
    """10,000 control characters make one violation, not a scan of each."""
    v = Violations()
    check_text(v, "f", "\x00" * 10_000, what="Họ và tên", limit=200)

    assert [(x.rule, "10.000" in x.message) for x in v.items] == [("max_length", True)]


@pytest.mark.parametrize(("card", "ok"), [
    ("TD-100003", True), ("012345678", True), ("HN/2020.15", True), ("A" * 32, True),
    ("A" * 33, False), ("-TD1", False), ("TD 100003", False), ("TĐ-1", False), ("", False),
])
def test_party_card_numbers(card: str, ok: bool) -> None:
    result = found(lambda v: check_party_card(v, "card", card))

    assert result == ([] if ok else [("card", "party_card_format")])
    assert found(lambda v: check_party_card(v, "card", None)) == []
