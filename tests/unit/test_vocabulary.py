"""One label catalogue: every code a person can meet has its Vietnamese term, and numbers,
shares, days and moments are written the Vietnamese way."""

from __future__ import annotations

import ast
import dataclasses
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from fractions import Fraction
from pathlib import Path

import pytest

import domain
import procedures
from domain import vocabulary
from domain.appraisal import APPRAISAL_RESULTS, OUTCOME_VI, FindingOutcome
from domain.approval import Decision
from domain.conference import BASE_LABELS_VI
from domain.eligibility import CHECK_CODES, DISCIPLINE_VI
from domain.events import EVENT_TYPES
from domain.people import CANDIDATE_GROUP_LABELS_VI, CandidateGroup, DisciplineKind, Gender, Role
from domain.plan import NominationStatus, PlanPhase
from domain.procedure import PassBase, StructurePolicy
from domain.structure import SHORTFALL_RULES
from domain.vocabulary import day, label, moment, number, percent, person

pytestmark = pytest.mark.unit

DOMAIN = Path(domain.__file__).resolve().parent
SOURCES = sorted(DOMAIN.glob("*.py"))


# --- every code has its label ----------------------------------------------------------------
@pytest.mark.parametrize(("kind", "enum"), [
    ("role", Role), ("candidate_group", CandidateGroup), ("gender", Gender),
    ("discipline", DisciplineKind), ("phase", PlanPhase),
    ("nomination_status", NominationStatus), ("finding", FindingOutcome),
    ("decision", Decision), ("pass_base", PassBase),
], ids=lambda x: x if isinstance(x, str) else x.__name__)
def test_every_enum_value_has_a_label(kind: str, enum: type[StrEnum]) -> None:
    catalogue = vocabulary.CATALOGUE[kind]

    assert [m.value for m in enum if m.value not in catalogue] == []


def test_the_new_role_phase_and_status_have_their_official_terms() -> None:
    assert label("role", Role.ADMINISTRATOR) == "Quản trị hệ thống"
    assert label("phase", PlanPhase.CANCELLED) == "Đã hủy đề án"
    assert label("nomination_status", NominationStatus.WITHDRAWN) == "Đã rút khỏi danh sách"


def test_every_event_type_has_a_label() -> None:
    assert sorted(set(EVENT_TYPES) - set(vocabulary.EVENT_TYPES)) == []
    assert label("event", "PlanOpened") == "Lập đề án"
    assert label("event", "CandidateRegistered") == "Đăng ký nhân sự"


def test_every_code_the_procedures_and_checks_use_has_a_label() -> None:
    definitions = [procedures.load(key) for key in procedures.available()]
    bodies = {step.body for d in definitions for step in d.steps}
    agencies = {a.code for d in definitions for a in d.appraisal.agencies}
    groups = {g.code for d in definitions for g in d.position_groups}
    measures = {f.name.removesuffix("_min") for f in dataclasses.fields(StructurePolicy)}

    assert bodies - set(vocabulary.CONFERENCE_BODIES) == set()
    assert agencies - set(vocabulary.APPRAISAL_AGENCIES) == set()
    assert groups - set(vocabulary.POSITION_GROUPS) == set()
    assert set(CHECK_CODES) - set(vocabulary.ELIGIBILITY_CHECKS) == set()
    assert set(APPRAISAL_RESULTS) - set(vocabulary.APPRAISAL_RESULTS) == set()
    assert measures - set(vocabulary.STRUCTURE_MEASURES) == set()


def keyword_literals(name: str) -> set[str]:
    """Every string literal the domain passes as keyword ``name=`` (reason_code=, ...)."""
    found = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                for kw in node.keywords:
                    if kw.arg == name:
                        found |= literals(kw.value)
    return found


def literals(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return literals(node.body) | literals(node.orelse)
    return set()


def test_every_reason_code_and_occasion_the_domain_writes_has_a_label() -> None:
    reasons = keyword_literals("reason_code")
    occasions = keyword_literals("occasion")

    assert reasons >= {"below_threshold", "over_list_maximum", "cancelled", "rejected"}
    assert reasons - set(vocabulary.REASON_CODES) == set()
    assert occasions == {"registration", "submission", "correction"}
    assert occasions - set(vocabulary.ELIGIBILITY_OCCASIONS) == set()


# --- every rule code has a label -------------------------------------------------------------
ROOT = DOMAIN.parent
APPLICATION = sorted((ROOT / "application").glob("*.py"))


def returned_codes(path: Path, function: str, position: int) -> set[str]:
    """The literals ``function`` of ``path`` returns at ``position`` of the tuples it returns
    (a helper that answers (rule, message) or (value, rule, message))."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            for ret in ast.walk(node):
                if (isinstance(ret, ast.Return) and isinstance(ret.value, ast.Tuple)
                        and len(ret.value.elts) > position):
                    found |= literals(ret.value.elts[position]) - {""}  # "": no problem
    assert found, f"{path.name}: {function} returns no rule literal"
    return found


# Call sites whose rule is not a literal, and the codes it can take there.
DYNAMIC_RULES = {
    ("decide.py", "_submit"): set(SHORTFALL_RULES),
    ("registry.py", "_check_name"): returned_codes(DOMAIN / "registry.py", "name_problem", 0),
}


def application_dynamic_rules() -> dict[tuple[str, str], set[str]]:
    domain_codes, _ = rule_codes(SOURCES)
    dates = returned_codes(ROOT / "application" / "files.py", "_date_from_text", 1)
    passwords = returned_codes(ROOT / "identity" / "credentials.py", "password_problem", 0)
    # SettingsError is raised where a setting is read: settings.py, and bootstrap.py and
    # telemetry.py for the files and addresses they open.
    settings, _ = rule_codes([ROOT / "settings.py", ROOT / "bootstrap.py", ROOT / "telemetry.py"])
    assert settings, "settings.py: the collector sees no SettingsError rule"
    witness, _ = rule_codes([ROOT / "audit" / "witness.py"])
    assert witness, "audit/witness.py: the collector sees no WitnessRefused rule"
    return {
        # a batch checked with the domain's rules: its violations, relabelled by row
        ("plans.py", "precheck"): domain_codes,
        ("registry.py", "_write"): domain_codes,
        # a day read from a cell of a file
        ("files.py", "day"): dates,
        ("files.py", "discipline"): dates,
        # a password refused by identity/credentials.py
        ("users.py", "set_password"): passwords,
        ("users.py", "change_password_as"): passwords,
        # a setting refused by settings.py
        ("failures.py", "translate"): settings,
        # a checkpoint the witness refuses to co-sign (audit/witness.py)
        ("audit.py", "_witness_refusal"): witness,
        # the edges' own (field, rule, message) triples: their codes are the edges' own
        ("errors.py", "invalid"): set(),
    }


def rule_codes(sources: list[Path], dynamic: dict[tuple[str, str], set[str]] | None = None,
               ) -> tuple[set[str], list[str]]:
    """Every rule code in the sources: the rule argument of ``<violations>.add(field, rule,
    ...)``, ``<violations>.check(condition, field, rule, ...)`` and ``Violation(rule=...)``,
    any literal passed as ``rule=`` to a helper, and the literal a call passes in the place of
    the ``rule`` parameter of a function or class of the sources (``fail(field, "utf8", ...)``).
    A rule given as the enclosing function's ``rule`` parameter is covered by its callers'
    literals; any other non-literal site must be declared in ``dynamic`` (DYNAMIC_RULES by
    default). Returns (codes, undeclared non-literal sites)."""
    dynamic = DYNAMIC_RULES if dynamic is None else dynamic
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sources}
    helpers = _rule_helpers(list(trees.values()))
    codes: set[str] = set()
    undeclared = [f"{name}: rule at different places" for name, at in helpers.items()
                  if at is None]
    for path, tree in trees.items():
        for function in [n for n in ast.walk(tree)
                         if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            params = {a.arg for a in [*function.args.args, *function.args.kwonlyargs]}
            for node in _own_nodes(function):
                if not isinstance(node, ast.Call):
                    continue
                argument = _rule_argument(node, helpers)
                for kw in node.keywords:
                    if kw.arg == "rule" and argument is not kw.value:
                        codes |= literals(kw.value)
                if argument is None:
                    continue
                found = literals(argument)
                if found:
                    codes |= found
                elif isinstance(argument, ast.Name) and argument.id == "rule" and "rule" in params:
                    continue  # the callers pass it as rule="..."
                elif (path.name, function.name) in dynamic:
                    codes |= dynamic[(path.name, function.name)]
                else:
                    undeclared.append(f"{path.name}:{node.lineno} in {function.name}")
    return codes, undeclared


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The nodes of ``function`` outside the functions defined in it (each is read on its own,
    with its own parameters)."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = [*function.args.defaults, *function.body]
    while pending:
        node = pending.pop()
        found.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))
    return found


def _rule_helpers(trees: list[ast.Module]) -> dict[str, int | None]:
    """name -> the position of the ``rule`` parameter among the positional ones, for every
    function, method and class (by its ``__init__``) of the sources that takes a ``rule``
    written as text (a ``rule: RateLimit`` is no rule code); None when two of one name
    disagree."""
    helpers: dict[str, int | None] = {}

    def note(name: str, args: ast.arguments, method: bool) -> None:
        positional = [*args.posonlyargs, *args.args][1 if method else 0:]
        position = next((i for i, a in enumerate(positional) if a.arg == "rule"), None)
        if position is None:
            return
        annotation = positional[position].annotation
        if annotation is not None and ast.unparse(annotation) not in {"str", "str | None"}:
            return
        helpers[name] = position if helpers.get(name, position) == position else None

    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        note(node.name, item.args, method=True)
            elif (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.name != "__init__"):
                method = bool(node.args.args) and node.args.args[0].arg in {"self", "cls"}
                note(node.name, node.args, method)
    return helpers


def _rule_argument(call: ast.Call, helpers: dict[str, int | None]) -> ast.expr | None:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "add" and len(call.args) >= 3:
        return call.args[1]
    if isinstance(func, ast.Attribute) and func.attr == "check" and len(call.args) >= 4:
        return call.args[2]
    if isinstance(func, ast.Name) and func.id == "Violation":
        return next((kw.value for kw in call.keywords if kw.arg == "rule"), None)
    name = func.id if isinstance(func, ast.Name) else (
        func.attr if isinstance(func, ast.Attribute) else None)
    position = helpers.get(name) if name is not None else None
    if position is not None and len(call.args) > position:
        return call.args[position]
    if position is not None and any(isinstance(a, ast.Starred) for a in call.args):
        return next(a for a in call.args if isinstance(a, ast.Starred))  # add("f", *problem)
    return None


def test_every_rule_code_of_the_domain_has_a_label() -> None:
    codes, undeclared = rule_codes(SOURCES)

    assert undeclared == [], f"rule codes that are not literals: {undeclared}"
    assert len(codes) > 70  # the collector sees the domain's rules ...
    assert {"quorum", "within_valid_ballots", "uuid_format", "eligibility_unacknowledged",
            "not_withdrawable", "list_minimum", "women", "cycle"} <= codes  # ... of every kind
    assert sorted(codes - set(vocabulary.RULES)) == []
    assert label("rule", "quorum") == "đủ số đại biểu dự họp"
    assert label("rule", "within_valid_ballots") == "không vượt số phiếu hợp lệ"


def test_every_rule_code_of_the_application_has_a_label() -> None:
    """The application refuses input with rules of its own (files, registry imports,
    passwords, settings); their labels are shown beside the message as well."""
    codes, undeclared = rule_codes(APPLICATION, application_dynamic_rules())

    assert undeclared == [], f"rule codes that are not literals: {undeclared}"
    assert {"already_opened", "concurrent_change", "utf8", "columns", "unknown_column",
            "too_short", "integer", "date", "xlsx_format"} <= codes  # every way of writing one
    assert sorted(codes - set(vocabulary.RULES)) == []


def test_the_collector_notices_a_new_rule_and_a_rule_it_cannot_read(tmp_path: Path) -> None:
    source = tmp_path / "new_rule.py"
    source.write_text(
        "def decide_something(v, c):\n"
        "    v.check(c.ok, 'field', 'brand_new_rule', 'message')\n"
        "    v.add('field', 'rule_by_add', 'message')\n"
        "    v.add('field', c.computed_rule, 'message')\n"
        "    helper(v, rule='via_helper')\n"
        "    positional(v, 'field', 'by_position', 'message')\n"
        "    raise Refused('field', 'by_class', 'message')\n"
        "def helper(v, rule):\n"
        "    v.add('field', rule, 'message')\n"
        "def positional(v, field, rule, message):\n"
        "    def inner(rule):\n"
        "        v.add(field, rule, message)\n"
        "    inner(rule)\n"
        "class Refused(Exception):\n"
        "    def __init__(self, field, rule, message):\n"
        "        super().__init__(message)\n", encoding="utf-8")

    codes, undeclared = rule_codes([source])

    assert codes == {"brand_new_rule", "rule_by_add", "via_helper", "by_position", "by_class"}
    assert undeclared == ["new_rule.py:4 in decide_something"]
    assert "brand_new_rule" not in vocabulary.RULES

    other = tmp_path / "other.py"
    other.write_text("def positional(rule, field, message):\n    pass\n", encoding="utf-8")
    assert "positional: rule at different places" in rule_codes([source, other])[1]


# --- label ------------------------------------------------------------------------------------
def test_label_never_raises_and_shows_an_unknown_code_as_it_is() -> None:
    assert label("decision", "send_back") == "Trả lại để điều chỉnh, bổ sung"
    assert label("body", "key_cadres_conference") == "Hội nghị cán bộ chủ chốt"
    assert label("agency", "inspection_committee") == "Ủy ban Kiểm tra cấp ủy cấp trên"
    assert label("level", "commune") == "Xã, phường, đặc khu"
    assert label("decision", "toss_a_coin") == "toss_a_coin"
    assert label("no_such_kind", "approve") == "approve"
    assert label("role", "") == ""
    assert label("candidate_group", CandidateGroup.INCUMBENT) == "tái cử"


def test_every_label_is_composed_text_without_control_characters() -> None:
    for kind, catalogue in vocabulary.CATALOGUE.items():
        for code, text in catalogue.items():
            assert text.strip() == text and text, (kind, code)
            assert unicodedata.is_normalized("NFC", text), (kind, code)
            assert not any(unicodedata.category(c).startswith("C") for c in text), (kind, code)


def test_the_old_names_still_read_the_catalogue() -> None:
    assert CANDIDATE_GROUP_LABELS_VI[CandidateGroup.FIRST_TIME] == "lần đầu tham gia"
    assert OUTCOME_VI["disqualifying"] == vocabulary.FINDING_OUTCOMES["disqualifying"]
    assert DISCIPLINE_VI[DisciplineKind.WARNING] == "cảnh cáo"
    assert BASE_LABELS_VI[PassBase.SUMMONED] == "số được triệu tập"
    assert vocabulary.STATUS_VI[NominationStatus.DROPPED] == "Dừng"
    assert vocabulary.PHASE_VI["awaiting_approval"] == "Chờ cấp trên phê duyệt"
    assert vocabulary.APPRAISAL_RESULT_VI["incomplete"] == "Chưa đủ kết luận"


# --- writing numbers, shares, days and moments ----------------------------------------------
@pytest.mark.parametrize(("value", "text"), [
    (16549, "16.549"), (0, "0"), (999, "999"), (1000, "1.000"), (-1234567, "-1.234.567"),
    (9223372036854775807, "9.223.372.036.854.775.807"),
])
def test_number(value: int, text: str) -> None:
    assert number(value) == text


@pytest.mark.parametrize(("value", "digits", "text"), [
    (Fraction(7, 17), 1, "41,2%"), (0.412, 1, "41,2%"), (Fraction(1, 3), 2, "33,33%"),
    (0, 1, "0,0%"), (1, 1, "100,0%"), (Fraction(1, 8), 0, "13%"),  # 12.5 rounds up
    (Fraction(1, 40), 1, "2,5%"), (Fraction(1, 2000), 1, "0,1%"), (0.0004, 1, "0,0%"),
    (Fraction(-1, 4), 1, "-25,0%"), (25, 0, "2.500%"),
])
def test_percent(value: Fraction | float, digits: int, text: str) -> None:
    assert percent(value, digits) == text


def test_day() -> None:
    assert day(date(2025, 5, 5)) == "05/05/2025"
    assert day(date(987, 12, 31)) == "31/12/0987"


@pytest.mark.parametrize(("moment_", "text"), [
    (datetime(2025, 5, 5, 7, 3, 22, tzinfo=UTC), "05/05/2025 14:03:22"),
    (datetime(2025, 5, 5, 20, 0, 0, tzinfo=UTC), "06/05/2025 03:00:00"),  # the next day
    (datetime(2025, 5, 5, 14, 3, 22, tzinfo=vocabulary.VIETNAM), "05/05/2025 14:03:22"),
    (datetime(2025, 5, 5, 9, 3, 22, tzinfo=timezone(timedelta(hours=2))),
     "05/05/2025 14:03:22"),
])
def test_a_moment_is_shown_in_vietnams_time(moment_: datetime, text: str) -> None:
    assert moment(moment_) == f"{text} (giờ Việt Nam, UTC+07:00)"


def test_a_naive_datetime_names_no_moment() -> None:
    with pytest.raises(ValueError, match="timezone"):
        moment(datetime(2025, 5, 5, 14, 3, 22))


def test_a_person_is_named_with_the_party_card_when_known() -> None:
    assert person("Nguyễn Văn A", "TD-100003") == "Nguyễn Văn A (thẻ đảng TD-100003)"
    assert person("Nguyễn Văn A", None) == "Nguyễn Văn A"
    assert person("Nguyễn Văn A", "") == "Nguyễn Văn A"
