"""What operators watch: the service's Prometheus metrics say what PostgreSQL says, the
Temporal SDK's metrics are served by a worker's runtime, and one trace runs from an HTTP request
through the Update and the workflow to the append activity. Real servers throughout; the only
stand-in is OpenTelemetry's in-memory span exporter, in place of a collector."""

from __future__ import annotations

import dataclasses
import socket
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client

import bootstrap
import telemetry
from api.app import create_app
from application.context import Context
from eventstore.database import driver
from settings import Settings, SettingsError
from tests.api.conftest import World, key, new_commune, plan_body

pytestmark = pytest.mark.api

EXPORTER = InMemorySpanExporter()
#: Counted independently of the gauge's own query (which counts after the newest sealed one).
UNSEALED = ("SELECT count(*) FROM events e WHERE NOT EXISTS "
            "(SELECT FROM ledger l WHERE l.event_position = e.position)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def scrape(address: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://{address}/metrics")
    assert response.status_code == 200
    return samples(response.text)


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


@pytest.fixture
async def traced(api_settings: Settings) -> AsyncIterator[tuple[Settings, Context]]:
    """An API context whose Temporal client carries the tracing interceptor, on a task queue
    of its own served by a worker made from that client."""
    telemetry.configure_tracing(api_settings, exporter=EXPORTER)
    settings = dataclasses.replace(api_settings, otlp_endpoint="http://127.0.0.1:9",
                                   temporal_task_queue=f"traced-{uuid.uuid4().hex[:8]}")
    async with bootstrap.context(settings) as ctx:
        client = await bootstrap.temporal_client(settings)
        async with bootstrap.worker(client, ctx.store, settings.temporal_task_queue,
                                    digest_key=ctx.id_key):
            yield settings, ctx


async def test_the_service_metrics_say_what_postgresql_says(
        ctx: Context, world: World, worker: None, http: httpx.AsyncClient,
        api_settings: Settings) -> None:
    from application.metrics import refresh
    from application.principal import OPERATOR
    from application.reports import catch_up

    organization, login = await new_commune(ctx, world, "dodem")
    await catch_up(ctx, OPERATOR)  # the read models stand somewhere; the plan puts them behind
    plan_id = f"xa-dodem-{uuid.uuid4().hex[:6]}"
    opened = await http.post("/api/v1/plans", json=plan_body(plan_id, organization),
                             headers={**world.bearer(login), "Idempotency-Key": key()})
    assert opened.status_code == 201, opened.text

    address = f"127.0.0.1:{free_port()}"
    assert telemetry.start_metrics_server(dataclasses.replace(api_settings,
                                                              metrics_address=address))
    await refresh(ctx.engine, ctx.store)
    found = await scrape(address)
    async with driver(ctx.engine) as conn:
        unsealed = await conn.fetchval(UNSEALED)
        log_position = await ctx.store.max_position()
        expected_lag = {r["name"]: max(log_position - r["position"], 0) for r in await conn.fetch(
            "SELECT name, position FROM projection_positions")}
    assert value(found, "nhansu_event_log_position") == log_position
    assert value(found, "nhansu_ledger_unsealed_events") == unsealed > 0
    assert value(found, "nhansu_command_seconds_count",
                 command="OpenPlan", outcome="recorded") >= 1
    lag = {dict(labels)["read_model"]: v for (name, labels), v in found.items()
           if name == "nhansu_projection_lag_events"}
    assert lag == expected_lag and max(lag.values()) > 0

    # Sealed and signed: nothing unsealed, nothing uncovered, a checkpoint a moment old.
    from application.audit import seal

    await seal(ctx, OPERATOR, checkpoint=True)
    await refresh(ctx.engine, ctx.store)
    found = await scrape(address)
    async with driver(ctx.engine) as conn:
        # A command of another test's workflow may land after the seal: count, don't assume 0.
        unsealed = await conn.fetchval(UNSEALED)
    assert value(found, "nhansu_ledger_unsealed_events") == unsealed
    assert value(found, "nhansu_ledger_uncovered_entries") == 0
    assert 0 <= value(found, "nhansu_ledger_checkpoint_age_seconds") < 60


def test_an_address_that_is_not_host_and_port_is_refused_by_name() -> None:
    for bad in ("9100", "localhost:", "localhost:http", "localhost:70000"):
        with pytest.raises(SettingsError) as refused:
            telemetry.host_port("NHANSU_METRICS_ADDRESS", bad)
        assert refused.value.variable == "NHANSU_METRICS_ADDRESS"
        assert "máy:cổng" in str(refused.value)


async def test_a_worker_runtime_serves_the_temporal_sdk_metrics(
        temporal_client: Client, api_settings: Settings) -> None:
    address = f"127.0.0.1:{free_port()}"
    # The process's runtime as bootstrap.temporal_client gets it (made once per process).
    runtime = telemetry.temporal_runtime(
        dataclasses.replace(api_settings, temporal_metrics_address=address))
    assert runtime is not None
    client = await Client.connect(temporal_client.service_client.config.target_host,
                                  runtime=runtime)
    await client.count_workflows()
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"http://{address}/metrics")).text
    names = {family.name for family in text_string_to_metric_families(text)}
    assert any(name.startswith("temporal_request") for name in names), sorted(names)[:20]


async def test_one_trace_runs_from_the_request_through_the_workflow_to_the_append(
        traced: tuple[Settings, Context], world: World) -> None:
    settings, ctx = traced
    organization, login = await new_commune(ctx, world, "vet")
    plan_id = f"xa-vet-{uuid.uuid4().hex[:6]}"
    EXPORTER.clear()
    app = create_app(settings, context=ctx)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        opened = await http.post("/api/v1/plans", json=plan_body(plan_id, organization),
                                 headers={**world.bearer(login), "Idempotency-Key": key()})
    assert opened.status_code == 201, opened.text

    spans = EXPORTER.get_finished_spans()
    requests = [s for s in spans if s.name == "HTTP POST /api/v1/plans"]
    assert len(requests) == 1, [s.name for s in spans]
    trace_id = requests[0].context.trace_id
    in_trace = {s.name for s in spans if s.context.trace_id == trace_id}
    assert any(n.startswith("RunWorkflow:") for n in in_trace), in_trace
    assert "RunActivity:append_events" in in_trace, in_trace
    # The API's span is the parent of the Update's: one request, one trace.
    update = [s for s in spans if s.context.trace_id == trace_id and s.parent is not None
              and s.parent.span_id == requests[0].context.span_id]
    assert update, in_trace
