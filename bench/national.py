"""A synthetic national dataset of elected committees, and the aggregate report's speed over it.

The hierarchy has the real proportions after the 2025 reorganisation: the centre, 34
provinces, about 3,300 communes and the grassroots organizations under them, 50,000
organizations in all; one plan (and congress) per organization below the centre; about a
million candidates. It is written straight into the registry's rows (``registry_organizations``)
and the committees' read model (``rm_committees``, ``rm_committee_members``,
``rm_committee_nominations``) with COPY: replaying tens of millions of events to get there
would measure the projection runner (measured elsewhere), not the report.

Each committee's figures are the sums of its generated members, as the projection makes them.
The report is timed through the application's use case, as a reader at the centre runs it
(the registry's subtree, the access rules on every organization, the footnote's rankings),
beside the bare SQL aggregate of the same figures: the ceiling.

``python -m bench.national [--database-url URL] [--organizations N]`` runs it on its own;
``make bench`` runs it as one of its metrics.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from bench.report import Metric
from bench.server import asyncpg_dsn

PROVINCES = 34
COMMUNES = 3_300
DAY = date(2025, 12, 1)
DEADLINE = "2025-10-31"
TERM = "2025-2030"
Log = Callable[[str], None]


@dataclass(frozen=True)
class NationalSpec:
    organizations: int = 50_000  # the centre included
    seed: int = 2025

    @property
    def communes(self) -> int:
        """3,300 at full scale; proportionally fewer for a small run."""
        return max(1, min(COMMUNES, round(COMMUNES * self.organizations / 50_000)))

    @property
    def provinces(self) -> int:
        return max(1, min(PROVINCES, self.communes))


@dataclass(frozen=True)
class Organization:
    organization_id: str
    name: str
    level: str
    parent_id: str | None


def hierarchy(spec: NationalSpec) -> list[Organization]:
    """The centre, the provinces, the communes spread evenly over them, and the grassroots
    organizations spread evenly over the communes, up to ``spec.organizations``."""
    out = [Organization("tw", "Ban Chấp hành Trung ương", "central", None)]
    provinces = [f"t{p:02d}" for p in range(1, spec.provinces + 1)]
    out += [Organization(p, f"Đảng bộ tỉnh {p.upper()}", "province", "tw") for p in provinces]
    communes = [f"{provinces[c % len(provinces)]}-x{c:04d}" for c in range(spec.communes)]
    out += [Organization(c, f"Đảng bộ xã {c.upper()}", "commune", c.split("-")[0])
            for c in communes]
    grassroots = max(0, spec.organizations - len(out))
    out += [Organization(f"{communes[g % len(communes)]}-c{g:05d}", f"Chi bộ, đảng bộ cơ sở {g}",
                         "grassroots", communes[g % len(communes)]) for g in range(grassroots)]
    return out


SEATS = {"province": (45, 55), "commune": (15, 21), "grassroots": (5, 9)}


@dataclass
class Generated:
    committees: list[tuple[Any, ...]]
    members: list[tuple[Any, ...]]
    candidates: int


def _committee(rng: random.Random, org: Organization, minority_share: float,
               members: list[tuple[Any, ...]], nominations: Iterator[int]) -> tuple[Any, ...]:
    low, high = SEATS[org.level]
    seats = rng.randint(low, high)
    open_seats = rng.choices((0, 1, 2), weights=(93, 5, 2))[0]
    appointed = 1 if open_seats and rng.random() < 0.5 else 0
    elected = seats - open_seats + appointed
    women_p, first_p = rng.uniform(0.05, 0.4), rng.uniform(0.15, 0.55)
    plan_id = f"plan-{org.organization_id}"
    counts = [0, 0, 0, 0]
    for m in range(elected):
        marks = (rng.random() < women_p, rng.random() < 0.1, rng.random() < minority_share,
                 rng.random() < first_p)
        is_appointed = m >= elected - appointed
        for i, mark in enumerate(marks):
            counts[i] += mark
        members.append((plan_id, f"e{next(nominations)}", *marks[:3],
                        marks[3] or is_appointed, None if is_appointed else 1, is_appointed))
        counts[3] += is_appointed and not marks[3]
    women, under_40, minority, first = counts
    closed = (date(2025, 7, 1) + timedelta(days=rng.randint(0, 150))
              if rng.random() < 0.96 else None)
    return (plan_id, org.organization_id, org.name, org.level, TERM, date(2025, 7, 1),
            date(2025, 6, 15), 1, seats, elected, women, under_40, minority, first,
            elected - first, rng.random() < 0.85, rng.random() < 0.3, open_seats - appointed,
            appointed, rng.random() < 0.97, closed)


def generate(spec: NationalSpec, organizations: list[Organization]) -> Generated:
    rng = random.Random(spec.seed)
    minority = {o.organization_id: rng.choice((0.01, 0.05, 0.2, 0.5))
                for o in organizations if o.level == "province"}
    committees: list[tuple[Any, ...]] = []
    members: list[tuple[Any, ...]] = []
    counter = iter(range(10**9))
    for org in organizations[1:]:
        province = org.organization_id.split("-")[0]
        committees.append(_committee(rng, org, minority[province], members, counter))
    # Candidates: about 2.6 for every seat (the lists, their surplus and those who did not
    # pass a step), a million at full scale.
    candidates = round(sum(c[8] for c in committees) * 2.6)
    return Generated(committees, members, candidates)


COMMITTEE_COLUMNS = ["plan_id", "organization_id", "organization_name", "organization_level",
                     "term", "term_start", "opens_on", "committee_round", "seats", "elected",
                     "women", "under_40", "ethnic_minority", "first_time", "incumbents",
                     "first_vote_complete", "secretary_direct", "open_seats", "appointed",
                     "result_approved", "closed_on"]
MEMBER_COLUMNS = ["plan_id", "entry_id", "female", "under_40", "ethnic_minority", "first_time",
                  "vote_number", "appointed"]


def _nominations(committees: list[tuple[Any, ...]], total: int, seed: int
                 ) -> Iterator[tuple[str, str, bool]]:
    rng = random.Random(seed + 1)
    seats = sum(c[8] for c in committees)
    n = 0
    for c in committees:
        for _ in range(round(c[8] * total / seats)):
            n += 1
            yield (f"n{n:08d}", c[0], rng.random() < 0.4)


async def load(url: str, spec: NationalSpec, log: Log = print) -> dict[str, int]:
    """Empty the registry's rows and the committees' read model, then write the dataset."""
    started = time.perf_counter()
    organizations = hierarchy(spec)
    data = generate(spec, organizations)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        async with conn.transaction():
            for table in ("registry_organizations", "rm_committees", "rm_committee_members",
                          "rm_committee_nominations", "rm_committee_entries"):
                await conn.execute(f"TRUNCATE {table}")
            await conn.copy_records_to_table(
                "registry_organizations",
                columns=["organization_id", "valid_from", "name", "level", "parent_id",
                         "active"],
                records=[(o.organization_id, date(2025, 7, 1), o.name, o.level, o.parent_id,
                          True) for o in organizations])
            await conn.copy_records_to_table("rm_committees", columns=COMMITTEE_COLUMNS,
                                             records=data.committees)
            await conn.copy_records_to_table("rm_committee_members", columns=MEMBER_COLUMNS,
                                             records=data.members)
            await conn.copy_records_to_table(
                "rm_committee_nominations", columns=["nomination_id", "plan_id", "first_time"],
                records=_nominations(data.committees, data.candidates, spec.seed))
        for table in ("registry_organizations", "rm_committees", "rm_committee_members",
                      "rm_committee_nominations"):
            await conn.execute(f"ANALYZE {table}")
        candidates = await conn.fetchval("SELECT count(*) FROM rm_committee_nominations")
    finally:
        await conn.close()
    sizes = {"organizations": len(organizations), "committees": len(data.committees),
             "members": len(data.members), "candidates": int(candidates)}
    log(f"national dataset: {sizes} written in {time.perf_counter() - started:.1f} s")
    return sizes


@dataclass
class _Ctx:
    """What the report's use case takes of ``application.context.Context``."""

    store: Any
    engine: Any

    def clock(self) -> datetime:
        return datetime.combine(DAY, datetime.min.time(), tzinfo=UTC)


async def _best(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = await work()
        best = min(best, time.perf_counter() - started)
    return best * 1000, result


async def measure(url: str, log: Log = print, runs: int = 3) -> tuple[Metric, dict[str, Any]]:
    """The aggregate report under the centre, best of ``runs``, beside the bare SQL."""
    from application.committee_reports import committees
    from application.principal import Grant, Principal
    from domain.people import Role
    from eventstore.database import create_engine
    from eventstore.store import PostgresEventStore
    from reads.models.committee_reports import bare_aggregate

    engine = create_engine(url)
    try:
        ctx = _Ctx(PostgresEventStore(engine), engine)
        reader = Principal(user_id="kiem-tra.tw", display_name="Kiểm tra Trung ương",
                           grants=(Grant(role=Role.AUDITOR, organization_id="tw"),))
        report_ms, report = await _best(runs, lambda: committees(
            ctx, reader, organization_id="tw", deadline=DEADLINE))  # type: ignore[arg-type]
        bare_ms, bare = await _best(runs, lambda: bare_aggregate(engine, "tw", DAY))
        province_ms, province = await _best(runs, lambda: committees(
            ctx, reader, organization_id="t01", deadline=DEADLINE))  # type: ignore[arg-type]
    finally:
        await engine.dispose()
    if bare[0] != len(report.committees):
        raise AssertionError(f"the report has {len(report.committees)} committees, the bare "
                             f"SQL {bare[0]}")
    facts = {"committees": len(report.committees), "province_committees":
             len(province.committees), "province_report_ms": round(province_ms, 1),
             "above": [len(a.committees) for a in report.above],
             "figures": {f.code: f.count for f in report.figures}}
    log(f"national report: {len(report.committees):,} committees in {report_ms:.0f} ms "
        f"(bare SQL {bare_ms:.0f} ms); one province ({len(province.committees):,}) "
        f"{province_ms:.0f} ms")
    metric = Metric(
        key="national_report_ms", title="Elected committees' report, whole country", unit="ms",
        ours=report_ms, ceiling=bare_ms, at_most=10_000.0,
        note=(f"{len(report.committees):,} committees under the centre (registry subtree, "
              "access rules, rankings, every figure) vs the same sums in one SQL statement"))
    return metric, facts


async def run(url: str, spec: NationalSpec, log: Log = print) -> tuple[Metric, dict[str, Any]]:
    sizes = await load(url, spec, log)
    metric, facts = await measure(url, log)
    return metric, {**sizes, **facts}


def main(argv: list[str] | None = None) -> int:
    from bench.server import server_url
    from eventstore.database import drop_database, ensure_database
    from eventstore.migrate import upgrade as store_upgrade
    from identity.migrate import upgrade as identity_upgrade
    from reads.models.migrate import upgrade as read_models_upgrade

    parser = argparse.ArgumentParser(prog="python -m bench.national", description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--organizations", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    async def go(server: str) -> None:
        name = "nhansu_bench_national"
        await drop_database(server, name)
        url = await ensure_database(server, name)
        try:
            for upgrade in (store_upgrade, read_models_upgrade, identity_upgrade):
                await upgrade(url)
            metric, facts = await run(url, NationalSpec(organizations=args.organizations),
                                      lambda m: print(m, file=sys.stderr, flush=True))
            print(f"{metric.title}: {metric.ours:.0f} ms; bare SQL {metric.ceiling:.0f} ms; "
                  f"{facts}")
        finally:
            if not args.keep:
                await drop_database(server, name)

    with server_url(args.database_url) as server:
        asyncio.run(go(server))
    return 0


if __name__ == "__main__":
    sys.exit(main())
