"""Upcasting: every (type, version) ever emitted has a golden fixture that still reads as the
current event; the registry chains pure upcasters and refuses versions it cannot reach."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from domain import upcasting
from domain.events import EVENT_TYPES, NominationAdvanced, event_from_data, event_to_data
from domain.plan import NominationStatus, PlanPhase, fold
from domain.upcasting import UnknownSchemaVersion, Upcasters
from eventstore.hashing import check_json
from tests.support.golden import FIXTURES, NOMINEE, PLAN_ID, WORKED_PLAN, load, path_of

pytestmark = pytest.mark.unit

PAIRS = [(t, v) for t, cls in sorted(EVENT_TYPES.items())
         for v in range(1, cls.SCHEMA_VERSION + 1)]


def fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.v*.json"))


# --- the golden fixtures ------------------------------------------------------------------
def test_every_type_has_a_fixture_for_every_version_it_ever_had() -> None:
    missing = [f"{t} v{v}" for t, v in PAIRS if not path_of(t, v).exists()]

    assert missing == [], (
        f"no golden fixture for {', '.join(missing)}: run `python -m tests.support.golden` "
        "(it writes the current versions the worked scenario emits and never overwrites), or "
        "add the file from a test that decides the event")


def test_every_fixture_names_a_known_type_and_a_version_it_can_still_read() -> None:
    for path in fixture_files():
        doc = load(path)
        name, version = path.stem.rsplit(".v", 1)
        assert (doc["event_type"], doc["schema_version"]) == (name, int(version)), path.name
        assert doc["event_type"] in EVENT_TYPES, f"{path.name}: an unknown event type"
        assert 1 <= doc["schema_version"] <= EVENT_TYPES[name].SCHEMA_VERSION, path.name


@pytest.mark.parametrize(("event_type", "version"), PAIRS, ids=[f"{t}.v{v}" for t, v in PAIRS])
def test_each_fixture_upcasts_to_the_current_version_and_decodes(event_type: str,
                                                                 version: int) -> None:
    path = path_of(event_type, version)
    if not path.exists():
        pytest.skip(f"{path.name} is missing (reported by the test above)")
    doc = load(path)
    stored = copy.deepcopy(doc["data"])

    current, data = upcasting.upcast(event_type, version, doc["data"])
    event = event_from_data(event_type, version, doc["data"])

    assert current == EVENT_TYPES[event_type].SCHEMA_VERSION
    assert type(event) is EVENT_TYPES[event_type]
    # Nothing stored is lost on the way (fields added since, with defaults, may appear).
    assert _lost(data, event_to_data(event)) == []
    assert doc["data"] == stored  # reading never changes what is stored


def _lost(stored: Any, read: Any, where: str = "data") -> list[str]:
    """Where ``read`` does not hold what ``stored`` holds (extra keys in ``read`` are fine)."""
    if isinstance(stored, dict) and isinstance(read, dict):
        return [lost for key, value in stored.items()
                for lost in ([f"{where}.{key}"] if key not in read
                             else _lost(value, read[key], f"{where}.{key}"))]
    if isinstance(stored, list) and isinstance(read, list) and len(stored) == len(read):
        return [lost for n, (a, b) in enumerate(zip(stored, read, strict=True))
                for lost in _lost(a, b, f"{where}[{n}]")]
    return [] if stored == read else [where]


def test_a_lost_field_is_noticed() -> None:
    assert _lost({"a": {"b": [1, {"c": 2}]}, "d": 3}, {"a": {"b": [1, {"c": 2, "e": 4}]},
                                                     "d": 3, "f": 5}) == []
    assert _lost({"a": {"b": [1, {"c": 2}]}}, {"a": {"b": [1, {"c": 3}]}}) == ["data.a.b[1].c"]
    assert _lost({"a": 1, "g": 2}, {"a": 1}) == ["data.g"]


def test_the_worked_plans_fixtures_fold_into_a_valid_plan() -> None:
    """(The review's fixtures come from three histories with different decisions, so they
    are checked one by one above, not folded together.)"""
    docs = sorted((d for d in map(load, fixture_files()) if d["history"] == WORKED_PLAN),
                  key=lambda d: d["sequence"])
    events = [event_from_data(d["event_type"], d["schema_version"], d["data"]) for d in docs]

    state = fold(events)

    assert state.plan_id == PLAN_ID
    assert state.phase not in (PlanPhase.NOT_OPENED, PlanPhase.OPEN)
    assert state.procedure is not None and state.organization is not None
    nominee = state.nominations[NOMINEE]
    assert nominee.status is NominationStatus.DROPPED and nominee.last_passed_step == 1
    assert state.versions == _versions(docs)


def _versions(docs: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for d in docs:
        counts[d["stream_id"]] = counts.get(d["stream_id"], 0) + 1
    return counts


def test_fixtures_hold_only_what_the_store_accepts() -> None:
    for path in fixture_files():
        doc = load(path)
        check_json(doc["data"], f"{path.name}: data")
        check_json(doc["metadata"], f"{path.name}: metadata")


# --- the registry -------------------------------------------------------------------------
def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Example (test only): v2 of a nomination's result keeps the tally's mark under
    ``needed`` where v1 called it ``mark``."""
    tally = dict(data["tally"])
    tally["needed"] = tally.pop("mark")
    return {**data, "tally": tally}


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Example (test only): v3 adds ``attempt``; every v2 result was a first attempt."""
    data.setdefault("attempt", 1)  # upcasters get a copy: changing it in place is fine
    return data


def _example_registry() -> Upcasters:
    registry = Upcasters()
    registry.register("NominationAdvanced", 1)(_v1_to_v2)
    registry.register("NominationAdvanced", 2)(_v2_to_v3)
    return registry


def _advanced() -> dict[str, Any]:
    data = load(path_of("NominationAdvanced", 1))["data"]
    assert isinstance(data, dict)
    return data


def _as_v1(current: dict[str, Any]) -> dict[str, Any]:
    """The current shape written back as the example's v1: no attempt, ``mark``."""
    v1 = {k: v for k, v in current.items() if k != "attempt"}
    tally = dict(v1["tally"])
    tally["mark"] = tally.pop("needed")
    return {**v1, "tally": tally}


def test_upcasters_chain_from_any_old_version_to_the_current_one() -> None:
    registry, current = _example_registry(), _advanced()
    v1 = _as_v1(current)
    v2 = _v1_to_v2(copy.deepcopy(v1))

    assert registry.upcast("NominationAdvanced", 1, v1, current=3) == (3, current)
    assert registry.upcast("NominationAdvanced", 2, v2, current=3) == (3, current)
    assert registry.upcast("NominationAdvanced", 3, current, current=3) == (3, current)
    assert "attempt" not in v1 and "mark" in v1["tally"]  # the argument is never changed


def test_the_current_version_is_returned_as_it_is() -> None:
    data = _advanced()

    assert upcasting.upcast("NominationAdvanced", 1, data)[1] is data


def test_a_version_newer_than_the_code_is_refused_clearly() -> None:
    with pytest.raises(UnknownSchemaVersion, match=r"NominationAdvanced v4 is newer .* v3"):
        _example_registry().upcast("NominationAdvanced", 4, _advanced(), current=3)
    with pytest.raises(ValueError, match="upcaster"):  # UnknownSchemaVersion is a ValueError
        event_from_data("NominationAdvanced", 2, _advanced())


def test_a_missing_step_of_the_chain_is_refused_clearly() -> None:
    registry = Upcasters()
    registry.register("NominationAdvanced", 2)(_v2_to_v3)

    with pytest.raises(UnknownSchemaVersion, match="no upcaster registered from v1 to v2"):
        registry.upcast("NominationAdvanced", 1, _as_v1(_advanced()), current=3)
    with pytest.raises(UnknownSchemaVersion, match="versions start at 1"):
        registry.upcast("NominationAdvanced", 0, {}, current=3)


def test_registering_twice_or_from_version_zero_is_a_mistake() -> None:
    registry = _example_registry()

    with pytest.raises(ValueError, match="already registered"):
        registry.register("NominationAdvanced", 1)(_v1_to_v2)
    with pytest.raises(ValueError, match=">= 1"):
        registry.register("NominationAdvanced", 0)
    assert set(registry.steps()) == {("NominationAdvanced", 1), ("NominationAdvanced", 2)}


def test_an_upcaster_must_return_a_dict() -> None:
    registry = Upcasters()
    registry.register("NominationAdvanced", 1)(lambda data: None)  # type: ignore[arg-type,return-value]

    with pytest.raises(TypeError, match="returned NoneType"):
        registry.upcast("NominationAdvanced", 1, _advanced(), current=2)


def test_event_from_data_reads_an_old_version_through_the_registry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hook end to end: pretend NominationAdvanced is at v3 (the example's current shape
    is today's class), with the example's upcasters registered."""
    monkeypatch.setattr(upcasting, "UPCASTERS", _example_registry())
    monkeypatch.setattr(NominationAdvanced, "SCHEMA_VERSION", 3)
    current = _advanced()
    v1 = _as_v1(current)

    event = event_from_data("NominationAdvanced", 1, v1)

    assert event == event_from_data("NominationAdvanced", 3, current)
    assert _lost(current, event_to_data(event)) == []
    assert "mark" in v1["tally"]


def test_the_registry_holds_only_released_upcasters() -> None:
    """Every registered step leads from a version that has a golden fixture, towards a
    version the code knows."""
    for (event_type, version) in upcasting.UPCASTERS.steps():
        assert event_type in EVENT_TYPES
        assert version < EVENT_TYPES[event_type].SCHEMA_VERSION
        assert path_of(event_type, version).exists()
