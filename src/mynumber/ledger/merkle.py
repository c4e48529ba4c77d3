"""Merkle tree hashing of RFC 9162 section 2.1 over SHA-256: roots, proofs, and their verification.

A leaf's hash is SHA-256(0x00 || entry), an inner node's SHA-256(0x01 || left || right), and the
tree over n > 1 leaves splits after k leaves, k the largest power of two below n (RFC 9162 2.1.1).
This module holds what every verifier needs -- the portal, the oversight node's witness, a person
checking a receipt -- and the list-based proof generators, which are the RFC's definitions
(2.1.3.1 PATH, 2.1.4.1 PROOF) computed iteratively from all the leaf hashes in memory: O(n) a
proof. A log kept in a database computes the same proofs from stored subtree hashes with
:mod:`mynumber.ledger.tree`, in O(log n) node reads.

A proof is described first by its leaf ranges (``inclusion_ranges``, ``consistency_ranges``): the
half-open ranges ``(start, end)`` of leaves whose subtree hashes make up the proof, in proof order.
Both generators, this module's and the stored-node one, hash the same ranges.

>>> EMPTY_ROOT.hex()
'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
>>> leaves = [leaf_hash(bytes([i])) for i in range(5)]
>>> inclusion_ranges(3, 5)
[(2, 3), (0, 2), (4, 5)]
>>> verify_inclusion(leaves[3], 3, 5, inclusion_proof(leaves, 3), root(leaves))  # no error
"""

import hashlib
from collections.abc import Sequence

from mynumber.ledger.exceptions import (
    InconsistentTrees,
    InvalidProof,
    InvalidRange,
    InvalidTreeState,
)

#: The size of every hash in the tree: SHA-256.
HASH_SIZE = 32

#: The root of the empty tree, MTH({}) = SHA-256 of the empty string (RFC 9162 2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    """Return the hash of a leaf: SHA-256(0x00 || entry).

    >>> leaf_hash(b"").hex()
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'
    """
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the hash of an inner node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def split_point(count: int) -> int:
    """Return k, the largest power of two smaller than ``count`` (``count`` >= 2).

    >>> [split_point(n) for n in (2, 3, 4, 5, 8, 9)]
    [1, 2, 2, 4, 4, 8]
    """
    return 1 << ((count - 1).bit_length() - 1)


def border_root(border: Sequence[bytes]) -> bytes:
    """Return the root of a tree given its right border, largest subtree first.

    The right border of a tree of n leaves is the list of its maximal complete subtrees, one per
    one bit of n; the root hashes them together from the right.
    """
    if not border:
        return EMPTY_ROOT
    result = border[-1]
    for left in reversed(border[:-1]):
        result = node_hash(left, result)
    return result


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return MTH, the root of the tree over ``leaf_hashes``, in O(n) time and O(log n) space.

    >>> root([]) == EMPTY_ROOT
    True
    >>> root([leaf_hash(b"a"), leaf_hash(b"b")]) == node_hash(leaf_hash(b"a"), leaf_hash(b"b"))
    True
    """
    border: list[bytes] = []
    for position, leaf in enumerate(leaf_hashes):
        if len(leaf) != HASH_SIZE:
            message = f"leaf hash {position} is {len(leaf)} bytes; leaf hashes are {HASH_SIZE}"
            raise InvalidTreeState(message)
        merged, carry = leaf, position
        while carry & 1:  # each trailing one bit of the old size completes a subtree
            merged = node_hash(border.pop(), merged)
            carry >>= 1
        border.append(merged)
    return border_root(border)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Return the leaf ranges whose hashes make PATH(index, D[size]), the leaf's sibling first.

    >>> inclusion_ranges(0, 8)
    [(1, 2), (2, 4), (4, 8)]
    """
    if not 0 <= index < size:
        message = f"there is no leaf {index} in a tree of {size} leaves"
        raise InvalidRange(message)
    siblings: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + split_point(end - start)
        if index < middle:
            siblings.append((middle, end))
            end = middle
        else:
            siblings.append((start, middle))
            start = middle
    siblings.reverse()
    return siblings


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Return the leaf ranges whose hashes make PROOF(old_size, D[new_size]); empty if trivial.

    The RFC defines the proof for 0 < old_size < new_size; it is empty when the old tree is empty
    or the same as the new one.

    >>> consistency_ranges(3, 4)
    [(2, 3), (3, 4), (0, 2)]
    """
    if not 0 <= old_size <= new_size:
        message = f"cannot prove a tree of {old_size} leaves consistent with one of {new_size}"
        raise InvalidRange(message)
    if old_size in {0, new_size}:
        return []
    outer: list[tuple[int, int]] = []
    start, end, wanted, whole = 0, new_size, old_size, True
    while wanted != end - start:
        middle = start + split_point(end - start)
        if wanted <= middle - start:
            outer.append((middle, end))
            end = middle
        else:
            outer.append((start, middle))
            start, wanted, whole = middle, wanted - (middle - start), False
    head = [] if whole else [(start, end)]
    return head + outer[::-1]


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Return the inclusion proof of leaf ``index`` in the tree over all of ``leaf_hashes``."""
    ranges = inclusion_ranges(index, len(leaf_hashes))
    return [root(leaf_hashes[start:end]) for start, end in ranges]


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return the proof that the first ``old_size`` leaves' tree is a prefix of the whole tree."""
    ranges = consistency_ranges(old_size, len(leaf_hashes))
    return [root(leaf_hashes[start:end]) for start, end in ranges]


def _check_hash(what: str, value: bytes) -> None:
    """Refuse a hash that is not 32 bytes long, naming it."""
    if len(value) != HASH_SIZE:
        message = f"the {what} is {len(value)} bytes; SHA-256 hashes are {HASH_SIZE}"
        raise InvalidProof(message)


def _check_proof(proof: Sequence[bytes], expected: int, what: str) -> None:
    """Refuse a proof of the wrong length or holding a hash of the wrong size."""
    if len(proof) != expected:
        message = f"wrong length: {what} takes {expected} hashes, this proof has {len(proof)}"
        raise InvalidProof(message)
    for position, value in enumerate(proof):
        _check_hash(f"proof hash {position}", value)


def _root_from_inclusion_path(hash_: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes:
    """Run RFC 9162 2.1.3.2 steps 2-5 and return the root the path leads to."""
    fn, sn, result = index, size - 1, hash_
    for sibling in path:
        if sn == 0:
            message = "the proof is longer than the path from the leaf to the root"
            raise InvalidProof(message)
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        message = "the proof is shorter than the path from the leaf to the root"
        raise InvalidProof(message)
    return result


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    Follows RFC 9162 2.1.3.2; raises :class:`InvalidProof` saying why the proof fails.
    """
    _check_hash("leaf hash", leaf_hash)
    _check_hash("root", root)
    if not 0 <= index < size:
        message = f"leaf index {index} is out of range for a tree of {size} leaves"
        raise InvalidProof(message)
    _check_proof(proof, len(inclusion_ranges(index, size)), f"leaf {index} of {size} leaves")
    computed = _root_from_inclusion_path(leaf_hash, index, size, proof)
    if computed != root:
        message = (
            f"root mismatch: the proof leads to {computed.hex()}, the tree head says {root.hex()}"
        )
        raise InvalidProof(message)


def _check_trivial_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes
) -> None:
    """Judge the cases RFC 9162 2.1.4.2 leaves out: an empty old tree, or equal sizes."""
    if old_size == 0 and old_root != EMPTY_ROOT:
        message = (
            f"root mismatch: a tree of 0 leaves has root {EMPTY_ROOT.hex()}, not {old_root.hex()}"
        )
        raise InvalidProof(message)
    if old_size == new_size and old_root != new_root:
        message = f"two different roots for the same tree of {old_size} leaves: the log forked"
        raise InconsistentTrees(message)


def _roots_from_consistency_path(
    first: int, second: int, first_hash: bytes, path: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """Run RFC 9162 2.1.4.2 steps 1-6 and return the old and new roots the path leads to."""
    hashes = list(path)
    if not hashes:
        message = "the consistency proof is empty"
        raise InvalidProof(message)
    if first & (first - 1) == 0:
        hashes.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = hashes[0]
    for value in hashes[1:]:
        if sn == 0:
            message = "the proof is longer than the path to the new root"
            raise InvalidProof(message)
        if fn & 1 or fn == sn:
            fr, sr = node_hash(value, fr), node_hash(value, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, value)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        message = "the proof is shorter than the path to the new root"
        raise InvalidProof(message)
    return fr, sr


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``old_size`` leaves with ``old_root`` is a prefix of the new one.

    Follows RFC 9162 2.1.4.2 for 0 < old_size < new_size. An empty old tree must have the empty
    root and equal sizes must have equal roots, each with an empty proof. Raises
    :class:`InconsistentTrees` when the heads alone contradict each other (the new tree is smaller,
    or one size has two roots) and :class:`InvalidProof` when the proof does not verify.
    """
    _check_hash("old root", old_root)
    _check_hash("new root", new_root)
    if old_size < 0:
        message = f"the old tree size {old_size} is negative"
        raise InvalidProof(message)
    if old_size > new_size:
        message = (
            f"the new tree ({new_size} leaves) is smaller than the old ({old_size}):"
            " a log never shrinks"
        )
        raise InconsistentTrees(message)
    expected = len(consistency_ranges(old_size, new_size))
    _check_proof(proof, expected, f"{old_size} leaves to {new_size}")
    _check_trivial_consistency(old_size, new_size, old_root, new_root)
    if old_size in {0, new_size}:
        return
    computed_old, computed_new = _roots_from_consistency_path(old_size, new_size, old_root, proof)
    if computed_old != old_root:
        message = (
            f"old root mismatch: the proof leads to {computed_old.hex()}, not {old_root.hex()}"
        )
        raise InvalidProof(message)
    if computed_new != new_root:
        message = (
            f"new root mismatch: the proof leads to {computed_new.hex()}, not {new_root.hex()}"
        )
        raise InvalidProof(message)
