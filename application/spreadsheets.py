"""A list as people keep it, CSV or Excel, read into a header and rows of cells.

Rows are numbered as the spreadsheet numbers them (the header is row 1), so a message can send a
person to the very row. A CSV is read with the csv module over the whole text, never split on
line breaks first: Excel writes a line break inside a cell as a quoted multi-line cell, which
stays one cell of one row here.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from application.file_input import (
    MAX_ROWS,
    FileInputError,
    decode_utf8,
    fail,
    number_vi,
)

Cell = str | int | float | bool | date | time | timedelta | None
"""What a cell may hold: CSV gives text; a workbook also numbers, dates, truth values."""

MAX_COLUMNS = 64
MAX_SHEET_ROWS = 10 * MAX_ROWS  # rows looked at, blank ones included, before giving up
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # what a workbook may unpack to (a zip bomb does more)
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls format

CSV_HINT = ("trong Excel hãy lưu bằng «Save As» › «CSV UTF-8 (Comma delimited)» "
            "hoặc lưu dạng .xlsx")


@dataclass(frozen=True, kw_only=True)
class Table:
    kind: str  # "csv" or "xlsx"
    header_row: int  # as the spreadsheet numbers it
    header: tuple[Cell, ...]
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]  # (row number, cells); blank rows left out


def read_table(data: bytes, filename: str) -> Table:
    """The first sheet of a workbook, or a CSV, by what the bytes are rather than the name."""
    if data.startswith(ZIP_MAGIC) or filename.casefold().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, filename)
    if data.startswith(OLE_MAGIC) or filename.casefold().endswith(".xls"):
        raise fail(filename, "xlsx_format",
                   "đây là bảng tính Excel định dạng cũ (.xls); hãy mở bằng Excel và lưu lại "
                   "dạng «Excel Workbook (.xlsx)» hoặc «CSV UTF-8»")
    return _read_csv(data, filename)


def is_blank(cells: Iterable[Cell]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _table(kind: str, filename: str, records: Iterable[Sequence[Cell]]) -> Table:
    """Header: the first row that is not blank. Rows: the non-blank rows after it."""
    header: tuple[Cell, ...] | None = None
    header_row = 0
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    for number, cells in enumerate(records, start=1):
        if number > MAX_SHEET_ROWS:
            raise fail(filename, "too_many_rows",
                       f"bảng có hơn {number_vi(MAX_SHEET_ROWS)} dòng (kể cả dòng trống); "
                       f"một danh sách có tối đa {number_vi(MAX_ROWS)} dòng: hãy xóa các dòng "
                       "thừa hoặc chia thành nhiều tệp")
        if is_blank(cells):
            continue
        if header is None:
            header, header_row = tuple(cells), number
            continue
        rows.append((number, tuple(cells)))
        if len(rows) > MAX_ROWS:
            raise fail(filename, "too_many_rows",
                       f"danh sách có hơn {number_vi(MAX_ROWS)} dòng; hãy chia thành nhiều tệp, "
                       f"mỗi tệp tối đa {number_vi(MAX_ROWS)} dòng")
    if header is None:
        raise fail(filename, "not_empty",
                   "tệp trống: dòng đầu phải là tiêu đề các cột, mỗi dòng sau là một ứng viên")
    return Table(kind=kind, header_row=header_row, header=header, rows=tuple(rows))


# --- CSV -------------------------------------------------------------------------------------

def _read_csv(data: bytes, filename: str) -> Table:
    text = decode_utf8(data, filename, CSV_HINT)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return _table("csv", filename, reader)
    except csv.Error as exc:
        raise fail(f"{filename}, dòng {reader.line_num}", "csv_format",
                   f"tệp CSV sai định dạng ({exc}); kiểm tra dấu ngoặc kép \" trong ô: một ô "
                   "có dấu phẩy, dấu chấm phẩy hay xuống dòng phải nằm trong ngoặc kép, và dấu "
                   "ngoặc kép trong ô viết thành hai dấu \"\"") from None


def _sniff_delimiter(text: str) -> str:
    """"," or ";" (Excel in Vietnamese locales writes ";"): whichever splits the first
    non-blank record into more cells; "," when they tie."""
    best, most = ",", 0
    for delimiter in (",", ";"):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        cells: list[str] = []
        try:
            for record in reader:
                if not is_blank(record):
                    cells = record
                    break
                if reader.line_num > MAX_SHEET_ROWS:
                    break
        except csv.Error:
            continue
        if len(cells) > most:
            best, most = delimiter, len(cells)
    return best


# --- XLSX ------------------------------------------------------------------------------------

def _read_xlsx(data: bytes, filename: str) -> Table:
    broken = fail(filename, "xlsx_format",
                  "không đọc được bảng tính Excel: tệp hỏng hoặc không phải định dạng .xlsx; "
                  "hãy mở bằng Excel và lưu lại dạng «Excel Workbook (.xlsx)», hoặc lưu dạng "
                  "«CSV UTF-8»")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except Exception:
        raise broken from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise fail(filename, "file_too_large",
                   f"bảng tính giải nén ra hơn {number_vi(MAX_UNPACKED_BYTES // 1024 // 1024)} MB;"
                   " hãy chỉ giữ danh sách ứng viên trong một trang tính")
    try:
        records = _xlsx_records(data)
    except FileInputError:
        raise
    except Exception:  # openpyxl raises whatever its parsers meet; all mean "not a workbook"
        raise broken from None
    return _table("xlsx", filename, records)


def _xlsx_records(data: bytes) -> list[tuple[Cell, ...]]:
    """Every row of the first sheet up to the limit, as cell values (formulas' cached values).
    Read whole inside the caller's try, since openpyxl parses lazily while iterating."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Workbook contains no default style" and the like
        book: Any = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet: Any = book.worksheets[0]
            records: list[tuple[Cell, ...]] = []
            for values in sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True):
                records.append(tuple(_cell(v) for v in values))
                if len(records) > MAX_SHEET_ROWS:
                    break
            return records
        finally:
            book.close()


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | bool | int | float | date | time | timedelta):
        return value  # datetime is a date
    return str(value)


def text_of(value: Cell) -> str:
    """A cell read as text: a party card typed as a number is "100001", never "100001.0";
    a date shown as the day it is; a truth value as có / không."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
