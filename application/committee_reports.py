"""Reports on the elected committees (cấp ủy được bầu tại đại hội), from the read model fed
by the congress's events, under any organization of the registry.

The aggregate is the source's footnote 1 made from data: which committees have more than a
share of first-time members or of women (thresholds as parameters), ranked, with percentages;
and the other figures the source reports: completed (by a deadline, when one is given), filled
at the first ballot, secretary elected directly by the congress, seats left open, appointments
(chỉ định) after the congress. Reports on candidate lists stay in ``application.reports`` and
say "danh sách"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Any

from application.access import readable
from application.context import Context, today
from application.errors import Rejected
from application.principal import Principal
from application.reports import behind, parse_share, share_text
from domain.access import Operation
from domain.errors import Violation
from domain.vocabulary import label, percent

MEASURES = ("women", "under_40", "ethnic_minority", "first_time")
#: How the footnote names each measure ("có tỷ lệ ... trên 1/3").
FOOTNOTE = {"first_time": "cấp ủy viên tham gia lần đầu", "women": "cấp ủy viên nữ",
            "under_40": "cấp ủy viên dưới 40 tuổi",
            "ethnic_minority": "cấp ủy viên người dân tộc thiểu số"}
#: The footnote's two questions unless told otherwise.
DEFAULT_THRESHOLDS = (("first_time", "1/3", "--first-time-above"),
                      ("women", "15%", "--women-above"))


@dataclass(frozen=True, kw_only=True)
class Figure:
    """One figure of the report: a count, out of how many, as a share."""

    code: str
    label: str
    count: int
    out_of: int | None

    @property
    def share(self) -> str | None:
        return percent(Fraction(self.count, self.out_of)) if self.out_of else None


@dataclass(frozen=True, kw_only=True)
class Ranked:
    measure: str
    threshold: str
    committees: tuple[Any, ...]  # reads.models.committee_reports.CommitteeRow, largest first
    sentence: str


@dataclass(frozen=True, kw_only=True)
class CommitteesReport:
    organization_id: str
    day: date
    deadline: date | None
    committees: tuple[Any, ...]  # CommitteeRow, by organization
    figures: tuple[Figure, ...]
    structure: tuple[Figure, ...]  # the members' make-up, all committees together
    above: tuple[Ranked, ...]
    behind: tuple[str, ...]


def parse_day(text: str | None, field: str) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Rejected((Violation(field=field, rule="date", message=(
            f"«{text}» không phải một ngày; viết theo dạng năm-tháng-ngày, ví dụ "
            "2025-09-30")),)) from None


def _figures(rows: Sequence[Any], deadline: date | None) -> tuple[Figure, ...]:
    n = len(rows)
    elected = sum(r.elected for r in rows)

    def f(code: str, count: int, out_of: int | None) -> Figure:
        return Figure(code=code, label=label("committee_figure", code), count=count,
                      out_of=out_of)

    figures = [
        f("committees", n, None),
        f("seats", sum(r.seats for r in rows), None),
        f("elected", elected, None),
        f("incumbents", sum(r.incumbents for r in rows), elected),
        f("renewal", sum(r.counts["first_time"] for r in rows), elected),
        f("first_ballot", sum(1 for r in rows if r.first_ballot_complete), n),
        f("secretary_direct", sum(1 for r in rows if r.secretary_direct), n),
        f("with_open_seats", sum(1 for r in rows if r.open_seats > 0), n),
        f("open_seats", sum(r.open_seats for r in rows), None),
        f("appointed", sum(r.appointed for r in rows), None),
        f("approved", sum(1 for r in rows if r.result_approved), n),
        f("closed", sum(1 for r in rows if r.closed_on is not None), n),
    ]
    if deadline is not None:
        figures.append(f("on_time", sum(1 for r in rows if r.closed_on is not None
                                        and r.closed_on <= deadline), n))
    return tuple(figures)


@lru_cache(maxsize=65536)
def _percent(count: int, total: int) -> str:
    """Committees repeat the same few (count, size) pairs: each written once."""
    return percent(Fraction(count, total))


def _ranked(rows: Sequence[Any], measure: str, share: Fraction) -> Ranked:
    # Floats order these shares exactly: two fractions with denominators this small that
    # differ never round to the same float.
    over = sorted((r for r in rows if r.above(measure, share)),
                  key=lambda r: (-r.counts[measure] / r.elected, r.organization_name,
                                 r.organization_id))
    names = ", ".join(f"{r.organization_name} ({r.counts[measure]}/{r.elected}, "
                      f"{_percent(r.counts[measure], r.elected)})" for r in over)
    sentence = (f"Có {len(over):02d}/{len(rows):02d} cấp ủy có tỷ lệ {FOOTNOTE[measure]} "
                f"trên {share_text(share)}" + (f": {names}." if over else "."))
    return Ranked(measure=measure, threshold=share_text(share), committees=tuple(over),
                  sentence=sentence)


async def committees(ctx: Context, principal: Principal, *, organization_id: str,
                     thresholds: Sequence[tuple[str, str, str]] = DEFAULT_THRESHOLDS,
                     deadline: str | None = None, term: str | None = None,
                     day: date | None = None, organization_field: str = "--organization",
                     deadline_field: str = "--deadline") -> CommitteesReport:
    """The elected committees of ``organization_id`` and every organization below it in the
    registry (as it stands on ``day``, today by default) that the principal may see:
    per committee, all together, and ranked above each threshold ((measure, share as typed,
    option name; ``*_field``: how the caller names the other parameters)."""
    from reads.models import committee_reports as rm

    for measure, _, option in thresholds:
        if measure not in MEASURES:
            raise Rejected((Violation(field=option, rule="one_of", message=(
                f"«{measure}» không phải tiêu chí cơ cấu; chọn một trong: "
                + "; ".join(f"{m} ({label('measure', m)})" for m in MEASURES))),))
    shares = [(m, parse_share(text, option)) for m, text, option in thresholds]
    until = parse_day(deadline, deadline_field)
    on = day or today(ctx)
    org = organization_id.strip()
    if not org or not await rm.organization_known(ctx.engine, org, on):
        raise Rejected((Violation(field=organization_field, rule="unknown_organization", message=(
            f"«{organization_id}» không phải tổ chức có trong danh mục ngày "
            f"{on:%d/%m/%Y}")),))
    rows = await rm.committees_under(ctx.engine, org, on, term=term)
    allowed = await readable(ctx, principal, Operation.REPORT,
                             sorted({r.organization_id for r in rows}))
    rows = [r for r in rows if r.organization_id in allowed]
    elected = sum(r.elected for r in rows)
    structure = tuple(Figure(code=m, label=label("measure", m),
                             count=sum(r.counts[m] for r in rows), out_of=elected)
                      for m in MEASURES)
    return CommitteesReport(
        organization_id=org, day=on, deadline=until, committees=tuple(rows),
        figures=_figures(rows, until), structure=structure,
        above=tuple(_ranked(rows, m, s) for m, s in shares),
        behind=await behind(ctx, ["committees"]))
