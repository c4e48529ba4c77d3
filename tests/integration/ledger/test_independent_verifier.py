"""The hub's proofs and checkpoints, checked over HTTP by a verifier that shares no ledger code.

The verifier below is written from RFC 9162 (sections 2.1.1, 2.1.3.2 and 2.1.4.2) and from the
C2SP signed-note and tlog-checkpoint texts, with nothing but ``hashlib``, ``base64`` and
``cryptography``'s Ed25519: it imports nothing from ``mynumber.ledger``. If the hub and this
verifier agree, the hub's proofs are the RFC's, not merely its own.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

if TYPE_CHECKING:
    import httpx

pytestmark = pytest.mark.anyio

ENTRIES = 50
#: Crockford's base32, in which the hub writes disclosure codes (26 characters).
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: The sizes at which the test asks the hub for a checkpoint while it fills the ledger.
CHECKPOINTS = (1, 2, 7, 8, 16, 33, 49, 50)


def _entry(number: int) -> dict[str, object]:
    """Return the entry the test appends as number ``number``: an exchange about one person."""
    digest = hashlib.sha256(f"person {number % 7}".encode()).digest()
    return {
        "kind": "exchange",
        "disclosure_code": "".join(CROCKFORD[byte % 32] for byte in digest[:26]),
        "task": "child-allowance",
        "sequence": number,
    }


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    """RFC 9162 2.1.1: an interior node is SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right)


def rfc_leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 2.1.1: a leaf is SHA-256(0x00 || entry)."""
    return _sha256(b"\x00" + entry)


def _shift_while_even(fn: int, sn: int) -> tuple[int, int]:
    """Right-shift fn and sn equally until LSB(fn) is set or fn is 0."""
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def rfc_verify_inclusion(
    leaf: bytes, index: int, size: int, path: list[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2, step by step."""
    if index >= size:  # 1
        return False
    fn, sn = index, size - 1  # 2
    r = leaf  # 3
    for p in path:  # 4
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                fn, sn = _shift_while_even(fn, sn)
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root  # 5


def rfc_verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, path: list[bytes]
) -> bool:
    """RFC 9162 2.1.4.2, step by step (0 < first < second)."""
    if not path:  # 1
        return False
    if first & (first - 1) == 0:  # 2: first is an exact power of 2
        path = [first_hash, *path]
    fn, sn = first - 1, second - 1  # 3
    while fn & 1:  # 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # 5
    for c in path[1:]:  # 6
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            if not fn & 1:
                fn, sn = _shift_while_even(fn, sn)
        else:
            sr = _node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0  # 7


@dataclass(frozen=True)
class Head:
    """A checkpoint's three lines, once its signature has verified."""

    origin: str
    size: int
    root: bytes


def parse_vkey(vkey: str) -> tuple[str, bytes, Ed25519PublicKey]:
    """Split ``name+keyid+base64(0x01 || key)`` and check the key ID against the key."""
    name, key_id, encoded = vkey.split("+", 2)  # base64 may hold "+" too
    blob = base64.b64decode(encoded, validate=True)
    assert blob[:1] == b"\x01"
    assert len(blob) == 33
    assert _sha256(name.encode() + b"\n" + blob)[:4].hex() == key_id
    return name, bytes.fromhex(key_id), Ed25519PublicKey.from_public_bytes(blob[1:])


def open_note(note: str, vkey: str) -> Head:
    """Check the note's signature by the hub's key; return the checkpoint it carries."""
    name, key_id, public_key = parse_vkey(vkey)
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    signed = False
    for line in signatures.removesuffix("\n").split("\n"):
        dash, signer, encoded = line.split(" ")
        blob = base64.b64decode(encoded, validate=True)
        if dash != "\u2014" or signer != name or blob[:4] != key_id:
            continue
        public_key.verify(blob[4:], text.encode())  # raises InvalidSignature
        signed = True
    assert signed, "the note carries no signature by the hub's key"
    origin, size, root, end = text.split("\n")
    assert end == ""
    assert size == str(int(size))
    return Head(origin, int(size), base64.b64decode(root, validate=True))


async def _fill(hub: httpx.AsyncClient, registry: httpx.AsyncClient) -> dict[int, Head]:
    """Append the entries over HTTP as the registry, with checkpoints on the way; return them."""
    vkey = (await hub.get("/api/ledger/key")).text
    heads = {}
    for number in range(ENTRIES):
        response = await registry.post("api/ledger/entries", json=_entry(number))
        assert response.status_code == HTTPStatus.CREATED, response.text
        assert response.json()["index"] == number
        if number + 1 in CHECKPOINTS:
            note = (await hub.get("/api/ledger/checkpoint")).text
            heads[number + 1] = open_note(note, vkey)
    assert {head.origin for head in heads.values()} == {vkey.split("+")[0]}
    return heads


async def _leaf(hub: httpx.AsyncClient, index: int) -> bytes:
    """Fetch an entry and hash it here; check it against the hub's leaf hash."""
    answer = (await hub.get(f"/api/ledger/entries/{index}")).json()
    leaf = rfc_leaf_hash(base64.b64decode(answer["entry"], validate=True))
    assert answer["leaf_hash"] == leaf.hex()
    return leaf


async def test_every_inclusion_proof_verifies_by_the_rfc(
    hub: httpx.AsyncClient, registry_client: httpx.AsyncClient
) -> None:
    """Every entry's inclusion proof, against every checkpoint that holds it, verifies."""
    heads = await _fill(hub, registry_client)
    vkey = (await hub.get("/api/ledger/key")).text
    for index in range(ENTRIES):
        leaf = await _leaf(hub, index)
        for size in (size for size in CHECKPOINTS if size > index):
            params = {"index": index, "size": size}
            answer = (await hub.get("/api/ledger/proofs/inclusion", params=params)).json()
            head = open_note(answer["checkpoint"], vkey)
            assert head == heads[size]
            path = [bytes.fromhex(value) for value in answer["proof"]]
            assert rfc_verify_inclusion(leaf, index, size, path, head.root)
            assert not rfc_verify_inclusion(leaf, index, size, path, _sha256(head.root))
            if path:
                bent = [path[0][:-1] + bytes([path[0][-1] ^ 1]), *path[1:]]
                assert not rfc_verify_inclusion(leaf, index, size, bent, head.root)


async def test_consistency_proofs_verify_by_the_rfc(
    hub: httpx.AsyncClient, registry_client: httpx.AsyncClient
) -> None:
    """Between every two checkpoints, the hub's consistency proof verifies; a bent one fails."""
    heads = await _fill(hub, registry_client)
    vkey = (await hub.get("/api/ledger/key")).text
    for old, new in itertools.combinations(CHECKPOINTS, 2):
        params = {"old": old, "new": new}
        answer = (await hub.get("/api/ledger/proofs/consistency", params=params)).json()
        assert open_note(answer["checkpoint"], vkey) == heads[new]
        path = [bytes.fromhex(value) for value in answer["proof"]]
        assert rfc_verify_consistency(old, new, heads[old].root, heads[new].root, path)
        bent = [*path[:-1], _sha256(path[-1])]
        assert not rfc_verify_consistency(old, new, heads[old].root, heads[new].root, bent)
    latest = (await hub.get("/api/ledger/proofs/consistency", params={"old": 33})).json()
    assert latest["new"] == ENTRIES


async def test_the_checkpoint_signature_is_the_hubs(
    hub: httpx.AsyncClient, registry_client: httpx.AsyncClient
) -> None:
    """The note verifies with the hub's key; an altered note does not."""
    heads = await _fill(hub, registry_client)
    note = (await hub.get("/api/ledger/checkpoint")).text
    vkey = (await hub.get("/api/ledger/key")).text
    assert open_note(note, vkey) == heads[ENTRIES]
    forged = note.replace(f"\n{ENTRIES}\n", f"\n{ENTRIES + 1}\n", 1)
    with pytest.raises(InvalidSignature):
        open_note(forged, vkey)
