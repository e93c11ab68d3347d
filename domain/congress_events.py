"""Events of the congress (đại hội): the election lists, the ballots' counts, the results, the
superior standing committee's approval of the result (chuẩn y) and its appointments (chỉ
định). Frozen, keyword-only, past tense, like the plan's.

They are on the congress's own stream, ``congress-{plan_id}`` (one congress per approved
plan, whose workflow is their single writer), and correlated to the plan's stream, so that
an auditor reading a plan reads its congress too.

Secret ballot: no event holds a ballot, a voter, or any order in which ballots were read. A
count holds tallies (kept votes per candidate, invalid ballots per reason) and the sha256 of
the canonical ballot file (``domain.ballots``), the same whatever order the ballots came in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from domain.event_base import DomainEvent
from domain.people import Candidate, Organization
from domain.procedure import ElectionRule, PositionGroupRule, SurplusRule


def congress_stream(plan_id: str) -> str:
    return f"congress-{plan_id}"


@dataclass(frozen=True, kw_only=True)
class CongressEvent(DomainEvent):
    """An event of a congress: on ``congress_stream(plan_id)``."""


# --- what the events hold -----------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class PlannedCandidate:
    """A candidate on the approved plan's list (the plan's nomination)."""

    nomination_id: str
    candidate: Candidate


@dataclass(frozen=True, kw_only=True)
class PlannedList:
    """The approved plan's list for one position group: its seats and its candidates."""

    position_group: str
    seats: int
    candidates: tuple[PlannedCandidate, ...]


@dataclass(frozen=True, kw_only=True)
class ElectionEntry:
    """A name on a round's election list (danh sách bầu cử).

    ``source``: "plan" (the approved plan's list; ``nomination_id`` is the plan's
    nomination), "self" (ứng cử), "delegate" (đề cử, ``nominated_by`` says by whom) or
    "presidium" (the presidium's list, for a group the plan has no list for)."""

    entry_id: str
    candidate: Candidate
    source: str
    nomination_id: str | None = None
    nominated_by: str = ""


@dataclass(frozen=True, kw_only=True)
class NotStanding:
    """A candidate of the plan's list who cannot stand in a round: not elected to the body
    the round elects from."""

    nomination_id: str
    candidate: Candidate
    reason: str


@dataclass(frozen=True, kw_only=True)
class CandidateVotes:
    """Phiếu bầu (kept, not crossed out) for one name on the ballot."""

    entry_id: str
    kept: int


@dataclass(frozen=True, kw_only=True)
class InvalidBallots:
    """Invalid ballots of one reason (``procedure.BALLOT_RULES``)."""

    reason: str
    ballots: int


@dataclass(frozen=True, kw_only=True)
class BallotCount:
    """Kết quả kiểm phiếu of one ballot of a round: tallies only.

    ``issued``: ballots the counting committee handed out; ``returned``: ballots in the box
    (those without the committee's seal included, and counted invalid); ``votes`` in the
    order of ``entries`` (the ballot's names); ``invalid_by_reason`` in the order of the
    procedure's rules, zeros included."""

    round: int
    ballot: int
    seats: int
    entries: tuple[str, ...]
    issued: int
    returned: int
    valid: int
    invalid: int
    invalid_by_reason: tuple[InvalidBallots, ...]
    votes: tuple[CandidateVotes, ...]
    ballot_file_sha256: str


@dataclass(frozen=True, kw_only=True)
class ElectedEntry:
    entry_id: str
    votes: int
    ballot: int


@dataclass(frozen=True, kw_only=True)
class OpenSeats:
    position_group: str
    round: int
    seats: int


# --- the congress opens --------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class CongressOpened(CongressEvent):
    """Khai mạc đại hội: the delegates (or members) summoned, and the approved plan's lists
    and the election rules of its procedure version, copied as they were."""

    TYPE: ClassVar[str] = "CongressOpened"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("lists",)
    organization: Organization
    term: str
    kind: str  # "delegates" (đại hội đại biểu) or "members" (đại hội đảng viên)
    summoned: int
    opens_on: date
    procedure_key: str
    procedure_digest: str
    position_groups: tuple[PositionGroupRule, ...]
    surplus: SurplusRule
    election: ElectionRule
    lists: tuple[PlannedList, ...]


# --- a round: its list ---------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RoundOpened(CongressEvent):
    """A round of election: who elects (the congress, or the new executive committee), which
    position group, how many seats, who is summoned and the base "more than half" counts
    against; the plan's candidates who stand, and those who cannot."""

    TYPE: ClassVar[str] = "RoundOpened"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("entries", "not_standing", "excluded_reason")
    round: int
    position_group: str
    body: str
    seats: int
    summoned: int
    excluded: int  # summoned but not counted in the base (the rules' exclusions)
    excluded_reason: str
    base: int
    present: int
    held_on: date
    entries: tuple[ElectionEntry, ...]
    not_standing: tuple[NotStanding, ...]


@dataclass(frozen=True, kw_only=True)
class NominatedAtCongress(CongressEvent):
    """Ứng cử, đề cử, or the presidium's nomination: on the list, with the agreement the
    procedure requires."""

    TYPE: ClassVar[str] = "NominatedAtCongress"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("entry",)
    round: int
    entry: ElectionEntry
    nominee_consented: bool
    presidium_accepted: bool
    support: int | None
    support_needed: int | None


@dataclass(frozen=True, kw_only=True)
class WithdrawnFromList(CongressEvent):
    """Rút khỏi danh sách bầu cử (xin rút, đại hội cho rút), before the list is voted."""

    TYPE: ClassVar[str] = "WithdrawnFromList"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)
    round: int
    entry_id: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ListVoted(CongressEvent):
    """The body's vote on the election list (biểu quyết danh sách bầu cử)."""

    TYPE: ClassVar[str] = "ListVoted"
    round: int
    present: int
    in_favour: int
    threshold: str
    needed: int
    approved: bool
    size: int
    seats: int
    list_minimum: int
    list_maximum: int


# --- ballots -------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class BallotOpened(CongressEvent):
    """A ballot of a round: the first, a re-vote among those tied at the cut-off, or another
    ballot for seats still open."""

    TYPE: ClassVar[str] = "BallotOpened"
    round: int
    ballot: int
    kind: str  # "first", "tie", "shortfall"
    seats: int
    entries: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class BallotsCounted(CongressEvent):
    """Kiểm phiếu by computer: the count, its digest (what the committee signs), and for a
    recount whether it is the same count."""

    TYPE: ClassVar[str] = "BallotsCounted"
    round: int
    ballot: int
    count: BallotCount
    count_digest: str
    recount: int  # 0: the first count; 1, 2, ...: recounts
    matches_previous: bool | None


@dataclass(frozen=True, kw_only=True)
class CountSigned(CongressEvent):
    """Ban kiểm phiếu ký biên bản kiểm phiếu: the count with this digest, by these members."""

    TYPE: ClassVar[str] = "CountSigned"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("signatories",)
    round: int
    ballot: int
    count_digest: str
    signatories: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class BallotResultDeclared(CongressEvent):
    """Who is elected by a signed count: more than the threshold of the base, then the most
    votes; a tie at the cut-off goes to a new ballot among the tied; too few is a shortfall.

    ``outcome``: "complete" (the ballot's seats are filled), "tie" or "shortfall"."""

    TYPE: ClassVar[str] = "BallotResultDeclared"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)
    round: int
    ballot: int
    pass_base: str
    base: int
    threshold: str
    needed: int
    elected: tuple[ElectedEntry, ...]
    tied: tuple[str, ...]
    tied_places: int
    open_seats: int
    outcome: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ShortfallDecided(CongressEvent):
    """Too few elected: another ballot for the open seats, or the seats left open."""

    TYPE: ClassVar[str] = "ShortfallDecided"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("reason",)
    round: int
    decision: str  # "another_ballot" or "leave_open"
    open_seats: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class RoundConcluded(CongressEvent):
    """The round's result: who is elected, and how many seats stay open."""

    TYPE: ClassVar[str] = "RoundConcluded"
    round: int
    position_group: str
    elected: tuple[ElectedEntry, ...]
    open_seats: int


# --- the planned secretary or deputy not elected ---------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ElectionPaused(CongressEvent):
    """Tạm dừng bầu cử: a person the approved plan prepared for secretary or deputy secretary
    was not elected; the superior standing committee is asked for its direction."""

    TYPE: ClassVar[str] = "ElectionPaused"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("planned", "reason")
    position_groups: tuple[str, ...]
    planned: tuple[str, ...]  # the planned persons no longer electable, as a reader names them
    reason: str
    direction_from: str  # the superior committee's organization


@dataclass(frozen=True, kw_only=True)
class DirectionGiven(CongressEvent):
    """Ý kiến chỉ đạo of the superior standing committee: the election goes on."""

    TYPE: ClassVar[str] = "DirectionGiven"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("direction",)
    position_groups: tuple[str, ...]
    decision_ref: str
    direction: str


# --- the superior standing committee after the election ------------------------------------
@dataclass(frozen=True, kw_only=True)
class ElectionResultApproved(CongressEvent):
    """Chuẩn y kết quả bầu cử, of these rounds."""

    TYPE: ClassVar[str] = "ElectionResultApproved"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("reasons",)
    decision_ref: str
    reasons: str
    rounds: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class MemberAppointed(CongressEvent):
    """Chỉ định to a seat left open, with the agreement of the superior standing committee's
    members the procedure requires."""

    TYPE: ClassVar[str] = "MemberAppointed"
    PRIVATE_FIELDS: ClassVar[tuple[str, ...]] = ("candidate", "reason")
    position_group: str
    round: int  # the round whose open seat is filled
    entry_id: str
    candidate: Candidate
    decision_ref: str
    members: int
    agreeing: int
    threshold: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class CongressClosed(CongressEvent):
    """The congress's record is complete: every result approved; seats still open listed."""

    TYPE: ClassVar[str] = "CongressClosed"
    open_seats: tuple[OpenSeats, ...]


CONGRESS_EVENT_TYPES: dict[str, type[CongressEvent]] = {
    cls.TYPE: cls
    for cls in (CongressOpened, RoundOpened, NominatedAtCongress, WithdrawnFromList, ListVoted,
                BallotOpened, BallotsCounted, CountSigned, BallotResultDeclared,
                ShortfallDecided, RoundConcluded, ElectionPaused, DirectionGiven,
                ElectionResultApproved, MemberAppointed, CongressClosed)
}
