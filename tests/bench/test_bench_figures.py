"""The API load's and the command path's figures become bench metrics with their targets, and a
missed target is explained from the run's own figures (pure: made-up samples, no servers)."""

from __future__ import annotations

import pytest

from bench import analysis
from bench.api_load import api_metrics
from bench.command_path import PathFigures, metrics

pytestmark = pytest.mark.bench


def path(name: str, concurrency: int, ms: float) -> PathFigures:
    return PathFigures(name, concurrency, [ms] * 19, seconds=19 * ms / 1000)


def test_api_figures_are_a_throughput_and_three_percentiles_per_operation() -> None:
    found = api_metrics({"open": [100.0, 300.0], "submit": [900.0, 1100.0, 5000.0]}, plans=2,
                        seconds=2.5)
    by = {m.key: m for m in found}
    assert by["api_requests_per_second"].ours == 5 / 2.5
    assert by["api_requests_per_second"].unit == "requests/s"
    assert {k for k in by if k.startswith("api_submit")} == {
        "api_submit_p50_ms", "api_submit_p95_ms", "api_submit_p99_ms"}
    assert by["api_submit_p50_ms"].ours == 1100.0 and by["api_submit_p99_ms"].ours == 5000.0
    assert "api_import_p50_ms" not in by  # no import was sent: no figure made up for it


@pytest.mark.parametrize(("ours_ms", "met"), [(14.0, True), (50.0, False)])
def test_the_command_path_median_is_held_to_seven_tenths_of_the_bare_path(
        ours_ms: float, met: bool) -> None:
    figures = [path(name, c, ms) for c in (1, 20) for name, ms in (
        ("ours", ours_ms), ("bare (activity)", 50.0), ("bare (local activity)", 40.0))]
    found = metrics(figures)
    p50 = next(m for m in found if m.key == "command_path_p50_x1")
    assert (p50.ours, p50.peer, p50.ceiling) == (ours_ms, 40.0, 50.0)
    assert [(target, ok) for target, ok, _ in p50.verdicts()] == [("≤ 0.7× the ceiling", met)]
    p99 = next(m for m in found if m.key == "command_path_p99_x1")
    assert p99.verdicts() == []  # the target is the median's
    reasons = analysis.why_missed(p50, found, {"machine": {
        "cores": 2, "load_average": {"start": [0.1, 0.1, 0.1]}}})
    if met:
        assert reasons == []
    else:
        assert reasons[0] == "Missed ≤ 0.7× the ceiling."
        assert any("1.00× the bare Update with a regular activity" in r for r in reasons)
        assert any("That floor itself is at 0.80× the regular path" in r for r in reasons)


@pytest.mark.parametrize("serial_ms", [14.0, 50.0])
def test_the_serial_target_is_said_met_only_when_the_run_met_it(serial_ms: float) -> None:
    figures = [path("ours", 1, serial_ms), path("bare (activity)", 1, 50.0),
               path("bare (local activity)", 1, 13.0), path("ours", 20, 400.0),
               path("bare (activity)", 20, 400.0), path("bare (local activity)", 20, 350.0)]
    found = metrics(figures)
    x20 = next(m for m in found if m.key == "command_path_p50_x20")
    reasons = analysis.why_missed(x20, found, {"machine": {
        "cores": 2, "load_average": {"start": [0.1, 0.1, 0.1]}}})
    said = any("One plan at a time" in r for r in reasons)
    assert said is (serial_ms == 14.0)
