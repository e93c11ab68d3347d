"""Golden workflow histories: recorded by scenario tests when NHANSU_RECORD_HISTORIES=1,
committed under tests/histories/, replayed against the current code by tests/replay/."""

from __future__ import annotations

import os
from pathlib import Path

from temporalio.client import WorkflowHandle

HISTORIES = Path(__file__).resolve().parents[1] / "histories"


def recording() -> bool:
    return os.environ.get("NHANSU_RECORD_HISTORIES") == "1"


async def record(handle: WorkflowHandle[object, object], name: str) -> Path | None:
    """Write the handle's history as tests/histories/<name>.json when recording is on.
    An existing file is kept: a recorded history stands for code that has shipped."""
    path = HISTORIES / f"{name}.json"
    if not recording() or path.exists():
        return None
    history = await handle.fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    path.write_text(history.to_json(), encoding="utf-8")
    return path
