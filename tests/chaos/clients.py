"""Users of the service as HTTP clients: each drives one plan through its lifecycle (open,
import the candidate list, the five steps for both groups, submit) with a fixed idempotency
key per request, and retries a request with the *same* key until it is answered, as a person
pressing the button again would. Every attempt is recorded: when it started, how it ended."""

from __future__ import annotations

import asyncio
import csv
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from application.worked_example import SUMMONED
from tests.support.databases import REPO_ROOT

CANDIDATES = REPO_ROOT / "examples" / "ung-vien-xa-doi-may.csv"
PROCEDURE = json.loads((REPO_ROOT / "procedures" / "directive-45-2025.json").read_text("utf-8"))
GROUPS = ("tái cử", "lần đầu")
REQUEST_TIMEOUT = 45.0  # the API's own update timeout (15 s) and then some: never hung past it
# 500 too: its body tells the user to send the write again with the same key, and a person
# would. The test still fails on any 500 (after checking what was stored).
RETRYABLE = {500, 502, 503, 504}


@dataclass(frozen=True)
class Request:
    name: str
    path: str
    key: str
    json: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None


@dataclass
class Attempt:
    started: float
    ended: float
    status: int | None  # None: no answer (connection refused or reset, timed out)
    error: str = ""


@dataclass
class Sent:
    request: Request
    attempts: list[Attempt] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def waited(self) -> float:
        """From the first try to the answer: what the person waited."""
        return self.attempts[-1].ended - self.attempts[0].started

    @property
    def retried(self) -> bool:
        return len(self.attempts) > 1


def _cards() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {g: [] for g in GROUPS}
    with CANDIDATES.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            groups[row["Tái cử/Lần đầu"].strip().lower()].append(row["Số thẻ đảng viên"])
    return groups


def lifecycle(plan_id: str, organization: str) -> list[Request]:
    """Every request of one plan, in order, each with its own idempotency key: open, import,
    ten conferences (no repeats), submit."""
    tag = uuid.uuid4().hex[:8]
    body = {"plan_id": plan_id, "term": "2025-2030", "term_start": "2025-07-01",
            "procedure": "directive-45-2025", "organization": {"id": organization},
            "seats": {"committee_member": 15},
            "targets": {"women_min": "3/20", "under_40_min": "1/10", "first_time_min": "1/3",
                        "ethnic_minority_min": "1/20"}}
    requests = [
        Request("open", "/api/v1/plans", f"open-{tag}", json=body),
        Request("import", f"/api/v1/plans/{plan_id}/candidates/files", f"import-{tag}",
                files={"file": (CANDIDATES.name, CANDIDATES.read_bytes(), "text/csv")})]
    held_on = date(2025, 4, 21)
    for g, (group, cards) in enumerate(_cards().items()):
        for step, rule in enumerate(PROCEDURE["steps"], start=1):
            summoned = SUMMONED[rule["body"]]
            attending = summoned if summoned < 10 else summoned - 2
            minutes = {"plan_id": plan_id, "organization_id": organization,
                       "candidate_group": group, "step": step, "attempt": 1,
                       "held_on": held_on.isoformat(), "summoned": summoned,
                       "attending": attending, "ballots_issued": attending,
                       "ballots_valid": attending, "votes": votes(cards, attending, last=(
                           g == 1 and step == len(PROCEDURE["steps"])))}
            requests.append(Request(f"conference-{step}", f"/api/v1/plans/{plan_id}/conferences",
                                    f"conf-{g}-{step}-{tag}", json=minutes))
            held_on += timedelta(days=3)
    requests.append(Request("submit", f"/api/v1/plans/{plan_id}/submission", f"submit-{tag}",
                            json={}))
    return requests


def votes(cards: list[str], attending: int, *, last: bool) -> dict[str, int]:
    """Everyone passes; at the first-time group's last step (the list is cut to 17 for 15
    seats: six places left) the support falls one vote a person, so that no tie sits at the
    cut and the head of the committee has nothing to decide."""
    return {c: attending - (i if last else 0) for i, c in enumerate(cards)}


class Refused(AssertionError):
    """A request the service refused for good (4xx), or that never got an answer in time."""


async def send(client: httpx.AsyncClient, token: str, request: Request, *,
               give_up_after: float) -> Sent:
    """Send until answered 2xx; retry (same key) on no answer or 500/502/503/504."""
    sent = Sent(request)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": request.key}
    deadline = time.monotonic() + give_up_after
    while True:
        started = time.monotonic()
        try:
            answer = await asyncio.wait_for(client.post(
                request.path, json=request.json if request.files is None else None,
                files=request.files, headers=headers), REQUEST_TIMEOUT + 5)
        except (httpx.TransportError, TimeoutError) as exc:
            sent.attempts.append(Attempt(started, time.monotonic(), None, type(exc).__name__))
        else:
            sent.attempts.append(Attempt(started, time.monotonic(), answer.status_code))
            text = answer.text
            if "Traceback" in text:
                raise Refused(f"{request.name}: a traceback reached the client: {text[:500]}")
            if answer.is_success:
                sent.body = answer.json()
                return sent
            if answer.status_code not in RETRYABLE:
                raise Refused(f"{request.name} ({request.key}): {answer.status_code} {text}")
        if time.monotonic() > deadline:
            raise Refused(f"{request.name}: no answer in {give_up_after:.0f} s "
                          f"({len(sent.attempts)} attempts)")
        await asyncio.sleep(0.5)


async def drive(base_url: str, token: str, requests: list[Request], *,
                give_up_after: float) -> list[Sent]:
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT) as client:
        return [await send(client, token, r, give_up_after=give_up_after) for r in requests]
