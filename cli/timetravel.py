"""Time-travel commands for auditors: a plan at a global position, and the state a decision
was made on. They read PostgreSQL alone."""

from __future__ import annotations

from typing import Annotated

import typer

import bootstrap
from cli import render
from cli.main import audit_app, console, existing_plan, run
from reads.plans import plan_view
from reads.timetravel import decision_basis
from settings import Settings


@audit_app.command("state")
def audit_state(plan_id: str,
                at_position: Annotated[int, typer.Option(
                    "--at-position", help="global position: the plan as it stood then")]) -> None:
    """The plan as it stood at a global position of the event log."""
    async def main(settings: Settings) -> None:
        async with bootstrap.database(settings) as db:
            await existing_plan(db.store, plan_id)
            view = await plan_view(db.store, plan_id, at_position=at_position)
        console.print(f"[bold]Đề án tại vị trí {at_position} của sổ sự kiện[/]")
        render.plan(console, view)
    run(main)


@audit_app.command("decision")
def audit_decision(plan_id: str, event_id: str) -> None:
    """What the decider saw: the plan rebuilt at the position a decision event records."""
    async def main(settings: Settings) -> bool:
        async with bootstrap.database(settings) as db:
            basis = await decision_basis(db.store, plan_id, event_id)
            view = await plan_view(db.store, plan_id, at_position=basis.seen_position)
        e = basis.event
        console.print(f"[bold]{e.event_type}[/] (vị trí {e.position}) bởi "
                      f"{e.metadata.get('actor')} ({e.metadata.get('role')}), quyết định trên "
                      f"trạng thái đến vị trí {basis.seen_position}.")
        if basis.versions_match:
            console.print("[green]Phiên bản các luồng khớp với trạng thái dựng lại.[/]")
        else:
            console.print(f"[bold red]Không khớp phiên bản:[/] {basis.mismatches}")
        render.plan(console, view)
        return basis.versions_match
    if not run(main):
        raise typer.Exit(1)
