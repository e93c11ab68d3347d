"""The arithmetic of a conference: quorum, the pass mark, the list's size."""

from __future__ import annotations

from fractions import Fraction

from domain.procedure import PassBase
from domain.vocabulary import PASS_BASES

# Old name, kept for the packages that import it (domain.vocabulary holds every label).
BASE_LABELS_VI = PASS_BASES


def quorum_required(summoned: int, quorum: Fraction) -> int:
    """The fewest who must attend: at least ``quorum`` of those summoned."""
    return -(-summoned * quorum.numerator // quorum.denominator)


def votes_needed(base_count: int, threshold: Fraction) -> int:
    """The fewest yes-votes that are strictly more than ``threshold`` of the base.

    Exactly half is not more than half: with 16 summoned, 8 fails and 9 passes."""
    return base_count * threshold.numerator // threshold.denominator + 1


def base_count(base: PassBase, *, summoned: int, attending: int, ballots_valid: int) -> int:
    return {
        PassBase.SUMMONED: summoned,
        PassBase.ATTENDING: attending,
        PassBase.VALID_BALLOTS: ballots_valid,
    }[base]


def ratio_label(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"
