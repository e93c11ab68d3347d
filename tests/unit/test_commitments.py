"""Salted commitments (eventstore/commitments.py): sealing and opening are inverse, and every
way an opening can disagree with its commitment is named."""

from __future__ import annotations

from typing import Any

import pytest

from audit.spec import opening_problems as auditors_rule
from eventstore.commitments import (
    COMMITMENTS,
    commitment,
    hashed_form,
    opened,
    opening_problems,
    seal,
)

DATA = {"nomination_id": "nom-1", "candidate": {"full_name": "Lê Thị Mai", "birth_date":
                                                "1980-01-02"}, "reason": "tự ứng cử"}


def fixed_salts() -> Any:
    salts = iter(bytes([n]) * 16 for n in range(1, 10))
    return lambda: next(salts)


def test_seal_then_open_gives_the_data_back_and_the_hashed_form_again() -> None:
    hashed, openings = seal(DATA, ("candidate", "reason", "absent"), salt=fixed_salts())
    assert openings is not None and sorted(openings) == ["candidate", "reason"]
    assert set(hashed) == {"nomination_id", COMMITMENTS}
    assert "Lê Thị Mai" not in repr(hashed)
    assert opened(hashed, openings) == DATA
    assert hashed_form(DATA, openings) == hashed
    assert opening_problems(hashed, openings) == []


def test_nothing_to_commit_leaves_the_data_as_it_is() -> None:
    assert seal(DATA, ("absent",)) == (DATA, None)
    assert opened(DATA, None) == DATA and hashed_form(DATA, None) == DATA
    assert opening_problems(DATA, None) == []


def test_the_commitment_depends_on_the_salt_and_on_every_byte_of_the_value() -> None:
    salt = "ab" * 16
    assert commitment(salt, "1980-01-02") != commitment(salt, "1980-01-03")
    assert commitment(salt, "1980-01-02") != commitment("cd" * 16, "1980-01-02")
    assert commitment(salt, {"a": 1, "b": 2}) == commitment(salt, {"b": 2, "a": 1})


def test_a_redacted_form_verifies_only_as_redacted() -> None:
    """An export may leave the values out (the auditor's rule counts them withheld); the
    store may not (a stored commitment without its opening has lost its value)."""
    hashed, _ = seal(DATA, ("candidate",))
    assert auditors_rule(hashed, None) == ([], 1)
    assert opening_problems(hashed, None) == [
        "no opening for the committed fields ['candidate']"]


@pytest.mark.parametrize(("change", "problem"), [
    (lambda o: o["candidate"].update(value="Trần Văn B"),
     "the value of 'candidate' is not the one committed to"),
    (lambda o: o["candidate"].update(salt="00" * 16),
     "the value of 'candidate' is not the one committed to"),
    (lambda o: o["candidate"].update(salt="zz" * 16),
     "the value of 'candidate' is not the one committed to"),
    (lambda o: o["candidate"].pop("salt"), "the opening of 'candidate' is not a salt and a value"),
    (lambda o: o.update(nomination_id={"salt": "00" * 16, "value": "x"}),
     "an opening of 'nomination_id', which is not committed"),
    (lambda o: o.pop("reason"), "no opening for the committed fields ['reason']"),
])
def test_every_disagreement_is_named(change: Any, problem: str) -> None:
    hashed, openings = seal(DATA, ("candidate", "reason"))
    assert openings is not None
    change(openings)
    assert opening_problems(hashed, openings) == [problem]


def test_commitments_that_are_not_hex_strings_are_refused() -> None:
    assert opening_problems({COMMITMENTS: {"candidate": 1}}, None) == [
        f"{COMMITMENTS} is not an object of hex commitments"]
    assert opening_problems({COMMITMENTS: {}}, None) == [
        f"{COMMITMENTS} is not an object of hex commitments"]
    assert opening_problems({"n": 1}, ["not", "an", "object"]) == [
        "the openings are not an object"]


def test_the_auditors_list_of_personal_events_is_the_domains() -> None:
    """The offline verifier names the events it lets a redacted trail withhold whole without
    importing the domain; the two lists must not drift apart."""
    from audit.spec import PERSONAL_EVENTS
    from domain.events import EVENT_TYPES

    assert {name for name, cls in EVENT_TYPES.items() if cls.PRIVATE_FIELDS} == PERSONAL_EVENTS
