"""A nomination's trail as JSON, CSV and printable HTML: every event, its tally and reason,
the hash chain verdict and the signed checkpoint verdict; names are escaped."""

from __future__ import annotations

import copy
import csv
import io
import json
import re

import pytest

from audit.offline import verify_trail_proofs
from audit.spec import note_problem, parse_note
from audit.trail import trail_report
from audit.trail_formats import CSV_COLUMNS, trail_csv, trail_html, trail_json
from tests.audit.log import KEY_A, KEY_B, KEYS
from tests.audit.plans import SCRIPT_NAME, dropped, incumbent, record_plan
from tests.contract.builders import fetch
from tests.contract.ledger_support import seal_to, tamper_all
from tests.support.databases import Scratch

pytestmark = pytest.mark.audit


async def _total(scratch: Scratch) -> int:
    [row] = await fetch(scratch.engine, "SELECT count(*) FROM events")
    return int(row[0])


async def test_every_format_holds_every_event_tally_reason_and_both_verdicts(
    scratch: Scratch,
) -> None:
    await record_plan(scratch.store, "trail-1")
    await seal_to(scratch.engine, scratch.store, await _total(scratch), KEY_A)
    for nomination_id, outcomes in ((incumbent("trail-1"), {"NominationAdvanced"}),
                                    (dropped("trail-1"), {"NominationDropped"})):
        report = await trail_report(scratch.engine, scratch.store, nomination_id, KEYS)
        trail = report.trail
        assert report.ok and report.coverage.status == "covered"
        assert report.coverage.checkpoint is not None
        assert report.coverage.checkpoint.checkpoint_seq == 1
        assert outcomes <= {e.event_type for e in trail.entries}
        decided = [e for e in trail.entries if e.tally is not None]
        assert decided and all(e.reason for e in decided)

        document = trail_json(report)
        assert json.loads(json.dumps(document)) == document
        assert [e["hash"] for e in document["entries"]] == [e.hash for e in trail.entries]
        assert [e["tally"]["yes"] for e in document["entries"] if e["tally"]] == [
            e.tally.yes for e in decided if e.tally]
        assert [e["reason"] for e in document["entries"]] == [e.reason for e in trail.entries]
        assert document["verification"]["ok"] is True
        assert "toàn vẹn" in document["statements"]["chain"]
        assert "điểm chốt số 1" in document["statements"]["checkpoint"]
        assert "chữ ký số Ed25519 hợp lệ" in document["statements"]["checkpoint"]
        verdict = document["checkpoint_verification"]
        assert (verdict["status"], verdict["ok"]) == ("covered", True)
        note = parse_note(verdict["checkpoint"]["signed_note"])
        assert note_problem(note, KEYS) is None and note.checkpoint_seq == 1

        # Every event carries an inclusion proof against the signed tree root, checked offline;
        # an altered hash, path or root fails.
        proofs = document["inclusion_proofs"]
        assert [e["position"] for e in proofs["events"]] == [e.position for e in trail.entries]
        assert verify_trail_proofs(document, KEYS) == (len(trail.entries), [])
        assert verify_trail_proofs(document, {})[1]  # no trusted key
        for bend in ("hash", "audit_path", "ledger_seq"):
            bent = copy.deepcopy(document)
            first = bent["inclusion_proofs"]["events"][0]
            first[bend] = ("00" * 32 if bend == "hash" else first["ledger_seq"] + 1
                           if bend == "ledger_seq" else [*first["audit_path"][:-1], "11" * 32])
            proven, problems = verify_trail_proofs(bent, KEYS)
            assert proven == len(trail.entries) - 1 and len(problems) == 1, bend

        rows = list(csv.reader(io.StringIO(trail_csv(report))))
        assert rows[0] == list(CSV_COLUMNS)
        events = rows[1:1 + len(trail.entries)]
        assert [r[-1] for r in events] == [e.hash for e in trail.entries]
        yes = CSV_COLUMNS.index("Số đồng ý")
        assert [r[yes] for r in events if r[yes]] == [str(e.tally.yes) for e in decided
                                                      if e.tally]
        assert [r[CSV_COLUMNS.index("Lý do")] for r in events] == [
            e.reason for e in trail.entries]
        footer = {r[0]: r[1] for r in rows[2 + len(trail.entries):] if len(r) == 2}
        assert footer["Kiểm tra chuỗi băm"] == document["statements"]["chain"]
        assert footer["Kiểm tra điểm chốt có chữ ký"] == document["statements"]["checkpoint"]

        page = trail_html(report)
        assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
        assert '<html lang="vi">' in page
        for e in trail.entries:
            assert e.hash in page
        for e in decided:
            assert e.tally is not None and f"<strong>{e.tally.yes}</strong>/" in page
        for statement in document["statements"].values():
            assert statement.replace('"', "&quot;").replace("'", "&#x27;") in page
        assert "-----" not in page and not re.search(r"\b(src|href)=", page)  # self-contained


async def test_names_are_escaped_in_html_and_defused_in_csv(scratch: Scratch) -> None:
    await record_plan(scratch.store, "trail-2")
    report = await trail_report(scratch.engine, scratch.store, incumbent("trail-2"), KEYS)
    assert report.trail.full_name == SCRIPT_NAME
    page = trail_html(report)
    assert "<script" not in page.lower() and "<b>An</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Nguyễn Văn &lt;b&gt;An&lt;/b&gt; "\
           "&amp; &quot;Bình&quot;" in page
    assert trail_json(report)["full_name"] == SCRIPT_NAME
    rows = list(csv.reader(io.StringIO(trail_csv(report))))
    footer = {r[0]: r[1] for r in rows if len(r) == 2}
    assert footer["Họ và tên"] == SCRIPT_NAME  # CSV keeps the text; quoting keeps it whole


async def test_the_checkpoint_verdict_follows_the_ledger(scratch: Scratch) -> None:
    await record_plan(scratch.store, "trail-3")
    nomination_id = dropped("trail-3")

    async def verdict(keys: dict[str, bytes] = KEYS) -> tuple[str, str]:
        report = await trail_report(scratch.engine, scratch.store, nomination_id, keys)
        return report.coverage.status, trail_json(report)["statements"]["checkpoint"]

    assert (await verdict())[0] == "not_sealed"
    total = await _total(scratch)
    await seal_to(scratch.engine, scratch.store, total, None)
    status, statement = await verdict()
    assert status == "not_checkpointed" and "chưa có điểm chốt" in statement
    await seal_to(scratch.engine, scratch.store, total, KEY_A)
    assert await verdict() == ("covered", (await verdict())[1])
    assert "điểm chốt số 1" in (await verdict())[1]

    assert (await verdict({KEY_B.key_id: KEY_B.public_key}))[0] == "untrusted"
    # Stored ledger hashes are not relied on (the proof recomputes the links) ...
    await tamper_all(scratch.engine, "UPDATE ledger SET ledger_hash = repeat('e', 64) "
                                     "WHERE ledger_seq = 5")
    assert (await verdict())[0] == "covered"
    # ... but any event of the stretch, and the stretch itself, are.
    await tamper_all(scratch.engine, "UPDATE events SET hash = repeat('d', 64) WHERE position = "
                                     "(SELECT event_position FROM ledger WHERE ledger_seq = 4)")
    status, statement = await verdict()
    assert status == "broken" and "do not hash to checkpoint 1" in statement
    await tamper_all(scratch.engine, "DELETE FROM ledger WHERE ledger_seq = 3")
    status, statement = await verdict()
    assert status == "broken" and "ledger seq 3 is missing" in statement
