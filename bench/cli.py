"""``python -m bench``: run, print the table, write bench/results.md and bench/results.json."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import replace
from pathlib import Path

from bench import harness, report
from bench.config import FULL, TINY
from bench.server import server_url

HERE = Path(__file__).resolve().parent


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
        help="a PostgreSQL server to run on (any database of it; the bench creates its own); "
             "default: BENCH_DATABASE_URL, else an embedded server in .nhansu/bench-pgdata")
    parser.add_argument("--scale", choices=("full", "tiny"), default="full")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="directory for results.md and results.json (default: bench/)")
    parser.add_argument("--reload", action="store_true",
                        help="rebuild the large database even if a matching one exists")
    parser.add_argument("--seconds", type=float, help="seconds per timed append run")
    parser.add_argument("--writers", type=int, help="concurrent writers and readers")
    parser.add_argument("--projection-plans", type=int,
                        help="copies of the worked plan (about 169 events each) for the "
                             "projection catch-up; 12000 gives about 2 million events")
    parser.add_argument("--only", choices=("projections", "layouts"),
                        help="run only this figure and print it (results files untouched)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    config = FULL if args.scale == "full" else TINY
    if args.reload:
        config = replace(config, reuse_dataset=False)
    if args.seconds:
        config = replace(config, append_seconds=args.seconds)
    if args.writers:
        config = replace(config, writers=args.writers)
    if args.projection_plans:
        config = replace(config, projection_plans=args.projection_plans)
    if args.only == "layouts":
        with server_url(args.database_url) as server:
            found = asyncio.run(harness.layouts_only(config, server, log=_log))
        print(report.text_table(found))
        return 0
    if args.only == "projections":
        with server_url(args.database_url) as server:
            metric = asyncio.run(harness.projections_only(config, server, log=_log))
        print(report.text_table([metric]))
        print(metric.note)
        for target, met, how in metric.verdicts():
            print(f"{'met   ' if met else 'MISSED'} {metric.title}: {target}: {how}")
        return 0
    with server_url(args.database_url) as server:
        outcome = asyncio.run(harness.run(config, server, log=_log))
    md, js = harness.write(outcome, args.out)
    print()
    print(report.text_table(outcome.metrics))
    print()
    for metric in outcome.metrics:
        for target, met, how in metric.verdicts():
            print(f"{'met   ' if met else 'MISSED'} {metric.title}: {target}: {how}")
    print(f"\n{outcome.context['elapsed_seconds']:.0f} s; written to {md} and {js}")
    return 0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
