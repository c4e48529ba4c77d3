"""Merkle tree hashing and proofs against published answers, corrupted proofs and random trees.

The known answers live in ``tests/vectors/merkle_rfc9162.json``: the reference tree of 8 leaves of
transparency-dev/merkle's tests (and certificate-transparency's before it), with its roots and
inclusion and consistency proofs. Random trees then check that every proof verifies, that any
flipped bit fails it, and that the stored-node path of :mod:`mynumber.ledger.tree` agrees with
the list path of :mod:`mynumber.ledger.merkle` and with the RFC's recursive definition.
"""

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumber.ledger.exceptions import (
    InconsistentTrees,
    InvalidProof,
    InvalidRange,
    InvalidTreeState,
)
from mynumber.ledger.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from mynumber.ledger.tree import (
    CompactRange,
    NodeReader,
    consistency_positions,
    consistency_proof_from_nodes,
    inclusion_positions,
    inclusion_proof_from_nodes,
    root_from_nodes,
    stored_nodes_for_append,
    subtree_hash,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "vectors" / "merkle_rfc9162.json").read_text(encoding="utf-8")
)
LEAVES = [leaf_hash(bytes.fromhex(entry)) for entry in VECTORS["leaves"]]
ROOTS = [bytes.fromhex(value) for value in VECTORS["roots"]]
SOME_HASH = hashlib.sha256(b"not a node of the tree").digest()

unique_entries = st.lists(st.binary(max_size=6), min_size=1, max_size=40, unique=True)


def _hashes(values: Sequence[str]) -> list[bytes]:
    """Decode a list of hex hashes."""
    return [bytes.fromhex(value) for value in values]


def _recursive_mth(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return MTH exactly as RFC 9162 2.1.1 defines it, recursively: the oracle."""
    if not leaf_hashes:
        return hashlib.sha256(b"").digest()
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = 1
    while k * 2 < len(leaf_hashes):
        k *= 2
    return node_hash(_recursive_mth(leaf_hashes[:k]), _recursive_mth(leaf_hashes[k:]))


def _flip(data: bytes, bit: int) -> bytes:
    """Return ``data`` with one bit flipped (bit 0 is the lowest bit of the first byte)."""
    flipped = bytearray(data)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


def _store(leaf_hashes: Sequence[bytes]) -> dict[tuple[int, int], bytes]:
    """Append the leaves to a compact range, keeping every node it hands out for storage."""
    tree, store = CompactRange(), {}
    for leaf in leaf_hashes:
        store.update({(node.level, node.index): node.hash for node in tree.append(leaf)})
    return store


def _reader(leaf_hashes: Sequence[bytes]) -> NodeReader:
    """Return ``get_node`` over the nodes stored while appending the leaves."""
    store = _store(leaf_hashes)
    return lambda level, index: store[level, index]


def _passes(check: Callable[..., None], arguments: tuple[Any, ...]) -> bool:
    """Return whether the check accepts the arguments rather than raising InvalidProof."""
    try:
        check(*arguments)
    except InvalidProof:
        return False
    return True


def test_the_vector_file_names_its_source_and_holds_eight_roots() -> None:
    """The vector file says where the answers are published and covers sizes 1 to 8."""
    assert "transparency-dev/merkle" in VECTORS["source"]
    assert len(ROOTS) == len(LEAVES) == 8


def test_the_empty_tree_has_the_hash_of_nothing_as_root() -> None:
    """MTH({}) is SHA-256 of the empty string, as published."""
    assert EMPTY_ROOT.hex() == VECTORS["empty_root"]
    assert root([]) == EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_published_ones(size: int) -> None:
    """The root of the first ``size`` reference leaves is the published root, by every path."""
    assert root(LEAVES[:size]) == ROOTS[size - 1]
    assert _recursive_mth(LEAVES[:size]) == ROOTS[size - 1]
    assert root_from_nodes(size, _reader(LEAVES)) == ROOTS[size - 1]


@pytest.mark.parametrize(
    "case", VECTORS["inclusion_proofs"], ids=lambda c: f"{c['index']}of{c['size']}"
)
def test_inclusion_proofs_match_the_published_ones(case: dict[str, Any]) -> None:
    """Both generators produce the published inclusion proof, and it verifies."""
    index, size, expected = case["index"], case["size"], _hashes(case["proof"])
    assert inclusion_proof(LEAVES[:size], index) == expected
    assert inclusion_proof_from_nodes(index, size, _reader(LEAVES)) == expected
    verify_inclusion(LEAVES[index], index, size, expected, ROOTS[size - 1])


@pytest.mark.parametrize(
    "case", VECTORS["consistency_proofs"], ids=lambda c: f"{c['old_size']}to{c['new_size']}"
)
def test_consistency_proofs_match_the_published_ones(case: dict[str, Any]) -> None:
    """Both generators produce the published consistency proof, and it verifies."""
    old, new, expected = case["old_size"], case["new_size"], _hashes(case["proof"])
    assert consistency_proof(LEAVES[:new], old) == expected
    assert consistency_proof_from_nodes(old, new, _reader(LEAVES)) == expected
    verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], expected)


def _inclusion_probes(index: int, size: int, proof: list[bytes]) -> dict[str, tuple[Any, ...]]:
    """Return named corruptions of a good inclusion proof: (leaf, index, size, proof, root)."""
    leaf, good_root = LEAVES[index], ROOTS[size - 1]
    return {
        "index - 1": (leaf, index - 1, size, proof, good_root),
        "index + 1": (leaf, index + 1, size, proof, good_root),
        "index ^ 2": (leaf, index ^ 2, size, proof, good_root),
        "size * 2": (leaf, index, size * 2, proof, good_root),
        "size // 2": (leaf, index, size // 2, proof, good_root),
        "wrong leaf": (SOME_HASH, index, size, proof, good_root),
        "empty root": (leaf, index, size, proof, EMPTY_ROOT),
        "other root": (leaf, index, size, proof, SOME_HASH),
        "trailing root": (leaf, index, size, [*proof, good_root], good_root),
        "preceding root": (leaf, index, size, [good_root, *proof], good_root),
        "short hash": (leaf, index, size, [*proof[:-1], b"\x00" * 31], good_root),
        "removed hash": (leaf, index, size, proof[:-1], good_root),
    }


@pytest.mark.parametrize("case", VECTORS["inclusion_proofs"][1:], ids=lambda c: f"{c['index']}")
def test_corrupted_published_inclusion_proofs_fail(case: dict[str, Any]) -> None:
    """Every corruption of a published inclusion proof raises InvalidProof, none passes."""
    index, size, proof = case["index"], case["size"], _hashes(case["proof"])
    probes = _inclusion_probes(index, size, proof)
    assert [name for name, probe in probes.items() if _passes(verify_inclusion, probe)] == []


@pytest.mark.parametrize(
    "case", VECTORS["consistency_proofs"][1:], ids=lambda c: f"{c['old_size']}"
)
def test_corrupted_published_consistency_proofs_fail(case: dict[str, Any]) -> None:
    """Wrong sizes, swapped roots, extra or missing hashes all fail a published proof."""
    old, new, proof = case["old_size"], case["new_size"], _hashes(case["proof"])
    first, second = ROOTS[old - 1], ROOTS[new - 1]
    probes = [
        (old - 1, new, first, second, proof),
        (old + 1, new, first, second, proof),
        (old, new * 2, first, second, proof),
        (old, new // 2, first, second, proof),
        (old, new, second, first, proof),
        (old, new, first, second, []),
        (old, new, first, second, [*proof, first]),
        (old, new, first, second, [proof[0], *proof]),
        (old, new, first, second, proof[:-1]),
    ]
    assert [probe[:2] for probe in probes if _passes(verify_consistency, probe)] == []


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ((LEAVES[0], 1, 1, [], ROOTS[0]), "out of range"),
        ((LEAVES[0], -1, 1, [], ROOTS[0]), "out of range"),
        ((LEAVES[0], 0, 0, [], EMPTY_ROOT), "out of range"),
        ((LEAVES[0][:31], 0, 1, [], ROOTS[0]), "leaf hash is 31 bytes"),
        ((LEAVES[0], 0, 1, [], ROOTS[0] + b"\x00"), "root is 33 bytes"),
        ((LEAVES[0], 0, 2, [], ROOTS[1]), "wrong length"),
        ((LEAVES[0], 0, 2, [LEAVES[1][:16]], ROOTS[1]), "proof hash 0 is 16 bytes"),
        ((LEAVES[0], 0, 2, [LEAVES[0]], ROOTS[1]), "root mismatch"),
    ],
)
def test_malformed_inclusion_inputs_say_what_is_wrong(
    arguments: tuple[Any, ...], reason: str
) -> None:
    """Each malformed inclusion input raises InvalidProof with its own reason."""
    with pytest.raises(InvalidProof, match=reason):
        verify_inclusion(*arguments)


def test_trivial_consistency_needs_matching_roots_and_an_empty_proof() -> None:
    """Equal sizes need equal roots, an empty old tree the empty root, and both no proof."""
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, ROOTS[4], [])
    verify_consistency(5, 5, ROOTS[4], ROOTS[4], [])
    with pytest.raises(InconsistentTrees, match="forked"):
        verify_consistency(5, 5, ROOTS[4], ROOTS[3], [])
    with pytest.raises(InvalidProof, match="a tree of 0 leaves has root"):
        verify_consistency(0, 5, ROOTS[0], ROOTS[4], [])
    with pytest.raises(InvalidProof, match="wrong length"):
        verify_consistency(5, 5, ROOTS[4], ROOTS[4], [EMPTY_ROOT])


def test_a_shrinking_log_is_inconsistent() -> None:
    """A newer tree head smaller than the older one raises InconsistentTrees."""
    with pytest.raises(InconsistentTrees, match="never shrinks"):
        verify_consistency(5, 4, ROOTS[4], ROOTS[3], [])


def test_proofs_outside_the_tree_are_refused() -> None:
    """Asking for a leaf past the end, or a larger old tree, raises InvalidRange."""
    with pytest.raises(InvalidRange, match="no leaf 8"):
        inclusion_proof(LEAVES, 8)
    with pytest.raises(InvalidRange, match="9 leaves consistent with one of 8"):
        consistency_proof(LEAVES, 9)


@given(unique_entries)
def test_root_follows_the_recursive_definition(entries: list[bytes]) -> None:
    """The iterative root equals the RFC's recursive MTH for any tree."""
    leaf_hashes = [leaf_hash(entry) for entry in entries]
    assert root(leaf_hashes) == _recursive_mth(leaf_hashes)


@given(unique_entries, st.data())
def test_every_inclusion_proof_verifies_and_any_flipped_bit_fails_it(
    entries: list[bytes], data: st.DataObject
) -> None:
    """A proof verifies; one flipped bit in the proof, the leaf, the index or the root fails it."""
    leaf_hashes = [leaf_hash(entry) for entry in entries]
    size, tree_root = len(leaf_hashes), root(leaf_hashes)
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = inclusion_proof(leaf_hashes, index)
    verify_inclusion(leaf_hashes[index], index, size, proof, tree_root)
    bit = data.draw(st.integers(0, 255), label="bit")
    probes = [
        (_flip(leaf_hashes[index], bit), index, size, proof, tree_root),
        (leaf_hashes[index], index ^ (1 << data.draw(st.integers(0, 6))), size, proof, tree_root),
        (leaf_hashes[index], index, size, proof, _flip(tree_root, bit)),
    ]
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="proof hash")
        tampered = [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]]
        probes.append((leaf_hashes[index], index, size, tampered, tree_root))
    for probe in probes:
        with pytest.raises(InvalidProof):
            verify_inclusion(*probe)


@given(unique_entries, st.data())
def test_consistency_proofs_verify_between_any_two_sizes_and_fail_when_tampered(
    entries: list[bytes], data: st.DataObject
) -> None:
    """A proof between any two sizes verifies; a flipped bit in it or in a root fails it."""
    leaf_hashes = [leaf_hash(entry) for entry in entries]
    new = len(leaf_hashes)
    old = data.draw(st.integers(0, new), label="old size")
    old_root, new_root = root(leaf_hashes[:old]), root(leaf_hashes)
    proof = consistency_proof(leaf_hashes, old)
    verify_consistency(old, new, old_root, new_root, proof)
    bit = data.draw(st.integers(0, 255), label="bit")
    probes = [(old, new, _flip(old_root, bit), new_root, proof)]
    if old:  # every tree is consistent with the empty one, whatever its root
        probes.append((old, new, old_root, _flip(new_root, bit), proof))
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="proof hash")
        probes.append(
            (old, new, old_root, new_root, [*proof[:at], _flip(proof[at], bit), *proof[at + 1 :]])
        )
    for probe in probes:
        with pytest.raises(InvalidProof):
            verify_consistency(*probe)


@given(unique_entries)
def test_the_compact_range_gives_the_root_at_every_size(entries: list[bytes]) -> None:
    """Appending one leaf at a time, the compact range's root equals root() at each size."""
    leaf_hashes = [leaf_hash(entry) for entry in entries]
    tree = CompactRange()
    for size, leaf in enumerate(leaf_hashes, 1):
        tree.append(leaf)
        assert (tree.size, tree.root()) == (size, root(leaf_hashes[:size]))
        assert len(tree.border) == size.bit_count()


@given(unique_entries)
def test_proofs_from_stored_nodes_equal_the_list_based_ones(entries: list[bytes]) -> None:
    """Every inclusion and consistency proof read from stored nodes equals the in-memory one."""
    leaf_hashes = [leaf_hash(entry) for entry in entries]
    get_node, size = _reader(leaf_hashes), len(leaf_hashes)
    for index in range(size):
        expected = inclusion_proof(leaf_hashes, index)
        assert inclusion_proof_from_nodes(index, size, get_node) == expected
    for old in range(size + 1):
        expected = consistency_proof(leaf_hashes, old)
        assert consistency_proof_from_nodes(old, size, get_node) == expected
        assert root_from_nodes(old, get_node) == root(leaf_hashes[:old])


@given(unique_entries)
def test_every_stored_node_is_the_root_of_the_leaves_it_covers(entries: list[bytes]) -> None:
    """Node (level, index) holds the root of leaves index * 2**level onwards, 2**level of them."""
    leaf_hashes = [leaf_hash(entry) for entry in entries]
    store = _store(leaf_hashes)
    assert len(store) == 2 * len(leaf_hashes) - len(leaf_hashes).bit_count()
    for (level, index), value in store.items():
        start = index << level
        assert start + (1 << level) <= len(leaf_hashes)
        assert value == root(leaf_hashes[start : start + (1 << level)])


def _uniform_log(size: int, reads: list[tuple[int, int]]) -> tuple[NodeReader, bytes]:
    """Return a node reader for a log of ``size`` identical entries, recording each read."""
    levels = [leaf_hash(b"the same entry")]
    for _ in range(size.bit_length()):
        levels.append(node_hash(levels[-1], levels[-1]))

    def get_node(level: int, index: int) -> bytes:
        """Return the node, failing the test if it is not a complete subtree."""
        assert (index + 1) << level <= size, f"node ({level}, {index}) is not complete"
        reads.append((level, index))
        return levels[level]

    return get_node, levels[0]


def test_proofs_in_a_log_of_ten_million_entries_need_few_node_reads() -> None:
    """At 10**7 entries a proof reads at most 2 * log2(n) = 48 complete nodes, and verifies."""
    size, old, index = 10**7, 10**7 - 12_345, 9_876_543
    reads: list[tuple[int, int]] = []
    get_node, leaf = _uniform_log(size, reads)
    new_root, old_root = root_from_nodes(size, get_node), root_from_nodes(old, get_node)
    reads.clear()
    proof = inclusion_proof_from_nodes(index, size, get_node)
    assert len(reads) <= 48
    assert sorted(set(reads)) == inclusion_positions(index, size)
    verify_inclusion(leaf, index, size, proof, new_root)
    reads.clear()
    proof = consistency_proof_from_nodes(old, size, get_node)
    assert len(reads) <= 48
    assert sorted(set(reads)) == consistency_positions(old, size)
    verify_consistency(old, size, old_root, new_root, proof)


def test_a_compact_range_rebuilt_from_stored_nodes_continues_the_same_tree() -> None:
    """A range rebuilt from the store after 5 appends grows into the published root of 8."""
    tree = CompactRange.from_nodes(5, _reader(LEAVES[:5]))
    assert tree.root() == ROOTS[4]
    for leaf in LEAVES[5:]:
        tree.append(leaf)
    assert tree.root() == ROOTS[7]


@pytest.mark.parametrize(
    ("size", "border", "reason"),
    [
        (3, [LEAVES[0]], "has 2 subtrees on its right border, not 1"),
        (1, [LEAVES[0][:31]], "border hash 0 is 31 bytes"),
        (-1, [], "cannot have -1 leaves"),
    ],
)
def test_a_compact_range_refuses_a_border_that_cannot_be_right(
    size: int, border: list[bytes], reason: str
) -> None:
    """A border of the wrong length or with a short hash raises InvalidTreeState."""
    with pytest.raises(InvalidTreeState, match=reason):
        CompactRange(size, border)
    with pytest.raises(InvalidTreeState, match=reason):
        stored_nodes_for_append(size, LEAVES[1], border)


def test_a_node_store_that_returns_a_short_hash_is_refused() -> None:
    """A stored node that is not 32 bytes raises InvalidTreeState naming the node."""
    with pytest.raises(InvalidTreeState, match=r"node \(0, 1\)"):
        inclusion_proof_from_nodes(0, 2, lambda _level, _index: b"short")


def test_a_range_that_is_no_subtree_is_refused() -> None:
    """Leaves 1 to 3 are no subtree of the RFC's split, so their hash is refused."""
    with pytest.raises(InvalidRange, match="not a subtree"):
        subtree_hash(1, 3, _reader(LEAVES))
