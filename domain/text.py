"""Text and identifiers at the domain's door.

``nfc`` is what the application layer applies to every piece of text a person typed, at the
boundary; the ``check_*`` functions are what the domain checks again (defence in depth), each
adding its violation, never changing the input: an event records exactly what was given.
"""

from __future__ import annotations

import re
import unicodedata

from domain.errors import Violations
from domain.vocabulary import number

# Unicode categories a person's text never needs: control (Cc), format (Cf: zero-width and
# direction marks), surrogates (Cs) and private use (Co).
CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})
# Reasons and finding text are paragraphs: a newline or a tab is part of them.
MULTILINE_ALLOWED = frozenset({"\n", "\t"})

IDENTIFIER = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
COMMAND_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,200}")
PARTY_CARD = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]{0,31}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def nfc(text: str) -> str:
    """The text as composed Unicode (NFC), without surrounding whitespace: how every input is
    normalized at the boundary, so "Nguyễn" typed on any keyboard is one spelling."""
    return unicodedata.normalize("NFC", text).strip()


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The forbidden characters in ``text``, each as "U+0000", in order, once each."""
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    found: dict[str, None] = {}
    for char in text:
        if char not in allowed and unicodedata.category(char) in CONTROL_CATEGORIES:
            found[f"U+{ord(char):04X}"] = None
    return list(found)


def is_identifier(text: str) -> bool:
    """A plan or organization id: lower-case letters, digits and inner hyphens, 1-64 long."""
    return isinstance(text, str) and IDENTIFIER.fullmatch(text) is not None


def is_uuid(text: str) -> bool:
    """A UUID in its canonical form: 36 characters, lower-case hexadecimal, hyphenated."""
    return isinstance(text, str) and UUID.fullmatch(text) is not None


def check_text(v: Violations, field: str, value: str, *, what: str, limit: int,
               required: bool = False, multiline: bool = False) -> None:
    """Free text a person typed: non-blank when required, NFC, no control characters
    (newline and tab only in paragraphs), at most ``limit`` characters. ``what`` names the
    field in the message, in Vietnamese."""
    if not isinstance(value, str):
        v.add(field, "required", f"{what} phải là văn bản")
        return
    if required and not value.strip():
        v.add(field, "required", f"{what} không được để trống")
    if len(value) > limit:
        v.add(field, "max_length",
              f"{what} dài {number(len(value))} ký tự, tối đa {number(limit)} ký tự")
        return  # a text too long is not read further
    if not is_nfc(value):
        v.add(field, "nfc", f"{what} chưa ở dạng Unicode dựng sẵn (NFC): hãy chuẩn hóa văn bản "
                            "trước khi gửi (dấu tiếng Việt gõ tách rời)")
    bad = control_characters(value, multiline=multiline)
    if bad:
        shown = ", ".join(bad[:5]) + (" ..." if len(bad) > 5 else "")
        v.add(field, "no_control_characters",
              f"{what} có ký tự điều khiển hoặc ký tự ẩn không được phép ({shown})")


def check_identifier(v: Violations, field: str, value: str, *, what: str) -> bool:
    ok = is_identifier(value)
    if not ok:
        v.add(field, "identifier",
              f"{what} {_shown(value)} không hợp lệ: chỉ gồm chữ thường không dấu, chữ số và "
              "dấu gạch ngang ở giữa, dài 1 đến 64 ký tự")
    return ok


def check_uuid(v: Violations, field: str, value: str, *, what: str = "Mã đề cử") -> bool:
    ok = is_uuid(value)
    if not ok:
        v.add(field, "uuid_format",
              f"{what} {_shown(value)} không phải UUID dạng chuẩn "
              "(36 ký tự thường, ví dụ 3f2b8c1e-0a4d-4e6f-9b7a-1c2d3e4f5a6b)")
    return ok


def check_command_id(v: Violations, value: str) -> bool:
    ok = isinstance(value, str) and COMMAND_ID.fullmatch(value) is not None
    if not ok:
        v.add("command_id", "identifier",
              f"Mã lệnh {_shown(value)} không hợp lệ: 1 đến 200 ký tự gồm chữ cái không dấu, "
              "chữ số và . _ : @ / + = -")
    return ok


def check_party_card(v: Violations, field: str, value: str | None) -> None:
    if value is None:
        return
    if not (isinstance(value, str) and PARTY_CARD.fullmatch(value)):
        v.add(field, "party_card_format",
              f"Số thẻ đảng viên {_shown(value)} không hợp lệ: 1 đến 32 ký tự gồm chữ cái "
              "không dấu, chữ số và . / -, bắt đầu bằng chữ cái hoặc chữ số")


def _shown(value: object, limit: int = 40) -> str:
    """A value quoted for a message, shortened and with control characters made visible."""
    text = str(value)
    cut = text[:limit] + ("…" if len(text) > limit else "")
    visible = "".join(f"U+{ord(c):04X}" if unicodedata.category(c) in CONTROL_CATEGORIES
                      else c for c in cut)
    return f"«{visible}»"
