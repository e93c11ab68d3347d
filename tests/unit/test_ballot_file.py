"""The counting committee's ballot file (application/ballot_file.py): read into ballot patterns
in the canonical order at once; a column that could name a voter is refused; every problem
named by its row and column, all at once."""

from __future__ import annotations

import random

import pytest

from application.ballot_file import read_ballots_bytes
from application.file_input import FileInputError
from domain.ballots import BallotPattern, canonical

pytestmark = pytest.mark.unit

CARDS = {"TD-000001": "e1", "TD-000002": "e2", "TD-000003": "e3"}


def read(text: str) -> tuple[BallotPattern, ...]:
    return read_ballots_bytes(text.encode("utf-8"), "phieu.csv", CARDS).patterns


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(FileInputError) as caught:
        read(text)
    return [(v.field, v.rule) for v in caught.value.violations]


def test_rows_become_kinds_of_ballots_in_the_canonical_order() -> None:
    patterns = read("Có dấu,Gạch tên,Ghi thêm tên,Đánh dấu\n"
                    "có,TD-000002;TD-000001,,\n"
                    "có,TD-000003,,\n"
                    "có,TD-000001 TD-000002,không,không\n"
                    "không,,,\n"
                    "có,TD-000003,có,\n"
                    "x,TD-000003,,có\n")

    assert patterns == canonical([
        BallotPattern(issued=True, crossed_out=("e1", "e2"), count=2),
        BallotPattern(issued=True, crossed_out=("e3",)),
        BallotPattern(issued=False, crossed_out=()),
        BallotPattern(issued=True, crossed_out=("e3",), names_added=True),
        BallotPattern(issued=True, crossed_out=("e3",), marked=True)])


def test_the_order_of_the_rows_and_their_numbers_change_nothing() -> None:
    rows = [f"{'có' if i % 5 else 'không'},TD-00000{1 + i % 3}" for i in range(40)]
    shuffled = rows[:]
    random.Random(4).shuffle(shuffled)
    numbered = [f"{n},{row}" for n, row in enumerate(shuffled, start=1)]

    first = read("issued,crossed_out\n" + "\n".join(rows))
    assert read("issued;crossed_out\n" + "\n".join(r.replace(",", ";", 1) for r in shuffled)) \
        == first
    assert read("STT,Có dấu,Gạch tên\n" + "\n".join(numbered)) == first
    assert sum(p.count for p in first) == 40


def test_a_column_that_could_name_a_voter_is_refused() -> None:
    found = problems("Có dấu,Gạch tên,Họ tên người bầu\ncó,TD-000001,Nguyễn Văn A\n")

    assert found == [("phieu.csv, dòng 1, cột «Họ tên người bầu»", "unknown_column")]


def test_every_problem_is_named_by_row_and_column() -> None:
    found = problems("Có dấu,Gạch tên\n"
                     "có,TD-000009\n"
                     "chắc,TD-000001\n"
                     "có,TD-000001;TD-000001\n")

    assert found == [("phieu.csv, dòng 2, cột Gạch tên", "on_the_ballot"),
                     ("phieu.csv, dòng 3, cột Có dấu", "boolean"),
                     ("phieu.csv, dòng 4, cột Gạch tên", "duplicate")]


@pytest.mark.parametrize(("text", "rule"), [
    ("", "not_empty"),
    ("Có dấu,Gạch tên\n", "not_empty"),
    ("Gạch tên\nTD-000001\n", "missing_column"),
    ("Có dấu,Có dấu,Gạch tên\ncó,có,\n", "duplicate_column"),
])
def test_a_file_without_ballots_or_columns_is_refused(text: str, rule: str) -> None:
    assert rule in {r for _, r in problems(text)}
