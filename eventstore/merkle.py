"""The ledger as an RFC 6962 / RFC 9162 Merkle tree log: tree hashes and the proofs the log
hands out (an inclusion proof for one entry, a consistency proof between two sizes).

The leaves are the ledger's entries in ledger order, each one its event's hash (32 bytes)::

    leaf hash = SHA-256(0x00 || event hash)
    node hash = SHA-256(0x01 || left || right)
    MTH({})   = SHA-256("")

A tree of n leaves splits at k, the largest power of two below n (RFC 9162 2.1.1). Proofs can
be computed from the leaf hashes alone: ``Tree`` builds the levels once (O(n) hashing, about
half a second for 100,000 entries), then each proof is O(log n) lookups. At national scale
(tens of millions of entries) that is a minute per export, so the sealer also stores the roots
of the perfect subtrees of ``STORED_LEVEL`` and above (``ledger_nodes``, a sixteenth of the
ledger's rows), and ``proof_from_blocks`` assembles a proof from O(log n) of them and a few
leaves. A stored node is a cache, never trusted: a proof made from them is checked against the
signed root before it is handed out, and one that fails is made again from the leaves.

Standard library only. The verifiers (``verify_inclusion``, ``verify_consistency``) are here
for the store's own checks; audit/spec.py has its own copy for the auditor, on purpose.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf *hashes* (not the raw leaves), iteratively: pair up level by level; an
    odd node at the end of a level is carried up unchanged, which gives RFC 6962's shape."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


class CompactRange:
    """The right edge of a tree of ``size`` leaves: the roots of its perfect subtrees, largest
    first (at most log2(size) + 1 hashes). Appending a leaf costs O(1) amortised, and the root
    folds the edge from the right, which is RFC 6962's MTH: what a sealer keeps between
    checkpoints so that signing does not re-read the whole ledger."""

    def __init__(self) -> None:
        self.size = 0
        self._edge: list[tuple[int, bytes]] = []  # (height, subtree root)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf *hash*; return the perfect subtrees it completes, as (level, index,
        root): the subtree of level L and index j covers leaves [j * 2^L, (j + 1) * 2^L)."""
        height, node = 0, leaf
        completed: list[tuple[int, int, bytes]] = []
        while self._edge and self._edge[-1][0] == height:
            _, left = self._edge.pop()
            height, node = height + 1, node_hash(left, node)
            completed.append((height, ((self.size + 1) >> height) - 1, node))
        self._edge.append((height, node))
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self._edge:
            return EMPTY_ROOT
        node = self._edge[-1][1]
        for _, left in reversed(self._edge[:-1]):
            node = node_hash(left, node)
        return node

    def copy(self) -> CompactRange:
        other = CompactRange()
        other.size, other._edge = self.size, list(self._edge)
        return other


class Tree:
    """Every level of the tree over ``leaves`` (leaf hashes), built once in O(n): then each
    proof is O(log n) lookups. Level by level, an odd last node is carried up unchanged, so the
    node at level L, index j is MTH of leaves [j * 2^L, min((j + 1) * 2^L, n)); every subtree
    RFC 9162's PATH and PROOF name is such a node."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        self._levels = [list(leaves)]
        while len(self._levels[-1]) > 1:
            level = self._levels[-1]
            paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                paired.append(level[-1])
            self._levels.append(paired)

    def root(self) -> bytes:
        return self._levels[-1][0] if self.size else EMPTY_ROOT

    def subtree(self, lo: int, hi: int) -> bytes:
        """MTH of leaves [lo, hi): a range the RFC's recursion produces (lo a multiple of the
        smallest power of two >= hi - lo)."""
        level = (hi - lo - 1).bit_length()
        return self._levels[level][lo >> level]

    def inclusion_proof(self, index: int) -> list[bytes]:
        """PATH(index, D[n]) (RFC 9162 2.1.3.1)."""
        return [self.subtree(lo, hi) for lo, hi in path_ranges(index, self.size)]

    def consistency_proof(self, first: int) -> list[bytes]:
        """PROOF(first, D[n]) (RFC 9162 2.1.4.1); empty for 0 or n."""
        return [self.subtree(lo, hi) for lo, hi in consistency_ranges(first, self.size)]


#: The lowest level of the subtrees the ledger keeps (16 leaves each): below it a proof reads
#: at most 15 leaves, which costs less than storing eight times the nodes.
STORED_LEVEL = 4


def perfect_blocks(lo: int, hi: int) -> list[tuple[int, int]]:
    """[lo, hi) as the perfect subtrees the RFC's recursion splits it into, left to right, as
    (level, index): a range the recursion produces starts at a multiple of its largest block."""
    blocks = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        while lo % (1 << level):
            level -= 1
        blocks.append((level, lo >> level))
        lo += 1 << level
    return blocks


def path_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose roots make PATH(index, D[size]), in proof order (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is outside a tree of {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m = lo + k, m - k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose roots make PROOF(first, D[size]), in proof order (RFC 9162 2.1.4.1);
    none for 0 or ``size``."""
    if not 0 <= first <= size:
        raise ValueError(f"size {first} is outside a tree of {size}")
    if first in (0, size):
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi, m, whole = 0, size, first, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def needed_blocks(index: int, size: int) -> set[tuple[int, int]]:
    """Every perfect subtree (level, index) that ``proof_from_blocks`` reads for one proof."""
    return {b for lo, hi in path_ranges(index, size) for b in perfect_blocks(lo, hi)}


def range_root(lo: int, hi: int, block: dict[tuple[int, int], bytes]) -> bytes:
    """MTH of leaves [lo, hi) from the roots of its perfect subtrees (folded from the right,
    as ``CompactRange.root``)."""
    roots = [block[b] for b in perfect_blocks(lo, hi)]
    node = roots[-1]
    for left in reversed(roots[:-1]):
        node = node_hash(left, node)
    return node


def proof_from_blocks(index: int, size: int,
                      block: dict[tuple[int, int], bytes]) -> list[bytes]:
    """PATH(index, D[size]) from perfect subtree roots (KeyError names a missing one)."""
    return [range_root(lo, hi, block) for lo, hi in path_ranges(index, size)]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) over leaf hashes; build a ``Tree`` for several proofs."""
    return Tree(leaves).inclusion_proof(index)


def consistency_proof(leaves: Sequence[bytes], first: int) -> list[bytes]:
    """PROOF(first, D[n]) over leaf hashes; build a ``Tree`` for several proofs."""
    return Tree(leaves).consistency_proof(first)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     expected_root: bytes) -> bool:
    """RFC 9162 2.1.3.2; ``leaf`` is the leaf hash."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 2.1.4.2 (size 0 is consistent with anything, with an empty proof)."""
    if not 0 <= first <= second:
        return False
    if first == 0:
        return not proof and (second > 0 or first_root == second_root)
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
