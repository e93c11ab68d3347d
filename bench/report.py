"""The results: one table printed and written as bench/results.md, and bench/results.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Metric:
    key: str
    title: str
    unit: str  # "events/s" or "ms"
    ours: float | None
    peer: float | None = None
    ceiling: float | None = None
    note: str = ""
    # Targets: ours at least ``min_vs_peer`` x the peer and ``min_vs_ceiling`` x the ceiling;
    # for a figure without a peer, ``at_least`` or ``at_most`` in the metric's own unit.
    min_vs_peer: float | None = None
    min_vs_ceiling: float | None = None
    # For a latency (ms): ours at most ``max_vs_ceiling`` x the ceiling.
    max_vs_ceiling: float | None = None
    at_least: float | None = None
    at_most: float | None = None
    why_missed: list[str] = field(default_factory=list)
    # CPU time of the bench process per event (client side: drivers, encoding, hashing)
    cpu_us: dict[str, float] = field(default_factory=dict)

    @property
    def lower_is_better(self) -> bool:
        return self.unit == "ms"

    def ratio(self, other: float | None) -> float | None:
        if self.ours is None or not other:
            return None
        return self.ours / other

    def verdicts(self) -> list[tuple[str, bool, str]]:
        """(target, met, how far off) for each target of this metric."""
        out: list[tuple[str, bool, str]] = []
        if self.ours is None:
            return out
        vs_peer, vs_ceiling = self.ratio(self.peer), self.ratio(self.ceiling)
        if self.min_vs_peer is not None and vs_peer is not None:
            out.append((f"≥ {self.min_vs_peer:g}× the peer", vs_peer >= self.min_vs_peer,
                        f"{vs_peer:.2f}× ({vs_peer / self.min_vs_peer:.1%} of the target)"))
        if self.min_vs_ceiling is not None and vs_ceiling is not None:
            out.append((f"≥ {self.min_vs_ceiling:.0%} of the ceiling",
                        vs_ceiling >= self.min_vs_ceiling,
                        f"{vs_ceiling:.1%} ({vs_ceiling / self.min_vs_ceiling:.1%} of the "
                        "target)"))
        if self.max_vs_ceiling is not None and vs_ceiling is not None:
            out.append((f"≤ {self.max_vs_ceiling:g}× the ceiling",
                        vs_ceiling <= self.max_vs_ceiling,
                        f"{vs_ceiling:.2f}× ({vs_ceiling / self.max_vs_ceiling:.1%} of the "
                        "limit)"))
        if self.at_least is not None:
            out.append((f"≥ {_number(self.at_least)} {self.unit}", self.ours >= self.at_least,
                        f"{_number(self.ours)} ({self.ours / self.at_least:.1%} of the target)"))
        if self.at_most is not None:
            out.append((f"≤ {_number(self.at_most)} {self.unit}", self.ours <= self.at_most,
                        f"{_number(self.ours)} ({self.ours / self.at_most:.1%} of the limit)"))
        return out

    def as_json(self, date: str, cores: int) -> dict[str, Any]:
        return {
            "title": self.title, "unit": self.unit, "ours": _round(self.ours),
            "peer": _round(self.peer), "ceiling": _round(self.ceiling),
            "ratio": {"ours/peer": _round(self.ratio(self.peer), 3),
                      "ours/ceiling": _round(self.ratio(self.ceiling), 3)},
            "targets": [{"target": t, "met": met, "measured": how}
                        for t, met, how in self.verdicts()],
            "note": self.note, "why_missed": self.why_missed,
            "client_cpu_us_per_event": {k: round(v, 1) for k, v in self.cpu_us.items()},
            "date": date, "machine": {"cores": cores},
        }


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values``: the sample at rank q * (n - 1), rounded."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _number(value: float | None) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def _times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}×"


HEADER = ("metric", "ours", "peer", "ceiling", "ours/peer", "ours/ceiling", "unit")


def rows(metrics: list[Metric]) -> list[tuple[str, ...]]:
    return [(m.title, _number(m.ours), _number(m.peer), _number(m.ceiling),
             _times(m.ratio(m.peer)), _times(m.ratio(m.ceiling)), m.unit) for m in metrics]


def text_table(metrics: list[Metric]) -> str:
    table = [HEADER, *rows(metrics)]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]
    lines = []
    for n, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:],
                                                                         strict=True)]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(metrics: list[Metric]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |",
             "|---|" + "---:|" * (len(HEADER) - 2) + "---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows(metrics)]
    return "\n".join(lines)


def write_json(path: Path, metrics: list[Metric], context: dict[str, Any]) -> None:
    date, cores = context["date"], context["machine"]["cores"]
    document = {**context, "metrics": {m.key: m.as_json(date, cores) for m in metrics}}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_markdown(path: Path, metrics: list[Metric], context: dict[str, Any],
                   notes: list[str]) -> None:
    machine = context["machine"]
    load = machine["load_average"]
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `make bench` on {context['date']} in {context['elapsed_seconds']:.0f} s"
        f" ({context['dataset']['status']}). Do not edit: the next run rewrites this file.",
        "",
        f"Machine: {machine['cores']} cores, {machine['platform']}, Python "
        f"{machine['python']}. PostgreSQL {context['postgres']['version']} "
        f"({context['postgres']['where']}; fsync={context['postgres']['fsync']}, "
        f"synchronous_commit={context['postgres']['synchronous_commit']}, "
        f"shared_buffers={context['postgres']['shared_buffers']}). Load average (1, 5, 15 min)"
        f" at the start {_load(load['start'])}, at the end {_load(load['end'])}: the machine is"
        " shared, so compare the columns of one run (ratios), not runs.",
        "",
        markdown_table(metrics),
        "",
        "ours/peer and ours/ceiling divide our figure by theirs: above 1 is faster for rates;"
        " for latencies (ms) below 1 is better.",
        "",
        "## Targets",
        "",
    ]
    for m in metrics:
        for target, met, how in m.verdicts():
            lines.append(f"- {m.title}: {target} — {'met' if met else 'MISSED'}: {how}")
    missed = [m for m in metrics if any(not met for _, met, _ in m.verdicts())]
    if missed:
        lines += ["", "## Where a target is missed, and why", ""]
        for m in missed:
            lines.append(f"- **{m.title}**: " + " ".join(m.why_missed or ["(no analysis)"]))
    lines += ["", "## How it was measured", ""]
    lines += [f"- {note}" for note in notes]
    lines += ["", "## Each figure", ""]
    seen: set[str] = set()
    for m in metrics:
        if m.note and m.note not in seen:
            seen.add(m.note)
            lines.append(f"- **{m.title}**: {m.note}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _load(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)
