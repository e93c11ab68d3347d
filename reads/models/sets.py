"""The projection sets the service runs: one runner (task or process) per set."""

from __future__ import annotations

from reads.models.base import Projection
from reads.models.committees import CommitteesProjection
from reads.models.nominations import NominationsProjection
from reads.models.plans import PlansProjection
from reads.models.structure import StructureProjection


def read_models() -> list[Projection]:
    """The read models of plans, nominations, structure figures and elected committees, in
    one set."""
    return [PlansProjection(), NominationsProjection(), StructureProjection(),
            CommitteesProjection()]


def by_name(name: str) -> Projection:
    for projection in read_models():
        if projection.name == name:
            return projection
    known = ", ".join(p.name for p in read_models())
    raise LookupError(f"no projection {name!r}; known: {known}")
