"""Whether the service can answer: PostgreSQL (``/healthz``) and Temporal (``/readyz``), each
within a few seconds, for load balancers and container health checks."""

from __future__ import annotations

import asyncio

from application.context import Context
from application.errors import ServiceUnavailable

TIMEOUT_SECONDS = 3.0


async def database_answers(ctx: Context) -> int:
    """The event log's last position; ServiceUnavailable when PostgreSQL does not answer."""
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            position: int = await ctx.store.max_position()
            return position
    except Exception as exc:
        raise ServiceUnavailable("PostgreSQL", _short(exc)) from None


async def temporal_answers(ctx: Context) -> None:
    """ServiceUnavailable unless the Temporal server answers."""
    from datetime import timedelta

    from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

    client = await ctx.plans.client()
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            await client.workflow_service.get_system_info(
                GetSystemInfoRequest(), timeout=timedelta(seconds=TIMEOUT_SECONDS))
    except Exception as exc:
        raise ServiceUnavailable("Temporal", _short(exc)) from None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else "không trả lời kịp thời"
    return text[:200]
