"""The worked example behind `make demo`, through the same use cases a person's commands and
web forms call, each under the right user's identity.

Đảng bộ xã Đồi Mây (an invented commune directly under Lâm Đồng province, as communes are
since 1 July 2025) prepares its personnel plan for 2025–2030: 15 seats, 19 candidates
imported from a spreadsheet-style CSV. Minutes short of quorum with a tally above the valid
ballots are refused and nothing is recorded; a weak incumbent drops at step 2; the first-time
group's step 2 is held again because too few passed to keep the surplus; the plan is
submitted with 17 names and every eligibility warning shown. The superior level appraises: the
inspection committee finds one incumbent disqualifying, the organization department raises a
concern on another and amends it; an appraiser who tries to decide is refused (separation of
duties); the standing committee sends two first-time candidates back to step 3; they pass
again, are appraised again, and the plan is approved with the disqualified incumbent
excluded. Then the congress (đại hội): a delegate's nomination joins the approved list (one
with too little support is refused), the ballots are counted by computer with some invalid
ones, a tie at the cut-off is settled by a re-vote entered ballot by ballot, the new committee
elects its standing committee, its secretary and its deputies (one deputy seat falls short and
is left open), the superior standing committee approves the result and appoints a deputy with
the consensus the procedure requires, and the elected committee is printed. Then, with the
worker stopped, trails and every hash chain are checked from PostgreSQL alone, the ledger is
sealed and its signed checkpoint verified.

It runs in a database of its own (NHANSU_DATABASE_NAME + "_demo"), made afresh each run, so
that it always tells the same story and never touches the installation's own plans."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from application.context import Context, today
from application.errors import Forbidden, Rejected
from application.files import Minutes, read_candidates, read_plan
from application.principal import OPERATOR, Principal
from domain.people import CandidateGroup, Role
from domain.plan import PlanPhase, PlanState

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ORGANIZATION = "org-xa-doi-may"
SUPERIOR = "org-tinh-lam-dong"
# Who sits in each body of a commune committee with 15 seats and a standing committee of 5.
SUMMONED = {"standing_committee": 5, "key_cadres_conference": 45, "executive_committee": 15}
WEAK_INCUMBENT = "TD-100007"  # re-nominated with little support: dropped at step 2
SHORT_AT_STEP_2 = ("TD-100016", "TD-100019")  # first attempt leaves the list one short
DISQUALIFIED = "TD-100010"  # a warning of 2025-03-01: barred for 30 months
AMENDED = "TD-100002"
SENT_BACK = ("TD-100012", "TD-100013")
AGENCIES = ("organization_department", "inspection_committee", "internal_affairs")
PASSWORD = "mat-khau-vi-du-2025"  # the demo users' password (their own demo database)


class Narrator(Protocol):
    def line(self, text: str, style: str = "") -> None: ...
    def rule(self, text: str) -> None: ...
    def refused(self, title: str, error: Exception) -> None: ...
    def plan(self, details: Any) -> None: ...
    def warnings(self, warnings: Any) -> None: ...
    def trail(self, report: Any) -> None: ...
    def verification(self, result: Any) -> None: ...
    def committee(self, committee: Any) -> None: ...
    def committees_report(self, report: Any) -> None: ...


@dataclass
class Cast:
    department: Principal
    agencies: dict[str, Principal]
    committee: Principal
    auditor: Principal
    double_hat: Principal  # an inspector who also sits on the standing committee
    counters: Principal  # the congress's counting committee (ban kiểm phiếu)
    tokens: dict[str, str]


async def users(ctx: Context) -> Cast:
    """The people of the story, created by the operator with their posts, each given a token
    and authenticated with it: the use cases see them exactly as they would through the CLI
    or the web."""
    from application.authentication import authenticate_token
    from application.users import create_user, grant_role, issue_token, set_password

    people: list[tuple[str, str, list[tuple[Role, str, str | None]]]] = [
        ("bantochuc.doimay", "Lê Thị Tổ Chức (Ban Tổ chức Đảng ủy xã Đồi Mây)",
         [(Role.ORGANIZATION_DEPARTMENT, ORGANIZATION, None)]),
        *((f"thamdinh.{a}", f"Cán bộ thẩm định ({a})",
           [(Role.APPRAISAL_AGENCY, SUPERIOR, agency)])
          for a in AGENCIES for agency in [a if a else None]),
        ("btv.lamdong", "Nguyễn Văn Thường Vụ (Ban Thường vụ Tỉnh ủy Lâm Đồng)",
         [(Role.SUPERIOR_STANDING_COMMITTEE, SUPERIOR, None)]),
        ("kiemtoan.trunguong", "Phạm Thị Kiểm Toán", [(Role.AUDITOR, "org-trung-uong", None)]),
        ("ubkt.kiemnhiem", "Trần Văn Kiêm Nhiệm (UBKT và BTV Tỉnh ủy)",
         [(Role.APPRAISAL_AGENCY, SUPERIOR, "inspection_committee"),
          (Role.SUPERIOR_STANDING_COMMITTEE, SUPERIOR, None)]),
        ("kiemphieu.doimay", "Ban Kiểm phiếu Đại hội Đảng bộ xã Đồi Mây",
         [(Role.VOTE_COUNTING_COMMITTEE, ORGANIZATION, None)]),
    ]
    tokens: dict[str, str] = {}
    principals: dict[str, Principal] = {}
    for login, name, grants in people:
        await create_user(ctx, OPERATOR, login=login, display_name=name)
        await set_password(ctx, OPERATOR, login=login, password=PASSWORD)
        for role, organization, agency in grants:
            await grant_role(ctx, OPERATOR, login=login, role=role, organization_id=organization,
                             agency=agency)
        issued = await issue_token(ctx, OPERATOR, login=login, name="demo")
        tokens[login] = issued.secret
        principals[login] = await authenticate_token(ctx, issued.secret)
    return Cast(department=principals["bantochuc.doimay"],
                agencies={a: principals[f"thamdinh.{a}"] for a in AGENCIES},
                committee=principals["btv.lamdong"], auditor=principals["kiemtoan.trunguong"],
                double_hat=principals["ubkt.kiemnhiem"], counters=principals["kiemphieu.doimay"],
                tokens=tokens)


RUN = uuid.uuid4().hex[:8]


def _key(*parts: object) -> str:
    return f"demo-{RUN}-" + "-".join(str(p) for p in parts)


async def wait_for(ctx: Context, plan_id: str, ready: Callable[[PlanState], bool]) -> PlanState:
    """The plan workflow moves on by itself (children, phases): wait until it has."""
    from reads.plans import load_plan

    for _ in range(600):
        state = await load_plan(ctx.store, plan_id)
        if ready(state):
            return state
        await asyncio.sleep(0.1)
    raise TimeoutError(f"kế hoạch ví dụ {plan_id} không tới được trạng thái mong đợi")


def _minutes(state: PlanState, group: CandidateGroup, step: int, attempt: int, held_on: date,
             *, short: bool) -> Minutes:
    assert state.procedure is not None and state.organization is not None
    summoned = SUMMONED[state.procedure.step(step).body]
    attending = summoned if summoned < 10 else summoned - 2
    needed = summoned // 2 + 1
    votes = []
    for n in state.nominations.values():
        if n.candidate_group is not group or not n.in_play:
            continue
        card = n.candidate.party_card_number or n.nomination_id
        # A little spread in the support, the same on every run.
        yes = attending - (int(card[-1]) % 3 if attending > 5 else 0)
        if card == WEAK_INCUMBENT and step == 2:
            yes = needed - 3
        if short and card in SHORT_AT_STEP_2 and (attempt == 1 or card == SHORT_AT_STEP_2[0]):
            yes = needed - 2
        votes.append((card, max(yes, 0)))
    return Minutes(filename="biên bản", digest="", plan_id=state.plan_id,
                   organization_id=state.organization.organization_id,
                   position_group="committee_member", candidate_group=group, step=step,
                   attempt=attempt, held_on=held_on, summoned=summoned, attending=attending,
                   ballots_issued=attending, ballots_valid=attending, votes=tuple(votes))


async def prepare(ctx: Context, cast: Cast, say: Narrator) -> str:
    """The organization department's part: open, import, the five steps, submit."""
    from application.preparation import (
        import_candidates,
        load,
        open_plan,
        record_conference,
        submit_plan,
    )

    # Temporal outlives the demo's database: each run's plan (and workflow) has an id of its own.
    plan = dataclasses.replace(read_plan(EXAMPLES / "plan-xa-doi-may.toml"),
                               plan_id=f"xa-doi-may-2025-2030-{uuid.uuid4().hex[:6]}")
    opened = await open_plan(ctx, cast.department, plan, key=_key("open", plan.plan_id))
    say.line(f"1. {opened.summary}")
    candidates = read_candidates(EXAMPLES / "ung-vien-xa-doi-may.csv")
    imported = await import_candidates(ctx, cast.department, plan.plan_id, candidates)
    say.line(f"2. {imported.summary}")
    say.warnings(imported.warnings)

    held_on = date(2025, 4, 21)
    for group in (CandidateGroup.INCUMBENT, CandidateGroup.FIRST_TIME):
        for step in range(1, 6):
            state = await load(ctx, plan.plan_id)
            if group is CandidateGroup.FIRST_TIME and step == 1:
                await _refused_minutes(ctx, cast, state, held_on, say)
            attempts = 2 if group is CandidateGroup.FIRST_TIME and step == 2 else 1
            for attempt in range(1, attempts + 1):
                state = await load(ctx, plan.plan_id)
                minutes = _minutes(state, group, step, attempt, held_on, short=attempts == 2)
                written = await record_conference(ctx, cast.department, plan.plan_id, minutes,
                                                  key=_key("conf", group.value, step, attempt))
                say.line(f"   {written.summary}",
                         "yellow" if "phải làm lại" in written.summary else "")
                held_on += timedelta(days=3)
    submitted = await submit_plan(ctx, cast.department, plan.plan_id, key=_key("submit"))
    say.line(f"3. {submitted.summary}")
    say.warnings(submitted.warnings)
    return plan.plan_id


async def _refused_minutes(ctx: Context, cast: Cast, state: PlanState, held_on: date,
                           say: Narrator) -> None:
    """Minutes with too few present and a tally above the ballots: refused, nothing kept."""
    from application.preparation import record_conference
    from reads.plans import plan_events

    good = _minutes(state, CandidateGroup.FIRST_TIME, 1, 1, held_on, short=False)
    first, *rest = good.votes
    bad = dataclasses.replace(good, attending=3, ballots_issued=3, ballots_valid=3,
                              votes=((first[0], 6), *((k, min(v, 3)) for k, v in rest)))
    before = len(await plan_events(ctx.store, state.plan_id))
    try:
        await record_conference(ctx, cast.department, state.plan_id, bad, key=_key("bad"))
    except Rejected as exc:
        say.refused("   Biên bản bị từ chối — không có gì được ghi:", exc)
    else:
        raise AssertionError("biên bản sai của ví dụ đã được ghi")
    assert len(await plan_events(ctx.store, state.plan_id)) == before


async def review(ctx: Context, cast: Cast, plan_id: str, say: Narrator) -> None:
    """The superior level's part: appraisal, a refused decider, a send-back, round 2, the
    approval with an exclusion and every eligibility failure acknowledged or excluded."""
    from application.preparation import record_conference, resolve, submit_plan
    from application.review import (
        SendBackRequest,
        appraisal_view,
        decide_plan,
        record_finding,
    )

    async def appraise(cards: list[str], round_: int) -> None:
        await wait_for(ctx, plan_id, lambda s: all(
            (a := s.appraisals.get(resolve(s, c).nomination_id)) is not None
            and a.round == round_ for c in cards))
        for card in cards:
            for agency in AGENCIES:
                findings = [("cleared", "")]
                if card == DISQUALIFIED and agency == "inspection_committee":
                    findings = [("disqualifying",
                                 "Bị kỷ luật cảnh cáo ngày 01/3/2025, chưa hết thời hạn 30 tháng")]
                if card == AMENDED and agency == "organization_department":
                    findings = [("concern", "Chưa có bản kê khai tài sản, thu nhập đã được xác "
                                            "minh"),
                                ("cleared", "Đã bổ sung bản kê khai đã xác minh")]
                who = cast.double_hat if agency == "inspection_committee" else \
                    cast.agencies[agency]
                for i, (outcome, text) in enumerate(findings):
                    await record_finding(
                        ctx, who, plan_id, card, agency=agency,
                        outcome=outcome, text=text, evidence_ref=f"HS-{agency}-{card}",
                        key=_key("finding", round_, card, agency, i))

    state = await wait_for(ctx, plan_id, lambda s: s.phase is PlanPhase.SUBMITTED)
    listed = [n.candidate.party_card_number or n.nomination_id for n in state.all_listed()]
    await appraise(listed, 1)
    say.line(f"4. Thẩm định vòng 1: {len(listed)} nhân sự × {len(AGENCIES)} cơ quan; Ủy ban "
             "Kiểm tra kết luận 1 người không đủ tiêu chuẩn; Ban Tổ chức nêu vấn đề rồi sửa kết "
             "luận cho 1 người.")
    await wait_for(ctx, plan_id, lambda s: s.phase is PlanPhase.AWAITING_APPROVAL)

    # The inspector who recorded the inspection committee's findings also sits on the
    # standing committee: the post permits deciding, separation of duties does not.
    try:
        await decide_plan(ctx, cast.double_hat, plan_id, decision="approve",
                          decision_ref="QĐ-thử", key=_key("by-appraiser"))
    except (Rejected, Forbidden) as exc:
        say.refused("   Người đã thẩm định không được quyết định phê duyệt (tách bạch nhiệm "
                    "vụ):", exc)
    else:
        raise AssertionError("một cán bộ thẩm định đã quyết định được")

    await decide_plan(ctx, cast.committee, plan_id, decision="send_back",
                      decision_ref="CV-123/BTV",
                      reasons="Đề nghị Ban Chấp hành thảo luận lại về 2 đồng chí lần đầu tham gia",
                      send_back=SendBackRequest(step=3, candidate_group="lần đầu",
                                                candidates=SENT_BACK), key=_key("back"))
    say.line("5. Ban Thường vụ cấp trên trả lại bước 3 cho 2 nhân sự lần đầu tham gia.")
    state = await wait_for(ctx, plan_id, lambda s: s.phase is PlanPhase.IN_PROCEDURE)

    held_on = date(2025, 6, 10)
    for step in (3, 4, 5):
        assert state.procedure is not None and state.organization is not None
        body = SUMMONED[state.procedure.step(step).body]
        await record_conference(ctx, cast.department, plan_id, Minutes(
            filename="biên bản", digest="", plan_id=plan_id,
            organization_id=state.organization.organization_id,
            position_group="committee_member", candidate_group=CandidateGroup.FIRST_TIME,
            step=step, attempt=1, held_on=held_on, summoned=body, attending=body,
            ballots_issued=body, ballots_valid=body,
            votes=tuple((card, body - 1) for card in SENT_BACK)), key=_key("r2", step))
        held_on += timedelta(days=3)
    await submit_plan(ctx, cast.department, plan_id, key=_key("submit-r2"))
    say.line("6. Vòng 2: bước 3–5 làm lại cho 2 nhân sự, trình lại, thẩm định lại.")
    await appraise(list(SENT_BACK), 2)
    await wait_for(ctx, plan_id, lambda s: s.phase is PlanPhase.AWAITING_APPROVAL)

    view = await appraisal_view(ctx, cast.committee, plan_id)
    say.line("   Trước khi quyết định, Ban Thường vụ thấy mọi điều kiện chưa đạt:")
    say.warnings(view.warnings)
    acknowledgements = tuple(
        (w.nomination_id, w.check, "Đã xem xét, đồng ý giới thiệu vì đủ tiêu chuẩn chính trị "
                                   "và uy tín")
        for w in view.warnings if not any(r.nomination_id == w.nomination_id
                                          and r.party_card_number == DISQUALIFIED
                                          for r in view.rows))
    await decide_plan(ctx, cast.committee, plan_id, decision="approve_with_exclusions",
                      decision_ref="QĐ-456/BTV", reasons="Phê duyệt đề án nhân sự",
                      exclusions=((DISQUALIFIED, "Không đủ tiêu chuẩn theo kết luận của Ủy ban "
                                                 "Kiểm tra"),),
                      acknowledgements=acknowledgements, key=_key("approve"))
    await wait_for(ctx, plan_id, lambda s: s.phase is PlanPhase.APPROVED)
    say.line("7. Ban Thường vụ cấp trên phê duyệt đề án, loại 1 nhân sự"
             + (f", ghi nhận {len(acknowledgements)} điều kiện chưa đạt có lý do."
                if acknowledgements else "."))


# --- the congress ---------------------------------------------------------------------------------
DELEGATES = 120
NEW_COMMITTEE = 15
NOMINEE = {"full_name": "Đinh Văn Đề", "birth_date": "03/09/1983", "gender": "nam",
           "ethnicity": "Kinh", "current_post": "Bí thư Chi bộ thôn Suối Mây",
           "party_card_number": "TD-100021"}
WEAK_NOMINEE = {"full_name": "Vi Thị Ít", "birth_date": "11/11/1985", "gender": "nữ",
                "ethnicity": "Tày", "current_post": "Đảng viên chi bộ thôn 2",
                "party_card_number": "TD-100022"}


def dealt(cards: list[str], kept: dict[str, int], ballots: int, seats: int) -> list[list[str]]:
    """``ballots`` valid ballots on which each card is kept ``kept[card]`` times, as the names
    each ballot crosses out: the votes are dealt to the least filled ballots first, the same
    on every run."""
    keeps: list[set[str]] = [set() for _ in range(ballots)]
    for card in sorted(cards, key=lambda c: (-kept.get(c, 0), c)):
        for i in sorted(range(ballots), key=lambda i: (len(keeps[i]), i))[:kept.get(card, 0)]:
            keeps[i].add(card)
    assert all(1 <= len(k) <= seats for k in keeps)
    return [sorted(set(cards) - k) for k in keeps]


def _ballot_csv(path: Path, crossed: list[list[str]], *, not_issued: int = 0,
                too_many: int = 0, marked: tuple[list[str], ...] = ()) -> Path:
    """The counting committee's ballot file: one row per ballot, numbered as read (the
    numbers are ignored on import and stored nowhere)."""
    rows = [("có", ";".join(c), "") for c in crossed]
    rows += [("không", "", "")] * not_issued + [("có", "", "")] * too_many
    rows += [("có", ";".join(c), "có") for c in marked]
    lines = ["STT,Có dấu,Gạch tên,Đánh dấu"] + [f"{n},{a},{b},{c}"
                                                for n, (a, b, c) in enumerate(rows, start=1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def congress(ctx: Context, cast: Cast, plan_id: str, say: Narrator) -> None:
    """Khai mạc đại hội; bầu Ban Chấp hành (một đề cử, phiếu không hợp lệ, bằng phiếu và bầu
    lại), Ban Thường vụ, Bí thư, Phó Bí thư (thiếu một, để trống); chuẩn y; chỉ định."""
    import tempfile

    from application import congress as c
    from application.preparation import load

    opening = today(ctx)
    opened = await c.open_congress(ctx, cast.department, plan_id, kind="delegates",
                                   summoned=DELEGATES, opens_on=opening, key=_key("dh-open"))
    say.line(f"8. {opened.summary}")
    first = await c.open_round(
        ctx, cast.department, plan_id, position_group="committee_member", body="congress",
        seats=NEW_COMMITTEE, summoned=DELEGATES, present=116, held_on=opening, excluded=2,
        excluded_reason="Hai đại biểu vắng mặt cả buổi có lý do được Ban Chấp hành chấp nhận",
        key=_key("dh-r1"))
    say.line(f"   {first.summary}")
    try:
        await c.nominate(ctx, cast.department, plan_id, 1, source="delegate",
                         particulars=WEAK_NOMINEE, nominated_by="Đại biểu Lò Văn Nêu",
                         consented=True, accepted=True, support=30, key=_key("dh-weak"))
    except Rejected as exc:
        say.refused("   Đề cử chưa đủ số đại biểu tán thành — không vào danh sách:", exc)
    else:
        raise AssertionError("một đề cử không đủ tán thành đã vào danh sách")
    nominated = await c.nominate(ctx, cast.department, plan_id, 1, source="delegate",
                                 particulars=NOMINEE, nominated_by="Đại biểu Lò Văn Nêu",
                                 consented=True, accepted=True, support=45,
                                 key=_key("dh-nominee"))
    say.line(f"   {nominated.summary}")
    voted = await c.vote_on_list(ctx, cast.department, plan_id, 1, present=116, in_favour=109,
                                 key=_key("dh-list-1"))
    say.line(f"   {voted.summary}")

    plan = await load(ctx, plan_id)
    approved = [n.candidate.party_card_number or "" for n in plan.nominations.values()
                if n.status.value == "approved"]
    cards = [*approved, NOMINEE["party_card_number"]]
    # 13 clearly elected; three tied at 70 for the last two places: a re-vote among them.
    kept = {card: 100 - i for i, card in enumerate(cards[:13])}
    kept |= dict.fromkeys(cards[13:16], 70) | {cards[16]: 40}
    with tempfile.TemporaryDirectory() as folder:
        path = _ballot_csv(Path(folder) / "phieu-bau-ban-chap-hanh.csv",
                           dealt(cards, kept, 105, NEW_COMMITTEE), not_issued=2, too_many=3,
                           marked=(cards[:6],))
        counted = await c.import_ballots(ctx, cast.counters, plan_id, 1, path, issued=110)
    say.line(f"   {counted.summary}")
    signed = await c.sign_count(ctx, cast.counters, plan_id, 1,
                                signatories=("Hà Văn Kiểm", "Lương Thị Phiếu", "Đào Văn Số"),
                                count_digest=counted.count_digest, key=_key("dh-sign-1"))
    say.line(f"   {signed.summary}", "yellow")

    # The re-vote among the tied, entered ballot by ballot at the counting table.
    entry = await c.start_ballot_entry(ctx, cast.counters, plan_id, 1)
    tied = list(entry.names)
    for crossed in [[tied[2]]] * 60 + [[tied[1]]] * 40 + [[tied[0]]] * 14:
        entry.add(crossed)
    entry.add([], issued=True)  # keeps all three for two places: too many
    recount = await c.finish_ballot_entry(ctx, cast.counters, entry, issued=116)
    say.line(f"   Bầu lại trong số bằng phiếu, nhập từng phiếu: {recount.summary}")
    signed = await c.sign_count(ctx, cast.counters, plan_id, 1,
                                signatories=("Hà Văn Kiểm", "Lương Thị Phiếu", "Đào Văn Số"),
                                key=_key("dh-sign-1b"))
    say.line(f"   {signed.summary}")

    # The new executive committee's first conference: standing committee, secretary,
    # deputies (the plan has no list for them: the presidium introduces the names).
    committee = await c.show_elected_committee(ctx, cast.department, plan_id)
    members = [m.party_card_number or "" for m in committee.of_group("committee_member")]
    rounds = (("standing_committee_member", 5, members[:6], {members[5]: 4}),
              ("secretary", 1, members[:1], {members[0]: 1}),
              ("deputy_secretary", 2, members[1:3], {members[2]: 8}))
    for number_, (group, seats, names, against) in enumerate(rounds, start=2):
        await c.open_round(ctx, cast.department, plan_id, position_group=group,
                           body="executive_committee", seats=seats, summoned=NEW_COMMITTEE,
                           present=NEW_COMMITTEE, held_on=opening, key=_key("dh-r", number_))
        for card in names:
            await c.nominate(ctx, cast.department, plan_id, number_, source="presidium",
                             who=card, consented=True, key=_key("dh-n", number_, card))
        await c.vote_on_list(ctx, cast.department, plan_id, number_, present=NEW_COMMITTEE,
                             in_favour=NEW_COMMITTEE, key=_key("dh-list", number_))
        entry = await c.start_ballot_entry(ctx, cast.counters, plan_id, number_)
        for i in range(NEW_COMMITTEE):
            crossed = [card for card, votes_against in against.items() if i < votes_against]
            if group == "standing_committee_member" and i >= against[members[5]]:
                crossed = [members[i % 5]]
            entry.add(crossed)
        await c.finish_ballot_entry(ctx, cast.counters, entry, issued=NEW_COMMITTEE)
        signed = await c.sign_count(ctx, cast.counters, plan_id, number_,
                                    signatories=("Hà Văn Kiểm",), key=_key("dh-sign", number_))
        say.line(f"   {signed.summary}")
    left = await c.decide_shortfall(
        ctx, cast.department, plan_id, 4, decision="leave_open",
        reason="Hội nghị Ban Chấp hành biểu quyết không bầu tiếp, đề nghị cấp trên chỉ định",
        key=_key("dh-leave-open"))
    say.line(f"9. {left.summary}")
    result = await c.approve_result(ctx, cast.committee, plan_id, decision_ref="QĐ-789/BTV",
                                    reasons="Chuẩn y kết quả bầu cử Đại hội Đảng bộ xã Đồi Mây",
                                    key=_key("dh-approve"))
    say.line(f"10. {result.summary}")
    try:
        await c.appoint(ctx, cast.committee, plan_id, position_group="deputy_secretary",
                        who=members[2], decision_ref="QĐ-790/BTV", members=13, agreeing=8,
                        reason="Chỉ định Phó Bí thư", key=_key("dh-appoint-few"))
    except Rejected as exc:
        say.refused("   Chỉ định khi chưa đủ đồng thuận của Ban Thường vụ cấp trên bị từ chối:",
                    exc)
    else:
        raise AssertionError("một chỉ định không đủ đồng thuận đã được ghi")
    appointed = await c.appoint(
        ctx, cast.committee, plan_id, position_group="deputy_secretary", who=members[2],
        decision_ref="QĐ-790/BTV", members=13, agreeing=11,
        reason="Chỉ định Phó Bí thư Đảng ủy xã sau khi Ban Thường vụ Tỉnh ủy thống nhất",
        key=_key("dh-appoint"))
    say.line(f"11. {appointed.summary}")
    say.committee(await c.show_elected_committee(ctx, cast.auditor, plan_id))


async def committees_report(ctx: Context, cast: Cast, say: Narrator) -> None:
    """The read models brought up to date, then the elected committees under the province
    as the source document's footnote 1 reports them (more than 1/3 first-time members, more
    than 15 % women), read by the auditor."""
    from application.committee_reports import committees
    from application.reports import catch_up

    applied = await catch_up(ctx, OPERATOR)
    say.line(f"Bảng đọc đã cập nhật ({applied} sự kiện). Báo cáo cấp ủy khóa mới dưới Tỉnh ủy "
             "Lâm Đồng, theo cách của chú thích 1 trong báo cáo:")
    say.committees_report(await committees(ctx, cast.auditor, organization_id=SUPERIOR))


async def audit(ctx: Context, cast: Cast, plan_id: str, say: Narrator) -> bool:
    """With the worker stopped: the plan, four trails, every chain, the ledger."""
    from application.audit import seal, trail, verify
    from application.preparation import show_plan

    # The worker seals on its own cadence; here the ledger is sealed and a checkpoint signed
    # at once, so that every trail below is covered by it.
    sealed = await seal(ctx, OPERATOR, wait_seconds=5.0)
    say.line(f"Sổ cái: {sealed.ledger_size} sự kiện đã đánh số liên tục, điểm chốt có chữ ký "
             f"số {sealed.checkpoint.checkpoint_seq if sealed.checkpoint else '—'}.")
    await witnessed(ctx, cast, say)
    say.plan(await show_plan(ctx, cast.auditor, plan_id))
    for card in (SHORT_AT_STEP_2[1], DISQUALIFIED, AMENDED, SENT_BACK[0]):
        say.trail(await trail(ctx, cast.auditor, card, plan_id=plan_id))
    result = await verify(ctx, cast.auditor)
    say.verification(result)
    return bool(result.ok)


async def witnessed(ctx: Context, cast: Cast, say: Narrator) -> None:
    """An auditor's office co-signs the checkpoint (audit/witness.py), with a key made here for
    the example: in practice the office's own key, on its own machine."""
    import secrets

    from application.audit import consistency_proof
    from audit.spec import parse_note
    from audit.witness import WitnessKey, cosign

    proof = await consistency_proof(ctx, cast.auditor, 0)
    office = WitnessKey("kiem-toan-vi-du", secrets.token_bytes(32))
    note = cosign(key=office, operator_keys=ctx.ledger_public_keys(), proof=proof, state=None)
    root = parse_note(note.note).tree_root or ""
    say.line(f"Gốc cây Merkle của điểm chốt số {note.checkpoint_seq}: {root[:16]}… "
             f"({note.ledger_size} lá); người chứng thực «{office.key_id}» đã ký xác nhận "
             "(nhansu audit witness).")


def demo_database(name: str) -> str:
    return f"{name}_demo"


async def run(ctx: Context, say: Narrator, worker: Any) -> tuple[str, Cast]:
    """The story, given a context on a fresh database and a running worker factory
    (``worker()`` returns an async context manager running a worker on ctx's task queue)."""
    from application.registry import import_registry

    report = await import_registry(ctx, OPERATOR, EXAMPLES / "to-chuc.csv")
    say.line(f"Danh mục tổ chức: {report.rows} tổ chức (Trung ương, 34 tỉnh, thành phố sau "
             "01/7/2025, và xã Đồi Mây — tên đặt ra cho ví dụ).")
    cast = await users(ctx)
    say.line(f"Người dùng: {len(cast.tokens)} tài khoản, mỗi người làm đúng phần việc của "
             "mình (Ban tổ chức xã; ba cơ quan thẩm định, Ban Thường vụ Tỉnh ủy; kiểm toán).")
    async with worker():
        plan_id = await prepare(ctx, cast, say)
        await review(ctx, cast, plan_id, say)
        say.rule("Đại hội: bầu cử, kiểm phiếu, chuẩn y, chỉ định")
        await congress(ctx, cast, plan_id, say)
    say.rule("Worker đã dừng: phần sau chỉ đọc PostgreSQL")
    await committees_report(ctx, cast, say)
    if not await audit(ctx, cast, plan_id, say):
        raise SystemExit(1)
    return plan_id, cast


def task_queue() -> str:
    return f"nhansu-demo-{uuid.uuid4().hex[:8]}"
