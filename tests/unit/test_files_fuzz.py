"""Whatever a person or a program hands in, every reader gives a result or a FileInputError whose
violations say where, which rule and what: never another exception. Hypothesis generates the
inputs, derandomized so that CI tests the same examples on every run.

Beside arbitrary bytes and text, each reader gets plausible files with a few random changes (a
value of another type, a key left out or added, a cell changed, a row cut short): plausible
files reach every check and get read whole, and the changes reach every refusal.
`pytest --hypothesis-show-statistics` shows how many were read and what refused the others."""

from __future__ import annotations

import csv
import io
import math
import unicodedata
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook  # type: ignore[import-untyped]

import procedures
from application.files import (
    COLUMNS,
    MINUTES_KEYS,
    ORGANIZATION_KEYS,
    PLAN_KEYS,
    TARGET_KEYS,
    CandidateList,
    FileInputError,
    Minutes,
    MinutesTemplate,
    PlanFile,
    minutes_template,
    read_candidates_bytes,
    read_minutes_text,
    read_plan_text,
    toml_key,
    toml_string,
)
from domain.people import CandidateGroup

pytestmark = pytest.mark.unit

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FUZZ = settings(max_examples=300, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW_FUZZ = settings(FUZZ, max_examples=150)


def only_file_input_error(read: Callable[[], object]) -> object | None:
    """The reader's result, or None when it refused the input the one allowed way."""
    try:
        result = read()
    except FileInputError as exc:
        assert exc.violations
        for v in exc.violations:
            assert v.field.strip() and v.rule.strip() and v.message.strip(), v
            assert v.rule.isascii() and " " not in v.rule, v  # codes stay English
        event(f"refused: {exc.violations[0].rule}")
        return None
    event("read")
    return result


def composed(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


# --- what people type -------------------------------------------------------------------------

VIETNAMESE = ("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợ"
              "ùủũúụừửữứựỳỷỹýỵĐÂ")
typed_text = st.text(
    alphabet=st.sampled_from(VIETNAMESE + " ,;\"'/.-:%\t\r\n\u00a0\u200b0123456789TD"),
    max_size=24)
any_text = st.one_of(typed_text, st.text(max_size=24))
header_names = st.sampled_from(
    [name for c in COLUMNS for name in (c.code, c.title_vi, *c.aliases)]
    + ["STT", "Quê quán", "", " họ  và TÊN "])
cell_words = st.sampled_from([
    "nam", "nữ", "female", "tái cử", "lần đầu", "có", "không", "Kinh", "committee_member",
    "Ủy viên Ban chấp hành", "cảnh cáo 01/05/2024", "khiển trách 2021-03-02; cách chức 1/1/2020",
    "phê bình 2024", "12/03/1968", "1968-03-12", "31/02/1990", "12/03/68", "TD-100001",
    "Nguyễn Văn Hùng", "nguyễn  văn hùng", "",
])
csv_cells = st.one_of(cell_words, any_text)
xlsx_cells = st.one_of(
    st.none(), cell_words,
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=20),
    st.integers(min_value=-(2**63), max_value=2**63 - 1), st.floats(allow_nan=False),
    st.booleans(), st.dates(min_value=date(1900, 3, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1)), st.times(),
)


@FUZZ
@given(data=st.binary(max_size=2000), name=st.sampled_from(["u.csv", "u.xlsx", "u.xls", "u"]))
def test_candidates_from_arbitrary_bytes(data: bytes, name: str) -> None:
    result = only_file_input_error(lambda: read_candidates_bytes(data, name))

    assert result is None or isinstance(result, CandidateList)


@FUZZ
@given(text=st.text(max_size=2000), bom=st.booleans())
def test_candidates_from_arbitrary_text(text: str, bom: bool) -> None:
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8", errors="surrogatepass")

    result = only_file_input_error(lambda: read_candidates_bytes(data, "u.csv"))

    assert result is None or isinstance(result, CandidateList)


# --- candidate sheets: plausible, then changed ------------------------------------------------

TITLES = {c.code: c.title_vi for c in COLUMNS}
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "full_name": st.sampled_from(["Nguyễn Văn Hùng", "Trần Thị  Mai", "Lý Thị Thu Trang",
                                  unicodedata.normalize("NFD", "Thạch Văn Sang")]),
    "birth_date": st.dates(date(1940, 1, 1), date(2005, 1, 1)).flatmap(
        lambda d: st.sampled_from([d.isoformat(), f"{d:%d/%m/%Y}", f"{d.day}-{d.month}-{d.year}",
                                   f"{d:%d.%m.%Y}"])),
    "gender": st.sampled_from(["nam", "nữ", "Nữ", "NAM", "female", "male"]),
    "ethnicity": st.sampled_from(["Kinh", "Tày", "Khmer", "K'Ho"]),
    "candidate_group": st.sampled_from(["tái cử", "lần đầu", "Tái cử", "incumbent",
                                        "first_time", "lần đầu tham gia"]),
    "current_post": st.sampled_from(["Bí thư Đảng ủy xã", "Chủ tịch UBND xã, kiêm nhiệm",
                                     "Công chức Tư pháp – Hộ tịch"]),
    "party_card_number": st.just("card"),  # made unique per row below
    "position_group": st.sampled_from(["", "committee_member", "Ủy viên Ban chấp hành",
                                       "Ủy viên Ban thường vụ", "Phó Bí thư"]),
    "in_cadre_plan": st.sampled_from(["", "có", "không", "Có", "yes"]),
    "discipline": st.sampled_from(["", "cảnh cáo 01/05/2024",
                                   "khiển trách 2021-03-02; cách chức 1/1/2020"]),
}


@st.composite
def candidate_sheets(draw: st.DrawFn, cell: st.SearchStrategy[Any]) -> list[list[Any]]:
    """The real columns in any order and plausible rows, then up to three random changes."""
    columns = draw(st.permutations(list(PLAUSIBLE)))
    header: list[Any] = [draw(st.sampled_from([code, TITLES[code]])) for code in columns]
    rows: list[list[Any]] = []
    for number in range(draw(st.integers(1, 5))):
        row = [draw(PLAUSIBLE[c]) for c in columns]
        row[columns.index("party_card_number")] = f"TD-{100001 + number}"
        rows.append(row)
    sheet = [header, *rows]
    for _ in range(draw(st.integers(0, 3))):
        target = sheet[draw(st.integers(0, len(sheet) - 1))]
        change = draw(st.sampled_from(["cell", "cell", "cut", "extend", "header"]))
        if change == "cut":
            del target[draw(st.integers(0, len(target))):]
        elif change == "extend" or not target or (change == "header" and not header):
            target.append(draw(cell))
        elif change == "cell":
            target[draw(st.integers(0, len(target) - 1))] = draw(cell)
        else:
            header[draw(st.integers(0, len(header) - 1))] = draw(st.one_of(header_names, cell))
    return sheet


@FUZZ
@given(sheet=candidate_sheets(csv_cells), delimiter=st.sampled_from([",", ";"]),
       bom=st.booleans())
def test_candidates_from_csv_with_known_headers_and_random_cells(
        sheet: list[list[str]], delimiter: str, bom: bool) -> None:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(sheet)
    data = ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8", "surrogatepass")

    result = only_file_input_error(lambda: read_candidates_bytes(data, "u.csv"))

    if isinstance(result, CandidateList):
        numbers = [r.row for r in result.rows]
        assert numbers == sorted(set(numbers)) and 2 <= numbers[0] <= len(sheet)
        for row in result.rows:
            assert unicodedata.is_normalized("NFC", row.candidate.full_name)
            assert row.candidate.full_name == composed(row.candidate.full_name)


def _workbook(rows: list[list[Any]]) -> bytes | None:
    book = Workbook()
    sheet = book.active
    try:
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
    except Exception:  # values openpyxl itself cannot write are no one's upload
        return None
    return out.getvalue()


@SLOW_FUZZ
@given(sheet=candidate_sheets(xlsx_cells))
def test_candidates_from_xlsx_with_arbitrary_cell_values(sheet: list[list[Any]]) -> None:
    data = _workbook(sheet)
    assume(data is not None)
    assert data is not None

    result = only_file_input_error(lambda: read_candidates_bytes(data, "u.xlsx"))

    assert result is None or isinstance(result, CandidateList)


EXAMPLE_XLSX = (EXAMPLES / "ung-vien-xa-doi-may.xlsx").read_bytes()


@SLOW_FUZZ
@given(changes=st.lists(st.tuples(st.integers(0, len(EXAMPLE_XLSX) - 1), st.integers(0, 255)),
                        max_size=8),
       cut=st.integers(100, len(EXAMPLE_XLSX)))
def test_candidates_from_a_damaged_workbook(changes: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(EXAMPLE_XLSX)
    for position, value in changes:
        data[position] = value

    result = only_file_input_error(lambda: read_candidates_bytes(bytes(data[:cut]), "u.xlsx"))

    assert result is None or isinstance(result, CandidateList)


XML_FRAGMENTS = [
    b'r="XFD1048576"', b'r="A1048576"', b'<row r="1048570">', b't="d"', b't="n"', b't="e"',
    b't="s"', b't="b"', b"<v>1e308</v>", b"<v>-1</v>", b"<v>99999999999</v>", b"<v>x</v>",
    b's="999"', b'numFmtId="14"', b"<", b">", b"&amp;", b"&#0;", b"\xff", b'"', b"",
]


@SLOW_FUZZ
@given(member=st.sampled_from(["xl/worksheets/sheet1.xml", "xl/styles.xml",
                               "xl/workbook.xml", "[Content_Types].xml"]),
       edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40),
                                st.sampled_from(XML_FRAGMENTS)), min_size=1, max_size=4))
def test_candidates_from_a_workbook_with_damaged_xml(
        member: str, edits: list[tuple[float, int, bytes]]) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(EXAMPLE_XLSX)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                for where, length, fragment in edits:
                    at = int(where * len(content))
                    content = content[:at] + fragment + content[at + length:]
            target.writestr(info.filename, content)

    result = only_file_input_error(lambda: read_candidates_bytes(out.getvalue(), "u.xlsx"))

    assert result is None or isinstance(result, CandidateList)


# --- TOML documents: plausible, then changed --------------------------------------------------

def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def toml_document(data: dict[str, Any]) -> str:
    """Top-level keys as `key = value`, tables inline: what a person writes with [tables]."""
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in data.items())


toml_keys = st.one_of(st.text(max_size=10), st.sampled_from(["", "a.b", "TD-1", "votes"]))
toml_scalars = st.one_of(
    any_text, st.integers(), st.integers(min_value=10**20, max_value=10**30), st.floats(),
    st.booleans(), st.dates(), st.times(),
    st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=7))])),
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(toml_keys, inner, max_size=3)),
    max_leaves=8,
)


def _tables(doc: dict[str, Any], path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for key, value in doc.items():
        if isinstance(value, dict):
            found += _tables(value, (*path, key))
    return found


def _at(doc: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:
        doc = doc[key]
    return doc


@st.composite
def changed(draw: st.DrawFn, plausible: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A plausible document with up to three changes: a value replaced by any TOML value, a key
    left out, an unknown key added."""
    doc = draw(plausible)
    for _ in range(draw(st.integers(0, 3))):
        table = _at(doc, draw(st.sampled_from(_tables(doc))))
        change = draw(st.sampled_from(["replace", "delete", "add"]))
        if change == "add" or not table:
            table[draw(toml_keys)] = draw(toml_values)
        elif change == "replace":
            table[draw(st.sampled_from(sorted(table)))] = draw(toml_values)
        else:
            del table[draw(st.sampled_from(sorted(table)))]
    return doc


identifiers = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,30}\Z")
names = st.sampled_from(["Đảng bộ xã Đồi Mây", "Đảng bộ  phường Lâm Viên ",
                         unicodedata.normalize("NFD", "Đảng bộ xã Tà Nung")])
codes = sorted({g.code for p in procedures.available() for g in procedures.load(p).position_groups})
ratios = st.one_of(
    st.tuples(st.integers(0, 50), st.integers(1, 50)).filter(lambda t: t[0] <= t[1])
    .map(lambda t: f"{t[0]}/{t[1]}"),
    st.integers(0, 100).map(lambda n: f"{n}%"), st.sampled_from(["12,5%", "12.5 %"]))
plans = changed(st.fixed_dictionaries({
    "plan_id": identifiers, "term": st.sampled_from(["2025-2030", "2020-2025"]),
    "term_start": st.dates(date(1900, 1, 1), date(2100, 12, 31)),
    "procedure": st.sampled_from(procedures.available()),
    "organization": st.fixed_dictionaries(
        {"id": identifiers}, optional={"name": names}),
    "seats": st.dictionaries(st.sampled_from(codes), st.integers(1, 500), min_size=1),
    "targets": st.fixed_dictionaries({}, optional={
        **{k: ratios for k in TARGET_KEYS if k.endswith("_min")},
        "woman_on_standing_committee": st.booleans()}),
}))
assert set(PLAN_KEYS) == {"plan_id", "term", "term_start", "procedure", "organization", "seats",
                          "targets"}
assert set(ORGANIZATION_KEYS) == {"id", "name"}


@FUZZ
@given(plan=plans)
def test_plan_files_with_random_keys_and_values(plan: dict[str, Any]) -> None:
    result = only_file_input_error(lambda: read_plan_text(toml_document(plan), "plan.toml"))

    if isinstance(result, PlanFile):
        assert (result.plan_id, result.term_start) == (plan["plan_id"], plan["term_start"])
        if "name" in plan["organization"]:
            assert result.organization_name == composed(plan["organization"]["name"])
        assert dict((s.position_group, s.seats) for s in result.seats) == plan["seats"]


counts = st.integers(0, 100_000)
minutes_documents = changed(st.fixed_dictionaries({
    "plan_id": identifiers, "organization_id": identifiers,
    "candidate_group": st.sampled_from(["tái cử", "lần đầu", "first_time", "incumbent"]),
    "step": st.integers(1, 20), "attempt": st.integers(1, 100),
    "held_on": st.dates(date(1900, 1, 1), date(2100, 12, 31)),
    "summoned": counts, "attending": counts, "ballots_issued": counts, "ballots_valid": counts,
    "votes": st.dictionaries(identifiers, counts, min_size=1, max_size=5),
}, optional={
    "position_group": st.sampled_from([*codes, "Ủy viên Ban chấp hành"]),
    "tie_break": st.lists(identifiers, max_size=3, unique=True),
}))
assert set(MINUTES_KEYS) == {"plan_id", "organization_id", "position_group", "candidate_group",
                             "step", "attempt", "held_on", "summoned", "attending",
                             "ballots_issued", "ballots_valid", "votes", "tie_break"}


@FUZZ
@given(minutes=minutes_documents)
def test_minutes_with_random_keys_and_values(minutes: dict[str, Any]) -> None:
    result = only_file_input_error(lambda: read_minutes_text(toml_document(minutes),
                                                             "bien-ban.toml"))

    if isinstance(result, Minutes):
        assert (result.step, result.attempt, result.summoned) == (
            minutes["step"], minutes["attempt"], minutes["summoned"])
        assert dict(result.votes) == minutes["votes"]


@FUZZ
@given(text=st.text(max_size=1000))
def test_toml_readers_on_arbitrary_text(text: str) -> None:
    only_file_input_error(lambda: read_plan_text(text, "plan.toml"))
    only_file_input_error(lambda: read_minutes_text(text, "bien-ban.toml"))


# --- the minutes template ---------------------------------------------------------------------

party_cards = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9 ._/-]{0,20}[A-Za-z0-9]\Z")


@FUZZ
@given(plan_id=party_cards, organization=any_text, title=any_text,
       group=st.sampled_from(CandidateGroup), step=st.integers(1, 20),
       attempt=st.integers(1, 100),
       held_on=st.none() | st.dates(date(1900, 1, 1), date(2100, 12, 31)),
       candidates=st.dictionaries(party_cards, any_text, min_size=1, max_size=6))
def test_every_template_reads_back_as_its_conference(
        plan_id: str, organization: str, title: str, group: CandidateGroup, step: int,
        attempt: int, held_on: date | None, candidates: dict[str, str]) -> None:
    keys = [composed(k) for k in candidates]
    assume(len(set(keys)) == len(keys))
    template = MinutesTemplate(
        plan_id=plan_id, organization_id="org-" + plan_id, organization_name=organization,
        position_group="committee_member", position_group_title=title, candidate_group=group,
        step=step, step_title=title, attempt=attempt, held_on=held_on,
        candidates=tuple(candidates.items()))
    text = minutes_template(template)
    if held_on is None:
        text = text.replace("# held_on = 2025-01-31 ", "held_on = 2025-01-31")

    minutes = read_minutes_text(text, "bien-ban.toml")

    assert (minutes.plan_id, minutes.organization_id, minutes.candidate_group, minutes.step,
            minutes.attempt, minutes.held_on) == (
        composed(plan_id), "org-" + composed(plan_id), group, step, attempt,
        held_on or date(2025, 1, 31))
    assert [key for key, _ in minutes.votes] == keys
