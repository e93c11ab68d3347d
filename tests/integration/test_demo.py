"""The worked example behind `make demo` (application/worked_example.py), run to its end on a
real Temporal dev server and a fresh PostgreSQL database: the plan from its opening to its
approval, then the congress to the elected committee, then the audit with the worker
stopped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import Client

import bootstrap
from application import worked_example
from application.congress import show_elected_committee, show_round
from application.context import Context
from application.plans import PlanService
from eventstore.checkpoints import Signer, new_signing_key_spec
from eventstore.database import create_engine
from eventstore.store import PostgresEventStore
from tests.support.databases import backend_names, fresh_database, server_url
from tests.support.keys import TEST_ID_KEY

pytestmark = [pytest.mark.integration]


class Collected:
    """A narrator that keeps what the demo says."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.refusals: list[tuple[str, list[str]]] = []
        self.committees: list[Any] = []
        self.reports: list[Any] = []
        self.verified: list[Any] = []

    def line(self, text: str, style: str = "") -> None:
        self.lines.append(text)

    def rule(self, text: str) -> None:
        self.lines.append(f"--- {text}")

    def refused(self, title: str, error: Exception) -> None:
        self.refusals.append((title, [v.rule for v in getattr(error, "violations", ())]))

    def plan(self, details: Any) -> None:
        self.lines.append(f"[plan {details.plan_id}]")

    def warnings(self, warnings: Any) -> None:
        pass

    def trail(self, report: Any) -> None:
        pass

    def verification(self, result: Any) -> None:
        self.verified.append(result)

    def committee(self, committee: Any) -> None:
        self.committees.append(committee)

    def committees_report(self, report: Any) -> None:
        self.reports.append(report)


@pytest.fixture
async def demo_database() -> AsyncIterator[str]:
    async with fresh_database(server_url(backend_names()[-1]), "demo") as url:
        yield url


async def test_the_worked_example_runs_from_the_plan_to_the_elected_committee(
        temporal_client: Client, demo_database: str) -> None:
    engine = create_engine(demo_database)
    store = PostgresEventStore(engine)
    queue = worked_example.task_queue()
    signer = Signer.from_spec(new_signing_key_spec())
    ctx = Context(db=bootstrap.Database(url=demo_database, engine=engine, store=store),
                  plans_source=PlanService(temporal_client, store, queue,
                                           timedelta(seconds=60), digest_key=TEST_ID_KEY),
                  ledger_public_keys=lambda: {signer.key_id: signer.public_key},
                  ledger_signer=lambda: signer, task_queue=queue, update_timeout_seconds=60)

    @asynccontextmanager
    async def worker() -> AsyncIterator[None]:
        async with bootstrap.worker(temporal_client, store, queue, digest_key=TEST_ID_KEY):
            yield

    say = Collected()
    try:
        plan_id, cast = await worked_example.run(ctx, say, worker)
        # The congress part of the story, as told.
        refused = dict(say.refusals)
        assert ["nomination_support"] in refused.values()
        assert ["consensus"] in refused.values()
        assert any("Bằng phiếu" in line for line in say.lines)
        [committee] = say.committees
        groups = {g.position_group: g for g in committee.groups}
        assert (groups["committee_member"].elected, groups["committee_member"].open) == (15, 0)
        assert groups["standing_committee_member"].elected == 5
        assert groups["secretary"].elected == 1
        deputy = groups["deputy_secretary"]
        assert (deputy.elected, deputy.appointed, deputy.open) == (1, 1, 0)
        assert all(g.approved for g in committee.groups)
        first = await show_round(ctx, cast.auditor, plan_id, 1)
        assert [b.kind for b in first.ballots] == ["first", "tie"]
        assert {i.reason: i.ballots for i in first.ballots[0].invalid if i.ballots} == {
            "not_issued": 2, "too_many_kept": 3, "marked": 1}
        assert (await show_elected_committee(ctx, cast.auditor, plan_id)) == committee
        # The footnote-style report, from the read models, names this one committee.
        [report] = say.reports
        [row] = report.committees
        assert (row.plan_id, row.organization_id) == (plan_id, "org-xa-doi-may")
        assert (row.seats, row.elected, row.open_seats) == (15, 15, 0)
        assert row.result_approved and row.incumbents + row.counts["first_time"] == row.elected
        assert [r.measure for r in report.above] == ["first_time", "women"]
        assert say.verified and say.verified[-1].ok
    finally:
        await engine.dispose()
