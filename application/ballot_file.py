"""The ballot file the counting committee imports: a CSV (UTF-8, "," or ";"), one row per
ballot in the box, with Vietnamese or English headers:

| column | code | what |
|---|---|---|
| Có dấu | ``issued`` | có / không: the ballot carries the counting committee's seal |
| Gạch tên | ``crossed_out`` | party cards of the names crossed out, ";" between them |
| Ghi thêm tên | ``names_added`` | có / không (may be left out: không) |
| Đánh dấu | ``marked`` | có / không: signed or marked (may be left out: không) |

A column "STT" is ignored; any other column (a voter, a seat number) is refused: a ballot file
says nothing of who voted. The rows become ballot patterns in the canonical order at once
(``domain.ballots.canonical``): the order of the rows is read by nothing and kept nowhere.
``canonical_ballot_file`` writes the same ballots in the canonical form, the file whose
sha256 the count records.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from application.file_input import (
    Problems,
    check_size,
    clean,
    decode_utf8,
    fail,
    fold,
    has_control,
    number_vi,
    read_file,
    show,
)
from domain.ballots import BallotPattern, PatternKey, canonical

MAX_BALLOTS = 100_000
_COLUMNS: dict[str, tuple[str, ...]] = {
    "issued": ("issued", "Có dấu", "Có dấu Ban Kiểm phiếu", "Đóng dấu", "Phiếu phát ra"),
    "crossed_out": ("crossed_out", "Gạch tên", "Tên bị gạch", "Gạch"),
    "names_added": ("names_added", "Ghi thêm tên", "Ghi thêm"),
    "marked": ("marked", "Đánh dấu", "Ký tên", "Có ký hiệu"),
}
_IGNORED = frozenset(fold(t) for t in ("STT", "TT", "Số TT", "Số thứ tự"))
_BY_NAME = {fold(name): code for code, names in _COLUMNS.items() for name in names}
_YES = frozenset(fold(t) for t in ("có", "yes", "x", "1", "true", "đúng", "co"))
_NO = frozenset(fold(t) for t in ("không", "no", "0", "false", "sai", "khong"))
_KNOWN = ", ".join(f"«{names[1]}» ({code})" for code, names in _COLUMNS.items())
HINT = "lưu bằng «CSV UTF-8»"


@dataclass(frozen=True, kw_only=True)
class BallotFile:
    """The ballots of a file, as patterns in the canonical order, and how many there are."""

    filename: str
    patterns: tuple[BallotPattern, ...]
    ballots: int


def read_ballots(path: Path, reference: Mapping[str, str]) -> BallotFile:
    return read_ballots_bytes(read_file(path), path.name, reference)


def read_ballots_bytes(data: bytes, filename: str, reference: Mapping[str, str]) -> BallotFile:
    """The ballots of a CSV; ``reference`` maps each name on the ballot as the file writes
    it (its party card) to the entry it is. Every problem is reported at once."""
    check_size(data, filename)
    text = decode_utf8(data, filename, HINT)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                  strict=True))
    except csv.Error as exc:
        raise fail(filename, "csv_format", f"tệp không đúng định dạng CSV ({exc}); {HINT}") \
            from None
    rows = [(n, r) for n, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    if not rows:
        raise fail(filename, "not_empty", "tệp trống: dòng đầu là tiêu đề các cột, mỗi dòng "
                                          "sau là một phiếu bầu")
    header_row, header = rows[0]
    columns = _columns(filename, header_row, header)
    if len(rows) - 1 > MAX_BALLOTS:
        raise fail(filename, "too_many_rows",
                   f"tệp có {number_vi(len(rows) - 1)} phiếu, quá {number_vi(MAX_BALLOTS)}")
    by_card = {fold(card): entry for card, entry in reference.items()}
    problems = Problems()
    kinds: Counter[PatternKey] = Counter()
    for number, cells in rows[1:]:
        pattern = _ballot(filename, number, cells, columns, by_card, problems)
        if pattern is not None:
            kinds[pattern.key()] += 1
    problems.raise_if_any()
    if not kinds:
        raise fail(filename, "not_empty", "tệp chưa có phiếu bầu nào")
    patterns = canonical(BallotPattern(issued=issued, crossed_out=crossed, names_added=added,
                                       marked=marked, count=count)
                         for (issued, crossed, added, marked), count in kinds.items())
    return BallotFile(filename=filename, patterns=patterns,
                      ballots=sum(p.count for p in patterns))


def _columns(filename: str, row: int, header: list[str]) -> dict[str, int]:
    problems = Problems()
    found: dict[str, int] = {}
    where = f"{filename}, dòng {row}"
    for index, cell in enumerate(header):
        name = clean(cell)
        if not name or fold(name) in _IGNORED:
            continue
        code = _BY_NAME.get(fold(name))
        if code is None:
            problems.add(f"{where}, cột {show(name)}", "unknown_column",
                         f"không nhận cột {show(name)}: tệp phiếu bầu không ghi gì khác ngoài "
                         f"nội dung phiếu; các cột được nhận: {_KNOWN}")
        elif code in found:
            problems.add(f"{where}, cột {show(name)}", "duplicate_column",
                         f"cột {show(name)} ghi hai lần")
        else:
            found[code] = index
    for code in ("issued", "crossed_out"):
        if code not in found:
            problems.add(where, "missing_column",
                         f"thiếu cột «{_COLUMNS[code][1]}» ({code}); các cột: {_KNOWN}")
    problems.raise_if_any()
    return found


def _ballot(filename: str, number: int, cells: list[str], columns: Mapping[str, int],
            by_card: Mapping[str, str], problems: Problems) -> BallotPattern | None:
    where = f"{filename}, dòng {number}"
    ok = True

    def cell(code: str) -> str:
        index = columns.get(code)
        return clean(cells[index]) if index is not None and index < len(cells) else ""

    def flag(code: str, *, required: bool) -> bool:
        nonlocal ok
        value = cell(code)
        if not value and not required:
            return False
        if fold(value) in _YES:
            return True
        if fold(value) in _NO:
            return False
        ok = False
        problems.add(f"{where}, cột {_COLUMNS[code][1]}", "boolean",
                     f"{show(value)} không hợp lệ; hãy viết có hoặc không")
        return False

    issued = flag("issued", required=True)
    added = flag("names_added", required=False)
    marked = flag("marked", required=False)
    written = cell("crossed_out")
    if has_control(written):
        problems.add(f"{where}, cột {_COLUMNS['crossed_out'][1]}", "no_control_characters",
                     "ô có ký tự điều khiển")
        return None
    crossed: list[str] = []
    for name in written.replace(",", ";").replace(" ", ";").split(";"):
        if not name:
            continue
        entry = by_card.get(fold(name))
        if entry is None:
            ok = False
            problems.add(f"{where}, cột {_COLUMNS['crossed_out'][1]}", "on_the_ballot",
                         f"{show(name)} không phải số thẻ đảng của người có tên trên phiếu bầu")
        elif entry in crossed:
            ok = False
            problems.add(f"{where}, cột {_COLUMNS['crossed_out'][1]}", "duplicate",
                         f"{show(name)} được ghi gạch hai lần trên một phiếu")
        else:
            crossed.append(entry)
    if not ok:
        return None
    return BallotPattern(issued=issued, crossed_out=tuple(sorted(crossed)), names_added=added,
                         marked=marked)
