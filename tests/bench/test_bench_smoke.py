"""`make bench` at a tiny scale: the harness runs end to end on a real PostgreSQL and writes
every metric. Its structure is checked, never its speed (no timing is asserted anywhere)."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from bench import harness
from bench.config import TINY
from eventstore.database import drop_database
from tests.support.databases import backend_names, server_url

pytestmark = pytest.mark.bench

METRICS = {"append_20_per_tx", "append_1_per_tx", "replay_streams", "catch_up_log",
           "catch_up_projections", "verify", "verify_reference", "trail_p50_ms",
           "trail_p99_ms", "trail_inclusion_proofs_ms", "cli_help_ms", "cli_read_ms",
           "verify_split",
           "verify_incremental_ms", "national_report_ms",
           *(f"layout_{kind}_{layout}" for kind in ("verify", "append")
             for layout in ("jsonb", "both", "bytea")),
           *(f"layout_replay_{key}" for key in ("jsonb", "both_json", "both_orjson",
                                                "bytea_json", "bytea_orjson"))}
FIELDS = {"title", "unit", "ours", "peer", "ceiling", "ratio", "targets", "note", "why_missed",
          "date", "machine"}


async def test_the_bench_runs_at_a_tiny_scale_and_reports_every_metric(tmp_path: Path) -> None:
    server = server_url(backend_names()[0])
    suffix = uuid.uuid4().hex[:8]
    config = replace(harness.tiny_names(TINY, suffix), reuse_dataset=False, keep_dataset=False)
    try:
        outcome = await harness.run(config, server, log=lambda message: None)
    finally:
        await drop_database(server, config.dataset_database)
    md, js = harness.write(outcome, tmp_path)

    document = json.loads(js.read_text(encoding="utf-8"))
    assert set(document["metrics"]) == METRICS
    for key, metric in document["metrics"].items():
        assert set(metric) >= FIELDS, key
        assert metric["unit"] in ("events/s", "ms"), key
        assert set(metric["ratio"]) == {"ours/peer", "ours/ceiling"}, key
        assert metric["machine"]["cores"] >= 1 and metric["date"] == document["date"], key
        if key != "catch_up_projections":  # absent when the read models are not in the tree
            assert metric["ours"] is not None and metric["ours"] > 0, key
    for key in ("append_20_per_tx", "append_1_per_tx", "replay_streams", "catch_up_log",
                "trail_p99_ms"):
        assert document["metrics"][key]["peer"] > 0 and document["metrics"][key]["ceiling"] > 0
    assert {t["target"] for t in document["metrics"]["verify"]["targets"]} == {
        "≥ 200,000 events/s"}
    assert document["dataset"]["events"] == TINY.dataset.events
    assert len(document["machine"]["load_average"]["start"]) == 3
    national = document["metrics"]["national_report_ms"]
    assert national["ceiling"] > 0 and {t["target"] for t in national["targets"]} == {
        "≤ 10,000 ms"}

    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results")
    for metric in outcome.metrics:
        assert metric.title in text
