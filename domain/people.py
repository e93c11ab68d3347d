"""Who takes part: actors, organizations, candidates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.vocabulary import CANDIDATE_GROUPS


class Role(StrEnum):
    """The roles a person acts in. Every event records the role its actor acted in."""

    ORGANIZATION_DEPARTMENT = "organization_department"  # Ban tổ chức của cấp ủy
    SUPERIOR_STANDING_COMMITTEE = "superior_standing_committee"  # Ban thường vụ cấp trên
    APPRAISAL_AGENCY = "appraisal_agency"  # Cơ quan chuyên môn thẩm định
    VOTE_COUNTING_COMMITTEE = "vote_counting_committee"  # Ban kiểm phiếu
    AUDITOR = "auditor"  # Kiểm toán, thanh tra, ủy ban kiểm tra
    SYSTEM = "system"  # the workflow itself: reminders, deadlines, escalations
    ADMINISTRATOR = "administrator"  # Quản trị hệ thống: runs the system, decides nothing


SYSTEM_ACTOR_ID = "nhansu"


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who acted, in which role, for which organization."""

    user_id: str
    role: Role
    organization_id: str


@dataclass(frozen=True, kw_only=True)
class Organization:
    """A party organization (tổ chức đảng), placed in the tree by its parent."""

    organization_id: str
    name: str
    parent_id: str | None
    level: str  # e.g. "grassroots" (cơ sở), "district", "province", "central"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class CandidateGroup(StrEnum):
    """The two groups that go through the five steps, in this order."""

    INCUMBENT = "incumbent"  # tái cử: standing again
    FIRST_TIME = "first_time"  # lần đầu tham gia


# Old name, kept for the packages that import it (domain.vocabulary holds every label).
CANDIDATE_GROUP_LABELS_VI = CANDIDATE_GROUPS

MAJORITY_ETHNICITY = "Kinh"


class DisciplineKind(StrEnum):
    """Hình thức kỷ luật: each bars nomination for a number of months (a parameter)."""

    REPRIMAND = "reprimand"  # khiển trách
    WARNING = "warning"  # cảnh cáo
    DISMISSAL = "dismissal"  # cách chức


@dataclass(frozen=True, kw_only=True)
class DisciplineRecord:
    kind: DisciplineKind
    decided_on: date


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """A party member proposed for the new committee (nhân sự)."""

    full_name: str
    birth_date: date
    gender: Gender
    ethnicity: str
    current_post: str
    party_card_number: str | None = None  # số thẻ đảng viên, when known
    in_cadre_plan: bool | None = None  # trong quy hoạch; None: not stated
    discipline: tuple[DisciplineRecord, ...] = ()

    @property
    def is_ethnic_minority(self) -> bool:
        return self.ethnicity.strip().casefold() != MAJORITY_ETHNICITY.casefold()

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years
