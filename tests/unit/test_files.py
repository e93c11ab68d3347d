"""Candidate lists as people keep them: CSV from Excel (either separator, with or without a BOM,
multi-line cells), XLSX workbooks, Vietnamese headers and dates, every problem at once."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from application.file_input import MAX_FILE_BYTES, MAX_ROWS
from application.files import (
    CandidateList,
    FileInputError,
    read_candidates,
    read_candidates_bytes,
)
from domain.errors import Violation
from domain.people import CandidateGroup, DisciplineKind, DisciplineRecord, Gender

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "files"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
VI_HEADER = ["Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Tái cử/Lần đầu",
             "Chức vụ hiện tại", "Số thẻ đảng viên"]
EN_HEADER = "full_name,birth_date,gender,ethnicity,candidate_group,current_post,party_card_number"


def csv_bytes(*lines: str, sep: str = ",", bom: bool = False) -> bytes:
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.replace("|", sep).encode("utf-8")


def vi(*rows: str, sep: str = ",", bom: bool = False) -> bytes:
    """A CSV with the Vietnamese header; rows use "|" between cells."""
    return csv_bytes("|".join(VI_HEADER), *rows, sep=sep, bom=bom)


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rejected(read: Callable[[], object]) -> list[Violation]:
    with pytest.raises(FileInputError) as caught:
        read()
    for violation in caught.value.violations:
        assert violation.message.strip() and violation.field.strip(), violation
    return list(caught.value.violations)


def refused(data: bytes, filename: str = "u.csv") -> list[Violation]:
    return rejected(lambda: read_candidates_bytes(data, filename))


def found(violations: list[Violation]) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in violations}


HUNG = "Nguyễn Văn Hùng|12/03/1968|nam|Kinh|tái cử|Bí thư Đảng ủy xã|TD-100001"
MAI = "Trần Thị Mai|25/08/1972|nữ|Kinh|tái cử|Phó Bí thư Thường trực Đảng ủy|TD-100002"
ANH = "Huỳnh Thị Ngọc Ánh|05/09/1988|nữ|Kinh|lần đầu|Công chức Tư pháp|TD-100015"


# --- the worked examples -----------------------------------------------------------------------

def test_the_new_example_list_reads_with_vietnamese_headers_and_dates() -> None:
    result = read_candidates(EXAMPLES / "ung-vien-xa-doi-may.csv")

    assert len(result.rows) == 19
    assert [r.row for r in result.rows] == list(range(2, 21))
    assert [r.candidate.party_card_number for r in result.rows] == [
        f"TD-{n}" for n in range(100001, 100020)]
    son = result.rows[9]
    assert (son.candidate.full_name, son.candidate.birth_date) == ("Ngô Văn Sơn",
                                                                     date(1973, 2, 28))
    assert son.candidate.discipline == (DisciplineRecord(kind=DisciplineKind.WARNING,
                                                         decided_on=date(2025, 3, 1)),)
    assert son.position_group == "committee_member"  # written "Ủy viên Ban chấp hành"
    assert [r.candidate_group for r in result.rows].count(CandidateGroup.INCUMBENT) == 11
    assert result.rows[15].candidate.in_cadre_plan is None  # left blank
    assert result.rows[0].candidate.in_cadre_plan is True


def _rows(result: CandidateList) -> list[tuple[object, ...]]:
    return [(r.row, r.candidate, r.position_group, r.candidate_group) for r in result.rows]


def test_the_example_csv_and_xlsx_read_to_the_same_rows() -> None:
    from_csv = read_candidates(EXAMPLES / "ung-vien-xa-doi-may.csv")
    from_xlsx = read_candidates(EXAMPLES / "ung-vien-xa-doi-may.xlsx")

    assert _rows(from_xlsx) == _rows(from_csv)
    assert from_xlsx.digest != from_csv.digest


def test_the_script_that_made_the_example_xlsx_still_makes_it() -> None:
    from examples.make_candidates_xlsx import SOURCE, TARGET, workbook_bytes

    made = workbook_bytes(SOURCE.read_text(encoding="utf-8"))

    assert _rows(read_candidates_bytes(made, TARGET.name)) == _rows(read_candidates(TARGET))


def test_the_new_example_lists_the_same_people_as_the_old_one() -> None:
    old = read_candidates(FIXTURES / "candidates-english-headers.csv")  # English, ISO dates
    new = read_candidates(EXAMPLES / "ung-vien-xa-doi-may.csv")

    def person(row: Any) -> tuple[object, ...]:
        c = row.candidate
        return (c.full_name, c.birth_date, c.gender, c.ethnicity, c.party_card_number,
                c.in_cadre_plan, c.discipline, row.position_group, row.candidate_group)

    assert [person(r) for r in new.rows] == [person(r) for r in old.rows]


# --- CSV as Excel writes it --------------------------------------------------------------------

def test_a_quoted_multi_line_cell_stays_one_cell_and_is_refused_without_shifting_rows() -> None:
    data = vi(HUNG, '"Trần Thị\nMai"|25/08/1972|nữ|Kinh|tái cử|"Phó Bí thư\r\nThường trực"|TD-2',
              "Lê Văn Thắng|02/11/1970|nam|Kinh|tái cử|Chủ tịch UBND xã|TD-3",
              "Phạm Minh Tuấn|1975-01-19|nam|Kinh|tái cử||TD-4")

    problems = refused(data, "ung-vien.csv")

    assert found(problems) == {
        ("ung-vien.csv, dòng 3, cột «Họ và tên»", "no_control_characters"),
        ("ung-vien.csv, dòng 3, cột «Chức vụ hiện tại»", "no_control_characters"),
        ("ung-vien.csv, dòng 5, cột «Chức vụ hiện tại»", "required"),
    }
    assert "Trần Thị\\nMai" in problems[0].message  # the break is shown, not printed


def test_a_line_break_in_a_cell_that_needs_none_does_not_shift_the_rows_after_it() -> None:
    data = vi(HUNG, '"Trần Thị Mai"|25/08/1972|nữ|Kinh|tái cử|"Phó Bí thư\n"|TD-2', ANH)

    result = read_candidates_bytes(data, "ung-vien.csv")

    assert [r.row for r in result.rows] == [2, 3, 4]
    assert result.rows[1].candidate.current_post == "Phó Bí thư"  # trailing break stripped
    assert result.rows[2].candidate.full_name == "Huỳnh Thị Ngọc Ánh"


def test_semicolon_separated_as_excel_writes_in_vietnamese_locales() -> None:
    data = vi(HUNG, MAI, "Lê Văn Thắng|02/11/1970|nam|Kinh|tái cử|Chủ tịch UBND xã, kiêm "
              "Chỉ huy trưởng|TD-3", sep=";")

    result = read_candidates_bytes(data, "ung-vien.csv")

    assert [r.candidate.full_name for r in result.rows] == ["Nguyễn Văn Hùng", "Trần Thị Mai",
                                                            "Lê Văn Thắng"]
    assert result.rows[2].candidate.current_post == "Chủ tịch UBND xã, kiêm Chỉ huy trưởng"


def test_a_byte_order_mark_is_not_part_of_the_first_header() -> None:
    for bom in (True, False):
        result = read_candidates_bytes(vi(HUNG, bom=bom), "ung-vien.csv")
        assert result.rows[0].candidate.full_name == "Nguyễn Văn Hùng"
    english = read_candidates_bytes(csv_bytes(EN_HEADER, HUNG.replace("|", ","), bom=True),
                                    "candidates.csv")
    assert english.rows[0].candidate.party_card_number == "TD-100001"


def test_an_unterminated_quote_is_a_format_error_not_a_swallowed_file() -> None:
    data = vi(HUNG, '"Trần Thị Mai|25/08/1972|nữ|Kinh|tái cử|Phó Bí thư|TD-2', ANH)

    assert {v.rule for v in refused(data, "u.csv")} == {
        "csv_format"}


def test_text_not_in_utf8_is_refused_saying_how_to_save_it() -> None:
    data = "Họ và tên\nNguyễn".encode("utf-16")

    [problem] = refused(data, "u.csv")

    assert (problem.field, problem.rule) == ("u.csv", "utf8")
    assert "CSV UTF-8" in problem.message


# --- headers -----------------------------------------------------------------------------------

def test_vietnamese_headers_ignore_case_diacritics_spaces_and_old_tone_marks() -> None:
    header = ("STT;  HỌ  VÀ TÊN ;ngay sinh;Giới Tính;dân tộc;Nhóm;Chức vụ;Số thẻ đảng;"
              "Nhóm chức danh;Quy hoạch;Kỉ luật")
    row = ("1;Nguyễn Văn Hùng;12/03/1968;Nam;Kinh;Tái cử;Bí thư;TD-1;Uỷ viên ban chấp hành;"
           "không;khiển trách 02/03/2021")

    [result] = read_candidates_bytes(csv_bytes(header, row), "u.csv").rows

    assert result.candidate.party_card_number == "TD-1"
    assert result.position_group == "committee_member"
    assert result.candidate.in_cadre_plan is False
    assert result.candidate.discipline == (DisciplineRecord(kind=DisciplineKind.REPRIMAND,
                                                            decided_on=date(2021, 3, 2)),)


def test_an_unknown_column_is_refused_by_name_listing_the_known_ones() -> None:
    data = csv_bytes("|".join([*VI_HEADER, "Quê quán"]), HUNG + "|Lâm Đồng")

    [problem] = refused(data, "ung-vien.csv")

    assert (problem.field, problem.rule) == ("ung-vien.csv, dòng 1, cột «Quê quán»", "columns")
    for known in ("«Họ và tên»", "«Ngày sinh»", "«Số thẻ đảng viên»", "«Kỷ luật»", "«STT»"):
        assert known in problem.message


def test_missing_and_repeated_columns_are_named() -> None:
    data = csv_bytes("Họ và tên,Họ tên,Giới tính,Dân tộc,Chức vụ", "A,A,nam,Kinh,X")

    problems = refused(data, "u.csv")

    assert found(problems) == {("u.csv, dòng 1, cột «Họ tên»", "columns"),
                               ("u.csv, dòng 1", "columns")}
    missing = next(p for p in problems if p.field == "u.csv, dòng 1")
    assert "«Ngày sinh»" in missing.message and "«Tái cử/Lần đầu»" in missing.message


def test_a_cell_under_no_header_is_refused_rather_than_lost() -> None:
    data = vi(HUNG + "|ghi chú")

    [problem] = refused(data, "u.csv")

    assert (problem.field, problem.rule) == ("u.csv, dòng 2, cột thứ 8", "columns")


def test_the_stt_column_is_read_and_ignored() -> None:
    data = csv_bytes("STT," + ",".join(VI_HEADER), "1," + HUNG.replace("|", ","),
                     "2," + MAI.replace("|", ","))

    result = read_candidates_bytes(data, "u.csv")

    assert [r.candidate.full_name for r in result.rows] == ["Nguyễn Văn Hùng", "Trần Thị Mai"]


# --- values ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("written", "day"), [
    ("1968-03-12", date(1968, 3, 12)), ("12/03/1968", date(1968, 3, 12)),
    ("2/3/1968", date(1968, 3, 2)), ("12-03-1968", date(1968, 3, 12)),
    ("12.03.1968", date(1968, 3, 12)),
])
def test_dates_are_read_day_first_or_iso(written: str, day: date) -> None:
    data = vi(HUNG.replace("12/03/1968", written))

    assert read_candidates_bytes(data, "u.csv").rows[0].candidate.birth_date == day


@pytest.mark.parametrize(("written", "rule"), [
    ("31/02/1990", "date"), ("12/03/68", "date"), ("03/12/1968 nam", "date"),
    ("1968/03/12", "date"), ("12/03/1768", "range"), ("", "required"),
])
def test_a_bad_date_is_named_by_row_and_column(written: str, rule: str) -> None:
    data = vi(HUNG.replace("12/03/1968", written))

    [problem] = refused(data, "u.csv")

    assert (problem.field, problem.rule) == ("u.csv, dòng 2, cột «Ngày sinh»", rule)


def test_words_people_write_for_gender_group_position_group_and_cadre_plan() -> None:
    data = csv_bytes(
        "|".join([*VI_HEADER, "Nhóm chức danh", "Trong quy hoạch"]),
        HUNG + "|committee_member|có", MAI.replace("nữ", "female").replace("tái cử", "incumbent")
        + "|Ủy viên Ban thường vụ|", ANH.replace("lần đầu", "first_time") + "|Phó Bí thư|yes",
    )

    rows = read_candidates_bytes(data, "u.csv").rows

    assert [(r.candidate.gender, r.candidate_group, r.position_group, r.candidate.in_cadre_plan)
            for r in rows] == [
        (Gender.MALE, CandidateGroup.INCUMBENT, "committee_member", True),
        (Gender.FEMALE, CandidateGroup.INCUMBENT, "standing_committee_member", None),
        (Gender.FEMALE, CandidateGroup.FIRST_TIME, "deputy_secretary", True),
    ]


def test_every_problem_of_every_row_is_reported_at_once() -> None:
    data = csv_bytes(
        "|".join([*VI_HEADER, "Nhóm chức danh", "Trong quy hoạch", "Kỷ luật"]),
        HUNG.replace("nam", "trai") + "|Chủ tịch|có|",
        MAI.replace("tái cử", "lần hai") + "||chắc|khiển trách",
        ANH + "|||phê bình 01/01/2024; cảnh cáo 31/02/2024",
    )

    problems = refused(data, "u.csv")

    assert found(problems) == {
        ("u.csv, dòng 2, cột «Giới tính»", "one_of"),
        ("u.csv, dòng 2, cột «Nhóm chức danh»", "one_of"),
        ("u.csv, dòng 3, cột «Tái cử/Lần đầu»", "one_of"),
        ("u.csv, dòng 3, cột «Trong quy hoạch»", "one_of"),
        ("u.csv, dòng 3, cột «Kỷ luật»", "one_of"),
        ("u.csv, dòng 4, cột «Kỷ luật»", "one_of"),
        ("u.csv, dòng 4, cột «Kỷ luật»", "date"),
    }
    group = next(p for p in problems if "Nhóm chức danh" in p.field)
    assert "committee_member" in group.message and "Ủy viên Ban chấp hành" in group.message


def test_text_is_composed_nfc_stripped_and_its_spaces_collapsed() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Hùng")
    data = vi(HUNG.replace("Nguyễn Văn Hùng", f"  {decomposed.replace(' ', '  ')}\u00a0"))

    name = read_candidates_bytes(data, "u.csv").rows[0].candidate.full_name

    assert name == "Nguyễn Văn Hùng"
    assert unicodedata.is_normalized("NFC", name)


def test_a_tab_or_invisible_character_inside_a_name_is_refused() -> None:
    for inside in ("Nguyễn\tVăn Hùng", "Nguyễn\u200bVăn Hùng"):
        [problem] = refused(vi(HUNG.replace("Nguyễn Văn Hùng", inside)))
        assert problem.rule == "no_control_characters"


# --- duplicates --------------------------------------------------------------------------------

def test_the_same_party_card_twice_is_refused_naming_both_rows() -> None:
    data = vi(HUNG, MAI, ANH.replace("TD-100015", "TD-100001"))

    [problem] = refused(data, "u.csv")

    assert (problem.field, problem.rule) == ("u.csv, dòng 4, cột «Số thẻ đảng viên»",
                                             "duplicate_in_file")
    assert "dòng 2" in problem.message and "dòng 4" in problem.message


def test_the_same_person_twice_in_a_group_is_refused_even_spelled_differently() -> None:
    twin = HUNG.replace("Nguyễn Văn Hùng", "nguyễn  văn HÙNG").replace("|TD-100001", "|")

    [problem] = refused(vi(HUNG, MAI, twin), "u.csv")

    assert (problem.field, problem.rule) == ("u.csv, dòng 4, cột «Họ và tên»",
                                             "duplicate_in_file")
    assert "dòng 2" in problem.message and "dòng 4" in problem.message


def test_one_person_in_two_position_groups_is_two_rows_but_a_card_is_one_person() -> None:
    header = "|".join([*VI_HEADER, "Nhóm chức danh"])
    both = csv_bytes(header, HUNG + "|Ủy viên Ban chấp hành", HUNG + "|Ủy viên Ban thường vụ")
    assert len(read_candidates_bytes(both, "u.csv").rows) == 2

    borrowed = csv_bytes(header, HUNG + "|Ủy viên Ban chấp hành",
                         MAI.replace("TD-100002", "TD-100001") + "|Ủy viên Ban thường vụ")
    [problem] = refused(borrowed, "u.csv")
    assert problem.rule == "duplicate_in_file" and "Nguyễn Văn Hùng" in problem.message


# --- XLSX --------------------------------------------------------------------------------------

def test_xlsx_with_real_date_cells_and_numeric_party_cards() -> None:
    data = xlsx([
        ["STT", *VI_HEADER, "Trong quy hoạch"],
        [1, "Nguyễn Văn Hùng", date(1968, 3, 12), "Nam", "Kinh", "Tái cử", "Bí thư", 100001,
         True],
        [2, "Trần Thị Mai", datetime(1972, 8, 25), "Nữ", "Kinh", "Tái cử", "Phó Bí thư",
         100002.0, False],
        [3, "Huỳnh Thị Ngọc Ánh", "05/09/1988", "Nữ", "Kinh", "Lần đầu", "Công chức", "TD-3",
         None],
    ])

    rows = read_candidates_bytes(data, "ung-vien.xlsx").rows

    assert [(r.row, r.candidate.birth_date, r.candidate.party_card_number,
             r.candidate.in_cadre_plan) for r in rows] == [
        (2, date(1968, 3, 12), "100001", True),
        (3, date(1972, 8, 25), "100002", False),
        (4, date(1988, 9, 5), "TD-3", None),
    ]


def test_xlsx_errors_name_the_row_and_column_as_the_sheet_shows_them() -> None:
    data = xlsx([
        VI_HEADER,
        ["Nguyễn Văn Hùng", 25000, "Nam", "Kinh", "Tái cử", "Bí thư", "TD-1"],
        [None] * 7,
        ["Trần Thị Mai", date(1972, 8, 25), "Nữ", "Kinh", "Tái cử", None, "TD-2"],
    ])

    problems = refused(data, "ung-vien.xlsx")

    assert found(problems) == {("ung-vien.xlsx, dòng 2, cột «Ngày sinh»", "date"),
                               ("ung-vien.xlsx, dòng 4, cột «Chức vụ hiện tại»", "required")}


def test_a_broken_or_old_format_workbook_is_refused_saying_what_to_do() -> None:
    for data, name in ((b"PK\x03\x04not really a zip", "u.xlsx"),
                       (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "u.xls")):
        [problem] = refused(data, name)
        assert problem.rule == "xlsx_format" and ".xlsx" in problem.message


def test_a_workbook_is_recognised_by_its_bytes_whatever_its_name() -> None:
    data = xlsx([VI_HEADER, HUNG.replace("12/03/1968", "1968-03-12").split("|")])

    assert len(read_candidates_bytes(data, "danh-sach.csv").rows) == 1


# --- limits and files --------------------------------------------------------------------------

def test_more_than_the_row_limit_is_refused() -> None:
    rows = [HUNG.replace("TD-100001", f"TD-{i}").replace("Hùng", f"Hùng {i}")
            for i in range(MAX_ROWS + 1)]

    [problem] = refused(vi(*rows), "u.csv")

    assert problem.rule == "too_many_rows" and "2.000" in problem.message
    assert len(read_candidates_bytes(vi(*rows[:MAX_ROWS]), "u.csv").rows) == MAX_ROWS


def test_a_file_over_5_mb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "lon.csv"
    big.write_bytes(vi(HUNG) + b" " * MAX_FILE_BYTES)

    [problem] = rejected(lambda: read_candidates(big))

    assert (problem.field, problem.rule) == ("lon.csv", "file_too_large")
    assert "5 MB" in problem.message


def test_a_missing_file_a_directory_and_an_empty_list(tmp_path: Path) -> None:
    [missing] = rejected(lambda: read_candidates(tmp_path / "khong-co.csv"))
    [directory] = rejected(lambda: read_candidates(tmp_path))
    (tmp_path / "trong.csv").write_bytes(b"")
    [empty] = rejected(lambda: read_candidates(tmp_path / "trong.csv"))
    (tmp_path / "tieu-de.csv").write_bytes(vi())
    [header_only] = rejected(lambda: read_candidates(tmp_path / "tieu-de.csv"))

    assert [p.rule for p in (missing, directory, empty, header_only)] == [
        "file_exists", "not_a_file", "not_empty", "not_empty"]


def test_a_workbook_that_unpacks_to_more_than_100_mb_is_refused_unopened() -> None:
    import zipfile

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", bytes(101 * 1024 * 1024))

    [problem] = refused(bomb.getvalue(), "u.xlsx")

    assert problem.rule == "file_too_large" and len(bomb.getvalue()) < MAX_FILE_BYTES
