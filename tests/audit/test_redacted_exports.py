"""Exports for a reader outside the plan's scope: the person's data is left out, and everything
still verifies with no database: the whole log (``audit export --redacted``) and a nomination's
trail (its records' hashes recomputed from the content shown, its inclusion proofs). The full
forms verify too, and an opening that lies about a value is caught in either. A congress's
records and events stored in clear before the commitments are redacted as well; and nothing
in a trail or an export is taken on the exporter's word."""

from __future__ import annotations

import copy
import html
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from audit.export import export
from audit.offline import verify_export, verify_trail_proofs, verify_trail_records
from audit.trail import trail_report
from audit.trail_formats import trail_csv, trail_html, trail_json
from domain.commands import RegisterCandidate
from tests.audit.log import KEY_A, KEYS
from tests.audit.plans import commands, incumbent, record_congress, record_plan
from tests.contract.builders import fetch
from tests.contract.ledger_support import seal_to
from tests.support.databases import Scratch

pytestmark = pytest.mark.audit

PLAN = "an-danh"


def personal_strings(plan_id: str) -> list[str]:
    """What must not appear in a redacted export: each candidate's name, birth date (two
    spellings) and party card number."""
    found = []
    for c in commands(plan_id):
        if isinstance(c, RegisterCandidate):
            person = c.candidate
            found += [person.full_name, person.birth_date.isoformat(),
                      f"{person.birth_date:%d/%m/%Y}"]
            if person.party_card_number:
                found.append(person.party_card_number)
    return found


def leaks(text: str, secrets: list[str]) -> list[str]:
    """The secrets found in ``text``, as written, JSON-escaped or HTML-escaped."""
    return [s for s in secrets
            if any(form in text for form in (s, json.dumps(s, ensure_ascii=False)[1:-1],
                                              html.escape(s)))]


async def _recorded(scratch: Scratch, plan_id: str = PLAN, *, committed: bool = True) -> None:
    await record_plan(scratch.store, plan_id, committed=committed)
    [row] = await fetch(scratch.engine, "SELECT count(*) FROM events")
    await seal_to(scratch.engine, scratch.store, int(row[0]), KEY_A, trusted_keys=KEYS)


def _lines(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / "events.jsonl").read_text().splitlines()]


def _write(directory: Path, lines: list[dict[str, Any]]) -> None:
    (directory / "events.jsonl").write_text("".join(
        json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
        for x in lines), encoding="utf-8")


async def test_a_redacted_export_of_a_plans_log_names_no_candidate_and_verifies(
        scratch: Scratch, tmp_path: Path) -> None:
    await _recorded(scratch)
    full, redacted = tmp_path / "full", tmp_path / "redacted"
    await export(scratch.engine, full)
    await export(scratch.engine, redacted, redacted=True)
    secrets = personal_strings(PLAN)
    full_text = (full / "events.jsonl").read_text(encoding="utf-8")
    redacted_text = (redacted / "events.jsonl").read_text(encoding="utf-8")
    # The control: the full export holds every name, ISO birth date and party card.
    assert leaks(full_text, secrets) == [x for x in secrets
                                         if not re.fullmatch(r"\d\d/\d\d/\d{4}", x)]
    assert leaks(redacted_text, secrets) == []

    opened, hidden = verify_export(full, KEYS), verify_export(redacted, KEYS)
    assert opened.ok and hidden.ok, (opened.failures, hidden.failures)
    assert opened.withheld == 0 and hidden.withheld > 0
    assert (hidden.events, hidden.sealed) == (opened.events, opened.sealed)
    committed = [x for x in _lines(full) if x["openings"]]
    assert committed and hidden.withheld == sum(len(x["openings"]) for x in committed)

    # An opening that names another value than the committed one is caught, on its line.
    lines = _lines(full)
    n = next(i for i, x in enumerate(lines) if x["openings"] and "candidate" in x["openings"])
    lines[n]["openings"]["candidate"]["value"]["full_name"] = "Người Khác"
    _write(full, lines)
    report = verify_export(full, KEYS)
    assert not report.ok
    assert [(f.line, f.message) for f in report.failures] == [
        (n + 1, "opening mismatch: the value of 'candidate' is not the one committed to")]


async def test_a_redacted_export_of_a_congress_and_of_events_stored_in_clear_names_no_one(
        scratch: Scratch, tmp_path: Path) -> None:
    """The congress's lists, nominations, withdrawals and appointments are committed to like
    a plan's; events stored before commitments, which hold personal details in clear, are
    shown without their data (their hashes proven by the ledger). Both verify, and what a
    redacted export may leave out is only what it says: review of issue 10."""
    clear = await record_congress(scratch.store)
    await record_plan(scratch.store, "cu", committed=False)
    [row] = await fetch(scratch.engine, "SELECT count(*) FROM events")
    await seal_to(scratch.engine, scratch.store, int(row[0]), KEY_A, trusted_keys=KEYS)
    full, redacted = tmp_path / "full", tmp_path / "redacted"
    await export(scratch.engine, full)
    await export(scratch.engine, redacted, redacted=True)
    secrets = [*clear, *personal_strings("cu")]
    full_text = (full / "events.jsonl").read_text(encoding="utf-8")
    assert leaks(full_text, secrets) == [x for x in secrets
                                         if not re.fullmatch(r"\d\d/\d\d/\d{4}", x)]
    assert leaks((redacted / "events.jsonl").read_text(encoding="utf-8"), secrets) == []

    opened, hidden = verify_export(full, KEYS), verify_export(redacted, KEYS)
    assert opened.ok and hidden.ok, (opened.failures, hidden.failures)
    assert opened.withheld == opened.withheld_events == 0
    hidden_lines = _lines(redacted)
    withheld = {x["event_type"] for x in hidden_lines if x["data"] is None}
    assert hidden.withheld_events == sum(x["data"] is None for x in hidden_lines) > 0
    assert withheld <= {"CandidateRegistered", "EligibilityChecked", "PlanApproved",
                        "CandidateWithdrawn", "RegistrationCorrected", "FindingRecorded",
                        "NominationExcluded", "NominationSentBack", "PlanSentBack"}
    assert all(x["stream_id"].startswith(("plan-cu", "nomination-", "term-"))
               for x in hidden_lines if x["data"] is None)
    congress = [x for x in hidden_lines if x["stream_id"].startswith("congress-")]
    assert {"CongressOpened", "RoundOpened", "WithdrawnFromList", "MemberAppointed"} <= {
        x["event_type"] for x in congress if "_commitments" in (x["data"] or {})}

    def verdict(lines: list[dict[str, Any]], **header: Any) -> list[str]:
        _write(redacted, lines)
        head = json.loads((redacted / "header.json").read_text())
        (redacted / "header.json").write_text(json.dumps(
            {**head, **header}, sort_keys=True, separators=(",", ":")) + "\n")
        return [f.message for f in verify_export(redacted, KEYS).failures]

    # Data withheld where nothing personal is, or in an export that is not redacted; values
    # left out of one that is not; openings in one that says it is redacted: all named.
    bent = copy.deepcopy(hidden_lines)
    n = next(i for i, x in enumerate(bent) if x["event_type"] == "NominationAdvanced")
    bent[n]["data"] = None
    assert verdict(bent) == ["data is withheld, but a NominationAdvanced holds no personal "
                             "details"]
    assert "data is withheld in an export that is not redacted" in verdict(
        hidden_lines, redacted=False)
    assert any("left out of an export that is not redacted" in m
               for m in verdict(hidden_lines, redacted=False))
    assert any(m.startswith("redacted is true, but") and m.endswith("carry openings")
               for m in verdict(_lines(full), redacted=True))
    shown = copy.deepcopy(hidden_lines)
    n = next(i for i, x in enumerate(shown) if x["data"] is None)
    shown[n]["metadata"] = {"actor": "x"}
    assert "data is withheld but metadata is shown: a withheld event shows neither" in verdict(
        shown, redacted=True)
    unsealed = copy.deepcopy(hidden_lines)
    unsealed[n]["ledger_seq"] = unsealed[n]["ledger_hash"] = None
    assert "data is withheld from an event the ledger does not have: nothing would prove its " \
           "hash" in verdict(unsealed, redacted=True)
    assert verdict(hidden_lines, redacted=True) == []


async def test_events_with_the_plain_digest_of_their_command_are_withheld_when_redacted(
        scratch: Scratch, tmp_path: Path) -> None:
    """Stored before digests were keyed, a personal event's metadata holds the plain digest of
    the command that made it: with it a reader could confirm a guessed person by hashing the
    guess. Redacted, such an event shows neither data nor metadata; the rest is shown."""
    await record_plan(scratch.store, "so", plain_digests=True)
    [row] = await fetch(scratch.engine, "SELECT count(*) FROM events")
    await seal_to(scratch.engine, scratch.store, int(row[0]), KEY_A, trusted_keys=KEYS)
    await export(scratch.engine, tmp_path, redacted=True)
    report = verify_export(tmp_path, KEYS)
    assert report.ok, report.failures
    lines = _lines(tmp_path)
    personal = [x for x in lines if x["event_type"] in {"CandidateRegistered",
                                                         "EligibilityChecked"}]
    assert personal and all(x["data"] is None and x["metadata"] is None for x in personal)
    assert report.withheld_events == sum(x["data"] is None for x in lines)
    assert any(x["metadata"] and x["metadata"].get("command_digest") for x in lines)
    trail = trail_json(await trail_report(scratch.engine, scratch.store, incumbent("so"), KEYS,
                                          redacted=True))
    assert verify_trail_records(trail).problems == []
    assert trail["records"][0]["data"] is None and trail["records"][0]["metadata"] is None


async def test_an_export_in_the_form_before_openings_still_verifies(
        scratch: Scratch, tmp_path: Path) -> None:
    """Version 2 exports (no ``openings`` field) that auditors keep still verify; mixing the
    two forms in one file does not."""
    await _recorded(scratch)
    await export(scratch.engine, tmp_path, redacted=True)
    lines = _lines(tmp_path)
    for x in lines:
        del x["openings"]
    _write(tmp_path, lines)
    header = json.loads((tmp_path / "header.json").read_text())
    del header["redacted"]  # version 4
    (tmp_path / "header.json").write_text(
        json.dumps({**header, "version": 2}, sort_keys=True, separators=(",", ":")) + "\n")
    assert verify_export(tmp_path, KEYS).ok
    lines[3]["openings"] = None
    _write(tmp_path, lines)
    report = verify_export(tmp_path, KEYS)
    assert [f.line for f in report.failures if "fields differ" in f.message] == [4]


async def test_a_redacted_trail_holds_no_personal_data_and_every_hash_is_recomputed(
        scratch: Scratch) -> None:
    await _recorded(scratch)
    nomination = incumbent(PLAN)
    full = await trail_report(scratch.engine, scratch.store, nomination, KEYS)
    hidden = await trail_report(scratch.engine, scratch.store, nomination, KEYS, redacted=True)
    assert [e.hash for e in hidden.trail.entries] == [e.hash for e in full.trail.entries]

    full_doc, hidden_doc = trail_json(full), trail_json(hidden)
    checked = verify_trail_records(full_doc)
    assert checked.problems == [] and checked.recomputed == len(full.trail.entries)
    assert checked.withheld_values == 0 and full_doc["redacted"] is False

    secrets = personal_strings(PLAN)
    for text in (json.dumps(hidden_doc, ensure_ascii=False), trail_csv(hidden),
                 trail_html(hidden)):
        assert leaks(text, secrets) == []
        assert "đã ẩn thông tin cá nhân" in text
    assert leaks(json.dumps(full_doc, ensure_ascii=False), secrets[:1]) == secrets[:1]
    assert hidden_doc["redacted"] is True and hidden_doc["full_name"] == "(đã ẩn thông tin cá nhân)"
    hidden_check = verify_trail_records(hidden_doc)
    assert hidden_check.problems == [] and hidden_check.recomputed == len(hidden.trail.entries)
    assert hidden_check.withheld_values > 0
    assert verify_trail_proofs(hidden_doc, KEYS) == (len(hidden.trail.entries), [])

    # The content shown is what was hashed: any change to a record is named.
    bent = copy.deepcopy(hidden_doc)
    at, step = next((n, r) for n, r in enumerate(bent["records"]) if "step" in r["data"])
    step["data"]["step"] += 1
    assert [p.split(": ", 1)[1] for p in verify_trail_records(bent).problems] == [
        "hash mismatch: the content shown is not what was hashed",
        f"step differ from records[{at}]"]
    # An opening slipped into a redacted trail must hold the committed value.
    forged = copy.deepcopy(hidden_doc)
    registration = forged["records"][0]
    registration["openings"] = {"candidate": {"salt": "00" * 16, "value": {"full_name": "X"}}}
    assert [p.split(": ", 1)[1] for p in verify_trail_records(forged).problems] == [
        "opening mismatch: the value of 'candidate' is not the one committed to"]
    # A record dropped, or a proof of a hash no record has, is named as well.
    shorter = copy.deepcopy(hidden_doc)
    del shorter["records"][1]
    assert any("does not follow" in p for p in verify_trail_records(shorter).problems)
    assert any("proves a hash that no record has"
               in p for p in verify_trail_records(shorter).problems)


async def test_a_trail_stored_before_commitments_is_redacted_by_withholding_its_data(
        scratch: Scratch) -> None:
    await _recorded(scratch, "cu", committed=False)
    hidden = await trail_report(scratch.engine, scratch.store, incumbent("cu"), KEYS,
                                redacted=True)
    document = trail_json(hidden)
    assert leaks(json.dumps(document, ensure_ascii=False), personal_strings("cu")) == []
    checked = verify_trail_records(document)
    assert checked.problems == [] and checked.withheld_events >= 1
    assert checked.recomputed + checked.withheld_events == len(hidden.trail.entries)
    assert verify_trail_proofs(document, KEYS)[1] == []
    # Withholding data is only for a redacted trail.
    document["redacted"] = False
    assert any("withheld in a trail that is not redacted" in p
               for p in verify_trail_records(document).problems)
    # Ids and types only to whoever reads it: the withheld events are the personal ones.
    withheld = [r["event_type"] for r in trail_json(hidden)["records"] if r["data"] is None]
    assert withheld and set(withheld) <= {"CandidateRegistered", "EligibilityChecked",
                                          "CandidateWithdrawn", "RegistrationCorrected",
                                          "FindingRecorded", "NominationExcluded"}


def _forge_next(document: dict[str, Any]) -> dict[str, Any]:
    """A record an exporter could make up after the last one: right fields, a hash that
    recomputes and links, but no proof from the signed checkpoint."""
    from audit.spec import event_hash

    last = document["records"][-1]
    made_up = {**copy.deepcopy(last), "position": last["position"] + 10_000,
               "stream_version": last["stream_version"] + 1, "previous_hash": last["hash"],
               "event_id": "00000000-0000-4000-8000-00000000beef"}
    made_up["hash"] = event_hash(made_up["previous_hash"], made_up)
    entry = {**document["entries"][-1], "position": made_up["position"],
             "version": made_up["stream_version"], "hash": made_up["hash"]}
    return {**document, "records": [*document["records"], made_up],
            "entries": [*document["entries"], entry]}


def _problems(document: dict[str, Any]) -> list[str]:
    return verify_trail_records(document).problems


async def test_verify_trail_takes_nothing_on_the_exporters_word(scratch: Scratch) -> None:
    """Every way an exporter could show something the hashes and the signed checkpoint do
    not vouch for is named (review of issue 10): content it could not check, a made-up
    event after the proven ones, data withheld where nothing personal is, the readable part
    telling another story than the records, another stream, a trail cut at its start."""
    await _recorded(scratch)
    nomination = incumbent(PLAN)
    full = trail_json(await trail_report(scratch.engine, scratch.store, nomination, KEYS))
    hidden = trail_json(await trail_report(scratch.engine, scratch.store, nomination, KEYS,
                                           redacted=True))
    assert _problems(full) == [] and _problems(hidden) == []

    no_records = {k: v for k, v in hidden.items() if k != "records"}
    assert [p.split(":")[0] for p in _problems(no_records)] == ["records"]

    made_up = _forge_next(hidden)
    assert [p for p in _problems(made_up) if "not proven" in p] == [
        f"records: position {made_up['records'][-1]['position']} is not proven by the signed "
        "checkpoint (recorded after it: seal the ledger and export the trail again)"]
    for position in (str(made_up["records"][-1]["position"]), None,
                     made_up["records"][-2]["position"]):  # not a number, or a repeated one
        named = copy.deepcopy(made_up)
        named["records"][-1]["position"] = position
        assert any("wrong type or form, or the position repeats" in p for p in _problems(named))
    hostile = copy.deepcopy(hidden)
    hostile["records"][1]["stream_version"] = "2"
    hostile["records"][2]["event_type"] = ["NominationAdvanced"]
    assert len([p for p in _problems(hostile) if "wrong type or form" in p]) == 2

    withheld = copy.deepcopy(hidden)
    result = next(r for r in withheld["records"] if r["event_type"] == "NominationAdvanced")
    result["data"] = None
    assert any("a NominationAdvanced holds no personal details" in p
               for p in _problems(withheld))

    retold = copy.deepcopy(hidden)
    retold["entries"][1]["event_type"] = "NominationDropped"
    retold["entries"][2]["actor"] = "nguoi-khac"
    result_at = next(n for n, r in enumerate(retold["records"]) if "tally" in (r["data"] or {}))
    retold["entries"][result_at]["tally"] = {**retold["entries"][result_at]["tally"], "yes": 99}
    changed: dict[int, list[str]] = {1: ["event_type"], 2: ["actor"]}
    changed.setdefault(result_at, []).append("tally")
    assert sorted(p.split(": ", 1)[1] for p in _problems(retold)) == sorted(
        f"{', '.join(names)} differ from records[{n}]" for n, names in changed.items())

    renamed = {**full, "full_name": "Người Khác"}
    assert _problems(renamed) == ["full_name: not the name registered in records[0]"]
    elsewhere = {**full, "plan_id": "de-an-khac"}
    assert _problems(elsewhere) == ["plan_id: not the plan of the registration in records[0]"]
    other = {**full, "nomination_id": "khac"}
    assert all("not of this trail's nomination" in p for p in _problems(other))

    cut = copy.deepcopy(full)
    del cut["records"][0], cut["entries"][0]
    assert any("does not start at the stream's first version" in p for p in _problems(cut))

    unopened = copy.deepcopy(full)
    unopened["records"][0]["openings"] = None
    assert any("left out of a trail that is not redacted" in p for p in _problems(unopened))


def test_birth_dates_are_looked_for_in_both_spellings() -> None:
    spelled = personal_strings(PLAN)
    births = [c.candidate.birth_date for c in commands(PLAN) if isinstance(c, RegisterCandidate)]
    assert births and all(isinstance(b, date) for b in births)
    assert all(b.isoformat() in spelled and f"{b:%d/%m/%Y}" in spelled for b in births)
