"""Writes examples/bien-ban/*.toml: the signed minutes of every conference of the worked
example (Đảng bộ xã Đồi Mây), in the order they are recorded, so that the README's
walkthrough runs literally from opening to approval. Each file is what `nhansu conference
template` writes, filled in; the tallies are the worked example's (application/
worked_example.py): a weak incumbent drops at step 2, the first-time group's step 2 is held
twice. Run from the repository root: `.venv/bin/python -m examples.make_minutes`; the files
are committed, and tests/unit/test_files.py checks they are up to date."""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import procedures
from application.files import MinutesTemplate, minutes_template, read_candidates, read_plan
from application.worked_example import _minutes
from domain.commands import OpenPlan, RecordConferenceResult, RegisterCandidates, Registration
from domain.decide import decide
from domain.people import Actor, CandidateGroup, Organization, Role
from domain.plan import PlanState, fold
from domain.plan_terms import Vote

EXAMPLES = Path(__file__).resolve().parent
DIRECTORY = EXAMPLES / "bien-ban"
NOW = datetime(2025, 7, 15, tzinfo=UTC)
DEPARTMENT = Actor(user_id="bantochuc.doimay", role=Role.ORGANIZATION_DEPARTMENT,
                   organization_id="org-xa-doi-may")


def _state() -> PlanState:
    plan = read_plan(EXAMPLES / "plan-xa-doi-may.toml")
    opening = OpenPlan(
        command_id="open", actor=DEPARTMENT, plan_id=plan.plan_id,
        organization=Organization(organization_id=plan.organization_id,
                                  name="Đảng bộ xã Đồi Mây", parent_id="org-tinh-lam-dong",
                                  level="commune"),
        term=plan.term, term_start=plan.term_start, seats=plan.seats, targets=plan.targets,
        procedure=procedures.load(plan.procedure))
    state = fold(decide(PlanState(), opening, now=NOW))
    rows = read_candidates(EXAMPLES / "ung-vien-xa-doi-may.csv").rows
    registered = RegisterCandidates(command_id="import", actor=DEPARTMENT, registrations=tuple(
        Registration(nomination_id=f"00000000-0000-4000-8000-{r.row:012d}",
                     candidate=r.candidate, position_group=r.position_group,
                     candidate_group=r.candidate_group) for r in rows))
    return fold(decide(state, registered, now=NOW), state)


def files() -> dict[str, str]:
    """File name -> content, in recording order."""
    state = _state()
    assert state.procedure is not None and state.organization is not None
    written: dict[str, str] = {}
    held_on = date(2025, 4, 21)
    number = 0
    for group in (CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME):
        for step in range(1, 6):
            attempts = 2 if group is CandidateGroup.FIRST_TIME and step == 2 else 1
            for attempt in range(1, attempts + 1):
                minutes = _minutes(state, group, step, attempt, held_on, short=attempts == 2)
                members = [n for n in state.members(("committee_member", group)) if n.in_play]
                text = minutes_template(MinutesTemplate(
                    plan_id=state.plan_id, organization_id=state.organization.organization_id,
                    organization_name=state.organization.name,
                    position_group="committee_member",
                    position_group_title=state.procedure.position_group_title(
                        "committee_member"),
                    candidate_group=group, step=step,
                    step_title=state.procedure.step(step).title_vi, attempt=attempt,
                    held_on=held_on,
                    candidates=tuple((n.candidate.party_card_number or n.nomination_id,
                                      n.candidate.full_name) for n in members)))
                for name in ("summoned", "attending", "ballots_issued", "ballots_valid"):
                    text = re.sub(rf"^{name} = 0 ", f"{name} = {getattr(minutes, name)} ",
                                  text, flags=re.M)
                for card, yes in minutes.votes:
                    text = re.sub(rf"^({re.escape(card)}\s*) = 0 ", rf"\1 = {yes} ", text,
                                  flags=re.M)
                text = (text.replace("# điền số: ", "# ")
                        .replace("# Điền các số đang để 0 («điền số») theo biên bản đã ký, rồi "
                                 "ghi nhận:", "# Biên bản mẫu đã điền của ví dụ; ghi nhận:")
                        .replace("# Các số để 0 thì không ghi nhận được: hội nghị chỉ hợp lệ "
                                 "khi số có mặt đạt ít nhất\n# 2/3 số được triệu tập. ", "# "))
                number += 1
                code = "tai-cu" if group is CandidateGroup.INCUMBENT else "lan-dau"
                written[f"{number:02d}-buoc-{step}-{code}-lan-{attempt}.toml"] = text
                by_card = {n.candidate.party_card_number: n.nomination_id for n in members}
                command = RecordConferenceResult(
                    command_id=f"c{number}", actor=DEPARTMENT, position_group="committee_member",
                    candidate_group=group, step=step, attempt=attempt, held_on=held_on,
                    summoned=minutes.summoned, attending=minutes.attending,
                    ballots_issued=minutes.ballots_issued, ballots_valid=minutes.ballots_valid,
                    votes=tuple(Vote(nomination_id=by_card[c], yes=y) for c, y in minutes.votes))
                state = fold(decide(replace(state), command, now=NOW), state)
                held_on += timedelta(days=3)
    return written


def main() -> None:
    DIRECTORY.mkdir(exist_ok=True)
    for name, text in files().items():
        (DIRECTORY / name).write_text(text, encoding="utf-8")
    sys.stdout.write(f"{len(files())} biên bản trong {DIRECTORY}\n")


if __name__ == "__main__":
    main()
