"""One full personnel plan as a list of commands, used by integration, replay and crash
tests: 15 seats, 11 incumbents and 8 first-time candidates; an incumbent drops at step 2;
the first-time group's step 2 is repeated because the list fell one short of 17; one
first-time candidate drops at the repeat; the plan is submitted with 17 on the list.

Each plan is of an organization of its own (one plan per organization and term), under the
same superior committee, and its commands are its own organization department's."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

from application.plans import PlanService
from application.results import Recorded
from domain.commands import (
    OpenPlan,
    PlanCommand,
    RecordConferenceResult,
    RegisterCandidate,
    SubmitPlan,
)
from domain.people import Actor, CandidateGroup, Organization
from tests.support.plans import DEPARTMENT, ORG, conference, open_plan, register, submit

INCUMBENTS = range(0, 11)
FIRST_TIME = range(11, 19)
WEAK_INCUMBENT = 6
SHORT = (15, 18)  # below the mark at the first-time group's step 2, first attempt


def nomination(plan_id: str, i: int) -> str:
    """Candidate ``i``'s nomination id in the plan: a UUID, as the domain requires."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"nhansu:{plan_id}:n{i:02d}"))


def organization(plan_id: str) -> Organization:
    return replace(ORG, organization_id=f"org-{plan_id}"[:64].rstrip("-"))


def department(plan_id: str) -> Actor:
    return replace(DEPARTMENT, organization_id=organization(plan_id).organization_id)


def registrations(plan_id: str) -> list[RegisterCandidate]:
    commands = []
    for i in [*INCUMBENTS, *FIRST_TIME]:
        group = CandidateGroup.INCUMBENT if i in INCUMBENTS else CandidateGroup.FIRST_TIME
        c = register(i, group, nomination_id=nomination(plan_id, i))
        commands.append(replace(c, command_id=f"{plan_id}-reg-{i}",
                                actor=department(plan_id)))
    return commands


def conferences(plan_id: str) -> list[PlanCommand]:
    commands: list[PlanCommand] = []
    held_on = date(2025, 3, 1)
    for group, members in ((CandidateGroup.INCUMBENT, INCUMBENTS),
                           (CandidateGroup.FIRST_TIME, FIRST_TIME)):
        for step in range(1, 6):
            attempts = 2 if group is CandidateGroup.FIRST_TIME and step == 2 else 1
            for attempt in range(1, attempts + 1):
                yes = {}
                for i in members:
                    if step > 2 and i in (WEAK_INCUMBENT, SHORT[0]):
                        continue
                    low = ((i == WEAK_INCUMBENT and step == 2)
                           or (group is CandidateGroup.FIRST_TIME and step == 2
                               and (i == SHORT[0] or (i == SHORT[1] and attempt == 1))))
                    yes[nomination(plan_id, i)] = 5 if low else 12
                commands.append(replace(conference(
                    step, group, yes, held_on=held_on,
                    command_id=f"{plan_id}-{group.value}-{step}-{attempt}"),
                    actor=department(plan_id)))
                held_on += timedelta(days=2)
    return commands


def first_conference(plan_id: str) -> RecordConferenceResult:
    first = conferences(plan_id)[0]
    assert isinstance(first, RecordConferenceResult)
    return first


def all_commands(plan_id: str) -> list[PlanCommand]:
    """Everything after opening, in order."""
    return [*registrations(plan_id), *conferences(plan_id),
            replace(submit(command_id=f"{plan_id}-submit"), actor=department(plan_id))]


async def send(service: PlanService, plan_id: str, command: PlanCommand) -> None:
    await send_result(service, plan_id, command)


def opening(plan_id: str) -> OpenPlan:
    return replace(open_plan(plan_id=plan_id, command_id=f"{plan_id}-open"),
                   organization=organization(plan_id), actor=department(plan_id))


async def send_result(service: PlanService, plan_id: str,
                      command: PlanCommand) -> Recorded:
    """Send one command and return its result (conferences and registrations)."""
    if isinstance(command, RegisterCandidate):
        return await service.register_candidate(plan_id, command, command.command_id)
    if isinstance(command, RecordConferenceResult):
        return await service.record_conference_result(plan_id, command, command.command_id)
    if isinstance(command, SubmitPlan):
        return await service.submit(plan_id, command, command.command_id)
    raise TypeError(type(command).__name__)


def conferences_from(plan_id: str, *, step: int, members: list[str], prefix: str,
                     group: CandidateGroup = CandidateGroup.FIRST_TIME) -> list[PlanCommand]:
    """Conferences from ``step`` to the last for the nominations sent back, all passing."""
    held_on = date(2025, 6, 1)
    commands: list[PlanCommand] = []
    for number in range(step, 6):
        commands.append(replace(
            conference(number, group, dict.fromkeys(members, 12), held_on=held_on,
                       command_id=f"{plan_id}-{prefix}-{group.value}-{number}"),
            actor=department(plan_id)))
        held_on += timedelta(days=2)
    return commands


def submit_command(plan_id: str, suffix: str) -> SubmitPlan:
    return replace(submit(command_id=f"{plan_id}-submit-{suffix}"), actor=department(plan_id))
