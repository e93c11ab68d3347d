"""Schemathesis against the app's own OpenAPI document, in-process (ASGI), authenticated as a
department user with a plan of its own to act on (every generated ``plan_id`` is that plan).

The app is made with no context: its lifespan opens ``bootstrap.context(settings)``, as in
production, in the ASGI client's event loop; the worker runs in the test's. Every operation
gets a bounded, deterministic number of examples, valid (positive) and invalid (negative).
Checks: no 5xx; status codes, content types, headers and bodies as the document says; every
problem body in Vietnamese (no English sentence in its detail or messages); and nothing
written to the event log by a refused (4xx) request. (Schemathesis's "invalid data must be
refused" check is left out: FastAPI reads a repeated query parameter as its last value, as
most servers do, and schemathesis counts the repetition as invalid data.)"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from api.app import create_app
from application.context import Context
from application.principal import OPERATOR
from settings import Settings
from tests.api.conftest import (
    CANDIDATES,
    PROVINCE,
    World,
    key,
    new_commune,
    new_user,
    plan_body,
    position,
    settled,
    upload,
)
from tests.api.test_http import assert_vietnamese

pytestmark = [pytest.mark.api, pytest.mark.usefixtures("worker")]

EXAMPLES_PER_OPERATION = 5  # per generation mode: a few hundred requests in all


def conformance_checks() -> list[Any]:
    """No 5xx; status codes, content types, headers and bodies as the document says."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [not_a_server_error, status_code_conformance, content_type_conformance,
            response_headers_conformance, response_schema_conformance]


async def test_schemathesis_finds_no_server_error_and_no_answer_off_the_schema(
        api_settings: Settings, ctx: Context, world: World, http: Any) -> None:
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.python.asgi import shutdown_lifespans

    organization, login = await new_commune(ctx, world, "schemathesis")
    plan = f"st-{key()}"
    head = world.bearer(login)
    assert (await http.post("/api/v1/plans", json=plan_body(plan, organization),
                            headers={**head, "Idempotency-Key": key()})).status_code == 201
    assert (await http.post(f"/api/v1/plans/{plan}/candidates/files", files=upload(CANDIDATES),
                            headers={**head, "Idempotency-Key": key()})).status_code == 201
    await settled(ctx)

    loop = asyncio.get_running_loop()
    app = create_app(api_settings)
    checks = conformance_checks()
    found: list[str] = []
    statuses: Counter[int] = Counter()
    ran = problems = 0

    def log_position() -> int:
        return asyncio.run_coroutine_threadsafe(position(ctx), loop).result(timeout=30)

    def run() -> None:
        nonlocal ran
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
        for result in schema.get_all_operations():
            operation = result.ok()  # type: ignore[union-attr]  # an Err raises: the test fails
            names = {p.name for p in operation.path_parameters}
            fixed = {"plan_id": plan} if "plan_id" in names else None
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)

                @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None,
                          deadline=None, phases=[Phase.explicit, Phase.generate],
                          suppress_health_check=list(HealthCheck))
                @given(case=strategy)
                def example(case: Any) -> None:
                    nonlocal ran, problems
                    ran += 1
                    before = log_position()
                    response = case.call(headers=head)
                    statuses[response.status_code] += 1
                    case.validate_response(response, checks=checks)
                    if 400 <= response.status_code < 500 and log_position() != before:
                        found.append(f"{case.operation.label}: refused with "
                                     f"{response.status_code} but the event log grew")
                    kind = next((v[0] if isinstance(v, list) else v
                                 for k, v in response.headers.items()
                                 if k.lower() == "content-type"), "")
                    if kind.startswith("application/problem+json"):
                        problems += 1
                        try:
                            assert_vietnamese(response.json())
                        except AssertionError as english:
                            found.append(f"{case.operation.label}: {english}")
                    if response.status_code >= 500:
                        found.append(f"{case.operation.label}: "
                                     f"{response.status_code} {response.text[:500]}")

                try:
                    example()
                except Unsatisfiable:
                    pass  # nothing to make invalid: an operation with no input at all
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as failure:  # the first failure of this operation+mode
                    found.append(f"{operation.label} ({mode}): {failure}"[:3000])
        shutdown_lifespans()

    await asyncio.to_thread(run)
    print(f"schemathesis: {ran} examples; statuses {dict(sorted(statuses.items()))}; "
          f"{problems} problem bodies scanned for English; {len(found)} findings")
    assert ran >= 200
    assert not found, "\n\n".join(found[:20])


STATEFUL_SCENARIOS = 100  # sequences of linked calls, each a few steps long


async def test_schemathesis_follows_the_links_from_an_opened_plan(
        api_settings: Settings, ctx: Context, world: World) -> None:
    """Stateful: schemathesis walks the OpenAPI links (open a plan, then read it, register,
    record a conference, cancel, submit ...), the plan's id carried from the request that
    opened it. What a client cannot guess, which organization it may act for, is set on each
    opening; everything else is generated. The same checks as above, per call."""
    import schemathesis
    from schemathesis.python.asgi import shutdown_lifespans

    from application.registry import register_organization
    from application.users import grant_role

    login = f"bantochuc.stateful.{key()}"
    await new_user(ctx, world, login, [])

    async def new_commune_of_login() -> str:
        organization = f"org-xa-stateful-{key()}"
        await register_organization(ctx, OPERATOR, organization_id=organization,
                                    name=f"Đảng bộ xã Thử {organization[-12:]}", level="xã",
                                    parent_id=PROVINCE, valid_from=date(2025, 7, 1))
        await grant_role(ctx, OPERATOR, login=login, role="organization_department",
                         organization_id=organization)
        return organization

    head = world.bearer(login)
    loop = asyncio.get_running_loop()
    app = create_app(api_settings)
    checks = conformance_checks()
    found: list[str] = []
    opened: set[str] = set()
    calls: Counter[tuple[str, int]] = Counter()

    def log_position() -> int:
        return asyncio.run_coroutine_threadsafe(position(ctx), loop).result(timeout=30)

    def run() -> None:
        # Not the list of plans: it grows as the run goes, and Hypothesis needs the same
        # choices to lead to the same calls.
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app).include(
            path_regex=r"^/api/v1/plans").exclude(method="GET", path="/api/v1/plans")
        machine = schema.as_state_machine()

        class Department(machine):  # type: ignore[misc,valid-type]
            before = 0

            def before_call(self, case: Any) -> None:
                # Each call's answer must depend on what it sends, not on what was sent before
                # (Hypothesis replays choices): a fresh commune per opening, a fresh key per
                # write. Keys reused and plans opened twice are the first test's business.
                if case.method == "POST" and case.path == "/api/v1/plans":
                    organization = asyncio.run_coroutine_threadsafe(
                        new_commune_of_login(), loop).result(timeout=30)
                    case.body = plan_body(f"sf-{key()}", organization)
                if case.method == "POST":
                    case.headers = {**(case.headers or {}), "Idempotency-Key": key()}
                self.before = log_position()

            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                return {"headers": head}

            def validate_response(self, response: Any, case: Any, *_: Any, **__: Any) -> None:
                status = response.status_code
                calls[(case.operation.label, status)] += 1
                plan_id = (case.path_parameters or {}).get("plan_id")
                if case.path == "/api/v1/plans" and case.method == "POST" and status == 201:
                    opened.add(case.body["plan_id"])
                elif plan_id in opened:
                    calls[("linked", status)] += 1
                if 400 <= status < 500 and log_position() != self.before:
                    found.append(f"{case.operation.label}: refused with {status} but the event "
                                 "log grew")
                if status >= 500:
                    found.append(f"{case.operation.label}: {status} {response.text[:500]}")
                if response.headers.get("content-type", [""])[0].startswith(
                        "application/problem+json"):
                    try:
                        assert_vietnamese(response.json())
                    except AssertionError as english:
                        found.append(f"{case.operation.label}: {english}")
                try:
                    case.validate_response(response, checks=checks)
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as failure:
                    found.append(f"{case.operation.label}: {failure}"[:3000])

        try:
            Department.run(settings=settings(
                max_examples=STATEFUL_SCENARIOS, derandomize=True, database=None,
                deadline=None, stateful_step_count=10, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck)))
        finally:
            shutdown_lifespans()

    await asyncio.to_thread(run)
    linked = sum(n for (label, _), n in calls.items() if label == "linked")
    print(f"schemathesis (stateful): {sum(calls.values()) - linked} calls, {len(opened)} plans "
          f"opened, {linked} calls on them through links; {len(found)} findings")
    assert len(opened) >= 20, "plans were hardly opened: the links were never followed"
    assert linked >= 50, "few calls reached an opened plan through a link"
    assert not found, "\n\n".join(found[:20])
