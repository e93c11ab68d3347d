"""The plan file and a conference's minutes (TOML): every key's type checked and named, unknown
keys refused; the minutes template reads back as the minutes of the same conference."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from application.files import (
    FileInputError,
    Minutes,
    MinutesTemplate,
    minutes_template,
    read_minutes,
    read_minutes_text,
    read_plan,
    read_plan_text,
)
from domain.errors import Violation
from domain.people import CandidateGroup
from domain.plan_terms import SeatAllocation, StructureTargets
from tests.support.plans import conference, ids, open_plan, registrations
from tests.unit.gwt import given, then_rejected

pytestmark = pytest.mark.unit

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

PLAN = """\
plan_id = "xa-doi-may-2025-2030"
term = "2025-2030"
term_start = 2025-07-01
procedure = "directive-45-2025"

[organization]
id = "org-xa-doi-may"
name = "Đảng bộ xã Đồi Mây"

[seats]
committee_member = 15

[targets]
women_min = "3/20"
"""

MINUTES = """\
plan_id = "xa-doi-may-2025-2030"
organization_id = "org-xa-doi-may"
candidate_group = "tái cử"
step = 1
attempt = 1
held_on = 2025-04-21
summoned = 5
attending = 5
ballots_issued = 5
ballots_valid = 5

[votes]
TD-100001 = 5
TD-100002 = 4
"""


def rejected(read: Callable[[], object]) -> list[Violation]:
    with pytest.raises(FileInputError) as caught:
        read()
    for violation in caught.value.violations:
        assert violation.message.strip() and violation.field.strip(), violation
    return list(caught.value.violations)


def plan_problems(text: str) -> list[Violation]:
    return rejected(lambda: read_plan_text(text, "plan.toml"))


def minutes_problems(text: str) -> list[Violation]:
    return rejected(lambda: read_minutes_text(text, "bien-ban.toml"))


def found(violations: list[Violation]) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in violations}


# --- the plan file -----------------------------------------------------------------------------

def test_the_new_example_plan() -> None:
    plan = read_plan(EXAMPLES / "plan-xa-doi-may.toml")

    assert (plan.plan_id, plan.term, plan.term_start, plan.procedure) == (
        "xa-doi-may-2025-2030", "2025-2030", date(2025, 7, 1), "directive-45-2025")
    assert (plan.organization_id, plan.organization_name) == ("org-xa-doi-may",
                                                              "Đảng bộ xã Đồi Mây")
    assert plan.seats == (SeatAllocation(position_group="committee_member", seats=15),)
    assert plan.targets == StructureTargets(women_min="3/20", under_40_min="1/10",
                                            first_time_min="1/3", ethnic_minority_min="1/20")
    raw = (EXAMPLES / "plan-xa-doi-may.toml").read_bytes()
    assert plan.digest == hashlib.sha256(raw).hexdigest()


def test_the_superior_and_the_level_come_from_the_registry_not_the_file() -> None:
    text = PLAN.replace('name = "Đảng bộ xã Đồi Mây"',
                        'name = "Đảng bộ xã Đồi Mây"\nparent_id = "org-x"\nlevel = "commune"')

    assert found(plan_problems(text)) == {
        ("plan.toml, khóa organization.parent_id", "unknown_key"),
        ("plan.toml, khóa organization.level", "unknown_key")}


def test_wrong_types_are_named_by_key() -> None:
    text = (PLAN.replace('name = "Đảng bộ xã Đồi Mây"', "name = [1, 2]")
            .replace('women_min = "3/20"', "women_min = 0.5")
            .replace("term_start = 2025-07-01", 'term_start = "2025-07-01"')
            .replace('plan_id = "xa-doi-may-2025-2030"', "plan_id = 2025"))

    problems = plan_problems(text)

    assert found(problems) == {
        ("plan.toml, khóa organization.name", "type"),
        ("plan.toml, khóa targets.women_min", "type"),
        ("plan.toml, khóa term_start", "type"),
        ("plan.toml, khóa plan_id", "type"),
    }
    women = next(p for p in problems if p.field.endswith("women_min"))
    assert '"1/2"' in women.message and '"50%"' in women.message
    name = next(p for p in problems if p.field.endswith("name"))
    assert "danh sách" in name.message and "[1, 2]" in name.message


@pytest.mark.parametrize("seats", ["15.0", "true", '"15"', "0", "501", "-3", "{ a = 1 }"])
def test_seats_are_whole_numbers_from_1_to_500(seats: str) -> None:
    [problem] = plan_problems(PLAN.replace("committee_member = 15", f"committee_member = {seats}"))

    assert problem.field == "plan.toml, khóa seats.committee_member"
    assert problem.rule in {"type", "range"}


@pytest.mark.parametrize(("written", "kept"), [
    ('"15%"', "3/20"), ('"12,5%"', "1/8"), ('"12.5 %"', "1/8"), ('"2/10"', "1/5"),
    ('"100%"', "1/1"), ('"0/3"', "0/1"),
])
def test_targets_as_ratios_or_percentages(written: str, kept: str) -> None:
    plan = read_plan_text(PLAN.replace('"3/20"', written), "plan.toml")

    assert plan.targets.women_min == kept


@pytest.mark.parametrize(("written", "rule"), [
    ('"15"', "ratio"), ('"3/0"', "ratio"), ('"5/4"', "range"), ('"150%"', "range"),
    ('"một phần ba"', "ratio"), ("1", "type"), ("true", "type"),
])
def test_bad_targets_are_refused(written: str, rule: str) -> None:
    [problem] = plan_problems(PLAN.replace('"3/20"', written))

    assert (problem.field, problem.rule) == ("plan.toml, khóa targets.women_min", rule)


def test_unknown_keys_anywhere_are_refused_listing_the_allowed_ones() -> None:
    text = (PLAN.replace("term = ", "nhiem_ky = 1\nterm = ")
            .replace('name = "Đảng bộ xã Đồi Mây"', 'name = "Đảng bộ xã Đồi Mây"\nleader = "x"')
            .replace("committee_member = 15", "committee_member = 15\nward_member = 3")
            .replace('women_min = "3/20"', 'women_min = "3/20"\nyouth_min = "1/10"'))

    problems = plan_problems(text)

    assert found(problems) == {
        ("plan.toml, khóa nhiem_ky", "unknown_key"),
        ("plan.toml, khóa organization.leader", "unknown_key"),
        ("plan.toml, khóa seats.ward_member", "unknown_key"),
        ("plan.toml, khóa targets.youth_min", "unknown_key"),
    }
    by_field = {p.field: p.message for p in problems}
    assert "plan_id" in by_field["plan.toml, khóa nhiem_ky"]
    assert "id" in by_field["plan.toml, khóa organization.leader"]
    assert "standing_committee_member" in by_field["plan.toml, khóa seats.ward_member"]
    assert "under_40_min" in by_field["plan.toml, khóa targets.youth_min"]


def test_every_missing_key_is_named_at_once() -> None:
    problems = plan_problems('[organization]\nname = "Đảng bộ xã Đồi Mây"\n')

    assert found(problems) == {
        ("plan.toml, khóa plan_id", "required"), ("plan.toml, khóa term", "required"),
        ("plan.toml, khóa term_start", "required"), ("plan.toml, khóa procedure", "required"),
        ("plan.toml, khóa organization.id", "required"), ("plan.toml, khóa seats", "required"),
    }


def test_values_that_are_well_typed_but_not_allowed() -> None:
    text = (PLAN.replace('"directive-45-2025"', '"directive-99"')
            .replace('term = "2025-2030"', 'term = "2025–2030"')
            .replace('name = "Đảng bộ xã Đồi Mây"', 'name = "Đảng bộ\\nxã Đồi Mây"'))

    assert found(plan_problems(text)) == {
        ("plan.toml, khóa procedure", "known_procedure"), ("plan.toml, khóa term", "format"),
        ("plan.toml, khóa organization.name", "no_control_characters"),
    }


def test_a_syntax_error_is_reported_with_its_line() -> None:
    [problem] = plan_problems(PLAN.replace("term = ", "term "))

    assert (problem.field, problem.rule) == ("plan.toml, dòng 2, cột 6", "toml_syntax")


def test_a_plan_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_bytes(PLAN.encode("cp1258", errors="replace"))

    [problem] = rejected(lambda: read_plan(path))

    assert (problem.field, problem.rule) == ("plan.toml", "utf8")


# --- the minutes -------------------------------------------------------------------------------

def test_the_new_example_minutes_are_bound_to_their_plan() -> None:
    path = EXAMPLES / "bien-ban" / "01-buoc-1-tai-cu-lan-1.toml"

    minutes = read_minutes(path)

    assert (minutes.plan_id, minutes.organization_id, minutes.position_group,
            minutes.candidate_group, minutes.step, minutes.attempt) == (
        "xa-doi-may-2025-2030", "org-xa-doi-may", "committee_member",
        CandidateGroup.INCUMBENT, 1, 1)
    assert (minutes.held_on, minutes.summoned, minutes.attending, minutes.ballots_issued,
            minutes.ballots_valid) == (date(2025, 4, 21), 5, 5, 5, 5)
    assert minutes.votes[:2] == (("TD-100001", 5), ("TD-100002", 5))
    assert len(minutes.votes) == 11 and minutes.tie_break == ()
    assert minutes.digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_minutes_without_their_binding_keys_are_refused() -> None:
    problems = rejected(lambda: read_minutes(
        Path(__file__).resolve().parents[1] / "fixtures" / "files" / "minutes-unbound.toml"))

    assert found(problems) == {
        ("minutes-unbound.toml, khóa plan_id", "required"),
        ("minutes-unbound.toml, khóa organization_id", "required"),
        ("minutes-unbound.toml, khóa attempt", "required"),
    }


def test_unknown_keys_in_minutes_are_refused_not_ignored() -> None:
    problems = minutes_problems(MINUTES.replace("step = 1", "step = 1\nnotes = \"x\"\nbuoc = 2"))

    assert found(problems) == {("bien-ban.toml, khóa notes", "unknown_key"),
                               ("bien-ban.toml, khóa buoc", "unknown_key")}
    assert "ballots_valid" in problems[0].message


@pytest.mark.parametrize(("line", "value", "rule"), [
    ("step = 1", "0", "range"), ("step = 1", "21", "range"), ("step = 1", '"1"', "type"),
    ("attempt = 1", "0", "range"), ("attempt = 1", "101", "range"),
    ("attempt = 1", "1.0", "type"), ("summoned = 5", "-1", "range"),
    ("summoned = 5", "100001", "range"), ("attending = 5", "true", "type"),
    ("ballots_valid = 5", "[5]", "type"), ("held_on = 2025-04-21", "2025-04-21T09:00:00", "type"),
    ("held_on = 2025-04-21", '"21/04/2025"', "type"),
    ('candidate_group = "tái cử"', '"tái ứng cử"', "one_of"),
    ('candidate_group = "tái cử"', "1", "type"),
    ('plan_id = "xa-doi-may-2025-2030"', '""', "required"),
])
def test_types_and_ranges_of_minutes_are_checked(line: str, value: str, rule: str) -> None:
    key = line.split(" = ")[0]

    [problem] = minutes_problems(MINUTES.replace(line, f"{key} = {value}"))

    assert (problem.field, problem.rule) == (f"bien-ban.toml, khóa {key}", rule)


@pytest.mark.parametrize(("votes", "field", "rule"), [
    ("TD-100003 = 5.0", "votes.TD-100003", "type"),
    ('TD-100003 = "5"', "votes.TD-100003", "type"),
    ("TD-100003 = -1", "votes.TD-100003", "range"),
    ("TD.100001 = 5", "votes.TD", "type"),
    ('"TD-100001 " = 3', "votes.\"TD-100001 \"", "duplicate_in_file"),
    ('"" = 3', 'votes.""', "required"),
])
def test_each_vote_is_a_key_and_a_whole_number(votes: str, field: str, rule: str) -> None:
    [problem] = minutes_problems(MINUTES.replace("TD-100002 = 4", votes))

    assert (problem.field, problem.rule) == (f"bien-ban.toml, khóa {field}", rule)


def test_a_dotted_party_card_is_told_to_be_quoted() -> None:
    [problem] = minutes_problems(MINUTES.replace("TD-100002 = 4", "TD.100001 = 5"))

    assert '"TD.100001"' in problem.message


def test_minutes_need_votes_and_every_count() -> None:
    text = "\n".join(line for line in MINUTES.splitlines()
                     if not line.startswith(("summoned", "TD-")))

    assert found(minutes_problems(text)) == {("bien-ban.toml, khóa summoned", "required"),
                                             ("bien-ban.toml, khóa votes", "required")}


def test_tie_break_and_position_group_as_written() -> None:
    text = MINUTES.replace("step = 1", 'step = 1\ntie_break = ["TD-100002", "TD-100001"]\n'
                           'position_group = "Ủy viên Ban thường vụ"')

    minutes = read_minutes_text(text, "bien-ban.toml")

    assert minutes.tie_break == ("TD-100002", "TD-100001")
    assert minutes.position_group == "standing_committee_member"
    for bad, rule in (('"TD-1"', "type"), ('["TD-1", 2]', "type"),
                      ('["TD-1", "TD-1"]', "duplicate_in_file")):
        [problem] = minutes_problems(MINUTES.replace("step = 1", f"step = 1\ntie_break = {bad}"))
        assert (problem.field, problem.rule) == ("bien-ban.toml, khóa tie_break", rule)


# --- the minutes template ----------------------------------------------------------------------

TEMPLATE = MinutesTemplate(
    plan_id="xa-doi-may-2025-2030", organization_id="org-xa-doi-may",
    organization_name="Đảng bộ xã Đồi Mây", position_group="committee_member",
    position_group_title="Ủy viên Ban chấp hành (cấp ủy viên)",
    candidate_group=CandidateGroup.FIRST_TIME, step=2, step_title="Hội nghị cán bộ chủ chốt",
    attempt=2, held_on=date(2025, 5, 3),
    candidates=(("TD-100012", "Lý Thị Thu Trang"), ("TD 100013.1", 'Thạch "Văn" Sang'),
                ("3f2c7a5e-1d2b-5c3e-9f00-1a2b3c4d5e6f", "Phan Văn\nKhoa")),
)


def _binding(m: Minutes) -> tuple[object, ...]:
    return (m.plan_id, m.organization_id, m.position_group, m.candidate_group, m.step,
            m.attempt, m.held_on)


def test_the_template_reads_back_as_the_same_conference() -> None:
    minutes = read_minutes_text(minutes_template(TEMPLATE), "bien-ban.toml")

    assert _binding(minutes) == ("xa-doi-may-2025-2030", "org-xa-doi-may", "committee_member",
                                 CandidateGroup.FIRST_TIME, 2, 2, date(2025, 5, 3))
    assert [key for key, _ in minutes.votes] == [key for key, _ in TEMPLATE.candidates]
    assert {yes for _, yes in minutes.votes} == {0}
    assert (minutes.summoned, minutes.attending, minutes.ballots_issued,
            minutes.ballots_valid) == (0, 0, 0, 0)


def test_the_template_explains_each_field_in_vietnamese() -> None:
    text = minutes_template(TEMPLATE)

    for words in ("số được triệu tập", "số có mặt", "2/3", "số phiếu phát ra",
                  "số phiếu hợp lệ", "điền số", "Hội nghị cán bộ chủ chốt",
                  "Ủy viên Ban chấp hành", "Đảng bộ xã Đồi Mây"):
        assert words in text
    vote_lines = [line for line in text.splitlines() if "# điền số: " in line
                  and not line.startswith(("summoned", "attending", "ballots"))]
    assert len(vote_lines) == 3
    assert vote_lines[0].endswith("Lý Thị Thu Trang")
    assert vote_lines[2].endswith("Phan Văn Khoa")  # a line break in a name breaks nothing


def test_a_template_without_a_date_cannot_be_read_until_the_date_is_written() -> None:
    undated = minutes_template(MinutesTemplate(**{**TEMPLATE.__dict__, "held_on": None}))

    [problem] = minutes_problems(undated)
    assert (problem.field, problem.rule) == ("bien-ban.toml, khóa held_on", "required")

    dated = undated.replace("# held_on = 2025-01-31 ", "held_on = 2025-05-04")
    assert read_minutes_text(dated, "bien-ban.toml").held_on == date(2025, 5, 4)


def test_an_unfilled_template_is_refused_by_the_domain() -> None:
    state = given(open_plan(seats=3), *registrations(incumbents=range(1, 5)))
    template = MinutesTemplate(**{**TEMPLATE.__dict__,
                                  "candidate_group": CandidateGroup.INCUMBENT, "step": 1,
                                  "attempt": 1,
                                  "candidates": tuple((i, i) for i in ids(range(1, 5)))})
    unfilled = read_minutes_text(minutes_template(template), "bien-ban.toml")

    then_rejected(state, conference(1, CandidateGroup.INCUMBENT, dict(unfilled.votes),
                                    summoned=unfilled.summoned, attending=unfilled.attending,
                                    held_on=unfilled.held_on), field="summoned", rule="positive")
    then_rejected(state, conference(1, CandidateGroup.INCUMBENT, dict(unfilled.votes),
                                    summoned=15, attending=unfilled.attending,
                                    held_on=unfilled.held_on), field="attending", rule="quorum")


def test_toml_text_over_5_mb_is_refused() -> None:
    padding = "# " + "x" * (5 * 1024 * 1024) + "\n"

    [problem] = plan_problems(padding + PLAN)

    assert (problem.field, problem.rule) == ("plan.toml", "file_too_large")


def test_the_example_minutes_are_what_the_generator_writes() -> None:
    from examples.make_minutes import DIRECTORY, files

    written = files()
    assert sorted(written) == sorted(p.name for p in DIRECTORY.glob("*.toml"))
    for name, text in written.items():
        assert (DIRECTORY / name).read_text(encoding="utf-8") == text, name
        read_minutes(DIRECTORY / name)
