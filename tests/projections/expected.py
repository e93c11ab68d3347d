"""What the read models must hold, computed by folding the same events with the domain's own
``evolve`` and ``structure_figures``: a projection that drifts from the fold fails."""

from __future__ import annotations

from typing import Any

from domain.plan import NominationStatus, PlanState
from domain.structure import structure_figures
from reads.models.connections import driver
from tests.projections.conftest import Db

ON_LIST = (NominationStatus.LISTED, NominationStatus.APPROVED)


def plan_row(state: PlanState) -> dict[str, Any]:
    assert state.organization is not None
    return {"plan_id": state.plan_id, "status": state.phase.value,
            "organization_id": state.organization.organization_id,
            "organization_name": state.organization.name, "term": state.term,
            "term_start": state.term_start, "round": state.round,
            "seats": sum(s.seats for s in state.seats), "candidates": len(state.nominations),
            "last_held_on": state.last_held_on}


def nomination_rows(state: PlanState) -> dict[str, dict[str, Any]]:
    assert state.procedure is not None
    rows = {}
    for n in state.nominations.values():
        step = attempt = None
        if n.in_play:
            progress = state.progress.get((n.position_group, n.candidate_group))
            step = progress.step if progress else state.procedure.steps[0].number
            attempt = progress.attempt if progress else 1
        rows[n.nomination_id] = {
            "plan_id": state.plan_id, "full_name": n.candidate.full_name,
            "position_group": n.position_group, "candidate_group": n.candidate_group.value,
            "status": n.status.value, "current_step": step, "attempt": attempt}
    return rows


def structure_rows(state: PlanState) -> dict[tuple[str, str], dict[str, Any]]:
    assert state.targets is not None and state.term_start is not None
    rows = {}
    for seat in state.seats:
        on_list = [n for n in state.in_position_group(seat.position_group)
                   if n.status in ON_LIST]
        figures = {f.measure: f for f in structure_figures(on_list, state.targets,
                                                           state.term_start)}
        rows[(state.plan_id, seat.position_group)] = {
            "seats": seat.seats, "total": len(on_list),
            **{m: figures[m].count for m in ("women", "under_40", "ethnic_minority",
                                             "first_time")},
            "women_min": state.targets.women_min, "first_time_min": state.targets.first_time_min,
            "status": state.phase.value}
    return rows


async def actual(db: Db) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]],
                                  dict[tuple[str, str], dict[str, Any]]]:
    async with driver(db.engine) as conn:
        plans = {r["plan_id"]: dict(r.items())
                 for r in await conn.fetch("SELECT * FROM rm_plans")}
        nominations = {r["nomination_id"]: dict(r.items())
                       for r in await conn.fetch("SELECT * FROM rm_nominations")}
        structure = {(r["plan_id"], r["position_group"]): dict(r.items())
                     for r in await conn.fetch(
                         "SELECT s.*, p.women_min, p.first_time_min, p.status "
                         "FROM rm_structure s JOIN rm_structure_plans p USING (plan_id)")}
    return plans, nominations, structure


def subset(row: dict[str, Any], keys: Any) -> dict[str, Any]:
    return {k: row[k] for k in keys}


async def assert_read_models_match(db: Db, states: list[PlanState]) -> None:
    plans, nominations, structure = await actual(db)
    assert set(plans) == {s.plan_id for s in states}
    want_nominations: dict[str, dict[str, Any]] = {}
    want_structure: dict[tuple[str, str], dict[str, Any]] = {}
    for state in states:
        want = plan_row(state)
        assert subset(plans[state.plan_id], want) == want
        want_nominations.update(nomination_rows(state))
        want_structure.update(structure_rows(state))
    assert {k: subset(nominations[k], v) for k, v in want_nominations.items()
            if k in nominations} == want_nominations
    assert set(nominations) == set(want_nominations)
    assert set(structure) == set(want_structure)
    assert {k: subset(structure[k], v) for k, v in want_structure.items()} == want_structure
