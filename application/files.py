"""The files people actually hand in, read into plain data built from the domain's types: the
candidate list (CSV or Excel), the plan file (TOML) and a conference's minutes (TOML), and the
minutes template written for a conference.

Nothing here builds a command: the application layer does, from these results. Any input at
all, bytes or text or TOML values of any type, gives a result or a `FileInputError` naming every
problem of the file at once, each with where it is (in Vietnamese, as a person finds it: file,
row and column as written in the header, or the TOML key), the rule (an English code) and, in
Vietnamese with the official terms, what is wrong and what is expected.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import procedures
from application.file_input import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_TEXT_LENGTH,
    FileInputError,
    Problems,
    check_size,
    clean,
    decode_utf8,
    digest,
    fail,
    fold,
    has_control,
    number_vi,
    read_file,
    show,
)
from application.spreadsheets import Cell, Table, is_blank, read_table, text_of
from domain.people import (
    CANDIDATE_GROUP_LABELS_VI,
    Candidate,
    CandidateGroup,
    DisciplineKind,
    DisciplineRecord,
    Gender,
)
from domain.plan_terms import SeatAllocation, StructureTargets

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "CandidateList",
    "CandidateRow",
    "FileInputError",
    "Minutes",
    "MinutesTemplate",
    "PlanFile",
    "minutes_template",
    "read_candidates",
    "read_candidates_bytes",
    "read_minutes",
    "read_minutes_text",
    "read_plan",
    "read_plan_text",
]

T = TypeVar("T")

DEFAULT_POSITION_GROUP = "committee_member"
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2100, 12, 31)


# === words people write =======================================================================

GENDERS = {fold(k): v for k, v in {
    "nam": Gender.MALE, "male": Gender.MALE, "nữ": Gender.FEMALE, "female": Gender.FEMALE,
}.items()}
GROUPS = {fold(k): v for k, v in {
    "tái cử": CandidateGroup.INCUMBENT, "incumbent": CandidateGroup.INCUMBENT,
    "lần đầu": CandidateGroup.FIRST_TIME, "lần đầu tham gia": CandidateGroup.FIRST_TIME,
    "first_time": CandidateGroup.FIRST_TIME, "first-time": CandidateGroup.FIRST_TIME,
}.items()}
YES_NO = {fold(k): v for k, v in {
    "có": True, "yes": True, "true": True, "1": True,
    "không": False, "no": False, "false": False, "0": False,
}.items()}
DISCIPLINE = {fold(k): v for k, v in {
    "khiển trách": DisciplineKind.REPRIMAND, "reprimand": DisciplineKind.REPRIMAND,
    "cảnh cáo": DisciplineKind.WARNING, "warning": DisciplineKind.WARNING,
    "cách chức": DisciplineKind.DISMISSAL, "dismissal": DisciplineKind.DISMISSAL,
}.items()}
LEVELS = {
    "central": "Trung ương",
    "province": "tỉnh, thành phố trực thuộc Trung ương",
    "district": "huyện (đến năm 2025)",
    "commune": "xã, phường, đặc khu",
    "grassroots": "cơ sở",
}
DEFAULT_LEVEL = "grassroots"

_GROUPS_EXPECTED = "«tái cử» hoặc «lần đầu» (incumbent, first_time)"


def _parse_group(text: str) -> CandidateGroup | None:
    return GROUPS.get(fold(text))


@functools.cache
def _position_groups() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """Position groups of every procedure: how each may be written (its code, its Vietnamese
    title, the title without its parenthesis) and the list of (code, title)."""
    lookup: dict[str, str] = {}
    listing: dict[str, str] = {}
    for procedure_id in procedures.available():
        for group in procedures.load(procedure_id).position_groups:
            listing.setdefault(group.code, group.title_vi)
            short = re.sub(r"\s*\([^)]*\)", "", group.title_vi)
            for alias in (group.code, group.title_vi, short):
                lookup.setdefault(fold(alias), group.code)
    return lookup, tuple(listing.items())


def _parse_position_group(text: str) -> str | None:
    return _position_groups()[0].get(fold(text))


def _position_groups_expected() -> str:
    return ", ".join(f"{code} («{title}»)" for code, title in _position_groups()[1])


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DMY_DATE = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{4})")
DATE_EXPECTED = "ngày/tháng/năm như 25/08/1972 (hoặc 25-08-1972, 25.08.1972) hay 1972-08-25"


def _date_from_text(text: str) -> tuple[date | None, str, str]:
    """A day written dd/mm/yyyy (d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy) or YYYY-MM-DD; else the
    rule broken and why."""
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY_DATE.fullmatch(text):
        day, month, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
    else:
        return None, "date", f"{show(text)} không phải là ngày; hãy viết {DATE_EXPECTED}"
    try:
        value = date(year, month, day)
    except ValueError:
        return None, "date", f"{show(text)}: không có ngày {day} tháng {month} năm {year}"
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        return None, "range", f"{show(text)}: năm {year} nằm ngoài khoảng 1900–2100"
    return value, "", ""


# === candidates ===============================================================================

@dataclass(frozen=True, kw_only=True)
class CandidateRow:
    row: int  # as the spreadsheet numbers it: the header is row 1
    candidate: Candidate
    position_group: str  # a position group code, e.g. "committee_member"
    candidate_group: CandidateGroup


@dataclass(frozen=True, kw_only=True)
class CandidateList:
    filename: str
    digest: str  # sha256 of the file's bytes
    rows: tuple[CandidateRow, ...]


@dataclass(frozen=True)
class _Column:
    code: str
    title_vi: str
    aliases: tuple[str, ...] = ()
    required: bool = False


COLUMNS = (
    _Column("full_name", "Họ và tên", ("Họ tên", "full name"), required=True),
    _Column("birth_date", "Ngày sinh", ("Ngày tháng năm sinh", "Ngày, tháng, năm sinh"),
            required=True),
    _Column("gender", "Giới tính", ("Phái",), required=True),
    _Column("ethnicity", "Dân tộc", (), required=True),
    _Column("candidate_group", "Tái cử/Lần đầu",
            ("Nhóm", "Tái cử/Lần đầu tham gia", "Nhóm ứng viên"), required=True),
    _Column("current_post", "Chức vụ hiện tại", ("Chức vụ",), required=True),
    _Column("party_card_number", "Số thẻ đảng viên", ("Số thẻ đảng",)),
    _Column("position_group", "Nhóm chức danh", ()),
    _Column("in_cadre_plan", "Trong quy hoạch", ("Quy hoạch",)),
    _Column("discipline", "Kỷ luật", ("Kỉ luật", "Hình thức kỷ luật")),
)
IGNORED_COLUMNS = frozenset(fold(t) for t in ("STT", "TT", "Số TT", "Số thứ tự"))
_COLUMN_BY_NAME = {
    fold(name): column
    for column in COLUMNS for name in (column.code, column.title_vi, *column.aliases)
}
_KNOWN_COLUMNS = ", ".join(f"«{c.title_vi}» ({c.code})" for c in COLUMNS) + ", «STT»"


def read_candidates(path: Path) -> CandidateList:
    """The candidate list in a CSV (UTF-8, "," or ";") or an Excel workbook (.xlsx)."""
    return read_candidates_bytes(read_file(path), path.name)


def read_candidates_bytes(data: bytes, filename: str) -> CandidateList:
    """The same, from an upload's bytes and the name it came with."""
    check_size(data, filename)
    table = read_table(data, filename)
    columns = _columns(table, filename)
    problems = Problems()
    rows: list[CandidateRow] = []
    for number, cells in table.rows:
        row = _RowReader(filename, number, cells, columns, table.header, problems).candidate()
        if row is not None:
            rows.append(row)
    _check_duplicates(filename, rows, columns, problems)
    problems.raise_if_any()
    if not rows:
        raise fail(filename, "not_empty", "danh sách chưa có ứng viên nào: sau dòng tiêu đề, "
                   "mỗi dòng là một ứng viên")
    return CandidateList(filename=filename, digest=digest(data), rows=tuple(rows))


def _columns(table: Table, filename: str) -> dict[str, tuple[int, str]]:
    """Each known column's code -> (its index, its header as written in the file)."""
    problems = Problems()
    where = f"{filename}, dòng {table.header_row}"
    found: dict[str, tuple[int, str]] = {}
    named = [(i, clean(text_of(c))) for i, c in enumerate(table.header)]
    if sum(1 for _, name in named if name) > len(COLUMNS) + 10:
        raise fail(where, "columns",
                   f"dòng tiêu đề có {len([n for _, n in named if n])} cột, quá nhiều; các cột "
                   f"được nhận: {_KNOWN_COLUMNS}")
    for index, name in named:
        if not name or fold(name) in IGNORED_COLUMNS:
            continue
        column = _COLUMN_BY_NAME.get(fold(name))
        if column is None:
            problems.add(f"{where}, cột {show(name)}", "columns",
                         f"không nhận cột {show(name)}; các cột được nhận: {_KNOWN_COLUMNS}")
        elif column.code in found:
            problems.add(f"{where}, cột {show(name)}", "columns",
                         f"cột {show(name)} trùng với cột {show(found[column.code][1])} "
                         f"(cùng là {column.title_vi}); hãy giữ một cột")
        else:
            found[column.code] = (index, name)
    missing = [c for c in COLUMNS if c.required and c.code not in found]
    if missing:
        problems.add(where, "columns",
                     "thiếu cột " + ", ".join(f"«{c.title_vi}»" for c in missing)
                     + "; dòng đầu của tệp phải là tiêu đề các cột, ví dụ: "
                     + ", ".join(c.title_vi for c in COLUMNS))
    problems.raise_if_any()
    return found


class _RowReader:
    def __init__(self, filename: str, number: int, cells: tuple[Cell, ...],
                 columns: Mapping[str, tuple[int, str]], header: tuple[Cell, ...],
                 problems: Problems) -> None:
        self.filename, self.number, self.cells = filename, number, cells
        self.columns, self.header, self.problems = columns, header, problems
        self.ok = True

    def where(self, code: str) -> str:
        return f"{self.filename}, dòng {self.number}, cột {show(self.columns[code][1])}"

    def add(self, code: str, rule: str, message: str) -> None:
        self.ok = False
        self.problems.add(self.where(code), rule, message)

    def cell(self, code: str) -> Cell:
        if code not in self.columns:
            return None
        index = self.columns[code][0]
        return self.cells[index] if index < len(self.cells) else None

    def text(self, code: str, *, required: bool = False) -> str | None:
        value = clean(text_of(self.cell(code)))
        if not value:
            if required:
                self.add(code, "required", f"ô {show(self.columns[code][1])} bắt buộc, "
                         "đang để trống")
            return None
        if has_control(value):
            self.add(code, "no_control_characters",
                     f"{show(value)} có ký tự điều khiển (xuống dòng, tab…); hãy viết trên một "
                     "dòng, không xuống dòng trong ô")
            return None
        if len(value) > MAX_TEXT_LENGTH:
            self.add(code, "max_length", f"dài {number_vi(len(value))} ký tự, quá giới hạn "
                     f"{MAX_TEXT_LENGTH} ký tự")
            return None
        return value

    def choice(self, code: str, words: Mapping[str, T], expected: str,
                  parse: Callable[[str], T | None] | None = None,
                  *, required: bool = False) -> T | None:
        value = self.text(code, required=required)
        if value is None:
            return None
        result = parse(value) if parse else words.get(fold(value))
        if result is None:
            self.add(code, "one_of", f"{show(value)} không hợp lệ; hãy viết {expected}")
        return result

    def day(self, code: str) -> date | None:
        value = self.cell(code)
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            if not EARLIEST_DATE <= value <= LATEST_DATE:
                self.add(code, "range", f"{value:%d/%m/%Y}: năm nằm ngoài khoảng 1900–2100")
                return None
            return value
        if value is not None and not isinstance(value, str):
            self.add(code, "date", f"ô đang là {show(text_of(value))} chứ không phải ngày; "
                     f"hãy định dạng ô là ngày (Date) hoặc viết {DATE_EXPECTED}")
            return None
        text = self.text(code, required=True)
        if text is None:
            return None
        parsed, rule, message = _date_from_text(text)
        if parsed is None:
            self.add(code, rule, message)
        return parsed

    def discipline(self) -> tuple[DisciplineRecord, ...]:
        text = self.text("discipline")
        records: list[DisciplineRecord] = []
        for part in filter(None, (p.strip() for p in (text or "").split(";"))):
            kind_text, _, day_text = part.rpartition(" ")
            kind = DISCIPLINE.get(fold(kind_text))
            if kind is None:
                self.add("discipline", "one_of",
                         f"{show(part)}: hãy viết hình thức kỷ luật (khiển trách, cảnh cáo, cách "
                         "chức) rồi ngày quyết định, nhiều lần cách nhau bằng «;», ví dụ "
                         "«cảnh cáo 01/05/2024; khiển trách 02/03/2021»")
                continue
            decided_on, rule, message = _date_from_text(day_text)
            if decided_on is None:
                self.add("discipline", rule, f"{show(part)}: ngày quyết định {message}")
                continue
            records.append(DisciplineRecord(kind=kind, decided_on=decided_on))
        return tuple(records)

    def stray_cells(self) -> None:
        """Data under no header, or past the last column, would be lost without a word."""
        known = {index for index, _ in self.columns.values()}
        for index, value in enumerate(self.cells):
            if index in known or is_blank([value]):
                continue
            title = clean(text_of(self.header[index])) if index < len(self.header) else ""
            if title:
                continue  # an STT column
            self.ok = False
            self.problems.add(
                f"{self.filename}, dòng {self.number}, cột thứ {index + 1}", "columns",
                f"ô có dữ liệu {show(text_of(value))} nhưng cột không có tiêu đề; hãy đặt tiêu "
                f"đề cho cột hoặc xóa ô (các cột được nhận: {_KNOWN_COLUMNS})")

    def candidate(self) -> CandidateRow | None:
        self.stray_cells()
        full_name = self.text("full_name", required=True)
        birth_date = self.day("birth_date")
        gender = self.choice("gender", GENDERS, "«nam» hoặc «nữ»", required=True)
        ethnicity = self.text("ethnicity", required=True)
        group = self.choice("candidate_group", GROUPS, _GROUPS_EXPECTED, required=True)
        current_post = self.text("current_post", required=True)
        card = self.text("party_card_number")
        position_group = self.choice(
            "position_group", {}, "mã hoặc tên nhóm chức danh: " + _position_groups_expected(),
            _parse_position_group)
        in_cadre_plan = self.choice("in_cadre_plan", YES_NO, "«có», «không» hoặc để trống")
        discipline = self.discipline()
        if not self.ok:
            return None
        assert full_name and birth_date and gender and ethnicity and group and current_post
        return CandidateRow(
            row=self.number,
            candidate=Candidate(full_name=full_name, birth_date=birth_date, gender=gender,
                                ethnicity=ethnicity, current_post=current_post,
                                party_card_number=card, in_cadre_plan=in_cadre_plan,
                                discipline=discipline),
            position_group=position_group or DEFAULT_POSITION_GROUP,
            candidate_group=group,
        )


# One candidate given as command-line options (or form fields): the same rules as a row.
OPTION_NAMES = {"full_name": "--name", "birth_date": "--born", "gender": "--gender",
                "ethnicity": "--ethnicity", "candidate_group": "--group",
                "current_post": "--post", "party_card_number": "--party-card",
                "position_group": "--position-group", "in_cadre_plan": "--in-cadre-plan",
                "discipline": "--discipline"}


class _FieldReader(_RowReader):
    def where(self, code: str) -> str:
        return f"tùy chọn {self.columns[code][1]}"


def candidate_from_fields(values: Mapping[str, str | None],
                          names: Mapping[str, str] = OPTION_NAMES) -> CandidateRow:
    """One candidate from named fields (codes as in ``OPTION_NAMES``), checked exactly as a
    row of a list is; each problem names the field as the person wrote it (``names``)."""
    codes = list(OPTION_NAMES)
    cells: tuple[Cell, ...] = tuple(values.get(code) or None for code in codes)
    columns = {code: (i, names.get(code, code)) for i, code in enumerate(codes)}
    header: tuple[Cell, ...] = tuple(names.get(code, code) for code in codes)
    problems = Problems()
    row = _FieldReader("", 1, cells, columns, header, problems).candidate()
    problems.raise_if_any()
    assert row is not None
    return row


def _person_key(candidate: Candidate) -> tuple[str, date]:
    return " ".join(candidate.full_name.casefold().split()), candidate.birth_date


def _check_duplicates(filename: str, rows: list[CandidateRow],
                      columns: Mapping[str, tuple[int, str]], problems: Problems) -> None:
    """A person is listed once per position group; a party card belongs to one person."""
    def where(row: CandidateRow, code: str) -> str:
        return f"{filename}, dòng {row.row}, cột {show(columns[code][1])}"

    by_card: dict[str, CandidateRow] = {}
    by_card_in_group: dict[tuple[str, str], CandidateRow] = {}
    by_person: dict[tuple[str, tuple[str, date]], CandidateRow] = {}
    for row in rows:
        card = row.candidate.party_card_number
        group_title = _position_groups_title(row.position_group)
        if card is not None:
            first = by_card_in_group.get((row.position_group, card))
            other = by_card.get(card)
            if first is not None:
                problems.add(where(row, "party_card_number"), "duplicate_in_file",
                             f"số thẻ đảng viên {show(card)} ghi hai lần trong nhóm chức danh "
                             f"{group_title}: dòng {first.row} và dòng {row.row}; mỗi người chỉ "
                             "ghi một lần trong mỗi nhóm")
                continue
            if other is not None and _person_key(other.candidate) != _person_key(row.candidate):
                problems.add(where(row, "party_card_number"), "duplicate_in_file",
                             f"số thẻ đảng viên {show(card)} ở dòng {other.row} là của "
                             f"{show(other.candidate.full_name)} sinh ngày "
                             f"{other.candidate.birth_date:%d/%m/%Y}, ở dòng {row.row} lại ghi "
                             f"cho {show(row.candidate.full_name)} sinh ngày "
                             f"{row.candidate.birth_date:%d/%m/%Y}; hãy kiểm tra số thẻ")
                continue
            by_card.setdefault(card, row)
            by_card_in_group[(row.position_group, card)] = row
        person = (row.position_group, _person_key(row.candidate))
        first = by_person.get(person)
        if first is not None:
            problems.add(where(row, "full_name"), "duplicate_in_file",
                         f"{show(row.candidate.full_name)} sinh ngày "
                         f"{row.candidate.birth_date:%d/%m/%Y} ghi hai lần trong nhóm chức danh "
                         f"{group_title}: dòng {first.row} và dòng {row.row}; mỗi người chỉ ghi "
                         "một lần trong mỗi nhóm")
            continue
        by_person[person] = row


def _position_groups_title(code: str) -> str:
    return f"«{dict(_position_groups()[1]).get(code, code)}»"


# === TOML files ===============================================================================

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def _kind_vi(value: object) -> str:
    """What a TOML value is, in words."""
    if isinstance(value, bool):
        return "giá trị đúng/sai"
    if isinstance(value, int):
        return "số nguyên"
    if isinstance(value, float):
        return "số thập phân"
    if isinstance(value, str):
        return "chuỗi chữ"
    if isinstance(value, datetime):
        return "ngày giờ"
    if isinstance(value, date):
        return "ngày"
    if isinstance(value, time):
        return "giờ"
    if isinstance(value, list):
        return "danh sách"
    if isinstance(value, dict):
        return "bảng"
    return type(value).__name__


def _shown(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(toml_key(str(k)) for k in list(value)[:5]) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | time):
        return value.isoformat()
    return show(value) if isinstance(value, str) else show(value).strip("«»")


class _Toml:
    """Checks a TOML document key by key, collecting every problem."""

    def __init__(self, text: str, filename: str) -> None:
        self.filename = filename
        self.problems = Problems()
        try:
            self.data: dict[str, Any] = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            where = re.search(r"at line (\d+), column (\d+)", str(exc))
            at = f"{filename}, dòng {where.group(1)}, cột {where.group(2)}" if where else filename
            raise fail(at, "toml_syntax", f"tệp sai cú pháp TOML ({exc}); mỗi dòng viết "
                       "«khóa = giá trị», chữ trong ngoặc kép, ngày viết năm-tháng-ngày "
                       "không có ngoặc kép") from None
        except RecursionError:
            raise fail(filename, "toml_syntax", "tệp sai cú pháp TOML: lồng nhau quá sâu") from None
        except Exception as exc:  # e.g. an integer of more than 4300 digits
            raise fail(filename, "toml_syntax", f"tệp sai cú pháp TOML ({exc})") from None

    def where(self, *path: str) -> str:
        return f"{self.filename}, khóa {'.'.join(toml_key(p) for p in path)}"

    def add(self, path: tuple[str, ...], rule: str, message: str) -> None:
        self.problems.add(self.where(*path) if path else self.filename, rule, message)

    def table(self, parent: Mapping[str, Any], path: tuple[str, ...],
              allowed: Mapping[str, str] | None, *, required: bool) -> dict[str, Any] | None:
        """A table (the document itself when path is empty), its unknown keys refused."""
        value = parent.get(path[-1]) if path else parent
        if value is None:
            if required:
                self.add(path, "required", f"thiếu bảng [{'.'.join(path)}]")
            return None
        if not isinstance(value, dict):
            self.add(path, "type", f"phải là một bảng [{'.'.join(path)}] gồm các khóa; tệp ghi "
                     f"{_kind_vi(value)} {_shown(value)}")
            return None
        if allowed is not None:
            listing = ", ".join(f"{k} ({v})" for k, v in allowed.items())
            for key in value:
                if key not in allowed:
                    self.add((*path, key), "unknown_key",
                             f"khóa {show(key)} không dùng ở đây; các khóa được phép: {listing}")
        return value

    def _wrong_type(self, path: tuple[str, ...], expected: str, value: object) -> None:
        hint = ""
        if isinstance(value, dict) and path:
            hint = (f"; nếu tên khóa có dấu chấm, hãy đặt nó trong ngoặc kép, ví dụ "
                    f"\"{path[-1]}.{next(iter(value), '')}\" = ...")
        self.add(path, "type", f"phải là {expected}; tệp ghi {_kind_vi(value)} "
                 f"{_shown(value)}{hint}")

    def text(self, table: Mapping[str, Any], *path: str, example: str,
             required: bool = True) -> str | None:
        value = table.get(path[-1])
        if value is None:
            if required:
                self.add(path, "required", f"thiếu khóa {path[-1]}, ví dụ: {example}")
            return None
        if not isinstance(value, str):
            self._wrong_type(path, f"chuỗi chữ trong ngoặc kép, ví dụ: {example}", value)
            return None
        return self._clean_text(path, value, required=required, example=example)

    def _clean_text(self, path: tuple[str, ...], value: str, *, required: bool,
                    example: str) -> str | None:
        text = clean(value)
        if not text:
            if required:
                self.add(path, "required", f"khóa {path[-1]} để trống; ví dụ: {example}")
            return None
        if has_control(text):
            self.add(path, "no_control_characters",
                     f"{show(text)} có ký tự điều khiển (xuống dòng, tab…); hãy viết trên một "
                     "dòng")
            return None
        if len(text) > MAX_TEXT_LENGTH:
            self.add(path, "max_length",
                     f"dài {number_vi(len(text))} ký tự, quá giới hạn {MAX_TEXT_LENGTH} ký tự")
            return None
        return text

    def integer(self, table: Mapping[str, Any], *path: str, low: int, high: int,
                what: str, example: int = 1, required: bool = True) -> int | None:
        value = table.get(path[-1])
        if value is None:
            if required:
                self.add(path, "required", f"thiếu {what} ({path[-1]} = số nguyên)")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong_type(path, f"{what}, một số nguyên viết không có ngoặc kép và không có "
                             f"phần thập phân (ví dụ {toml_key(path[-1])} = {example})", value)
            return None
        if not low <= value <= high:
            self.add(path, "range", f"{what} phải từ {number_vi(low)} đến {number_vi(high)}; "
                     f"tệp ghi {number_vi(value)}")
            return None
        return value

    def day(self, table: Mapping[str, Any], *path: str, what: str) -> date | None:
        value = table.get(path[-1])
        example = f"{path[-1]} = 2025-07-01"
        if value is None:
            self.add(path, "required", f"thiếu {what}, viết năm-tháng-ngày không có ngoặc kép, "
                     f"ví dụ: {example}")
            return None
        if isinstance(value, datetime) or not isinstance(value, date):
            self._wrong_type(path, f"{what}: một ngày viết năm-tháng-ngày không có ngoặc kép và "
                             f"không có giờ, ví dụ: {example}", value)
            return None
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            self.add(path, "range", f"{what} {value.isoformat()}: năm nằm ngoài khoảng 1900–2100")
            return None
        return value

    def choice(self, table: Mapping[str, Any], *path: str, parse: Callable[[str], T | None],
                  expected: str, example: str, required: bool = True) -> T | None:
        text = self.text(table, *path, example=example, required=required)
        if text is None:
            return None
        result = parse(text)
        if result is None:
            self.add(path, "one_of", f"{show(text)} không hợp lệ; hãy viết {expected}")
        return result


# === the plan file ============================================================================

@dataclass(frozen=True, kw_only=True)
class PlanFile:
    filename: str
    digest: str  # sha256 of the file's bytes (UTF-8)
    plan_id: str
    term: str
    term_start: date
    procedure: str  # the procedure id as written, e.g. "directive-45-2025"
    organization_id: str
    organization_name: str | None  # as written, to check against the registry
    parent_id: str | None  # unused: the superior comes from the registry
    level: str
    seats: tuple[SeatAllocation, ...]
    targets: StructureTargets = field(default_factory=StructureTargets)


PLAN_KEYS = {
    "plan_id": "mã đề án nhân sự", "term": "nhiệm kỳ", "term_start": "ngày bắt đầu nhiệm kỳ",
    "procedure": "quy trình áp dụng", "organization": "bảng tổ chức đảng",
    "seats": "bảng chỉ tiêu theo nhóm chức danh", "targets": "bảng cơ cấu",
}
# The organization's name, level and superior committee come from the registry at opening,
# never from the file: the file names the organization, and may repeat its name as a check.
ORGANIZATION_KEYS = {"id": "mã tổ chức đảng (trong danh mục tổ chức)",
                     "name": "tên tổ chức đảng (để đối chiếu với danh mục, không bắt buộc)"}
TARGET_KEYS = {
    "women_min": "tỉ lệ nữ tối thiểu", "under_40_min": "tỉ lệ dưới 40 tuổi tối thiểu",
    "first_time_min": "tỉ lệ tham gia lần đầu tối thiểu",
    "ethnic_minority_min": "tỉ lệ người dân tộc thiểu số tối thiểu",
    "woman_on_standing_committee": "có nữ trong Ban thường vụ (true/false)",
}
MAX_SEATS = 500
_TERM = re.compile(r"[0-9]{4}-[0-9]{4}")
_PERCENT = re.compile(r"([0-9]{1,3}(?:[.,][0-9]{1,4})?)\s*%")
_FRACTION = re.compile(r"([0-9]{1,6})\s*/\s*([0-9]{1,6})")


def _loads(procedure: str) -> bool:
    try:
        procedures.load(procedure)
    except procedures.ProcedureError:
        return False
    return True


def read_plan(path: Path) -> PlanFile:
    """A plan file (đề án nhân sự), TOML in UTF-8."""
    data = read_file(path)
    return read_plan_text(decode_utf8(data, path.name, "hãy lưu tệp dạng UTF-8"), path.name)


def read_plan_text(text: str, filename: str) -> PlanFile:
    raw = _encoded(text, filename)
    doc = _Toml(text, filename)
    top = doc.table(doc.data, (), PLAN_KEYS, required=True) or {}
    plan_id = doc.text(top, "plan_id", example='plan_id = "xa-doi-may-2025-2030"')
    term = doc.text(top, "term", example='term = "2025-2030"')
    if term is not None and not _TERM.fullmatch(term):
        doc.add(("term",), "format", f"nhiệm kỳ {show(term)} phải viết năm-năm, ví dụ "
                "term = \"2025-2030\"")
        term = None
    term_start = doc.day(top, "term_start", what="ngày bắt đầu nhiệm kỳ")
    procedure = doc.text(top, "procedure", example='procedure = "directive-45-2025"')
    known = procedure is not None and _loads(procedure)
    if procedure is not None and not known:
        doc.add(("procedure",), "known_procedure",
                f"không có quy trình {show(procedure)} (hoặc tệp quy trình đã bị sửa); các "
                f"quy trình hiện có: {', '.join(procedures.available())} (lệnh «nhansu "
                f"procedures» liệt kê)")
    org = doc.table(top, ("organization",), ORGANIZATION_KEYS, required=True)
    org_id, org_name, parent_id, level = _organization(doc, org) if org is not None else (
        None, None, None, None)
    seats = _seats(doc, top, procedure if known else None)
    targets = _targets(doc, top)
    doc.problems.raise_if_any()
    assert plan_id and term and term_start and procedure and org_id and level
    return PlanFile(filename=filename, digest=digest(raw), plan_id=plan_id, term=term,
                    term_start=term_start, procedure=procedure, organization_id=org_id,
                    organization_name=org_name, parent_id=parent_id, level=level,
                    seats=seats, targets=targets)


def _organization(doc: _Toml, org: Mapping[str, Any]) -> tuple[str | None, str | None,
                                                                str | None, str | None]:
    org_id = doc.text(org, "organization", "id", example='id = "org-xa-doi-may"')
    org_name = doc.text(org, "organization", "name", required=False,
                        example='name = "Đảng bộ xã Đồi Mây"')
    return org_id, org_name, None, DEFAULT_LEVEL


def _encoded(text: str, filename: str) -> bytes:
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raise fail(filename, "utf8", "văn bản có ký tự không mã hóa được bằng UTF-8") from None
    check_size(raw, filename)
    return raw


def _seats(doc: _Toml, top: Mapping[str, Any], procedure: str | None) -> tuple[SeatAllocation,
                                                                               ...]:
    if procedure is not None:
        groups = {g.code: g.title_vi for g in procedures.load(procedure).position_groups}
    else:
        groups = dict(_position_groups()[1])
    table = doc.table(top, ("seats",), groups, required=True)
    if table is None:
        return ()
    if not table:
        doc.add(("seats",), "required", "bảng [seats] chưa ghi chỉ tiêu nào; ví dụ: "
                "committee_member = 15")
    seats = []
    for key in table:
        if key not in groups:
            continue
        count = doc.integer(table, "seats", key, low=1, high=MAX_SEATS,
                            what=f"chỉ tiêu (số ủy viên) của nhóm «{groups[key]}»", example=15)
        if count is not None:
            seats.append(SeatAllocation(position_group=key, seats=count))
    return tuple(seats)


def _targets(doc: _Toml, top: Mapping[str, Any]) -> StructureTargets:
    table = doc.table(top, ("targets",), TARGET_KEYS, required=False)
    if table is None:
        return StructureTargets()
    values: dict[str, Any] = {}
    for key in ("women_min", "under_40_min", "first_time_min", "ethnic_minority_min"):
        if key in table:
            ratio = _ratio(doc, ("targets", key), table[key], TARGET_KEYS[key])
            if ratio is not None:
                values[key] = ratio
    flag = table.get("woman_on_standing_committee")
    if flag is not None:
        if isinstance(flag, bool):
            values["woman_on_standing_committee"] = flag
        else:
            doc._wrong_type(("targets", "woman_on_standing_committee"),
                            "true hoặc false (không có ngoặc kép)", flag)
    return StructureTargets(**values)


def _ratio(doc: _Toml, path: tuple[str, ...], value: object, what: str) -> str | None:
    """A share written "p/q" or "15%" (then kept as "3/20"); never a float, which would be
    rounded in ways nobody wrote."""
    if isinstance(value, float):
        suggestion = ""
        if 0 <= value <= 1:
            close = Fraction(value).limit_denominator(1000)
            suggestion = (f" (với {value!r}: \"{close.numerator}/{close.denominator}\" hoặc "
                          f"\"{round(value * 100, 4):g}%\")")
        doc.add(path, "type", f"{what} không viết bằng số thập phân {value!r}; hãy viết phân số "
                f"«p/q» hoặc phần trăm, trong ngoặc kép, ví dụ \"1/2\" hoặc \"50%\"{suggestion}")
        return None
    if not isinstance(value, str):
        doc._wrong_type(path, f"{what}: phân số «p/q» hoặc phần trăm trong ngoặc kép, ví dụ "
                        "\"3/20\" hoặc \"15%\"", value)
        return None
    text = clean(value)
    ratio: Fraction | None = None
    if match := _PERCENT.fullmatch(text):
        ratio = Fraction(match.group(1).replace(",", ".")) / 100
    elif match := _FRACTION.fullmatch(text):
        if int(match.group(2)) == 0:
            doc.add(path, "ratio", f"{show(text)}: mẫu số không được bằng 0")
            return None
        ratio = Fraction(int(match.group(1)), int(match.group(2)))
    if ratio is None:
        doc.add(path, "ratio", f"{what} {show(text)} không phải tỉ lệ; hãy viết phân số «p/q» "
                "hoặc phần trăm, ví dụ \"3/20\" hoặc \"15%\"")
        return None
    if not 0 <= ratio <= 1:
        doc.add(path, "range", f"{what} {show(text)} phải từ 0 đến 1 (0% đến 100%)")
        return None
    return f"{ratio.numerator}/{ratio.denominator}"


# === conference minutes =======================================================================

@dataclass(frozen=True, kw_only=True)
class Minutes:
    """Biên bản kiểm phiếu of one step's conference for one group, tied to its plan."""

    filename: str
    digest: str  # sha256 of the file's bytes
    plan_id: str
    organization_id: str
    position_group: str
    candidate_group: CandidateGroup
    step: int
    attempt: int
    held_on: date
    summoned: int
    attending: int
    ballots_issued: int
    ballots_valid: int
    votes: tuple[tuple[str, int], ...]  # (party card number or nomination id, yes-votes)
    tie_break: tuple[str, ...] = ()


MINUTES_KEYS = {
    "plan_id": "mã đề án nhân sự", "organization_id": "mã tổ chức đảng",
    "position_group": "nhóm chức danh", "candidate_group": "nhóm ứng viên (tái cử / lần đầu)",
    "step": "bước", "attempt": "lần thực hiện bước", "held_on": "ngày họp",
    "summoned": "số được triệu tập", "attending": "số có mặt",
    "ballots_issued": "số phiếu phát ra", "ballots_valid": "số phiếu hợp lệ",
    "votes": "bảng số phiếu đồng ý của từng người", "tie_break": "người được giữ khi bằng phiếu",
}
MAX_COUNT = 100_000
MAX_STEP = 20
MAX_ATTEMPT = 100
MAX_KEY_LENGTH = 100


def read_minutes(path: Path) -> Minutes:
    """A conference's minutes (biên bản kiểm phiếu), TOML in UTF-8."""
    data = read_file(path)
    text = decode_utf8(data, path.name, "hãy lưu tệp dạng UTF-8")
    return dataclasses.replace(read_minutes_text(text, path.name), digest=digest(data))


def read_minutes_text(text: str, filename: str) -> Minutes:
    raw = _encoded(text, filename)
    doc = _Toml(text, filename)
    top = doc.table(doc.data, (), MINUTES_KEYS, required=True) or {}
    plan_id = doc.text(top, "plan_id", example='plan_id = "xa-doi-may-2025-2030"')
    org_id = doc.text(top, "organization_id", example='organization_id = "org-xa-doi-may"')
    position_group = doc.choice(
        top, "position_group", parse=_parse_position_group, required=False,
        expected="mã hoặc tên nhóm chức danh: " + _position_groups_expected(),
        example='position_group = "committee_member"') or DEFAULT_POSITION_GROUP
    group = doc.choice(top, "candidate_group", parse=_parse_group, expected=_GROUPS_EXPECTED,
                       example='candidate_group = "tái cử"')
    step = doc.integer(top, "step", low=1, high=MAX_STEP, what="bước")
    attempt = doc.integer(top, "attempt", low=1, high=MAX_ATTEMPT,
                          what="lần thực hiện bước (lần đầu là 1)")
    held_on = doc.day(top, "held_on", what="ngày họp")
    counts = {key: doc.integer(top, key, low=0, high=MAX_COUNT, what=MINUTES_KEYS[key], example=15)
              for key in ("summoned", "attending", "ballots_issued", "ballots_valid")}
    votes = _votes(doc, top)
    tie_break = _tie_break(doc, top)
    doc.problems.raise_if_any()
    assert plan_id and org_id and group and step and attempt and held_on and votes
    summoned, attending, issued, valid = (counts[k] for k in counts)
    assert summoned is not None and attending is not None
    assert issued is not None and valid is not None
    return Minutes(filename=filename, digest=digest(raw), plan_id=plan_id,
                   organization_id=org_id, position_group=position_group,
                   candidate_group=group, step=step, attempt=attempt, held_on=held_on,
                   summoned=summoned, attending=attending, ballots_issued=issued,
                   ballots_valid=valid, votes=votes, tie_break=tie_break)


def _votes(doc: _Toml, top: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    table = doc.table(top, ("votes",), None, required=True)
    if table is None:
        return ()
    if not table:
        doc.add(("votes",), "required", "bảng [votes] chưa ghi số phiếu của ai; mỗi dòng: số thẻ "
                "đảng viên = số phiếu đồng ý, ví dụ TD-100001 = 5")
        return ()
    if len(table) > MAX_ROWS:
        doc.add(("votes",), "too_many_rows",
                f"bảng [votes] có {number_vi(len(table))} dòng, quá giới hạn "
                f"{number_vi(MAX_ROWS)}")
        return ()
    votes: list[tuple[str, int]] = []
    seen: dict[str, str] = {}
    for written in table:
        key = _vote_key(doc, ("votes", written), written, seen)
        yes = doc.integer(table, "votes", written, low=0, high=MAX_COUNT,
                          what="số phiếu đồng ý", example=5)
        if key is not None and yes is not None:
            votes.append((key, yes))
    return tuple(votes)


def _vote_key(doc: _Toml, path: tuple[str, ...], written: str,
              seen: dict[str, str]) -> str | None:
    """A party card number or nomination id, as written but composed (NFC) and stripped."""
    key = doc._clean_text(path, written, required=True, example="TD-100001 = 5")
    if key is None:
        return None
    if len(key) > MAX_KEY_LENGTH:
        doc.add(path, "max_length", f"khóa dài {len(key)} ký tự, quá giới hạn {MAX_KEY_LENGTH}")
        return None
    if key in seen:
        doc.add(path, "duplicate_in_file", f"{show(key)} ghi hai lần (lần trước: khóa "
                f"{show(seen[key])}); mỗi người một dòng")
        return None
    seen[key] = written
    return key


def _tie_break(doc: _Toml, top: Mapping[str, Any]) -> tuple[str, ...]:
    value = top.get("tie_break")
    if value is None:
        return ()
    if not isinstance(value, list):
        doc._wrong_type(("tie_break",), "danh sách số thẻ đảng viên (hoặc mã đề cử) theo thứ tự, "
                        "ví dụ tie_break = [\"TD-100003\", \"TD-100007\"]", value)
        return ()
    if len(value) > MAX_ROWS:
        doc.add(("tie_break",), "too_many_rows", f"danh sách có {number_vi(len(value))} mục, "
                f"quá giới hạn {number_vi(MAX_ROWS)}")
        return ()
    keys: list[str] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(value):
        path = ("tie_break", str(index + 1))
        where = f"mục thứ {index + 1} của tie_break"
        if not isinstance(item, str):
            doc.add(("tie_break",), "type", f"{where} phải là chuỗi chữ trong ngoặc kép (số thẻ "
                    f"đảng viên hoặc mã đề cử); tệp ghi {_kind_vi(item)} {_shown(item)}")
            continue
        key = doc._clean_text(path, item, required=True, example='"TD-100003"')
        if key is None:
            continue
        if key in seen:
            doc.add(("tie_break",), "duplicate_in_file", f"{show(key)} ghi hai lần trong "
                    "tie_break")
            continue
        seen[key] = item
        keys.append(key)
    return tuple(keys)


# === the minutes template =====================================================================

@dataclass(frozen=True, kw_only=True)
class MinutesTemplate:
    plan_id: str
    organization_id: str
    organization_name: str
    position_group: str
    position_group_title: str  # e.g. "Ủy viên Ban chấp hành (cấp ủy viên)"
    candidate_group: CandidateGroup
    step: int
    step_title: str  # the body that meets, e.g. "Ban thường vụ (hội nghị lần 1)"
    attempt: int
    held_on: date | None
    candidates: tuple[tuple[str, str], ...]  # (party card number or nomination id, full name)


def _comment(text: str) -> str:
    """Text safe inside a TOML comment: one line, no control characters."""
    return " ".join("".join(" " if has_control(ch) else ch for ch in text).split())


def minutes_template(t: MinutesTemplate) -> str:
    """A minutes file for one conference, every count left at 0 to be filled in from the signed
    minutes. Read back by `read_minutes`; with the zeros left in, the quorum rule refuses it,
    so an unfilled template is never recorded."""
    keys = [key for key, _ in t.candidates]
    if len(set(keys)) != len(keys):
        raise ValueError("each candidate appears once in a minutes template")
    group_label = CANDIDATE_GROUP_LABELS_VI[t.candidate_group]
    if t.candidate_group is CandidateGroup.FIRST_TIME:
        group_label = "lần đầu"
    held_on = (f"held_on = {t.held_on.isoformat()}        # ngày họp (năm-tháng-ngày, không có "
               "ngoặc kép); sửa nếu họp ngày khác"
               if t.held_on else "# held_on = 2025-01-31    # điền ngày họp (năm-tháng-ngày, "
               "không có ngoặc kép) và bỏ dấu # ở đầu dòng")
    lines = [
        f"# Biên bản kiểm phiếu: {_comment(t.organization_name)}",
        f"# Bước {t.step}: {_comment(t.step_title)}; lần thực hiện bước: {t.attempt}",
        f"# Nhóm chức danh: {_comment(t.position_group_title)}; nhóm ứng viên: {group_label}",
        "#",
        "# Điền các số đang để 0 («điền số») theo biên bản đã ký, rồi ghi nhận:",
        f"#   nhansu conference record {_comment(t.plan_id)} <tệp này>",
        "# Các số để 0 thì không ghi nhận được: hội nghị chỉ hợp lệ khi số có mặt đạt ít nhất",
        "# 2/3 số được triệu tập. Các dòng có «không sửa» gắn biên bản với đề án: đừng sửa.",
        "",
        f"plan_id = {toml_string(t.plan_id)}    # mã đề án nhân sự, không sửa",
        f"organization_id = {toml_string(t.organization_id)}    # mã tổ chức đảng: "
        f"{_comment(t.organization_name)}, không sửa",
        f"position_group = {toml_string(t.position_group)}    # nhóm chức danh: "
        f"{_comment(t.position_group_title)}, không sửa",
        f"candidate_group = {toml_string(group_label)}    # nhóm ứng viên: tái cử hoặc lần đầu, "
        "không sửa",
        f"step = {t.step}    # bước {t.step}: {_comment(t.step_title)}, không sửa",
        f"attempt = {t.attempt}    # lần thực hiện bước này cho nhóm này (bước phải làm lại khi "
        "thiếu số dư thì là 2, 3…), không sửa",
        held_on,
        "summoned = 0          # điền số: số được triệu tập",
        "attending = 0         # điền số: số có mặt (ít nhất 2/3 số được triệu tập)",
        "ballots_issued = 0    # điền số: số phiếu phát ra",
        "ballots_valid = 0     # điền số: số phiếu hợp lệ",
        "",
        "# Nếu nhiều người bằng phiếu ở ngưỡng, người đứng đầu cấp ủy chọn người được giữ, theo",
        "# thứ tự; khi đó bỏ dấu # ở dòng dưới và ghi số thẻ đảng viên của họ:",
        "# tie_break = [\"...\", \"...\"]",
        "",
        "# Số phiếu đồng ý (giới thiệu) của từng người, theo biên bản kiểm phiếu.",
        "# Bên trái là số thẻ đảng viên (hoặc mã đề cử): không sửa, không thêm, không bớt dòng.",
        "[votes]",
    ]
    width = max((len(toml_key(k)) for k in keys), default=0)
    lines += [f"{toml_key(key).ljust(width)} = 0    # điền số: {_comment(name)}"
              for key, name in t.candidates]
    return "\n".join(lines) + "\n"
