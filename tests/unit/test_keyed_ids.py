"""Ids made from personal data are keyed (HMAC-SHA-256 under the installation's id key): the
same person gets the same id again (retries and re-imports stay idempotent), and without the
key nobody can find whose id it is by trying every party card number."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from application.congress import entry_id_for, keyed_id
from application.files import CandidateList
from application.preparation import import_key, nomination_id_for
from tests.support.plans import candidate

pytestmark = pytest.mark.unit

KEY, OTHER_KEY = b"k" * 32, b"o" * 32
PLAN = "xa-an-binh-2025-2030"


def test_the_same_key_and_person_give_the_same_id_and_another_key_another() -> None:
    person = candidate(7)
    made = [nomination_id_for(KEY, PLAN, person, "committee_member"),
            entry_id_for(KEY, PLAN, 1, person),
            keyed_id(KEY, f"nhansu:{PLAN}:appointment:secretary:{person.party_card_number}")]
    again = [nomination_id_for(KEY, PLAN, person, "committee_member"),
             entry_id_for(KEY, PLAN, 1, person),
             keyed_id(KEY, f"nhansu:{PLAN}:appointment:secretary:{person.party_card_number}")]
    other = [nomination_id_for(OTHER_KEY, PLAN, person, "committee_member"),
             entry_id_for(OTHER_KEY, PLAN, 1, person),
             keyed_id(OTHER_KEY, f"nhansu:{PLAN}:appointment:secretary:"
                                 f"{person.party_card_number}")]
    assert made == again
    assert all(a != b for a, b in zip(made, other, strict=True))
    assert all(uuid.UUID(i).version == 4 for i in made)
    # Another person, another id.
    assert entry_id_for(KEY, PLAN, 1, candidate(8)) != made[1]


def test_enumerating_party_cards_without_the_key_finds_nobody() -> None:
    """What an unkeyed id allowed: hash every card number and compare. Without the key the
    guesses never meet the id, though the right card is among them."""
    person = candidate(7)
    target = entry_id_for(KEY, PLAN, 1, person)
    from domain.election import identity

    guesses = {str(uuid.uuid5(uuid.NAMESPACE_URL,
                              f"nhansu:{PLAN}:congress:1:{identity(candidate(i))}"))
               for i in range(1, 50)}
    assert target not in guesses


def test_an_import_key_is_keyed_and_stable() -> None:
    listing = CandidateList(filename="danh-sach.csv", digest="ab" * 32, rows=())
    first = import_key(KEY, PLAN, listing)
    assert first == import_key(KEY, PLAN, listing) and first.startswith("import-")
    assert first != import_key(OTHER_KEY, PLAN, listing)
    unkeyed = hashlib.sha256(f"{PLAN}\n{listing.digest}".encode()).hexdigest()[:32]
    assert first != f"import-{unkeyed}"


def _id_key_in(data_dir: str) -> bytes:
    import bootstrap
    from settings import Settings

    return bootstrap.id_key(Settings(data_dir=Path(data_dir)))


def test_processes_starting_together_agree_on_one_id_key(tmp_path: Path) -> None:
    """The worker keys command digests with it as the CLI and the API key ids: started
    together on one data dir, they must make one key between them, never a half-written one."""
    from concurrent.futures import ProcessPoolExecutor

    data_dir = tmp_path / "data"
    with ProcessPoolExecutor(max_workers=6) as pool:
        keys = list(pool.map(_id_key_in, [str(data_dir)] * 12))
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    assert (data_dir / "id.key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in data_dir.iterdir() if p.name.startswith(".")] == []
