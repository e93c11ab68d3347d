"""What every reader of a user's file shares: the one error it raises, the limits, and how text
is cleaned and shown back in a message.

A person fixes a file best when told every problem at once, each naming where it is as they
see it (the file, the row and column of the spreadsheet, the key of the TOML file), the rule
broken (an English code) and, in Vietnamese, what is wrong and what is expected.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from domain.errors import Violation

MAX_FILE_BYTES = 5 * 1024 * 1024  # 5 MB
MAX_ROWS = 2000  # rows of a list: candidates, votes, tie-break keys
MAX_TEXT_LENGTH = 300  # characters in one cell or one TOML string


class FileInputError(Exception):
    """A file handed in is unreadable or breaks rules; nothing was taken from it."""

    def __init__(self, violations: list[Violation] | tuple[Violation, ...]) -> None:
        if not violations:
            raise ValueError("FileInputError needs at least one violation")
        self.violations = tuple(violations)
        super().__init__("; ".join(str(v) for v in self.violations))


class Problems:
    """Collects violations while a file is read, then raises them all at once."""

    def __init__(self) -> None:
        self.items: list[Violation] = []

    def add(self, field: str, rule: str, message: str) -> None:
        self.items.append(Violation(field=field, rule=rule, message=message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise FileInputError(self.items)


def fail(field: str, rule: str, message: str) -> FileInputError:
    return FileInputError([Violation(field=field, rule=rule, message=message)])


# --- text ------------------------------------------------------------------------------------

_SPACES = re.compile(r"[^\S\r\n\t\f\v\x1c-\x1f\x85\u2028\u2029]+")
# Line breaks, tabs and other control or invisible format characters have no place in a name,
# a post or a key: they make two spellings of one thing look alike, or break a printed list.
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co"})


def clean(text: str) -> str:
    """Vietnamese typed on different keyboards comes composed or decomposed: keep one form (NFC),
    without spaces around it and with runs of spaces (no-break spaces too) made one."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in _CONTROL_CATEGORIES for ch in text)


def fold(text: str) -> str:
    """A key to compare words people write: case, diacritics, spaces, "_" do not matter.
    "Họ và tên", "ho va ten" and "HỌ  VÀ TÊN" fold alike; so do "Ủy" and "Uỷ"."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).casefold())
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    bare = bare.replace("đ", "d").replace("_", " ")
    bare = re.sub(r"\s*/\s*", "/", bare)
    return " ".join(bare.split())


def show(value: object, limit: int = 60) -> str:
    """A value as a message quotes it: control characters made visible, long text cut."""
    text = value if isinstance(value, str) else repr(value)
    visible = "".join(
        {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\u{ord(ch):04x}")
        if unicodedata.category(ch) in _CONTROL_CATEGORIES else ch
        for ch in text[: limit + 1]
    )
    if len(text) > limit:
        visible = visible[:limit] + "…"
    return f"«{visible}»"


def number_vi(n: int) -> str:
    """2000 -> "2.000", as numbers are written in Vietnamese."""
    return f"{n:,}".replace(",", ".")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- files -----------------------------------------------------------------------------------

def read_file(path: Path) -> bytes:
    """The file's bytes, refused when missing, not a file, unreadable or over the limit."""
    where = str(path)
    try:
        if not path.exists():
            raise fail(where, "file_exists", f"không tìm thấy tệp {show(where, 200)}")
        if not path.is_file():
            raise fail(where, "not_a_file",
                       f"{show(where, 200)} không phải là một tệp (có thể là một thư mục)")
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except FileInputError:
        raise
    except (OSError, ValueError) as exc:
        raise fail(where, "readable", f"không đọc được tệp {show(where, 200)}: {exc}") from None
    check_size(data, path.name)
    return data


def check_size(data: bytes, filename: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise fail(filename, "file_too_large",
                   f"tệp lớn hơn giới hạn 5 MB ({number_vi(MAX_FILE_BYTES)} byte); "
                   "hãy chia thành nhiều tệp nhỏ hơn")


def decode_utf8(data: bytes, filename: str, hint: str) -> str:
    """UTF-8 text, with or without a byte order mark (Excel writes one)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(filename, "utf8",
                   f"tệp không phải văn bản UTF-8 (byte thứ {number_vi(exc.start + 1)} không "
                   f"đọc được); {hint}") from None
