"""The forms that stand for files (no server): a filled minutes form is the minutes file it
stands for, whatever is typed into it; each message goes beside the field it is about."""

from __future__ import annotations

import tomllib

import pytest

from application.files import FileInputError, read_minutes_text
from web.forms import (
    candidate_place,
    iso_day,
    iso_moment,
    minutes_place,
    minutes_text,
)

pytestmark = pytest.mark.web

FIXED = {"plan_id": "xa-doi-may-2025-2030", "organization_id": "org-xa-doi-may",
         "position_group": "committee_member", "candidate_group": "tái cử", "step": "1",
         "attempt": "1"}
COUNTS = {"held_on": "21/04/2025", "summoned": "5", "attending": "5", "ballots_issued": "5",
          "ballots_valid": "5"}


def test_a_filled_form_reads_as_the_minutes_file_it_stands_for() -> None:
    text = minutes_text(FIXED, COUNTS, [("TD-100001", "5"), ("TD-100002", " 4 ")])
    minutes = read_minutes_text(text, "biểu mẫu")
    assert (minutes.step, minutes.attempt, minutes.summoned, minutes.ballots_valid) == (
        1, 1, 5, 5)
    assert minutes.held_on.isoformat() == "2025-04-21"
    assert minutes.votes == (("TD-100001", 5), ("TD-100002", 4))


@pytest.mark.parametrize("typed", ['5"\n[votes]\nTD-1 = 9', "năm", "-3", "1e3", "５", "",
                                   "9" * 40, "' or 1=1"])
def test_whatever_is_typed_stays_a_value_and_is_refused_by_the_reader(typed: str) -> None:
    text = minutes_text(FIXED, {**COUNTS, "attending": typed}, [("TD-100001", typed)])
    data = tomllib.loads(text)  # always a document of the same shape
    assert set(data["votes"]) == {"TD-100001"}
    with pytest.raises(FileInputError) as refused:
        read_minutes_text(text, "biểu mẫu")
    place = minutes_place(["TD-100001"])
    fields = {place(v.field) for v in refused.value.violations}
    assert fields <= {"attending", "votes.TD-100001"} and fields


def test_days_and_moments_are_typed_the_vietnamese_way() -> None:
    assert iso_day("21/4/2025") == "2025-04-21"
    assert iso_day("2025-04-21") == "2025-04-21"
    assert iso_day("31/02/2025") == "«31/02/2025»"  # not a day: refused as held_on's value
    assert iso_moment("07/05/2025 17:00") == "2025-05-07T17:00:00"
    assert iso_moment("7/5/2025") == "2025-05-07T00:00:00"
    assert iso_moment("2025-05-07T10:00+00:00") == "2025-05-07T10:00+00:00"
    text = minutes_text(FIXED, {**COUNTS, "held_on": "31/02/2025"}, [("TD-100001", "5")])
    with pytest.raises(FileInputError) as refused:
        read_minutes_text(text, "biểu mẫu")
    assert [minutes_place(["TD-100001"])(v.field) for v in refused.value.violations] == [
        "held_on"]


def test_messages_are_placed_beside_their_fields() -> None:
    place = minutes_place(["TD-100001", "TD-100002"])
    assert place("biểu mẫu, khóa attending") == "attending"
    assert place("attending") == "attending"  # the domain's
    assert place("votes[1].yes") == "votes.TD-100002"
    assert place("votes.TD-100001") == "votes.TD-100001"
    assert place('biểu mẫu, khóa votes."TD-100002"') == "votes.TD-100002"
    assert place("votes[7].yes") is None and place("plan_id") is None
    assert candidate_place("tùy chọn Họ và tên") == "full_name"
    assert candidate_place("tùy chọn Ngày sinh") == "birth_date"
    assert candidate_place("candidate.birth_date") == "birth_date"
    assert candidate_place("nomination_id") is None


def test_every_rule_code_of_the_web_forms_has_a_vietnamese_label() -> None:
    """The forms refuse input with a few rules of their own, as (field, rule, message)
    triples or violation dicts: each has its label in the catalogue, shown beside it."""
    import ast
    from pathlib import Path

    from application.labels import CATALOGUE

    codes: set[str] = set()

    def rule_of(triple: ast.expr, *, surely: bool) -> None:
        if isinstance(triple, ast.Tuple) and len(triple.elts) == 3:
            rule = triple.elts[1]
            if isinstance(rule, ast.Constant) and isinstance(rule.value, str):
                codes.add(rule.value)
            else:
                assert not surely, f"a rule that is no literal: {ast.unparse(triple)}"

    for source in (Path(__file__).resolve().parents[2] / "web").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text("utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("invalid"):
                for argument in node.args:
                    rule_of(argument, surely=True)
            if isinstance(node, ast.ListComp):  # triples gathered, then passed as *triples
                rule_of(node.elt, surely=False)
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (isinstance(key, ast.Constant) and key.value == "rule"
                            and isinstance(value, ast.Constant)):
                        codes.add(str(value.value))
    assert {"idempotency_key", "finding_unacknowledged", "nothing_to_record",
            "nothing_changed", "required"} <= codes
    assert sorted(codes - set(CATALOGUE["rule"])) == []
