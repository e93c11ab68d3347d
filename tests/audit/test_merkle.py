"""The Merkle tree log: RFC 6962 test vectors, a hand-computed small tree, and properties over
random sizes for the store's proofs checked by the auditor's independent verifier."""

from __future__ import annotations

import hashlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from audit import spec
from eventstore import merkle

# The eight leaves of RFC 6962's reference tests (certificate-transparency, merkle_tree_test),
# and the tree heads they give for sizes 1..8.
RFC_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
RFC_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_rfc6962_tree_heads_from_both_implementations() -> None:
    hashes = [merkle.leaf_hash(leaf) for leaf in RFC_LEAVES]
    frontier = spec.MerkleFrontier()
    for n in range(1, 9):
        frontier.append(hashes[n - 1])
        assert merkle.root(hashes[:n]).hex() == RFC_ROOTS[n - 1]
        assert frontier.root().hex() == RFC_ROOTS[n - 1]
    assert merkle.root([]) == _h(b"") == spec.MerkleFrontier().root()


def test_the_sealers_compact_range_gives_the_rfc_tree_heads_and_copies_apart() -> None:
    hashes = [merkle.leaf_hash(leaf) for leaf in RFC_LEAVES]
    edge = merkle.CompactRange()
    assert edge.root() == _h(b"")
    for n in range(1, 9):
        edge.append(hashes[n - 1])
        assert (edge.size, edge.root().hex()) == (n, RFC_ROOTS[n - 1])
    fork = edge.copy()
    fork.append(hashes[0])
    assert edge.size == 8 and edge.root().hex() == RFC_ROOTS[7]
    assert fork.root() == merkle.root([*hashes, hashes[0]])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=300))
def test_a_compact_range_equals_the_whole_tree_at_every_size(leaves: list[bytes]) -> None:
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    edge = merkle.CompactRange()
    for n, leaf in enumerate(hashes, start=1):
        edge.append(leaf)
        assert edge.root() == merkle.root(hashes[:n])


def test_three_leaf_tree_by_hand() -> None:
    a, b, c = (bytes([i]) * 32 for i in (1, 2, 3))
    la, lb, lc = (_h(b"\x00" + x) for x in (a, b, c))
    ab = _h(b"\x01" + la + lb)
    root = _h(b"\x01" + ab + lc)
    leaves = [la, lb, lc]
    assert merkle.root(leaves) == root
    assert spec.merkle_leaf(a.hex()) == la
    # c's path is [ab]; a's path is [lb, lc]; the proof that size 2 extends to 3 is [lc].
    assert merkle.inclusion_proof(leaves, 2) == [ab]
    assert merkle.inclusion_proof(leaves, 0) == [lb, lc]
    assert merkle.consistency_proof(leaves, 2) == [lc]
    assert merkle.consistency_proof(leaves, 1) == [lb, lc]
    assert spec.inclusion_valid(lc, 2, 3, [ab], root)
    assert spec.consistency_valid(2, 3, ab, root, [lc])
    assert not spec.consistency_valid(2, 3, ab, root, [la])


def _leaves(n: int, salt: int) -> list[bytes]:
    return [merkle.leaf_hash(_h(f"{salt}:{i}".encode())) for i in range(n)]


sizes = st.integers(min_value=1, max_value=70).flatmap(
    lambda n: st.tuples(st.just(n), st.integers(min_value=1, max_value=n),
                        st.integers(min_value=0, max_value=n - 1), st.integers(0, 3)))


@settings(max_examples=300, deadline=None)
@given(sizes)
def test_inclusion_proofs_verify_and_a_changed_leaf_or_root_fails(case: tuple[int, ...]) -> None:
    n, _m, index, salt = case
    leaves = _leaves(n, salt)
    root = merkle.root(leaves)
    proof = merkle.inclusion_proof(leaves, index)
    assert spec.inclusion_valid(leaves[index], index, n, proof, root)
    assert merkle.verify_inclusion(leaves[index], index, n, proof, root)
    other = _h(b"changed")
    assert not spec.inclusion_valid(other, index, n, proof, root)
    assert not spec.inclusion_valid(leaves[index], index, n, proof, other)
    if n > 1:  # the right leaf claimed at another index fails
        assert not spec.inclusion_valid(leaves[index], (index + 1) % n, n, proof, root)
    if proof:
        bent = [*proof[:-1], other]
        assert not spec.inclusion_valid(leaves[index], index, n, bent, root)


@settings(max_examples=300, deadline=None)
@given(sizes)
def test_consistency_proofs_verify_and_a_changed_leaf_or_root_fails(case: tuple[int, ...]) -> None:
    n, m, index, salt = case
    leaves = _leaves(n, salt)
    first, second = merkle.root(leaves[:m]), merkle.root(leaves)
    proof = merkle.consistency_proof(leaves, m)
    assert spec.consistency_valid(m, n, first, second, proof)
    assert merkle.verify_consistency(m, n, first, second, proof)
    if m == n:
        return
    # A history rewritten anywhere (inside the old tree or after it) fails against the old root.
    changed = list(leaves)
    changed[index] = _h(b"changed")
    forged = merkle.consistency_proof(changed, m)
    assert not spec.consistency_valid(m, n, first, merkle.root(changed), forged) or index >= m
    assert not spec.consistency_valid(m, n, first, _h(b"x"), proof)
    assert not spec.consistency_valid(m, n, _h(b"x"), second, proof)
    # A shorter tree is never consistent as an extension of a longer one.
    assert not spec.consistency_valid(n, m, second, first, proof)


def _reference_path(leaves: list[bytes], m: int) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH, recursively as written, over ``merkle.root`` of slices."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*_reference_path(leaves[:k], m), merkle.root(leaves[k:])]
    return [*_reference_path(leaves[k:], m - k), merkle.root(leaves[:k])]


def _reference_proof(leaves: list[bytes], m: int, whole: bool = True) -> list[bytes]:
    """RFC 9162 2.1.4.1 SUBPROOF, recursively as written."""
    n = len(leaves)
    if m == n:
        return [] if whole else [merkle.root(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*_reference_proof(leaves[:k], m, whole), merkle.root(leaves[k:])]
    return [*_reference_proof(leaves[k:], m - k, False), merkle.root(leaves[:k])]


@settings(max_examples=200, deadline=None)
@given(sizes)
def test_the_tree_gives_the_rfc_recursions_proofs(case: tuple[int, ...]) -> None:
    n, m, index, salt = case
    leaves = _leaves(n, salt)
    tree = merkle.Tree(leaves)
    assert tree.root() == merkle.root(leaves)
    assert tree.inclusion_proof(index) == _reference_path(leaves, index)
    assert tree.consistency_proof(m) == (_reference_proof(leaves, m) if m < n else [])


@given(st.integers(min_value=1, max_value=300), st.randoms(use_true_random=False))
def test_proofs_from_stored_subtree_roots_equal_the_trees(size: int, rng: Any) -> None:
    """The subtrees the sealer's compact range completes are the perfect subtrees of the tree,
    and any proof assembled from them (and leaves) is the whole tree's."""
    leaves = [merkle.leaf_hash(rng.randbytes(8)) for _ in range(size)]
    tree, edge = merkle.Tree(leaves), merkle.CompactRange()
    block = {(0, i): leaf for i, leaf in enumerate(leaves)}
    for leaf in leaves:
        block.update({(level, idx): h for level, idx, h in edge.append(leaf)})
    for (level, idx), h in block.items():
        assert h == merkle.root(leaves[idx << level:(idx + 1) << level])
    assert len(block) == 2 * size - size.bit_count()  # every perfect subtree, once
    for index in {0, size - 1, rng.randrange(size)}:
        proof = merkle.proof_from_blocks(index, size, block)
        assert proof == tree.inclusion_proof(index)
        assert merkle.needed_blocks(index, size) <= block.keys()


@given(st.integers(min_value=1, max_value=300), st.randoms(use_true_random=False))
def test_consistency_proofs_from_subtree_roots_equal_the_trees(size: int, rng: Any) -> None:
    leaves = [merkle.leaf_hash(rng.randbytes(8)) for _ in range(size)]
    tree, edge = merkle.Tree(leaves), merkle.CompactRange()
    block = {(0, i): leaf for i, leaf in enumerate(leaves)}
    for leaf in leaves:
        block.update({(level, idx): h for level, idx, h in edge.append(leaf)})
    for first in {0, 1, size, rng.randrange(size + 1)}:
        proof = [merkle.range_root(lo, hi, block)
                 for lo, hi in merkle.consistency_ranges(first, size)]
        assert proof == tree.consistency_proof(first)
        if first:
            assert merkle.range_root(0, first, block) == merkle.root(leaves[:first])
