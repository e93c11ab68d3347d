"""One run: every figure for the three systems on one server, then the results files."""

from __future__ import annotations

import asyncio
import os
import platform
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench import analysis, layouts, report
from bench.ceiling import Ceiling, RawReader
from bench.checkpointed import KEYS as CHECKPOINT_KEYS
from bench.checkpointed import ensure_checkpoint
from bench.config import SPLIT_WORKERS, BenchConfig
from bench.dataset import ensure_dataset, trail_stream, trail_uuid
from bench.ours import Ours, projections_catch_up
from bench.peer import Peer
from bench.plans import PerEvent, reset_read_models, store_plans
from bench.report import Metric
from bench.server import asyncpg_dsn
from bench.workloads import (
    Latency,
    Rate,
    append_async,
    append_threads,
    latencies_async,
    latencies_sync,
    replay_async,
    replay_threads,
    timed,
    timed_async,
)
from eventstore.database import drop_database, ensure_database
from eventstore.migrate import upgrade
from eventstore.model import VerificationReport

Log = Callable[[str], None]

NEW_EVENTS = 10_000  # events after the latest checkpoint, for the incremental verification
REBUILD_EVENTS = 25_000_000  # a national cycle, for the rebuild extrapolation
BEFORE_CATCH_UP = 3_452  # events/s of the projection catch-up in the run before batching


@dataclass
class Outcome:
    metrics: list[Metric]
    context: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _best(rates: list[Rate]) -> Rate:
    return max(rates, key=lambda r: r.per_second)


async def run(config: BenchConfig, server: str, log: Log = print) -> Outcome:
    started = time.perf_counter()
    load_start = os.getloadavg()
    context: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds")}
    metrics: list[Metric] = []
    facts: dict[str, Any] = {}

    run_url = await _fresh_database(server, config.run_database)
    try:
        context["postgres"] = await _postgres(run_url, server)
        metrics += await _write_and_read(config, run_url, log)
    finally:
        await drop_database(server, config.run_database)
    metrics.append(await _projections(config, server, log))
    metrics.append(await _national(config, server, log, facts))

    log(f"large database: {config.dataset.events:,} events ({config.dataset_database})")
    url, reused, load_seconds = await ensure_dataset(
        server, config.dataset_database, config.dataset, reuse=config.reuse_dataset, log=log)
    context["dataset"] = {
        "database": config.dataset_database, "events": config.dataset.events,
        "trail_streams": config.dataset.trail_streams,
        "trail_length": config.dataset.trail_length,
        "status": ("large database reused from an earlier run" if reused else
                   f"large database loaded in {load_seconds:.0f} s"),
        "load_seconds": round(load_seconds, 1), "reused": reused,
    }
    covered = await ensure_checkpoint(url, min(NEW_EVENTS, config.dataset.events // 10))
    context["dataset"]["checkpoint_covers"] = covered
    try:
        metrics += await _large(config, url, log, facts)
        metrics += await layouts.measure(server, url, config.layout_rows,
                                         min(config.append_seconds, 2.0), log)
        from bench.cli_start import measure

        runs = 7 if config.dataset.events >= 100_000 else 1  # the tiny run checks the shape
        started_cli = await asyncio.to_thread(measure, url, trail_stream(0), runs)
        for metric in started_cli:
            log(f"{metric.title}: {metric.ours:.0f} ms (bare Python {metric.ceiling:.0f} ms)")
        metrics += started_cli
    finally:
        if not config.keep_dataset:
            await drop_database(server, config.dataset_database)
    if config.api_plans:
        # The whole service on a stack of its own (its own PostgreSQL and Temporal dev server),
        # after the store's figures, so that neither disturbs the other.
        from bench import api_load

        api_metrics, facts["api_load"] = await api_load.measure(
            config.api_plans, config.api_serial_plans, log)
        metrics += api_metrics

    context["machine"] = {
        "cores": os.cpu_count() or 0, "platform": platform.platform(terse=True),
        "python": platform.python_version(),
        "load_average": {"start": [round(v, 2) for v in load_start],
                         "end": [round(v, 2) for v in os.getloadavg()]},
    }
    context["settings"] = {
        "writers": config.writers, "append_seconds": config.append_seconds,
        "rounds": config.rounds, "replay_streams": config.replay_streams,
        "catch_up_events": config.catch_up_events, "page": config.page,
        "projection_plans": config.projection_plans,
        "national_organizations": config.national_organizations,
        "trail_reads": config.trail_reads, "api_plans": config.api_plans,
        "api_serial_plans": config.api_serial_plans,
    }
    context["elapsed_seconds"] = round(time.perf_counter() - started, 1)
    context["facts"] = facts
    for metric in metrics:
        metric.why_missed = analysis.why_missed(metric, metrics, context)
    return Outcome(metrics, context, analysis.method_notes(config, context))


async def _fresh_database(server: str, name: str) -> str:
    await drop_database(server, name)
    url = await ensure_database(server, name)
    await upgrade(url)
    return url


async def _postgres(url: str, server: str) -> dict[str, Any]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        settings = {name: await conn.fetchval(f"SHOW {name}") for name in
                    ("server_version", "fsync", "synchronous_commit", "shared_buffers")}
    finally:
        await conn.close()
    return {"version": settings["server_version"], "fsync": settings["fsync"],
            "synchronous_commit": settings["synchronous_commit"],
            "shared_buffers": settings["shared_buffers"],
            "where": ("embedded, unix socket" if "host=/" in server
                      else "external server (BENCH_DATABASE_URL)")}


async def _write_and_read(config: BenchConfig, url: str, log: Log) -> list[Metric]:
    ours, ceiling = Ours(url), Ceiling(url, config.writers)
    await ceiling.open()
    peer = await asyncio.to_thread(Peer, url, config.writers)
    try:
        appends = []
        for batch in (20, 1):
            appends.append(await _appends(config, batch, ours, peer, ceiling, log))
        replay = await _replay(config, ours, peer, ceiling, log)
        catch_up = await _catch_up(config, url, ours, peer, ceiling, log)
    finally:
        await ours.close()
        await ceiling.close()
        await asyncio.to_thread(peer.close)
    return [*appends, replay, catch_up]


async def _appends(config: BenchConfig, batch: int, ours: Ours, peer: Peer, ceiling: Ceiling,
                   log: Log) -> Metric:
    def args(seconds: float) -> dict[str, Any]:
        return {"writers": config.writers, "batch": batch, "seconds": seconds}

    async def measure(system: str, seconds: float) -> Rate:
        if system == "peer":
            return await asyncio.to_thread(append_threads, peer, **args(seconds))
        return await append_async(ours if system == "ours" else ceiling, **args(seconds))

    rates: dict[str, list[Rate]] = {"ours": [], "peer": [], "ceiling": []}
    for system in rates:
        await measure(system, config.warmup_seconds)
    for n in range(config.rounds):
        for system in (list(rates) if n % 2 == 0 else list(reversed(rates))):
            rate = await measure(system, config.append_seconds)
            rates[system].append(rate)
            log(f"append {batch}/tx {system}: {rate.per_second:,.0f} events/s")
    best = {system: _best(r).per_second for system, r in rates.items()}
    cpu = {system: _best(r).cpu_us_per_event for system, r in rates.items()}
    per = "20 events per transaction" if batch == 20 else "1 event per transaction"
    return Metric(
        key=f"append_{batch}_per_tx", title=f"append, {per}, {config.writers} writers",
        unit="events/s", ours=best["ours"], peer=best["peer"], ceiling=best["ceiling"],
        min_vs_peer=3.0, min_vs_ceiling=0.7, cpu_us=cpu,
        note=(f"{config.writers} concurrent writers, each appending to streams of its own "
              + ("a whole new 20-event stream per transaction" if batch == 20 else
                 "one event per transaction to its current stream, a new one every 20 events")
              + f", for {config.append_seconds:g} s; best of {config.rounds} "
              "rounds, systems in turn. Ours: PostgresEventStore.append with the expected "
              "version (hash chain, idempotency, a head cache). Peer: the recorder's "
              "insert_events (table lock). Ceiling: one plain INSERT per transaction."))


async def _replay(config: BenchConfig, ours: Ours, peer: Peer, ceiling: Ceiling,
                  log: Log) -> Metric:
    count = min(config.replay_streams, len(ours.full_streams), len(peer.full_streams),
                len(ceiling.full_streams))
    rates: dict[str, list[Rate]] = {"ours": [], "peer": [], "ceiling": []}
    for n in range(config.rounds):
        for system in (list(rates) if n % 2 == 0 else list(reversed(rates))):
            if system == "peer":
                rate = await asyncio.to_thread(replay_threads, peer.read_stream,
                                               peer.full_streams[:count],
                                               readers=config.writers)
            else:
                target: Ours | Ceiling = ours if system == "ours" else ceiling
                rate = await replay_async(target.read_stream, target.full_streams[:count],
                                          readers=config.writers)
            rates[system].append(rate)
            log(f"replay {system}: {rate.per_second:,.0f} events/s")
    best = {system: _best(r).per_second for system, r in rates.items()}
    cpu = {system: _best(r).cpu_us_per_event for system, r in rates.items()}
    return Metric(
        key="replay_streams", title=f"replay, {count:,} streams read fully, {config.writers} "
                                    "readers",
        unit="events/s", ours=best["ours"], peer=best["peer"], ceiling=best["ceiling"],
        min_vs_peer=1.5, min_vs_ceiling=0.7, cpu_us=cpu,
        note=(f"each system reads {count:,} of the 20-event streams it wrote, every event, "
              f"{config.writers} at a time, JSON decoded; best of {config.rounds} rounds. Ours: "
              "read_stream (RecordedEvents, data and metadata decoded from the stored bytes with "
              "orjson). Peer: select_events and json.loads of each state. "
              "Ceiling: one SELECT per stream, rows only."))


async def _catch_up(config: BenchConfig, url: str, ours: Ours, peer: Peer, ceiling: Ceiling,
                    log: Log) -> Metric:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        counts = [await conn.fetchval(f"SELECT count(*) FROM {table}")
                  for table in ("events", "stored_events", "ceiling_events")]
    finally:
        await conn.close()
    limit = min(config.catch_up_events, *counts)
    ours_rate = await timed_async(lambda: ours.scan(limit, config.page))
    peer_rate = await asyncio.to_thread(timed, lambda: peer.scan(limit, config.page))
    ceiling_rate = await timed_async(lambda: ceiling.scan(limit, config.page))
    for system, rate in (("ours", ours_rate), ("peer", peer_rate), ("ceiling", ceiling_rate)):
        log(f"log scan {system}: {rate.per_second:,.0f} events/s")
    return Metric(
        key="catch_up_log", title=f"catch-up read of the log ({limit:,} events from the start)",
        unit="events/s", ours=ours_rate.per_second, peer=peer_rate.per_second,
        ceiling=ceiling_rate.per_second,
        cpu_us={"ours": ours_rate.cpu_us_per_event, "peer": peer_rate.cpu_us_per_event,
                "ceiling": ceiling_rate.cpu_us_per_event},
        note=(f"what a projection catching up must read: one reader pages through the global "
              f"log {config.page} events at a time, JSON decoded. Ours: read_all (settled "
              "transactions only, in (transaction id, position) order). Peer: "
              "select_notifications (notification id order, safe because its writers are "
              "serialised by the table lock). Ceiling: SELECT ... WHERE position > $1 ORDER BY "
              "position LIMIT n (not a correct reader: it would skip a late commit)."))


async def layouts_only(config: BenchConfig, server: str, log: Log = print) -> list[Metric]:
    """The storage layouts alone (``python -m bench --only layouts``), on the large database."""
    url, _, _ = await ensure_dataset(server, config.dataset_database, config.dataset,
                                     reuse=config.reuse_dataset, log=log)
    return await layouts.measure(server, url, config.layout_rows,
                                 min(config.append_seconds, 2.0), log)


async def projections_only(config: BenchConfig, server: str, log: Log = print) -> Metric:
    """The projection catch-up figure alone (``python -m bench --only projections``)."""
    return await _projections(config, server, log)


async def _projections(config: BenchConfig, server: str, log: Log) -> Metric:
    """reads.models.runner.catch_up from the start over real plan histories, on a database
    of its own (the read models decode domain events, not the synthetic ones)."""
    title = f"projection catch-up into the read models ({config.projection_plans} plans)"
    catch_up, read_models, migrate = projections_catch_up()
    if catch_up is None:
        return Metric(key="catch_up_projections", title=title, unit="events/s", ours=None,
                      note="`reads.models.runner.catch_up` is not in this checkout.")
    name = f"{config.run_database}_projections"
    url = await _fresh_database(server, name)
    ours = Ours(url)
    try:
        await migrate(url)
        events = await store_plans(ours.store, config.projection_plans, config.writers)
        scan = await timed_async(lambda: ours.scan(events, config.page))
        one_by_one = await timed_async(
            lambda: catch_up(ours.engine, ours.store, [PerEvent(p) for p in read_models()]))
        await reset_read_models(ours.engine, read_models())
        applied = await timed_async(lambda: catch_up(ours.engine, ours.store, read_models()))
        log(f"projections catch-up: {applied.per_second:,.0f} events/s "
            f"({applied.count:,} events; event by event {one_by_one.per_second:,.0f}/s; "
            f"read_all alone {scan.per_second:,.0f}/s)")
        minutes = REBUILD_EVENTS / applied.per_second / 60
        return Metric(
            key="catch_up_projections", title=title, unit="events/s",
            ours=applied.per_second, ceiling=scan.per_second,
            at_least=10 * BEFORE_CATCH_UP,
            note=(f"reads.models.runner.catch_up(engine, store, reads.models.sets.read_models()) "
                  f"from position 0 over {events:,} events of {config.projection_plans} copies "
                  "of the worked plan (registrations, five steps, a repeat, drops, submission): "
                  "decode, apply to the plan, nomination and structure read models set-based "
                  "(handle_batch: one INSERT and one UPDATE per table and batch), move the "
                  "position, one transaction per batch of 2,000, the next batch read while "
                  f"this one is applied. In the same run, event by event (each projection's "
                  f"handle as before, but with the faster decoding of this change): "
                  f"{one_by_one.per_second:,.0f} events/s, so batches are "
                  f"{applied.per_second / one_by_one.per_second:.1f}× that; the target is 10× "
                  f"the {BEFORE_CATCH_UP:,} events/s of the run before. At this rate a rebuild "
                  f"of {REBUILD_EVENTS:,} events takes {minutes:.0f} min (extrapolated from "
                  f"{events:,} events; `python -m bench --only projections --projection-plans "
                  "12000` measures over 2 million). The peer has no equivalent here; the "
                  "ceiling column is read_all alone over the same events, the floor under it."))
    except Exception as error:  # the read models are being built beside this bench
        log(f"projections catch-up failed: {error!r}")
        return Metric(key="catch_up_projections", title=title, unit="events/s", ours=None,
                      note=f"failed in this checkout: {type(error).__name__}: {error}")
    finally:
        await ours.close()
        await drop_database(server, name)


async def _national(config: BenchConfig, server: str, log: Log,
                    facts: dict[str, Any]) -> Metric:
    """bench/national.py: the elected committees' report over a synthetic country, written
    with COPY into the registry's rows and the committees' read model of a database of its
    own, timed beside the bare SQL aggregate."""
    from bench.national import NationalSpec, run
    from identity.migrate import upgrade as identity_upgrade
    from reads.models.migrate import upgrade as read_models_upgrade

    name = f"{config.run_database}_national"
    url = await _fresh_database(server, name)
    try:
        await read_models_upgrade(url)
        await identity_upgrade(url)
        metric, found = await run(url, NationalSpec(organizations=config.national_organizations),
                                  log)
        facts["national"] = found
        return metric
    finally:
        await drop_database(server, name)


async def _large(config: BenchConfig, url: str, log: Log,
                 facts: dict[str, Any]) -> list[Metric]:
    ours, raw = Ours(url), RawReader(url)
    await raw.open()
    peer = await asyncio.to_thread(Peer, url, 1)
    try:
        verify_rate = await _verify(ours.verify)
        split_rate = await _verify(lambda: ours.store.verify(workers=SPLIT_WORKERS))
        incremental = await _incremental(ours)
        reference = await _verify(ours.verify_reference) if config.reference_verify else None
        raw_rate = await timed_async(raw.scan_rows)
        log(f"verify: {verify_rate.per_second:,.0f} events/s (reference walk "
            f"{reference.per_second if reference else float('nan'):,.0f}/s, raw read "
            f"{raw_rate.per_second:,.0f}/s)")

        streams = [trail_stream(n % config.dataset.trail_streams)
                   for n in range(config.trail_reads)]
        uuids = {trail_stream(n): trail_uuid(n) for n in range(config.dataset.trail_streams)}
        trails: dict[str, Latency] = {}
        trails["ours"] = await latencies_async(ours.read_trail, streams)
        trails["peer"] = await asyncio.to_thread(
            latencies_sync, lambda s: peer.read_stream(uuids[s]), streams)
        trails["ceiling"] = await latencies_async(raw.read_trail, streams)
        for system, latency in trails.items():
            log(f"trail {system}: p50 {latency.p50_ms:.2f} ms, p99 {latency.p99_ms:.2f} ms")
        facts["trail_plan"] = await raw.explain_trail(streams[-1])
        proofs = await _inclusion_proofs(url, streams[0])
        log(f"inclusion proofs of one trail ({proofs[2]} events): stored subtree roots "
            f"{proofs[0]:.1f} ms, every leaf {proofs[1]:,.0f} ms")
    finally:
        await ours.close()
        await raw.close()
        await asyncio.to_thread(peer.close)
    events = config.dataset.events
    reads = trails["ours"].reads
    length = trails["ours"].events_per_read
    trail_note = (f"{reads} timed reads (after one untimed read of each, for every system "
                  f"alike), one at a time, of distinct {length:.0f}-event nominations "
                  f"among {events:,} events (each trail's events spread over the whole table, "
                  "as a nomination's are after years); ours: read_stream; peer: select_events "
                  "of a uuid aggregate in its own table holding the same history; ceiling: the "
                  "same SELECT as ours on our table, rows only, nothing built.")
    metrics = [
        Metric(key="verify", title=f"hash-chain verification, all {events:,} events",
               unit="events/s", ours=verify_rate.per_second, ceiling=raw_rate.per_second,
               at_least=200_000,
               note=("store.verify() over the whole store: every link and every hash "
                     "recomputed (the fast pass of eventstore/fast_verification.py; the walk "
                     "runs only to describe a break). The peer has no hash chain. Ceiling: "
                     "reading the same rows (position order, JSON as text) with no checking.")),
    ]
    metrics.append(Metric(
        key="verify_split", title=f"hash-chain verification, all {events:,} events, split "
        f"over {SPLIT_WORKERS} processes", unit="events/s", ours=split_rate.per_second,
        ceiling=raw_rate.per_second, at_least=200_000,
        note=(f"store.verify(workers={SPLIT_WORKERS}): the streams split by a hash of their "
              "id into shares, each verified by a process of its own on a connection of its "
              "own, all in one exported snapshot (eventstore/split_verification.py); the "
              "result equals the serial one (tests/contract/test_incremental_and_split.py).")))
    metrics.append(Metric(
        key="verify_incremental_ms", title=f"incremental verification of the "
        f"{incremental[1]:,} events after the latest checkpoint, among {events:,}",
        unit="ms", ours=incremental[0], at_most=1000.0,
        note=("store.verify_since_checkpoint(keys) (eventstore/incremental.py; `nhansu audit "
              "verify --since-checkpoint`): the latest checkpoint's signature and ledger "
              "anchor, then every event, link and ledger entry after it, in one snapshot. The "
              "large database's ledger covers all but its last events in log order, with a "
              "checkpoint signed by the sealer's own code (bench/checkpointed.py).")))
    if reference is not None:
        metrics.append(Metric(
            key="verify_reference", title="verification by the reference walk alone",
            unit="events/s", ours=reference.per_second, ceiling=raw_rate.per_second,
            note=("verify_on(..., fast=False): rows in (stream, version) order as "
                  "RecordedEvents, hashes recomputed with the standard library: what "
                  "verify() did before the fast pass, and still does to describe a break.")))
    metrics += [
        Metric(key="trail_p50_ms", title=f"trail of a {length:.0f}-event nomination, p50",
               unit="ms", ours=trails["ours"].p50_ms, peer=trails["peer"].p50_ms,
               ceiling=trails["ceiling"].p50_ms, note=trail_note),
        Metric(key="trail_p99_ms", title=f"trail of a {length:.0f}-event nomination, p99",
               unit="ms", ours=trails["ours"].p99_ms, peer=trails["peer"].p99_ms,
               ceiling=trails["ceiling"].p99_ms, at_most=10.0, note=trail_note),
    ]
    metrics.append(Metric(
        key="trail_inclusion_proofs_ms",
        title=f"inclusion proofs of a {proofs[2]}-event trail among {events:,} events",
        unit="ms", ours=proofs[0], ceiling=proofs[1],
        note=("eventstore.ledger_reads.stored_inclusion_proofs for every event of one trail "
              "against the latest checkpoint (the roots of perfect subtrees the sealer keeps in "
              "ledger_nodes, O(log n) rows a proof, each proof checked against the signed "
              "root; best of 3) beside what a trail export did before, and still does when a "
              "node is missing or wrong: every leaf hash read and the tree built "
              "(merkle.Tree, the ceiling column). Both give the same proofs.")))
    return metrics


async def _inclusion_proofs(url: str, stream: str) -> tuple[float, float, int]:
    """(ms from the stored subtree roots, best of 3; ms from every leaf; events proved) for
    one trail's events, against the large database's checkpoint."""
    from eventstore import merkle
    from eventstore.ledger_reads import latest_checkpoint, leaf_hashes, stored_inclusion_proofs

    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        checkpoint = await latest_checkpoint(conn)
        if checkpoint is None or checkpoint.tree_root is None:
            raise RuntimeError("the large database has no checkpoint with a tree root")
        root = bytes.fromhex(checkpoint.tree_root)
        indexes = [int(r[0]) - 1 for r in await conn.fetch(
            "SELECT l.ledger_seq FROM ledger l JOIN events e ON e.position = l.event_position "
            "WHERE e.stream_id = $1 AND l.ledger_seq <= $2", stream, checkpoint.ledger_size)]
        best, stored = float("inf"), None
        for _ in range(3):
            started = time.perf_counter()
            stored = await stored_inclusion_proofs(conn, indexes, checkpoint.ledger_size, root)
            best = min(best, (time.perf_counter() - started) * 1000)
        if stored is None:
            raise RuntimeError("the large database's ledger has no stored subtree roots")
        started = time.perf_counter()
        tree = merkle.Tree(await leaf_hashes(conn, checkpoint.ledger_size))
        built = {i: tree.inclusion_proof(i) for i in indexes}
        every_leaf = (time.perf_counter() - started) * 1000
        if built != stored:
            raise RuntimeError("proofs from the stored subtree roots differ from the tree's")
        return best, every_leaf, len(indexes)
    finally:
        await conn.close()


async def _incremental(ours: Ours) -> tuple[float, int]:
    """(milliseconds, events checked) of the incremental verification; best of 3."""
    best: tuple[float, int] | None = None
    for _ in range(3):
        started = time.perf_counter()
        report_ = await ours.store.verify_since_checkpoint(CHECKPOINT_KEYS)
        elapsed = (time.perf_counter() - started) * 1000
        if report_ is None or not report_.ok:
            raise RuntimeError(f"the large database does not verify incrementally: {report_}")
        if best is None or elapsed < best[0]:
            best = (elapsed, report_.events_checked)
    assert best is not None
    return best


async def _verify(action: Callable[[], Awaitable[VerificationReport]]) -> Rate:
    started = time.perf_counter()
    report_ = await action()
    if not report_.ok:
        raise RuntimeError(f"the large database does not verify: {report_}")
    return Rate(report_.events_checked, time.perf_counter() - started)


def write(outcome: Outcome, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    md, js = directory / "results.md", directory / "results.json"
    report.write_markdown(md, outcome.metrics, outcome.context, outcome.notes)
    report.write_json(js, outcome.metrics, outcome.context)
    return md, js


def tiny_names(config: BenchConfig, suffix: str) -> BenchConfig:
    """The same configuration on databases of its own (tests run beside other tests)."""
    return replace(config, dataset_database=f"{config.dataset_database}_{suffix}",
                   run_database=f"{config.run_database}_{suffix}")

