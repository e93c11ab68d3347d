"""The command digest kept in event metadata is keyed under the installation's secret, so a
reader of a redacted export cannot confirm a guessed name, card or reason by hashing the
guess; digests stored before it was keyed are still compared."""

from __future__ import annotations

import pytest

from domain.idempotency import (
    KEYED_PREFIX,
    UnknownDigestKey,
    command_digest,
    keyed_digest,
    same_content,
)
from tests.support import scenario

KEY, OTHER_KEY = b"k" * 32, b"o" * 32


def test_a_kept_digest_is_keyed_marked_and_stable() -> None:
    digest = command_digest(scenario.opening("p"))
    kept = keyed_digest(KEY, digest)
    assert kept.startswith(KEYED_PREFIX) and digest not in kept
    assert KEY.hex() not in kept  # names the key, does not hold it
    assert kept == keyed_digest(KEY, digest)  # a retried append writes the same bytes
    assert kept != keyed_digest(OTHER_KEY, digest)


def test_a_retry_matches_a_keyed_digest_only_under_the_same_key_and_content() -> None:
    first, other = (command_digest(c) for c in scenario.all_commands("p")[:2])
    kept = keyed_digest(KEY, first)
    assert same_content(kept, first, KEY)
    assert not same_content(kept, other, KEY)


def test_a_digest_keyed_under_another_secret_is_neither_a_match_nor_a_reuse() -> None:
    """API and worker with different secrets must be told apart from a reused key: the
    retry would otherwise be refused as other content, wrongly."""
    first = command_digest(scenario.all_commands("p")[0])
    with pytest.raises(UnknownDigestKey):
        same_content(keyed_digest(KEY, first), first, OTHER_KEY)


def test_a_plain_digest_stored_before_keying_is_still_compared() -> None:
    first, other = (command_digest(c) for c in scenario.all_commands("p")[:2])
    assert same_content(first, first, KEY)
    assert not same_content(first, other, KEY)
