"""Cơ cấu: shares of women, under-40s, ethnic minorities and first-time members."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.people import CandidateGroup
from domain.plan import Nomination
from domain.plan_terms import StructureTargets
from domain.structure import StructureFigure, structure_figures
from tests.support.plans import candidate

pytestmark = pytest.mark.unit

TERM_START = date(2025, 7, 1)


def nomination(i: int, *, female: bool = False, born: date = date(1970, 1, 1),
               ethnicity: str = "Kinh",
               group: CandidateGroup = CandidateGroup.INCUMBENT) -> Nomination:
    person = replace(candidate(i, female=female, ethnicity=ethnicity), birth_date=born)
    return Nomination(nomination_id=f"n{i:02d}", candidate=person,
                      position_group="committee_member", candidate_group=group)


def figures_of(nominations: list[Nomination],
               targets: StructureTargets | None = None) -> dict[str, StructureFigure]:
    found = structure_figures(nominations, targets or StructureTargets(), TERM_START)
    return {f.measure: f for f in found}


def test_the_four_measures_with_their_vietnamese_labels() -> None:
    found = structure_figures([nomination(1)], StructureTargets(), TERM_START)

    assert [(f.measure, f.label_vi) for f in found] == [
        ("women", "Nữ"), ("under_40", "Dưới 40 tuổi"),
        ("ethnic_minority", "Dân tộc thiểu số"), ("first_time", "Tham gia lần đầu")]


def test_shares_of_a_list() -> None:
    nominations = [
        nomination(1, female=True, born=date(1990, 1, 1)),
        nomination(2, female=True, ethnicity="Tày", group=CandidateGroup.FIRST_TIME),
        nomination(3, born=date(1988, 3, 3), group=CandidateGroup.FIRST_TIME),
        nomination(4, ethnicity="Khmer"),
        nomination(5),
        nomination(6),
    ]

    figures = figures_of(nominations)

    assert {m: (f.count, f.total) for m, f in figures.items()} == {
        "women": (2, 6), "under_40": (2, 6), "ethnic_minority": (2, 6), "first_time": (2, 6)}
    assert figures["women"].percent_text == "33,3%"
    assert figures["women"].met is True  # 1/3 >= 3/20
    assert figures["first_time"].met is True  # exactly 1/3
    assert figures["ethnic_minority"].target is None
    assert figures["ethnic_minority"].met is None  # the plan sets no target


def test_age_is_counted_on_the_first_day_of_the_term() -> None:
    turns_40_that_day = nomination(1, born=date(1985, 7, 1))
    turns_40_the_day_after = nomination(2, born=date(1985, 7, 2))

    assert figures_of([turns_40_that_day])["under_40"].count == 0
    assert figures_of([turns_40_the_day_after])["under_40"].count == 1


@pytest.mark.parametrize("ethnicity", ["Kinh", " kinh ", "KINH"])
def test_the_majority_ethnicity_however_written_is_not_a_minority(ethnicity: str) -> None:
    assert figures_of([nomination(1, ethnicity=ethnicity)])["ethnic_minority"].count == 0


def test_a_target_missed_and_met() -> None:
    seven_men_one_woman = [nomination(i, female=i == 1) for i in range(1, 9)]
    targets = StructureTargets(women_min="3/20", ethnic_minority_min="1/10")

    women = figures_of(seven_men_one_woman, targets)["women"]

    assert (women.count, women.total, women.percent_text) == (1, 8, "12,5%")
    assert women.met is False  # 12.5% < 15%
    assert figures_of(seven_men_one_woman, targets)["ethnic_minority"].met is False


@pytest.mark.parametrize(("count", "total", "text"), [
    (1, 3, "33,3%"), (2, 3, "66,7%"), (1, 6, "16,7%"), (3, 20, "15,0%"), (0, 5, "0,0%"),
    (5, 5, "100,0%"), (0, 0, "-"),
])
def test_percent_text(count: int, total: int, text: str) -> None:
    figure = StructureFigure(measure="women", label_vi="Nữ", count=count, total=total,
                             target="3/20")

    assert figure.percent_text == text


def test_an_empty_list_meets_no_target() -> None:
    women = figures_of([])["women"]

    assert (women.total, women.met, women.percent_text) == (0, False, "-")
