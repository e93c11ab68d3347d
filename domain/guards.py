"""What every preparation command checks first: the plan is open, the actor is its own
organization department; and how messages name a group and a person."""

from __future__ import annotations

from datetime import datetime

from domain.commands import Command
from domain.door import check_command
from domain.errors import Violations
from domain.events import EventCommon, common
from domain.people import Actor, Role
from domain.plan import Nomination, PlanPhase, PlanState, Track
from domain.vocabulary import CANDIDATE_GROUPS, PHASES, ROLES, person


def base(command: Command, plan_id: str, now: datetime) -> EventCommon:
    return common(plan_id=plan_id, now=now, actor=command.actor, command_id=command.command_id)


def authorize(actor: Actor, organization_id: str, v: Violations) -> None:
    """Only the plan's own organization department prepares it."""
    v.check(actor.role is Role.ORGANIZATION_DEPARTMENT, "actor.role", "role_not_permitted",
            f"Vai trò {ROLES.get(actor.role, actor.role)} không được lập, chuẩn bị đề án "
            f"nhân sự; chỉ {ROLES[Role.ORGANIZATION_DEPARTMENT]} được làm việc này")
    v.check(actor.organization_id == organization_id, "actor.organization_id",
            "outside_scope",
            f"Người thực hiện {actor.user_id} thuộc tổ chức {actor.organization_id}, không "
            f"thuộc tổ chức {organization_id} của đề án")


def door(command: Command) -> Violations:
    """A new list of violations, with the command's id and actor already checked."""
    v = Violations()
    check_command(v, command.command_id, command.actor)
    return v


def require_open(state: PlanState, v: Violations) -> bool:
    """Preparation commands are for a plan being prepared, not one under review, decided or
    cancelled."""
    if state.phase is PlanPhase.NOT_OPENED:
        v.add("plan_id", "not_opened", "Chưa có đề án nào được lập với mã này")
        return False
    if state.phase is PlanPhase.CANCELLED:
        v.add("plan_id", "plan_cancelled",
              f"Đề án {state.plan_id} đã bị hủy; không thể thay đổi đề án đã hủy")
        return False
    if state.phase not in (PlanPhase.OPEN, PlanPhase.IN_PROCEDURE):
        v.add("plan_id", "already_submitted",
              f"Đề án đang ở trạng thái «{PHASES[state.phase]}»: đề án đã trình cấp trên, "
              f"chỉ được điều chỉnh khi cấp trên trả lại")
        return False
    assert state.organization is not None
    return True


def track_label(state: PlanState, track: Track) -> str:
    """"Ủy viên Ban Chấp hành (cấp ủy viên), nhóm tái cử"."""
    assert state.procedure is not None
    pg, cg = track
    return f"{state.procedure.position_group_title(pg)}, nhóm {CANDIDATE_GROUPS[cg]}"


def who(nomination: Nomination) -> str:
    """"Nguyễn Văn A (thẻ đảng TD-100003)": how a message names a nomination's candidate."""
    return person(nomination.candidate.full_name, nomination.candidate.party_card_number)


def named(state: PlanState, nomination_id: str) -> str:
    """A nomination by its candidate's name, or by its id when the plan does not know it."""
    known = state.nominations.get(nomination_id)
    return who(known) if known is not None else f"mã đề cử {nomination_id}"
