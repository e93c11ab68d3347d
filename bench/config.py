"""How big a run is: the full run of ``make bench`` and a tiny one for the smoke test."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.dataset import DatasetSpec

SPLIT_WORKERS = 2  # the machine's cores; more processes than cores only take turns


@dataclass(frozen=True)
class BenchConfig:
    writers: int = 8  # concurrent writers (and readers) for every system
    append_seconds: float = 4.0  # per system, per batch size, per round
    warmup_seconds: float = 1.0  # untimed appends first: pools filled, statements prepared
    rounds: int = 3  # each figure is the best of this many rounds, systems in turn
    replay_streams: int = 2000  # at most this many 20-event streams replayed per system
    catch_up_events: int = 200_000  # at most this many events read from the log per system
    page: int = 1000  # events per read of the log
    projection_plans: int = 200  # copies of the worked plan (~170 events each) for catch-up
    trail_reads: int = 200  # timed reads of distinct 200-event trails
    layout_rows: int = 200_000  # events copied into each storage layout (bench/layouts.py)
    national_organizations: int = 50_000  # bench/national.py: the country's organizations
    api_plans: int = 20  # plans at once through the HTTP API (bench/api_load.py); 0: skipped
    api_serial_plans: int = 3  # plans one at a time for the command path's serial figures
    reference_verify: bool = True  # also time the reference walk (before the fast pass)
    dataset: DatasetSpec = field(default_factory=DatasetSpec)
    dataset_database: str = "nhansu_bench_1m"
    run_database: str = "nhansu_bench_run"
    reuse_dataset: bool = True
    keep_dataset: bool = True  # False: drop the large database at the end (tests)


FULL = BenchConfig()

TINY = BenchConfig(
    writers=2, append_seconds=0.3, warmup_seconds=0.1, rounds=1, replay_streams=10,
    catch_up_events=400, page=100, trail_reads=5, projection_plans=2, layout_rows=500,
    national_organizations=300, api_plans=0,
    dataset_database="nhansu_bench_tiny", run_database="nhansu_bench_tiny_run",
    dataset=DatasetSpec(total_events=1_200, trail_streams=5, trail_length=40, stream_length=20,
                        wave=10, batch_rows=300),
)
