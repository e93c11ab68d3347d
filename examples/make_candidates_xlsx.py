"""Writes examples/ung-vien-xa-doi-may.xlsx from examples/ung-vien-xa-doi-may.csv: the same list
as a workbook people keep it, birth dates as real date cells, the row number (STT) as numbers.

    .venv/bin/python examples/make_candidates_xlsx.py

The bytes come out the same on every run (fixed timestamps), so the committed file changes only
when the list does. tests/unit/test_files.py checks that both files read to the same rows.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "ung-vien-xa-doi-may.csv"
TARGET = HERE / "ung-vien-xa-doi-may.xlsx"
FIXED = datetime(2025, 7, 1)
STAMP = b"2025-07-01T00:00:00Z"
WIDTHS = {"STT": 6, "Họ và tên": 24, "Ngày sinh": 12, "Chức vụ hiện tại": 44,
          "Nhóm chức danh": 24, "Kỷ luật": 22}


def workbook_bytes(csv_text: str) -> bytes:
    rows = list(csv.reader(io.StringIO(csv_text, newline="")))
    header, body = rows[0], rows[1:]
    book: Any = Workbook()
    sheet: Any = book.active
    sheet.title = "Ứng viên"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    born = header.index("Ngày sinh")
    number = header.index("STT")
    for values in body:
        cells: list[object] = list(values)
        day, month, year = (int(part) for part in values[born].split("/"))
        cells[born] = date(year, month, day)
        cells[number] = int(values[number])
        sheet.append(cells)
        sheet.cell(row=sheet.max_row, column=born + 1).number_format = "DD/MM/YYYY"
    for index, title in enumerate(header):
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = WIDTHS.get(title, 16)
    book.properties.created = FIXED
    saved = io.BytesIO()
    book.save(saved)
    return _with_fixed_timestamps(saved.getvalue())


def _with_fixed_timestamps(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + STAMP, content)
            target.writestr(fixed, content)
    return out.getvalue()


if __name__ == "__main__":
    TARGET.write_bytes(workbook_bytes(SOURCE.read_text(encoding="utf-8")))
    print(f"wrote {TARGET}")
