"""The workflow sandbox, told which modules are safe to share with workflow code.

Pydantic (the payload converter) and our pure modules are passed through: re-importing them
in every workflow run is slow, and pydantic cannot resolve the postponed annotations of
dataclasses re-imported inside the sandbox. structlog and rich are passed through because
log records of workflow code are formatted inside the sandbox's thread. OpenTelemetry is passed
through so that the tracing interceptor's spans inside workflows reach the process's tracer
(telemetry.py), as temporalio.contrib.opentelemetry asks."""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSTHROUGH = ("pydantic", "pydantic_core", "annotated_types", "structlog", "rich", "domain",
               "activities.messages", "workflows.messages", "workflows.envelopes",
               "workflows.rejections", "opentelemetry")


def workflow_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH))
