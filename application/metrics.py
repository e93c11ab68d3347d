"""The service's own measures for Prometheus (số liệu vận hành): how long users wait for each
command, how far the read models and the ledger trail the log, how old the newest signed
checkpoint is. Temporal's SDK exports its own (workflow task latency, polls, RPCs) from the
worker; see telemetry.py for how both are served.

Names and labels are codes; the help texts, which an operator reads in Grafana or on the
/metrics page, are Vietnamese."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

#: Seconds from a command's arrival in the application layer to its answer; a retry answered
#: from the store counts too (outcome ``already_applied``).
COMMAND_SECONDS = Histogram(
    "nhansu_command_seconds", "Thời gian chờ một lệnh ghi (giây), theo loại lệnh và kết quả",
    ["command", "outcome"], registry=REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
LOG_POSITION = Gauge("nhansu_event_log_position", "Vị trí cuối của nhật ký sự kiện",
                     registry=REGISTRY)
PROJECTION_LAG = Gauge("nhansu_projection_lag_events",
                       "Số sự kiện bảng đọc còn chậm sau nhật ký", ["read_model"],
                       registry=REGISTRY)
PROJECTION_SET_ASIDE = Gauge("nhansu_projection_set_aside_events",
                             "Số sự kiện bảng đọc đã để riêng (không áp dụng được)",
                             ["read_model"], registry=REGISTRY)
LEDGER_UNSEALED = Gauge("nhansu_ledger_unsealed_events",
                        "Số sự kiện chưa vào sổ cái", registry=REGISTRY)
LEDGER_UNCOVERED = Gauge("nhansu_ledger_uncovered_entries",
                         "Số mục sổ cái chưa có điểm chốt ký", registry=REGISTRY)
CHECKPOINT_AGE = Gauge("nhansu_ledger_checkpoint_age_seconds",
                       "Tuổi của điểm chốt đã ký mới nhất (giây); -1 khi chưa có",
                       registry=REGISTRY)


@contextmanager
def timed_command(command: str) -> Iterator[dict[str, str]]:
    """Time one command; the caller sets ``outcome`` in the yielded dict (default: the name
    of the error that ended it, or ``recorded``)."""
    labels = {"outcome": ""}
    start = time.perf_counter()
    try:
        yield labels
    except BaseException as exc:
        labels["outcome"] = labels["outcome"] or type(exc).__name__
        raise
    finally:
        COMMAND_SECONDS.labels(command=command, outcome=labels["outcome"] or "recorded") \
            .observe(time.perf_counter() - start)


async def refresh(engine: Any, store: Any, *, now: datetime | None = None) -> None:
    """Read the gauges' values from PostgreSQL (the worker's or the API's database handle):
    index look-ups, cheap at national scale."""
    from eventstore.database import driver
    from eventstore.ledger_reads import ledger_status
    from reads.models import reading

    async with driver(engine) as conn:
        status = await ledger_status(conn)
    LOG_POSITION.set(status.log_position)
    LEDGER_UNSEALED.set(status.unsealed_events)
    LEDGER_UNCOVERED.set(status.uncovered_entries)
    if status.last_checkpoint_at is None:
        CHECKPOINT_AGE.set(-1)
    else:
        age = (now or datetime.now(UTC)) - status.last_checkpoint_at
        CHECKPOINT_AGE.set(max(age.total_seconds(), 0.0))
    for model in await reading.freshness(engine, store):
        PROJECTION_LAG.labels(read_model=model.name).set(
            max(status.log_position - model.position, 0))
        PROJECTION_SET_ASIDE.labels(read_model=model.name).set(model.set_aside)
