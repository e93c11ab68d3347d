"""Procedure definitions: the rules that change between congress cycles, kept as data.

A definition is loaded from a data file (``procedures/*.json``) and copied whole into the
plan's first event, so a plan keeps the rules it started with even after a new directive
replaces the file, and an auditor replays it under those rules.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any

from domain.errors import InvalidDefinition
from domain.people import CandidateGroup
from domain.serialization import from_data, to_data


class PassBase(StrEnum):
    """What "more than half" is counted against. Party rules use those summoned."""

    SUMMONED = "summoned"  # số được triệu tập
    ATTENDING = "attending"  # số có mặt
    VALID_BALLOTS = "valid_ballots"  # số phiếu hợp lệ


def ratio(text: str) -> Fraction:
    """Parse a "p/q" ratio kept as text in definitions and events."""
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError) as exc:
        raise InvalidDefinition(f"không phải tỷ lệ: {text!r} (viết dạng p/q, ví dụ 2/3)") from exc
    if not 0 <= value <= 1:
        raise InvalidDefinition(f"tỷ lệ {text!r} nằm ngoài khoảng 0..1")
    return value


@dataclass(frozen=True, kw_only=True)
class PositionGroupRule:
    """A group of posts, elected from low to high (từng nhóm chức danh từ thấp đến cao)."""

    code: str
    title_vi: str


@dataclass(frozen=True, kw_only=True)
class StepRule:
    number: int
    body: str  # which body meets: standing_committee, key_cadres_conference, ...
    title_vi: str
    decides: str
    secret_ballot: bool = True
    # A consultative step records its tally but drops no one (param, see domain primer).
    consultative: bool = False
    # Per-step overrides of the procedure-wide rules.
    quorum: str | None = None
    pass_base: PassBase | None = None
    pass_threshold: str | None = None


@dataclass(frozen=True, kw_only=True)
class SurplusRule:
    """Số dư: how many more candidates than seats the list must have."""

    prepared_min: str = "1/10"  # the convening committee prepares 10-15% more
    prepared_max: str = "3/20"
    congress_max: str = "3/10"  # the congress may go up to 30%
    small_committee_max_seats: int = 5  # committees of 3-5 seats ...
    small_committee_surplus: int = 1  # ... have a surplus of exactly one

    def list_bounds(self, seats: int) -> tuple[int, int]:
        """Smallest and largest list the convening committee may prepare for ``seats``."""
        if seats <= 0:
            return (0, 0)
        if seats <= self.small_committee_max_seats:
            extra = self.small_committee_surplus
            return (seats + extra, seats + extra)
        # At least the minimum share, rounded up, and never less than one extra name;
        # at most the maximum share, rounded down, but never below the minimum.
        low = max(1, math.ceil(seats * ratio(self.prepared_min)))
        high = max(low, math.floor(seats * ratio(self.prepared_max)))
        return (seats + low, seats + high)


@dataclass(frozen=True, kw_only=True)
class RetirementStep:
    """From ``from_year`` on, the retirement age (in months) of whoever reaches it that year."""

    from_year: int
    male_months: int
    female_months: int


#: The codes of the automatic eligibility checks (domain/eligibility.py).
CHECK_CODES = ("retirement_margin", "full_term", "discipline_bar", "cadre_plan")


@dataclass(frozen=True, kw_only=True)
class EligibilityRule:
    """Parameters of the automatic eligibility checks (used at appraisal)."""

    re_election_min_months_before_retirement: int = 30
    first_time_requires_full_term: bool = True
    retirement_age_months_male: int = 62 * 12
    retirement_age_months_female: int = 60 * 12
    # The statutory schedule (Bộ luật Lao động 2019 Điều 169, Nghị định 135/2020/NĐ-CP): the
    # age rises by year of reaching it. Empty: the fixed ages above.
    retirement_schedule: tuple[RetirementStep, ...] = ()
    discipline_bar_months_reprimand: int = 12
    discipline_bar_months_warning: int = 30
    discipline_bar_months_dismissal: int = 60
    # Who must be in the cadre plan (quy hoạch): "first_time", "all" or "none".
    cadre_plan_required_for: str = "first_time"
    # Check codes whose failure refuses a registration outright (eligibility_blocks); the
    # others are recorded on the nomination for the appraisal and the approvers.
    blocking: tuple[str, ...] = ()


def duration(text: str) -> timedelta:
    """"10d", "12h", "30m", "45s" -> timedelta: deadlines are data, never constants."""
    units = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
    number, unit = text[:-1], text[-1:]
    # ASCII digits only: str.isdigit() also accepts "²" (int() then fails) and other scripts.
    if unit not in units or not (number.isascii() and number.isdigit()) or int(number) <= 0:
        raise InvalidDefinition(f"không phải thời hạn: {text!r} (viết ví dụ 10d, 12h, 30m)")
    return timedelta(**{units[unit]: int(number)})


@dataclass(frozen=True, kw_only=True)
class AgencyRule:
    """A specialised agency of the superior level that appraises each candidate."""

    code: str
    title_vi: str


@dataclass(frozen=True, kw_only=True)
class AppraisalRule:
    """Thẩm định: which agencies must answer, by when, and how often they are reminded."""

    agencies: tuple[AgencyRule, ...] = (
        AgencyRule(code="organization_department", title_vi="Ban Tổ chức cấp ủy cấp trên"),
        AgencyRule(code="inspection_committee", title_vi="Ủy ban Kiểm tra cấp ủy cấp trên"),
        AgencyRule(code="internal_affairs", title_vi="Ban Nội chính cấp ủy cấp trên"),
    )
    deadline: str = "10d"
    reminder_every: str = "3d"

    def agency_codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.agencies)


@dataclass(frozen=True, kw_only=True)
class ApprovalRule:
    """Phê duyệt: the superior standing committee's deadline; past it, the next level up is
    told (escalation) and the decision is still awaited."""

    deadline: str = "14d"
    reminder_every: str = "5d"
    # How many more than the seats must remain after exclusions. Election lists must be
    # longer than the seats (Quy chế bầu cử), hence 1; a procedure may set 0 where the
    # congress completes the list with its own nominations.
    min_extra_after_exclusions: int = 1


@dataclass(frozen=True, kw_only=True)
class StructurePolicy:
    """Which structure shortfalls block a submission and which only warn."""

    women_min: str = "warn"
    under_40_min: str = "warn"
    first_time_min: str = "warn"
    ethnic_minority_min: str = "warn"
    woman_on_standing_committee: str = "block"
    list_bounds: str = "block"

    def severity(self, measure: str) -> str:
        value: str = getattr(self, measure)
        return value


#: Who elects: the congress itself (đại hội) or the new executive committee (Ban Chấp hành
#: khóa mới) at its first conference.
ELECTING_BODIES = ("congress", "executive_committee")
#: Why a ballot is invalid (phiếu không hợp lệ), each a rule a procedure may apply.
BALLOT_RULES = ("not_issued", "too_many_kept", "none_kept_with_surplus", "names_added",
                "marked")
#: What a nomination made at the congress (ứng cử, đề cử) may need before it is listed.
NOMINATION_AGREEMENTS = ("nominee_consent", "presidium_acceptance")
#: How a tie at the cut-off is settled at the congress.
ELECTION_TIE_RULES = ("revote",)


@dataclass(frozen=True, kw_only=True)
class ElectingBody:
    """Which body elects a position group, and from whom: the standing committee is elected
    by the new executive committee from its own members, the secretary from the standing
    committee, ... ``after``: groups whose round must be concluded first (the deputies after
    the secretary)."""

    position_group: str
    body: str  # one of ELECTING_BODIES
    elected_from: str | None = None
    after: tuple[str, ...] = ()


DEFAULT_ELECTING_BODIES = (
    ElectingBody(position_group="committee_member", body="congress"),
    ElectingBody(position_group="standing_committee_member", body="executive_committee",
                 elected_from="committee_member"),
    ElectingBody(position_group="secretary", body="executive_committee",
                 elected_from="standing_committee_member"),
    ElectingBody(position_group="deputy_secretary", body="executive_committee",
                 elected_from="standing_committee_member", after=("secretary",)),
    ElectingBody(position_group="inspection_committee_member", body="executive_committee"),
    ElectingBody(position_group="upper_congress_delegate", body="congress"),
)


@dataclass(frozen=True, kw_only=True)
class ElectionRule:
    """Bầu cử tại đại hội (Quy chế bầu cử trong Đảng): the list, the ballots, who is elected,
    what happens when too few are, and the superior committee's appointments afterwards.

    The defaults are the rules of Quy chế 244-QĐ/TW (2014), which the procedures published
    before this section existed ran under; ``directive-45-2025@v2`` sets those of Quy chế
    190-QĐ/TW (2024)."""

    bodies: tuple[ElectingBody, ...] = DEFAULT_ELECTING_BODIES
    # The congress may elect the secretary itself, from the new committee's members (thí
    # điểm bầu trực tiếp bí thư tại đại hội).
    secretary_by_congress: bool = False
    # What a nomination at the congress (ứng cử, đề cử) needs to go on the list: codes of
    # NOMINATION_AGREEMENTS, and, when set, the agreement of more than this share of those
    # present.
    nomination_requires: tuple[str, ...] = NOMINATION_AGREEMENTS
    nomination_support_min: str | None = None
    # The congress approves the list by more than this share of those present.
    list_vote_threshold: str = "1/2"
    # Position groups whose list must be longer than the seats (số dư); the bounds are the
    # procedure's ``surplus`` (congress_max, small committees).
    surplus_required: tuple[str, ...] = ("committee_member", "standing_committee_member")
    # Why a ballot is invalid, in the order a reason is given (codes of BALLOT_RULES).
    invalid_ballots: tuple[str, ...] = ("not_issued", "too_many_kept", "none_kept_with_surplus")
    # Elected: more than ``pass_threshold`` of the base (those summoned less those the rules
    # exclude), then the most votes fill the seats.
    pass_base: PassBase = PassBase.SUMMONED
    pass_threshold: str = "1/2"
    # A tie at the cut-off: a new ballot among the tied (ELECTION_TIE_RULES).
    tie_break: str = "revote"
    # Ballots for seats still open after the first, before only leaving them open remains.
    further_ballots_max: int = 2
    # Position groups whose planned persons (the approved plan's list) not being elected
    # pauses the election until the superior standing committee gives its direction.
    pause_unless_planned_elected: tuple[str, ...] = ("secretary", "deputy_secretary")
    # Chỉ định to seats left open: more than this share of the superior standing committee's
    # members must agree, recorded with the appointment.
    appointment_consensus: str = "1/2"

    def body_of(self, position_group: str) -> ElectingBody | None:
        for body in self.bodies:
            if body.position_group == position_group:
                return body
        return None

    def bodies_for(self, position_group: str) -> tuple[str, ...]:
        """The bodies that may elect ``position_group`` (the secretary: also the congress,
        where the procedure allows it)."""
        rule = self.body_of(position_group)
        found = () if rule is None else (rule.body,)
        if position_group == "secretary" and self.secretary_by_congress \
                and "congress" not in found:
            found = (*found, "congress")
        return found


@dataclass(frozen=True, kw_only=True)
class ProcedureDefinition:
    procedure_id: str
    version: int
    title_vi: str
    regulation: str
    effective_from: date
    candidate_group_order: tuple[CandidateGroup, ...]
    position_groups: tuple[PositionGroupRule, ...]
    quorum: str
    pass_base: PassBase
    pass_threshold: str
    tie_break: str  # who settles ties at the cut-off, e.g. "head_of_committee"
    steps: tuple[StepRule, ...]
    surplus: SurplusRule
    eligibility: EligibilityRule
    term_months: int = 60
    # Later additions carry defaults equal to the 2019 rules, so definitions copied into plans
    # opened before they existed still read back whole.
    appraisal: AppraisalRule = AppraisalRule()
    approval: ApprovalRule = ApprovalRule()
    structure_policy: StructurePolicy = StructurePolicy()
    election: ElectionRule = ElectionRule()

    @property
    def key(self) -> str:
        return f"{self.procedure_id}@v{self.version}"

    @property
    def final_step(self) -> int:
        return self.steps[-1].number

    def step(self, number: int) -> StepRule:
        for rule in self.steps:
            if rule.number == number:
                return rule
        raise KeyError(number)

    def next_step(self, number: int) -> int | None:
        numbers = [s.number for s in self.steps]
        index = numbers.index(number)
        return numbers[index + 1] if index + 1 < len(numbers) else None

    def quorum_of(self, step: StepRule) -> Fraction:
        return ratio(step.quorum or self.quorum)

    def pass_base_of(self, step: StepRule) -> PassBase:
        return step.pass_base or self.pass_base

    def threshold_of(self, step: StepRule) -> Fraction:
        return ratio(step.pass_threshold or self.pass_threshold)

    def position_group_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.position_groups)

    def position_group_title(self, code: str) -> str:
        for group in self.position_groups:
            if group.code == code:
                return group.title_vi
        return code

    def digest(self) -> str:
        """sha256 of the canonical definition: names exactly which rules a plan ran under.

        A parameter added later is left out while it has its default (the behaviour before
        it existed), so a definition recorded before it was added keeps its digest."""
        data = to_data(self)
        for section, name, default in LATER_PARAMETERS:
            holder = data if section == "" else data.get(section, {})
            if holder.get(name) == default:
                del holder[name]
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# (section, name, default as data) of parameters added after definitions were recorded; the
# section "" is the definition itself (a whole section added later).
LATER_PARAMETERS: tuple[tuple[str, str, Any], ...] = (
    ("eligibility", "retirement_schedule", []),
    ("eligibility", "blocking", []),
    ("", "election", to_data(ElectionRule())),
)


def parse_procedure(data: dict[str, Any]) -> ProcedureDefinition:
    """Build and check a definition from its data file's content."""
    try:
        definition = from_data(ProcedureDefinition, data)
    except (TypeError, ValueError, KeyError) as exc:
        raise InvalidDefinition(f"định nghĩa quy trình không đọc được: {exc}") from exc
    _check(definition)
    return definition


def _check(d: ProcedureDefinition) -> None:
    problems: list[str] = []
    numbers = [s.number for s in d.steps]
    if not numbers or numbers != sorted(set(numbers)):
        problems.append("steps phải được đánh số tăng dần, không trùng")
    if (set(d.candidate_group_order) != set(CandidateGroup)
            or len(d.candidate_group_order) != len(set(d.candidate_group_order))):
        problems.append("candidate_group_order phải nêu mỗi nhóm (tái cử, lần đầu tham gia) "
                        "đúng một lần")
    codes = d.position_group_codes()
    if not codes or len(codes) != len(set(codes)):
        problems.append("position_groups không được để trống và không được trùng")
    for text in [d.quorum, d.pass_threshold, d.surplus.prepared_min, d.surplus.prepared_max,
                 d.surplus.congress_max]:
        ratio(text)
    for step in d.steps:
        for override in (step.quorum, step.pass_threshold):
            if override is not None:
                ratio(override)
    for text in (d.appraisal.deadline, d.appraisal.reminder_every, d.approval.deadline,
                 d.approval.reminder_every):
        duration(text)
    codes_a = d.appraisal.agency_codes()
    if not codes_a or len(codes_a) != len(set(codes_a)):
        problems.append("appraisal.agencies không được để trống và không được trùng")
    for measure in ("women_min", "under_40_min", "first_time_min", "ethnic_minority_min",
                    "woman_on_standing_committee", "list_bounds"):
        if d.structure_policy.severity(measure) not in ("block", "warn"):
            problems.append(f"structure_policy.{measure} phải là block hoặc warn")
    unknown_checks = sorted(set(d.eligibility.blocking) - set(CHECK_CODES))
    if unknown_checks:
        problems.append(f"eligibility.blocking nêu tiêu chuẩn không có {unknown_checks} "
                        f"(các tiêu chuẩn: {', '.join(CHECK_CODES)})")
    if d.eligibility.cadre_plan_required_for not in ("first_time", "all", "none"):
        problems.append("eligibility.cadre_plan_required_for phải là first_time, all hoặc none")
    if ratio(d.surplus.prepared_min) > ratio(d.surplus.prepared_max):
        problems.append("surplus.prepared_min lớn hơn surplus.prepared_max")
    if d.version < 1 or d.term_months < 1:
        problems.append("version và term_months phải là số dương")
    problems.extend(_election_problems(d))
    if problems:
        raise InvalidDefinition(f"quy trình {d.procedure_id}: " + "; ".join(problems))


def _election_problems(d: ProcedureDefinition) -> list[str]:
    e = d.election
    problems: list[str] = []
    codes = set(d.position_group_codes())
    for text in (e.list_vote_threshold, e.pass_threshold, e.appointment_consensus,
                 *([e.nomination_support_min] if e.nomination_support_min else [])):
        ratio(text)
    seen: set[str] = set()
    for body in e.bodies:
        if body.position_group in seen:
            problems.append(f"election.bodies nêu nhóm {body.position_group} hai lần")
        seen.add(body.position_group)
        if body.body not in ELECTING_BODIES:
            problems.append(f"election.bodies: {body.body!r} không phải cơ quan bầu "
                            f"({', '.join(ELECTING_BODIES)})")
        for other in (body.position_group, body.elected_from, *body.after):
            if other is not None and other not in codes:
                problems.append(f"election.bodies nêu nhóm chức danh không có: {other!r}")
    chains = {b.position_group: b.elected_from for b in e.bodies}
    for start in chains:
        visited: set[str] = set()
        current: str | None = start
        while current is not None and current not in visited:
            visited.add(current)
            current = chains.get(current)
        if current is not None:
            problems.append(f"election.bodies: nhóm {start} được bầu từ chính nó (vòng lặp)")
            break
    for name, values, known in (("invalid_ballots", e.invalid_ballots, BALLOT_RULES),
                                ("nomination_requires", e.nomination_requires,
                                 NOMINATION_AGREEMENTS),
                                ("surplus_required", e.surplus_required, tuple(codes)),
                                ("pause_unless_planned_elected", e.pause_unless_planned_elected,
                                 tuple(codes))):
        unknown = sorted(set(values) - set(known))
        if unknown:
            problems.append(f"election.{name} nêu mã không có: {unknown}")
    if e.tie_break not in ELECTION_TIE_RULES:
        problems.append(f"election.tie_break phải là một trong {', '.join(ELECTION_TIE_RULES)}")
    if e.further_ballots_max < 0:
        problems.append("election.further_ballots_max không được âm")
    return problems
