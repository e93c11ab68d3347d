"""Phiếu bầu: what makes a ballot valid, and the count of a ballot box (kiểm phiếu).

A ballot is printed with the round's list; the voter crosses out the full name of everyone
they do not elect and keeps the others. Its reasons to be invalid are the procedure's
(``ElectionRule.invalid_ballots``, checked in that order, the first that applies named):

- ``not_issued``: it lacks the counting committee's seal (not the issued form);
- ``too_many_kept``: it keeps more names than there are seats;
- ``none_kept_with_surplus``: it keeps no name on a list longer than the seats;
- ``names_added``: names written in that are not on the list;
- ``marked``: signed or marked so that it could be recognised.

Secret ballot. Nothing here knows a voter, and nothing keeps the order ballots came in:
ballots arrive as patterns with how many of each (``BallotPattern``), merged and sorted into
one canonical order (``canonical``); a count holds only tallies, and the sha256 of the
canonical ballot file (``canonical_ballot_file``: one line per ballot, sorted), which is the
same whatever order the ballots were read in. Counting the same ballots again gives the same
count, byte for byte (``canonical_encoding``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.congress_events import BallotCount, CandidateVotes, InvalidBallots
from domain.serialization import to_data

#: The canonical ballot file's header: a ballot file in this shape imports as it is.
CANONICAL_HEADER = "issued,crossed_out,names_added,marked"
YES, NO = "yes", "no"

PatternKey = tuple[bool, tuple[str, ...], bool, bool]


@dataclass(frozen=True, kw_only=True)
class BallotPattern:
    """A kind of ballot, and how many ballots of that kind were in the box."""

    issued: bool  # carries the counting committee's seal
    crossed_out: tuple[str, ...]  # the ids of the entries crossed out, sorted
    names_added: bool = False
    marked: bool = False
    count: int = 1

    def key(self) -> PatternKey:
        return (self.issued, tuple(sorted(set(self.crossed_out))), self.names_added,
                self.marked)


def canonical(patterns: Iterable[BallotPattern]) -> tuple[BallotPattern, ...]:
    """The same ballots as one pattern per kind, in one order: nothing is left of the order
    they were read in."""
    totals: dict[PatternKey, int] = {}
    for pattern in patterns:
        key = pattern.key()
        totals[key] = totals.get(key, 0) + pattern.count
    return tuple(BallotPattern(issued=issued, crossed_out=crossed, names_added=added,
                               marked=marked, count=count)
                 for (issued, crossed, added, marked), count in sorted(totals.items()))


def is_canonical(patterns: tuple[BallotPattern, ...]) -> bool:
    return all(p.count >= 1 for p in patterns) and patterns == canonical(patterns)


def invalid_reason(pattern: BallotPattern, *, size: int, seats: int,
                   rules: tuple[str, ...]) -> str | None:
    """Why a ballot of this pattern is invalid (the first of ``rules`` that applies), or None
    when it is valid. ``size``: how many names the ballot lists."""
    kept = size - len(set(pattern.crossed_out))
    applies = {
        "not_issued": not pattern.issued,
        "too_many_kept": kept > seats,
        "none_kept_with_surplus": kept == 0 and size > seats,
        "names_added": pattern.names_added,
        "marked": pattern.marked,
    }
    for rule in rules:
        if applies.get(rule, False):
            return rule
    return None


def count_ballots(*, round: int, ballot: int, seats: int, entries: tuple[str, ...],
                  issued: int, patterns: Iterable[BallotPattern], rules: tuple[str, ...],
                  ballot_file_sha256: str) -> BallotCount:
    """The count of a ballot box: every ballot classified by ``rules``; for each name on the
    ballot, how many valid ballots keep it."""
    merged = canonical(patterns)
    kept = dict.fromkeys(entries, 0)
    invalid = dict.fromkeys(rules, 0)
    valid = 0
    for pattern in merged:
        reason = invalid_reason(pattern, size=len(entries), seats=seats, rules=rules)
        if reason is not None:
            invalid[reason] += pattern.count
            continue
        valid += pattern.count
        crossed = set(pattern.crossed_out)
        for entry in entries:
            if entry not in crossed:
                kept[entry] += pattern.count
    returned = sum(p.count for p in merged)
    return BallotCount(
        round=round, ballot=ballot, seats=seats, entries=entries, issued=issued,
        returned=returned, valid=valid, invalid=returned - valid,
        invalid_by_reason=tuple(InvalidBallots(reason=r, ballots=n) for r, n in invalid.items()),
        votes=tuple(CandidateVotes(entry_id=e, kept=kept[e]) for e in entries),
        ballot_file_sha256=ballot_file_sha256)


def canonical_ballot_file(patterns: Iterable[BallotPattern],
                          reference: Mapping[str, str]) -> bytes:
    """The ballots as a file anyone can recompute from the sealed ballots: a header, then one
    line per ballot (``yes``/``no`` for the seal, the crossed-out names by party card, sorted
    and joined by ";", written-in names, marks), the lines sorted. ``reference`` names each
    entry as the ballot file does (its party card)."""
    lines = []
    for pattern in canonical(patterns):
        crossed = ";".join(sorted(reference[e] for e in pattern.crossed_out))
        line = ",".join((_flag(pattern.issued), crossed, _flag(pattern.names_added),
                         _flag(pattern.marked)))
        lines.extend([line] * pattern.count)
    text = "\n".join([CANONICAL_HEADER, *sorted(lines)]) + "\n"
    return text.encode("utf-8")


def ballot_file_sha256(patterns: Iterable[BallotPattern], reference: Mapping[str, str]) -> str:
    return hashlib.sha256(canonical_ballot_file(patterns, reference)).hexdigest()


def canonical_encoding(count: BallotCount) -> bytes:
    """The count as canonical JSON (sorted keys, no spaces, UTF-8): equal counts, equal
    bytes."""
    return json.dumps(to_data(count), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def count_digest(count: BallotCount) -> str:
    """What the counting committee signs: the sha256 of the count's canonical encoding."""
    return hashlib.sha256(canonical_encoding(count)).hexdigest()


def _flag(value: bool) -> str:
    return YES if value else NO
