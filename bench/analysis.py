"""What the results file says about how figures were measured and, where a target is missed,
by how much and why. Every number in it comes from the run; the reasons are the ones measured
while building the bench (see docs/design.md, "Benchmark"), stated only when the run's own
figures show them."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

from bench.config import SPLIT_WORKERS as SPLIT_PROCESSES
from bench.config import BenchConfig
from bench.report import Metric


def _by_key(metrics: list[Metric]) -> dict[str, Metric]:
    return {m.key: m for m in metrics}


def _n(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def why_missed(metric: Metric, metrics: list[Metric], context: dict[str, Any]) -> list[str]:
    missed = [target for target, met, _ in metric.verdicts() if not met]
    if not missed:
        return []
    explain: dict[str, Callable[[Metric, dict[str, Metric], dict[str, Any]], list[str]]] = {
        "append_20_per_tx": _append, "append_1_per_tx": _append, "replay_streams": _replay,
        "verify": _verify, "trail_p99_ms": _trail, "catch_up_projections": _projections,
        "verify_split": _split, "cli_read_ms": _cli_read,
        "command_path_p50_x1": _command_path, "command_path_p50_x20": _command_path}
    reasons = explain[metric.key](metric, _by_key(metrics), context) if (
        metric.key in explain) else []
    return [f"Missed {', '.join(missed)}.", *(r for r in reasons if r)]


def _load(context: dict[str, Any]) -> str:
    load = context["machine"]["load_average"]
    cores = context["machine"]["cores"]
    if load["start"][0] < cores * 0.5:
        return ""
    return (f"The machine was busy before the bench started (1-minute load "
            f"{load['start'][0]:.1f} on {cores} cores): other work lowers every column, not "
            "evenly.")


def _append(m: Metric, by: dict[str, Metric], context: dict[str, Any]) -> list[str]:
    out = []
    if m.peer and m.ceiling and m.ours and m.min_vs_peer:
        ceiling_vs_peer = m.ceiling / m.peer
        if ceiling_vs_peer < m.min_vs_peer:
            out.append(
                f"{m.min_vs_peer:g}× the peer is out of reach of any store on this server: "
                f"plain INSERTs with no hashing, no idempotency and one unique index (the "
                f"ceiling) reach {ceiling_vs_peer:.3g}× the peer here, under the "
                f"{m.min_vs_peer:g}× asked, and ours is at {m.ours / m.ceiling:.0%} of that "
                "ceiling.")
        elif m.ours < m.min_vs_peer * m.peer:
            out.append(
                f"The ceiling reaches {ceiling_vs_peer:.2f}× the peer here, so "
                f"{m.min_vs_peer:g}× the peer would need ours at "
                f"{m.min_vs_peer / ceiling_vs_peer:.0%} of the ceiling; it is at "
                f"{m.ours / m.ceiling:.0%}.")
        if "20" in m.key:
            out.append(
                "With 20 events per transaction the peer's table lock is held for one short "
                "INSERT per 20 events, so serialising its writers costs it little; what limits "
                "all three is CPU: client and server share the cores, and every event's JSON "
                "is encoded in Python (ours also hashes it).")
    if m.ceiling and m.ours and m.min_vs_ceiling and m.ours / m.ceiling < m.min_vs_ceiling:
        out.append(
            f"Below the ceiling by {1 - m.ours / m.ceiling:.0%}: per event ours also checks "
            "the payload's values (hashing.check_json), encodes it canonically and computes "
            "the SHA-256 link, returns a RecordedEvent, and writes two more indexes (event "
            "id, transaction id), two hash columns and the check that the stored bytes are "
            "JSON (the server parses them once, as it parsed jsonb).")
    out.append(_cpu(m))
    if "20" not in m.key:
        out.append(
            "With one event per transaction every append waits for its own commit to reach "
            f"the WAL on disk (fsync={context['postgres']['fsync']}, synchronous_commit="
            f"{context['postgres']['synchronous_commit']}); the peer also takes its table lock "
            "each time, which serialises its writers: this is where the design wins most.")
    return [*out, _load(context)]


def _cpu(m: Metric) -> str:
    cpu = m.cpu_us
    if not {"ours", "ceiling"} <= set(cpu):
        return ""
    text = (f"Client CPU per event in this run: ours {cpu['ours']:.0f} µs, the peer "
            f"{cpu.get('peer', math.nan):.0f} µs (its threads), the ceiling "
            f"{cpu['ceiling']:.0f} µs.")
    if cpu["ours"] > 1.3 * cpu["ceiling"]:
        text += (f" With client and server sharing {os.cpu_count()} cores, those "
                 f"{cpu['ours'] - cpu['ceiling']:.0f} µs of extra client work per event are "
                 "where ours loses to the ceiling.")
    return text


def _replay(m: Metric, by: dict[str, Metric], context: dict[str, Any]) -> list[str]:
    out = []
    if m.peer and m.ceiling and m.ours:
        peer_vs_ceiling = m.peer / m.ceiling
        if peer_vs_ceiling > 1 / (m.min_vs_peer or 3):
            out.append(
                f"The peer reads at {peer_vs_ceiling:.2f}× the raw-asyncpg ceiling here: like "
                "ours since revision 0003_stored_bytes, it keeps each event's payload as bytes "
                "that PostgreSQL sends as stored, so both are bound by the same reads and the "
                "same cores; reaching "
                f"{m.min_vs_peer:g}× the peer would take "
                f"{(m.min_vs_peer or 3) * peer_vs_ceiling:.1f}× what plain SELECTs of the same "
                "rows achieve on this machine.")
        if m.min_vs_ceiling and m.ours / m.ceiling < m.min_vs_ceiling:
            out.append(
                f"Against the ceiling ({m.ours / m.ceiling:.0%}): each read also checks a "
                "connection out of SQLAlchemy's pool (a greenlet switch there and back), "
                "reads two more columns (previous_hash and hash), and builds a frozen "
                "RecordedEvent per row; JSON decoding (orjson for ours, json for the peer) is "
                "the largest single cost on both sides.")
    out.append(_cpu(m))
    return [*out, _load(context)]


def _verify(m: Metric, by: dict[str, Metric], context: dict[str, Any]) -> list[str]:
    out = []
    if m.ceiling and m.at_least:
        out.append(
            f"Only reading the rows, without checking anything (the ceiling column), runs at "
            f"{_n(m.ceiling)} events/s here, {m.ceiling / m.at_least:.0%} of the target: "
            "verification cannot be faster than reading what it checks. On two cores the "
            "server (formatting the fixed fields around the stored bytes) and the client "
            "(SHA-256 over the stored bytes, no re-encoding since revision 0003_stored_bytes) "
            "share the CPU; the fast pass overlaps the two, and reaches "
            f"{(m.ours or 0) / m.ceiling:.0%} of the bare read. The split verification "
            "(verify_split) runs the client's share on both cores.")
    reference = by.get("verify_reference")
    if reference is not None and reference.ours and m.ours:
        out.append(f"The reference walk (what verify() did before) runs at "
                   f"{_n(reference.ours)} events/s in the same run: the fast pass is "
                   f"{m.ours / reference.ours:.1f}× faster.")
    out.append("Getting to 200k events/s would take more cores (partitions of streams "
               "verified by separate processes and backends), or incremental verification from "
               "the last signed checkpoint instead of from the start.")
    return [*out, _load(context)]


def _trail(m: Metric, by: dict[str, Metric], context: dict[str, Any]) -> list[str]:
    plan = context.get("facts", {}).get("trail_plan", {})
    out = []
    pages, read, ms = (plan.get(k, math.nan) for k in ("heap_pages", "pages_read",
                                                       "execution_ms"))
    if not math.isnan(pages):
        out.append(
            f"PostgreSQL's own time for one trail is {ms:.1f} ms: its events sit on "
            f"{pages:.0f} different heap pages (written over the whole life of the table), "
            f"{read:.0f} of them read from outside its {context['postgres']['shared_buffers']} "
            "buffer cache (the OS cache holds them).")
    if m.ceiling and m.ours:
        out.append(f"The same query with nothing built (ceiling) has p99 {m.ceiling:.2f} ms; "
                   f"ours adds {max(0.0, m.ours - m.ceiling):.2f} ms at p99.")
    out.append("A larger shared_buffers (the embedded server runs with PostgreSQL's default) "
               "or a covering index would cut the page reads; the store's code is not the "
               "limit.")
    return [*out, _load(context)]


def _projections(m: Metric, by: dict[str, Metric], context: dict[str, Any]) -> list[str]:
    out = []
    if m.ours and m.ceiling and m.at_least:
        read_share = m.ours / m.ceiling
        out.append(
            f"Reading the events (read_all alone, the ceiling column: {_n(m.ceiling)} "
            f"events/s) takes {read_share:.0%} of the catch-up's time here; the other "
            f"{1 - read_share:.0%} is decoding each event into its domain type and the read "
            "models' own work (rows built in Python, then one INSERT and one UPDATE per table "
            "and batch). The target, 10× the rate before batching, needs the whole catch-up "
            f"at {m.at_least / m.ceiling:.0%} of the bare read on these two cores, which the "
            "Python side of the read models does not reach.")
    return [*out, _load(context)]


def _split(m: Metric, by: dict[str, Metric], context: dict[str, Any]) -> list[str]:
    serial = by.get("verify")
    out = []
    if serial is not None and serial.ours and m.ours:
        out.append(
            f"One process verifies {_n(serial.ours)} events/s in the same run, "
            f"{'above' if serial.ours >= (m.at_least or 0) else 'below'} the target; split "
            f"over {SPLIT_PROCESSES} processes it runs at {m.ours / serial.ours:.0%} of that. "
            f"The machine has {context['machine']['cores']} cores: the serial fast pass already "
            "keeps one busy hashing while PostgreSQL formats rows on the other, so more "
            "processes only add contention, a snapshot export and process start-up. The split "
            "pays where there are more cores than one verifier and its server backend use.")
    return [*out, _load(context)]


def _cli_read(m: Metric, by: dict[str, Metric], context: dict[str, Any]) -> list[str]:
    out = []
    help_ = by.get("cli_help_ms")
    if help_ is not None and help_.ours and m.ours and m.at_most:
        out.append(
            f"Over the limit by {m.ours - m.at_most:.0f} ms. Of the {m.ours:.0f} ms, starting "
            f"the command line takes {help_.ours:.0f} ms (its --help); the rest is importing "
            "the store, SQLAlchemy and asyncpg, connecting and authenticating the operator, "
            "reading the stream, its ledger entries and the latest checkpoint, and checking "
            "the checkpoint's signature.")
    return [*out, _load(context)]


def _command_path(m: Metric, by: dict[str, Metric], context: dict[str, Any]) -> list[str]:
    out = []
    if m.ours and m.ceiling and m.peer:
        out.append(
            f"Ours runs at {m.ours / m.ceiling:.2f}× the bare Update with a regular activity "
            f"and at {m.ours / m.peer:.2f}× the bare Update with a local activity, the floor of "
            "the path it takes (the append in the workflow task, no round trip through the "
            "task queue). That floor itself is at "
            f"{m.peer / m.ceiling:.2f}× the regular path here: with this many plans at once "
            f"the {context['machine']['cores']} cores are the limit (worker, Temporal server "
            "and PostgreSQL share them), and a local activity saves round trips, not CPU.")
    serial = by.get("command_path_p50_x1")
    serial_ratio = None if serial is None or serial is m else serial.ratio(serial.ceiling)
    if serial is not None and serial_ratio is not None and serial.verdicts() and all(
            met for _, met, _ in serial.verdicts()):
        out.append("One plan at a time, where round trips are the cost, the target is met "
                   f"({serial_ratio:.2f}× in this run).")
    return [*out, _load(context)]


def method_notes(config: BenchConfig, context: dict[str, Any]) -> list[str]:
    dataset = context["dataset"]
    return [
        "One process drives the three systems against the same server, one after another "
        f"(never at the same time), each with {config.writers} concurrent writers or readers: "
        "asyncio tasks for ours and the ceiling, threads for the peer (psycopg 3 with its C "
        "implementation, the library's default table-lock mode, uuid aggregate ids).",
        f"Appends and replays run {config.rounds} rounds, the systems in turn and the order "
        "reversed every other round; each figure is the best round (other work on the machine "
        "only ever slows a round down). Untimed appends first fill every pool.",
        "Every event is the same realistic document: a nomination's step result as the plan "
        "workflow records it (about 650 bytes of data with Vietnamese text, 250 of metadata).",
        f"The large database ({dataset['events']:,} events, {dataset['trail_streams']} trails "
        f"of {dataset['trail_length']}, the rest in 20-event streams written in interleaved "
        "waves) is loaded by COPY with hashes chained by the store's own functions, one "
        "transaction per 10,000 rows, then VACUUM ANALYZE; the peer's table gets the same "
        "history. It is kept as database "
        f"`{dataset['database']}` and reused while the event store's migration head and the "
        f"dataset's shape are unchanged ({dataset['status']}).",
        "The ledger and checkpoints tables are empty in the large database (no sealer ran); "
        "read models exist only in the projection catch-up's own database.",
    ]
