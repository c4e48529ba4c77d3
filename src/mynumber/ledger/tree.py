"""Appends and proofs from stored subtree hashes: the Merkle tree as a database-backed log keeps it.

Node ``(level, index)`` is the complete subtree over leaves ``index * 2**level`` up to (not
including) ``(index + 1) * 2**level``; level 0 holds the leaf hashes. A complete node never changes
once it exists -- the log only appends -- so each node is written once, never updated, and every
proof against every older checkpoint reads the same nodes.

How a log kept in a database is meant to use this module:

1. Keep one table of nodes keyed by ``(level, index)`` (about 2n rows for n entries) next to the
   entries, and the tree size.
2. To append the entry at position ``size``: take the right border -- a :class:`CompactRange` kept
   in memory, or rebuilt with :meth:`CompactRange.from_nodes` from the at most log2(n) rows at
   ``border_positions(size)`` -- and insert the rows that ``stored_nodes_for_append(size,
   leaf_hash(entry), border)`` (or :meth:`CompactRange.append`) returns, in the same transaction as
   the entry: one plus the number of trailing one bits of ``size``, two on average.
3. The root at any size up to the current one is ``root_from_nodes``: at most log2(n) reads.
4. An inclusion or consistency proof needs one stored node per sibling that is a complete subtree
   and, for the one sibling that ends at the tree's right edge, at most log2(n) more: at 10**7
   entries about 48 primary-key reads. Fetch them in one query -- ``inclusion_positions`` and
   ``consistency_positions`` list them -- and pass a dictionary's lookup as ``get_node``.

``get_node(level, index)`` must return the 32-byte hash of a complete node; what it raises for a
node that is not stored reaches the caller unchanged.

>>> from mynumber.ledger.merkle import inclusion_proof, leaf_hash
>>> leaves = [leaf_hash(bytes([i])) for i in range(6)]
>>> tree, store = CompactRange(), {}
>>> for leaf in leaves:
...     store.update({(n.level, n.index): n.hash for n in tree.append(leaf)})
>>> sorted(store)[-3:]
[(1, 1), (1, 2), (2, 0)]
>>> inclusion_proof_from_nodes(4, 6, lambda level, index: store[level, index]) == (
...     inclusion_proof(leaves, 4))
True
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from mynumber.ledger.exceptions import InvalidRange, InvalidTreeState
from mynumber.ledger.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    border_root,
    consistency_ranges,
    inclusion_ranges,
    node_hash,
)

#: ``get_node(level, index)``: the hash of the complete node at that position.
NodeReader: TypeAlias = Callable[[int, int], bytes]


@dataclass(frozen=True, slots=True)
class Node:
    """A complete subtree's hash at its position, as a storage layer persists it."""

    level: int
    index: int
    hash: bytes


def subtree_positions(start: int, end: int) -> list[tuple[int, int]]:
    """Return the positions of the fewest complete nodes covering leaves ``start`` to ``end``.

    >>> subtree_positions(0, 7)
    [(2, 0), (1, 2), (0, 6)]
    >>> subtree_positions(8, 11)
    [(1, 4), (0, 10)]
    """
    if not 0 <= start <= end:
        message = f"leaves {start} to {end} are not a range of a tree"
        raise InvalidRange(message)
    positions: list[tuple[int, int]] = []
    while start < end:
        fits = (end - start).bit_length() - 1
        aligned = (start & -start).bit_length() - 1 if start else fits
        level = min(fits, aligned)
        positions.append((level, start >> level))
        start += 1 << level
    return positions


def border_positions(size: int) -> list[tuple[int, int]]:
    """Return the positions of the right border of a tree of ``size`` leaves, largest first.

    >>> border_positions(6)
    [(2, 0), (1, 2)]
    """
    return subtree_positions(0, size)


def _read(get_node: NodeReader, level: int, index: int) -> bytes:
    """Return a stored node's hash, refusing one of the wrong size."""
    value = get_node(level, index)
    if len(value) != HASH_SIZE:
        message = f"the node store returned {len(value)} bytes for node ({level}, {index}), not 32"
        raise InvalidTreeState(message)
    return value


def subtree_hash(start: int, end: int, get_node: NodeReader) -> bytes:
    """Return MTH of leaves ``start`` to ``end``, a subtree of the RFC's split, from stored nodes.

    ``start`` must be a multiple of the smallest power of two at least ``end - start``, as every
    range a proof names is; the complete nodes covering it are read and hashed from the right.
    """
    if end <= start or start % (1 << (end - start - 1).bit_length()):
        message = f"leaves {start} to {end} are not a subtree of a Merkle tree"
        raise InvalidRange(message)
    return border_root([_read(get_node, *where) for where in subtree_positions(start, end)])


def root_from_nodes(size: int, get_node: NodeReader) -> bytes:
    """Return the root of the tree's first ``size`` leaves, reading at most log2(size) nodes."""
    if size == 0:
        return EMPTY_ROOT
    return subtree_hash(0, size, get_node)


def inclusion_proof_from_nodes(index: int, size: int, get_node: NodeReader) -> list[bytes]:
    """Return the inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return [subtree_hash(start, end, get_node) for start, end in inclusion_ranges(index, size)]


def consistency_proof_from_nodes(old_size: int, new_size: int, get_node: NodeReader) -> list[bytes]:
    """Return the proof that the tree of ``old_size`` leaves is a prefix of that of ``new_size``."""
    ranges = consistency_ranges(old_size, new_size)
    return [subtree_hash(start, end, get_node) for start, end in ranges]


def _positions(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the distinct node positions covering the ranges, sorted."""
    return sorted({where for start, end in ranges for where in subtree_positions(start, end)})


def inclusion_positions(index: int, size: int) -> list[tuple[int, int]]:
    """Return every node position ``inclusion_proof_from_nodes`` reads, to fetch them at once.

    >>> inclusion_positions(4, 6)
    [(0, 5), (2, 0)]
    """
    return _positions(inclusion_ranges(index, size))


def consistency_positions(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Return every node position ``consistency_proof_from_nodes`` reads, to fetch them at once."""
    return _positions(consistency_ranges(old_size, new_size))


def _check_border(size: int, border: Sequence[bytes]) -> None:
    """Refuse a right border that cannot be that of a tree of ``size`` leaves."""
    if size < 0:
        message = f"a tree cannot have {size} leaves"
        raise InvalidTreeState(message)
    if len(border) != size.bit_count():
        message = (
            f"a tree of {size} leaves has {size.bit_count()} subtrees on its right border, "
            f"not {len(border)}"
        )
        raise InvalidTreeState(message)
    for position, value in enumerate(border):
        if len(value) != HASH_SIZE:
            message = f"border hash {position} is {len(value)} bytes; node hashes are 32"
            raise InvalidTreeState(message)


def stored_nodes_for_append(
    size: int, leaf_hash: bytes, right_border: Sequence[bytes]
) -> list[Node]:
    """Return the nodes that become complete when ``leaf_hash`` is appended as leaf ``size``.

    ``right_border`` is the tree's right border before the append (largest subtree first). The
    first node is the leaf itself at level 0; each further one merges it with a border subtree.

    >>> [(n.level, n.index) for n in stored_nodes_for_append(3, bytes(32), [bytes(32)] * 2)]
    [(0, 3), (1, 1), (2, 0)]
    """
    _check_border(size, right_border)
    if len(leaf_hash) != HASH_SIZE:
        message = f"the leaf hash is {len(leaf_hash)} bytes; leaf hashes are 32"
        raise InvalidTreeState(message)
    nodes = [Node(0, size, leaf_hash)]
    merged, level, index, remaining = leaf_hash, 0, size, list(right_border)
    while index & 1:
        merged = node_hash(remaining.pop(), merged)
        level, index = level + 1, index >> 1
        nodes.append(Node(level, index, merged))
    return nodes


class CompactRange:
    """The right border of a growing tree: at most log2(n) hashes give its root and its appends.

    >>> from mynumber.ledger.merkle import leaf_hash, root
    >>> tree = CompactRange()
    >>> for entry in (b"a", b"b", b"c"):
    ...     _ = tree.append(leaf_hash(entry))
    >>> tree.size, len(tree.border), tree.root() == root([leaf_hash(e) for e in (b"a", b"b", b"c")])
    (3, 2, True)
    """

    __slots__ = ("_border", "_size")

    def __init__(self, size: int = 0, border: Sequence[bytes] = ()) -> None:
        """Start from a tree of ``size`` leaves whose right border is ``border``."""
        _check_border(size, border)
        self._size = size
        self._border = tuple(border)

    @classmethod
    def from_nodes(cls, size: int, get_node: NodeReader) -> "CompactRange":
        """Rebuild the compact range of a stored tree from the nodes on its right border."""
        return cls(size, [_read(get_node, *where) for where in border_positions(size)])

    @property
    def size(self) -> int:
        """Return the number of leaves."""
        return self._size

    @property
    def border(self) -> tuple[bytes, ...]:
        """Return the right border's hashes, largest subtree first."""
        return self._border

    def append(self, leaf_hash: bytes) -> list[Node]:
        """Append a leaf and return the nodes that became complete, for storage."""
        nodes = stored_nodes_for_append(self._size, leaf_hash, self._border)
        kept = len(self._border) - (len(nodes) - 1)
        self._border = (*self._border[:kept], nodes[-1].hash)
        self._size += 1
        return nodes

    def root(self) -> bytes:
        """Return the root of the tree, hashing at most log2(n) border nodes."""
        return border_root(self._border)

    def __repr__(self) -> str:
        """Show the size and the root."""
        return f"CompactRange(size={self._size}, root={self.root().hex()})"
