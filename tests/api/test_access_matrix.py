"""The access policy (domain/access.py) through HTTP: every role × every operation that has a
route × a user whose post reaches the plan's organization (in scope) and one whose post does
not (out of scope), with real users and tokens. The expected answer is the policy's own
(``may``): refused is 403 and writes nothing; permitted is success, or the domain's 422 for a
request that is in scope but invalid (which writes nothing either). Lists and reports never
refuse: they show the plan exactly when the policy lets the reader see it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from application.context import Context, today
from application.principal import OPERATOR, Grant
from domain.access import Operation, may
from domain.people import Role
from domain.plan import PlanPhase
from tests.api.conftest import (
    CANDIDATES,
    OTHER_PROVINCE,
    PROVINCE,
    World,
    new_commune,
    new_user,
    plan_body,
    position,
    prepare_plan,
    settled,
    upload,
)
from tests.api.test_http import assert_problem
from tests.support.waiting import appraisals_opened, phase_reached

pytestmark = [pytest.mark.api, pytest.mark.usefixtures("worker")]

AGENCY = "inspection_committee"
TD_100001_NAME = "Nguyễn Văn Hùng"  # examples/ung-vien-xa-doi-may.csv, party card TD-100001
# The edge's own validation codes: a permitted request must never be refused by these (the
# matrix sends well-formed requests, so that a 422 is the domain's).
EDGE_RULES = {"missing", "string_type", "string_too_long", "extra_forbidden", "json_invalid"}


@dataclass(frozen=True)
class Setup:
    plan: str  # a plan of ``org``, open, the example list registered
    org: str  # a commune under Lâm Đồng
    victim: str  # a user whose one grant is for ``org``
    nomination: str  # the nomination of party card TD-100001 in ``plan``


@dataclass(frozen=True)
class Route:
    operation: Operation
    name: str
    build: Callable[[Setup], tuple[str, str, dict[str, Any]]]
    target: str = "plan"  # "plan": the plan's organization; "installation": none
    listing: bool = False  # never refuses: shows the plan or not
    # Without ``operation`` but with this one: answered without the person's data.
    redacted_by: Operation | None = None


def _key() -> dict[str, str]:
    return {"Idempotency-Key": f"m-{uuid.uuid4().hex}"}


def _card() -> str:
    return f"TD-{uuid.uuid4().int % 10**8:08d}"


ROUTES = [
    Route(Operation.OPEN_PLAN, "POST /plans", lambda s: (
        "POST", "/api/v1/plans", {"json": {**plan_body(f"m-{uuid.uuid4().hex[:8]}", s.org),
                                           "term": "2030-2035", "term_start": "2030-07-01"}})),
    Route(Operation.OPEN_PLAN, "POST /plans/files", lambda s: (
        "POST", "/api/v1/plans/files", {"files": {"file": ("de-an.toml", (
            f'plan_id = "m-{uuid.uuid4().hex[:8]}"\nterm = "2035-2040"\n'
            f'term_start = 2035-07-01\nprocedure = "directive-45-2025"\n'
            f'[organization]\nid = "{s.org}"\n[seats]\ncommittee_member = 9\n').encode(),
            "application/toml")}})),
    Route(Operation.REGISTER, "POST candidates", lambda s: (
        "POST", f"/api/v1/plans/{s.plan}/candidates", {"json": {
            "full_name": "Đỗ Văn Ma Trận", "birth_date": "1985-03-04", "gender": "nam",
            "candidate_group": "lần đầu", "current_post": "Bí thư chi bộ",
            "party_card_number": _card()}})),
    Route(Operation.REGISTER, "POST candidates/files", lambda s: (
        "POST", f"/api/v1/plans/{s.plan}/candidates/files", {"files": upload(CANDIDATES)})),
    Route(Operation.RECORD_CONFERENCE, "POST conferences", lambda s: (
        "POST", f"/api/v1/plans/{s.plan}/conferences", {"json": {
            "plan_id": s.plan, "organization_id": s.org, "candidate_group": "tái cử", "step": 1,
            "attempt": 1, "held_on": "2025-04-21", "summoned": 5, "attending": 2,
            "ballots_issued": 2, "ballots_valid": 2, "votes": {"TD-100001": 2}}})),
    Route(Operation.RECORD_CONFERENCE, "GET conferences/template", lambda s: (
        "GET", f"/api/v1/plans/{s.plan}/conferences/template", {})),
    Route(Operation.SUBMIT, "POST submission", lambda s: (
        "POST", f"/api/v1/plans/{s.plan}/submission", {})),
    Route(Operation.CANCEL_PLAN, "POST cancellation", lambda s: (
        "POST", f"/api/v1/plans/{s.plan}/cancellation", {"json": {"reason": "Thử hủy"}})),
    Route(Operation.WITHDRAW, "POST withdrawal", lambda s: (
        "POST", f"/api/v1/plans/{s.plan}/candidates/TD-100019/withdrawal",
        {"json": {"reason": "Xin rút vì chuyển công tác"}})),
    Route(Operation.CORRECT_REGISTRATION, "POST corrections", lambda s: (
        "POST", f"/api/v1/plans/{s.plan}/candidates/TD-100018/corrections",
        {"json": {"reason": "Ghi sai chức vụ", "current_post": "Trưởng ban Dân vận"}})),
    Route(Operation.RECORD_FINDING, "POST appraisal/findings", lambda s: (
        "POST", f"/api/v1/plans/{s.plan}/appraisal/findings", {"json": {
            "candidate": "TD-100001", "agency": AGENCY, "outcome": "cleared",
            "evidence_ref": "HS-1"}})),
    Route(Operation.DECIDE_APPROVAL, "POST decision", lambda s: (
        "POST", f"/api/v1/plans/{s.plan}/decision",
        {"json": {"decision": "approve", "decision_ref": "QĐ-1/BTV"}})),
    Route(Operation.READ_PLAN, "GET plan", lambda s: ("GET", f"/api/v1/plans/{s.plan}", {})),
    Route(Operation.READ_PLAN, "GET plan as of a day", lambda s: (
        "GET", f"/api/v1/plans/{s.plan}?as_of_date=31/12/2099", {})),
    Route(Operation.READ_PLAN, "GET appraisal", lambda s: (
        "GET", f"/api/v1/plans/{s.plan}/appraisal", {})),
    Route(Operation.READ_PLAN, "GET plans (list)", lambda s: (
        "GET", "/api/v1/plans?limit=1000", {}), listing=True),
    Route(Operation.READ_PLAN, "GET reports/plans", lambda s: (
        "GET", "/api/v1/reports/plans?limit=1000", {}), listing=True),
    Route(Operation.READ_TRAIL, "GET trail (json)", lambda s: (
        "GET", f"/api/v1/nominations/{s.nomination}/trail?plan_id={s.plan}", {}),
        redacted_by=Operation.READ_REDACTED_TRAIL),
    Route(Operation.READ_TRAIL, "GET trail (csv)", lambda s: (
        "GET", f"/api/v1/nominations/{s.nomination}/trail?plan_id={s.plan}&format=csv", {}),
        redacted_by=Operation.READ_REDACTED_TRAIL),
    Route(Operation.REPORT, "GET reports/structure", lambda s: (
        "GET", "/api/v1/reports/structure", {}), listing=True),
    Route(Operation.EXPORT, "GET exports", lambda s: ("GET", "/api/v1/exports", {}),
          target="installation"),
    Route(Operation.VERIFY, "GET verification", lambda s: (
        "GET", f"/api/v1/verification?stream=plan-{s.plan}", {}), target="installation"),
    Route(Operation.VERIFY, "GET ledger/checkpoint", lambda s: (
        "GET", "/api/v1/ledger/checkpoint", {}), target="installation"),
    Route(Operation.READ_REGISTRY, "GET organization", lambda s: (
        "GET", f"/api/v1/organizations/{s.org}", {})),
    Route(Operation.MANAGE_USERS, "GET user", lambda s: (
        "GET", f"/api/v1/users/{s.victim}", {})),
    Route(Operation.MANAGE_USERS, "POST user grants", lambda s: (
        "POST", f"/api/v1/users/{s.victim}/grants",
        {"json": {"role": "auditor", "organization_id": s.org}})),
    Route(Operation.READ_REGISTRY, "GET organizations", lambda s: (
        "GET", f"/api/v1/organizations?parent_id={PROVINCE}", {})),
]

ROLES = [Role.ORGANIZATION_DEPARTMENT, Role.APPRAISAL_AGENCY, Role.SUPERIOR_STANDING_COMMITTEE,
         Role.VOTE_COUNTING_COMMITTEE, Role.AUDITOR, Role.ADMINISTRATOR]


async def test_every_role_operation_and_scope_through_http(
        http: httpx.AsyncClient, ctx: Context, world: World) -> None:
    from application.audit import seal
    from application.registry import registry_view
    from application.reports import catch_up

    commune, department = await new_commune(ctx, world, "trongpham")
    outside, outside_department = await new_commune(ctx, world, "ngoaipham", OTHER_PROVINCE)
    plan = f"m-{uuid.uuid4().hex[:8]}"
    head = {**world.bearer(department)}
    opened = await http.post("/api/v1/plans", json=plan_body(plan, commune),
                             headers={**head, **_key()})
    assert opened.status_code == 201, opened.text
    imported = await http.post(f"/api/v1/plans/{plan}/candidates/files",
                               files=upload(CANDIDATES), headers={**head, **_key()})
    assert imported.status_code == 201, imported.text
    # Submitted: the list exists (the structure report shows it) and appraisal is open.
    await prepare_plan(ctx, world.tokens[department], plan)
    state = await phase_reached(ctx.store, plan, PlanPhase.SUBMITTED)
    await appraisals_opened(ctx.store, plan, [n.nomination_id for n in state.all_listed()], 1)
    await seal(ctx, OPERATOR, wait_seconds=5.0)
    await catch_up(ctx, OPERATOR)
    await settled(ctx)
    victim = f"nan-nhan.{uuid.uuid4().hex[:6]}"
    await new_user(ctx, world, victim, [("vote_counting_committee", commune, None)])

    # Each role held where it reaches the plan's commune, and where it does not.
    posts = {
        Role.ORGANIZATION_DEPARTMENT: (commune, outside),
        Role.APPRAISAL_AGENCY: (PROVINCE, OTHER_PROVINCE),
        Role.SUPERIOR_STANDING_COMMITTEE: (PROVINCE, OTHER_PROVINCE),
        Role.VOTE_COUNTING_COMMITTEE: (commune, outside),
        Role.AUDITOR: ("org-trung-uong", OTHER_PROVINCE),
        Role.ADMINISTRATOR: ("org-trung-uong", OTHER_PROVINCE),
    }
    people: dict[tuple[Role, str], tuple[str, tuple[Grant, ...]]] = {}
    for role, (inside, elsewhere) in posts.items():
        for scope, organization in (("in", inside), ("out", elsewhere)):
            if role is Role.ORGANIZATION_DEPARTMENT:
                login = department if scope == "in" else outside_department
            else:
                login = f"{role.value}.{scope}.{uuid.uuid4().hex[:6]}"
                agency = AGENCY if role is Role.APPRAISAL_AGENCY else None
                await new_user(ctx, world, login, [(role.value, organization, agency)])
            grant = Grant(role=role, organization_id=organization,
                          agency=AGENCY if role is Role.APPRAISAL_AGENCY else None)
            people[(role, scope)] = (login, (grant,))
    view = await registry_view(ctx, today(ctx), [commune, outside, PROVINCE, OTHER_PROVINCE])
    [nomination] = [n.nomination_id for n in state.all_listed()
                    if n.candidate.party_card_number == "TD-100001"]
    setup = Setup(plan=plan, org=commune, victim=victim, nomination=nomination)

    cases = refused = permitted = invalid = shown = hidden = redacted = 0
    for route in ROUTES:
        for role in ROLES:
            for scope in ("in", "out"):
                login, grants = people[(role, scope)]
                target = None if route.target == "installation" else commune
                allowed = may(grants, route.operation, target, view, agency=AGENCY) is not None
                partly = (not allowed and route.redacted_by is not None
                          and may(grants, route.redacted_by, target, view) is not None)
                method, url, kwargs = route.build(setup)
                headers = {**world.bearer(login), **(_key() if method != "GET" else {})}
                before = await position(ctx)
                answer = await http.request(method, url, headers=headers, **kwargs)
                where = f"{route.name} as {role.value} ({scope} of scope): {answer.text[:300]}"
                cases += 1
                if route.listing:
                    assert answer.status_code == 200, where
                    data = answer.json()
                    rows = data.get("items", data.get("lists", []))
                    visible = any(r.get("plan_id") == plan for r in rows)
                    assert visible is allowed, where
                    shown += visible
                    hidden += not visible
                elif not allowed and not partly:
                    assert_problem(answer, 403, "forbidden")
                    assert await position(ctx) == before, where
                    refused += 1
                elif answer.status_code == 422:
                    body = assert_problem(answer, 422)
                    assert not {v["rule"] for v in body["violations"]} & EDGE_RULES, where
                    assert await position(ctx) == before, where
                    invalid += 1
                else:
                    assert answer.status_code in (200, 201), where
                    permitted += 1
                    if route.redacted_by is not None:
                        # The candidate of TD-100001 is named only to readers in scope.
                        assert ("đã ẩn thông tin cá nhân" in answer.text) is partly, where
                        assert (TD_100001_NAME in answer.text) is not partly, where
                        redacted += partly
    print(f"access matrix through HTTP: {cases} cases ({len(ROUTES)} routes × {len(ROLES)} "
          f"roles × 2 scopes): {refused} refused (403), {permitted} done, {invalid} in scope "
          f"but refused by the domain (422), {shown} listings showing the plan, {hidden} not, "
          f"{redacted} trails without the person's data")
    assert cases == len(ROUTES) * len(ROLES) * 2

    # Only a reader who may see the person looks a nomination up by party card: for the
    # others the answer is the same whether the card is in the plan or not.
    by_card = f"/api/v1/nominations/{{}}/trail?plan_id={plan}"
    outsider = world.bearer(people[(Role.AUDITOR, "out")][0])
    answers = [await http.get(by_card.format(card), headers=outsider)
               for card in ("TD-100001", "TD-999999")]
    assert [a.status_code for a in answers] == [422, 422], answers[0].text
    assert answers[0].json() == answers[1].json()
    assert answers[0].json()["violations"][0]["field"] == "candidate"
    in_scope = await http.get(by_card.format("TD-100001"),
                              headers=world.bearer(people[(Role.AUDITOR, "in")][0]))
    assert in_scope.status_code == 200 and TD_100001_NAME in in_scope.text
    assert refused and permitted and invalid and shown and hidden and redacted
