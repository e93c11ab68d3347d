"""Procedure definitions as versioned data files.

A new directive is a new file here, not new code: ``load("directive-45-2025")``.
"""

from __future__ import annotations

import json
from pathlib import Path

from domain.procedure import ProcedureDefinition, parse_procedure

DIRECTORY = Path(__file__).resolve().parent
DEFAULT_PROCEDURE = "directive-35-2019"


class UnknownProcedure(LookupError):
    pass


def available() -> list[str]:
    return sorted(p.stem for p in DIRECTORY.glob("*.json"))


def load(procedure_id: str = DEFAULT_PROCEDURE) -> ProcedureDefinition:
    path = DIRECTORY / f"{procedure_id}.json"
    if not path.is_file():
        raise UnknownProcedure(
            f"no procedure {procedure_id!r}; available: {', '.join(available())}"
        )
    return parse_procedure(json.loads(path.read_text(encoding="utf-8")))
