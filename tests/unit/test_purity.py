"""The domain is pure: standard library only, no clock, no ids, no I/O."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import domain

pytestmark = pytest.mark.unit

DOMAIN = Path(domain.__file__).resolve().parent
SOURCES = sorted(DOMAIN.glob("*.py"))
# Standard library, yet not for pure rules: clocks, randomness, ids, files, network, processes.
IMPURE = {"time", "random", "secrets", "uuid", "os", "io", "socket", "subprocess", "pathlib",
          "shutil", "tempfile", "threading", "asyncio", "logging", "sqlite3", "urllib"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, top-level module) of every import; relative imports count as ``domain``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "domain" if node.level else node.module or ""))
    return found


def test_the_domain_has_sources() -> None:
    assert {p.name for p in SOURCES} >= {"decide.py", "plan.py", "events.py", "procedure.py"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_domain_imports_only_the_standard_library(path: Path) -> None:
    foreign = [(line, name) for line, name in imported_modules(path)
               if name.split(".")[0] not in sys.stdlib_module_names
               and name.split(".")[0] != "domain"]

    assert foreign == [], f"{path.name} imports outside the standard library: {foreign}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_domain_reads_no_clock_and_touches_no_io(path: Path) -> None:
    impure = [(line, name) for line, name in imported_modules(path)
              if name.split(".")[0] in IMPURE]

    assert impure == [], f"{path.name}: {impure}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_domain_asks_no_one_for_the_time(path: Path) -> None:
    calls = [node.func.attr for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr in {"now", "today", "utcnow", "fromtimestamp"}]

    assert calls == [], f"{path.name} calls {calls}"


def test_the_checker_would_notice_a_foreign_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import pydantic\nfrom sqlalchemy import orm\nfrom . import plan\n")

    assert imported_modules(bad) == [(1, "pydantic"), (2, "sqlalchemy"), (3, "domain")]
    assert "pydantic" not in sys.stdlib_module_names
