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
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from api.app import create_app
from application.context import Context
from settings import Settings
from tests.api.conftest import (
    CANDIDATES,
    World,
    key,
    new_commune,
    plan_body,
    position,
    settled,
    upload,
)
from tests.api.test_http import assert_vietnamese

pytestmark = [pytest.mark.api, pytest.mark.usefixtures("worker")]

EXAMPLES_PER_OPERATION = 5  # per generation mode: a few hundred requests in all


async def test_schemathesis_finds_no_server_error_and_no_answer_off_the_schema(
        api_settings: Settings, ctx: Context, world: World, http: Any) -> None:
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.python.asgi import shutdown_lifespans
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

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
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_headers_conformance, response_schema_conformance]
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
