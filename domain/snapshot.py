"""A plan's state as JSON-safe data and back: what a plan workflow hands to its next run
when it continues as new at a send-back, so a plan with many rounds keeps a small history."""

from __future__ import annotations

import dataclasses
from typing import Any

from domain.appraisal import AppraisalState
from domain.people import CandidateGroup
from domain.plan import GroupProgress, Nomination, PlanState
from domain.serialization import from_data, to_data

SPECIAL = {"progress", "processed_commands", "submitters", "finding_actors", "nominations",
           "appraisals", "versions"}


def to_snapshot(state: PlanState) -> dict[str, Any]:
    data: dict[str, Any] = {f.name: to_data(getattr(state, f.name))
                            for f in dataclasses.fields(state) if f.name not in SPECIAL}
    data["progress"] = [{"position_group": pg, "candidate_group": cg.value, **to_data(p)}
                        for (pg, cg), p in state.progress.items()]
    for name in ("processed_commands", "submitters", "finding_actors"):
        data[name] = sorted(getattr(state, name))
    data["nominations"] = [to_data(n) for n in state.nominations.values()]
    data["appraisals"] = [to_data(a) for a in state.appraisals.values()]
    data["versions"] = dict(state.versions)
    return data


def from_snapshot(data: dict[str, Any]) -> PlanState:
    plain = {k: v for k, v in data.items() if k not in SPECIAL}
    state = from_data(PlanState, plain)
    progress = {
        (p["position_group"], CandidateGroup(p["candidate_group"])): from_data(
            GroupProgress, {k: v for k, v in p.items()
                            if k not in ("position_group", "candidate_group")})
        for p in data["progress"]}
    nominations = [from_data(Nomination, n) for n in data["nominations"]]
    appraisals = [from_data(AppraisalState, a) for a in data["appraisals"]]
    return dataclasses.replace(
        state, progress=progress,
        processed_commands=frozenset(data["processed_commands"]),
        submitters=frozenset(data["submitters"]),
        finding_actors=frozenset(data["finding_actors"]),
        nominations={n.nomination_id: n for n in nominations},
        appraisals={a.nomination_id: a for a in appraisals},
        versions={k: int(v) for k, v in data["versions"].items()})
