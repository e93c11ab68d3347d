"""Metrics and traces for operators: wiring only, like bootstrap.py.

- The service's metrics (application/metrics.py) are served by prometheus_client on
  ``NHANSU_METRICS_ADDRESS`` by every worker and API process; a background task refreshes the
  gauges read from PostgreSQL every ``NHANSU_METRICS_REFRESH_SECONDS``.
- The Temporal SDK's metrics (workflow and activity task latency, polls, RPC failures) come
  from its Rust core on ``NHANSU_TEMPORAL_METRICS_ADDRESS``; they need a Runtime of their own,
  made once per process before the first client.
- Traces: with ``OTEL_EXPORTER_OTLP_ENDPOINT`` set, spans go by OTLP/HTTP to that collector;
  the Temporal client and worker carry the context through workflow and activity headers
  (temporalio.contrib.opentelemetry), and the API opens a span per request, so one trace runs
  API -> Update -> workflow -> append activity."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import structlog

from settings import Settings, SettingsError

if TYPE_CHECKING:
    from temporalio.client import Interceptor
    from temporalio.runtime import Runtime

_runtimes: dict[str, Runtime] = {}
_metrics_server_started: set[str] = set()
_tracing_ready = False


def host_port(variable: str, value: str) -> tuple[str, int]:
    """``host:port`` of a listening address, or a SettingsError naming the variable."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(variable, "host_port",
                            f"«{value}» không phải địa chỉ dạng máy:cổng (ví dụ 127.0.0.1:9100)")
    return host.strip("[]"), int(port)


def temporal_runtime(settings: Settings) -> Runtime | None:
    """The process's Temporal runtime with Prometheus metrics on the configured address (one
    per address, made once: a runtime binds its port), or None (the SDK's default)."""
    if settings.temporal_metrics_address is None:
        return None
    host, port = host_port("NHANSU_TEMPORAL_METRICS_ADDRESS", settings.temporal_metrics_address)
    address = f"{host}:{port}"
    if address not in _runtimes:
        from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

        _runtimes[address] = Runtime(telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=address)))
    return _runtimes[address]


def tracing_interceptors(settings: Settings) -> list[Interceptor]:
    """The Temporal client's interceptors: tracing when an OTLP endpoint is configured (a
    worker made from that client uses them too)."""
    if settings.otlp_endpoint is None:
        return []
    configure_tracing(settings)
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]


def configure_tracing(settings: Settings, *, exporter: Any = None) -> None:
    """Install the process's tracer provider once: spans batched to the OTLP endpoint (or to
    ``exporter``, which tests pass to read the spans back)."""
    global _tracing_ready
    if _tracing_ready:
        return
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "nhansu"}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = (settings.otlp_endpoint or "").rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    _tracing_ready = True


def start_metrics_server(settings: Settings) -> bool:
    """Serve the service's metrics on NHANSU_METRICS_ADDRESS (once per process); False when
    not configured."""
    if settings.metrics_address is None:
        return False
    if settings.metrics_address in _metrics_server_started:
        return True
    from prometheus_client import start_http_server

    from application.metrics import REGISTRY

    host, port = host_port("NHANSU_METRICS_ADDRESS", settings.metrics_address)
    start_http_server(port, addr=host, registry=REGISTRY)
    _metrics_server_started.add(settings.metrics_address)
    structlog.get_logger("nhansu.metrics").info("metrics served", address=f"{host}:{port}")
    return True


def serve_metrics(settings: Settings, engine: Any, store: Any) -> asyncio.Task[None] | None:
    """What a worker or API process runs for its metrics: the server on NHANSU_METRICS_ADDRESS
    and the task that keeps the gauges current; None when metrics are not configured. The
    caller cancels the task when it stops."""
    if not start_metrics_server(settings):
        return None
    return asyncio.create_task(refresh_metrics_periodically(
        engine, store, settings.metrics_refresh_seconds), name="metrics")


async def refresh_metrics_periodically(engine: Any, store: Any, every_seconds: float) -> None:
    """Keep the gauges current until cancelled; a failed read is logged and tried again."""
    from application.metrics import refresh

    log = structlog.get_logger("nhansu.metrics")
    while True:
        try:
            await refresh(engine, store)
        except Exception as exc:
            log.warning("metrics refresh failed", error=str(exc)[:200])
        await asyncio.sleep(every_seconds)
