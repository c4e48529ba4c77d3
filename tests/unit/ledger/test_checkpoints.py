"""Signed checkpoints: round trips, cosignatures, and one specific refusal per malformed note.

The signed-note format itself is pinned to the published example of Go's sumdb note package
(golang.org/x/mod/sumdb/note, the package documentation and note_test.go): its verifier key, its
signer key and its signed note, which Ed25519's deterministic signatures let us reproduce byte
for byte.
"""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mynumber.ledger.checkpoints import (
    Checkpoint,
    add_cosignature,
    open_checkpoint,
    sign_checkpoint,
    verifier_key,
)
from mynumber.ledger.exceptions import (
    BadSignature,
    DuplicateSignature,
    InvalidCheckpoint,
    InvalidCheckpointBody,
    InvalidVerifierKey,
    InvalidVerifiers,
    MalformedNote,
    NoVerifiers,
    UnverifiedCheckpoint,
)
from mynumber.ledger.merkle import EMPTY_ROOT, leaf_hash
from mynumber.ledger.notes import key_id, open_note, sign_note

GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
    "SNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
).encode()

LOG = "ledger.mynumber.example/exchange"
WITNESS = "oversight.mynumber.example/witness"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))
HEAD = Checkpoint(LOG, 5, leaf_hash(b"five entries, say"))
TRUST_LOG = {LOG: LOG_KEY.public_key()}
TRUST_BOTH = {LOG: LOG_KEY.public_key(), WITNESS: WITNESS_KEY.public_key()}


def _signed_text(text: str) -> bytes:
    """Return an arbitrary text signed by the log's key, bypassing the checkpoint's own checks."""
    return sign_note(text, LOG, LOG_KEY)


def test_the_go_sumdb_example_note_is_reproduced_and_verified() -> None:
    """Go's published verifier key, signed note and its verification are reproduced exactly."""
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])[1:]  # the key data holds a "+"
    key = Ed25519PrivateKey.from_private_bytes(seed)
    assert verifier_key("PeterNeumann", key.public_key()) == GO_VKEY
    assert sign_note(GO_TEXT, "PeterNeumann", key) == GO_NOTE
    assert open_note(GO_NOTE, [GO_VKEY]) == GO_TEXT


def test_a_signed_checkpoint_opens_to_the_same_checkpoint() -> None:
    """Signing then opening gives the checkpoint back, with keys given as objects or vkeys."""
    note = sign_checkpoint(HEAD, LOG, LOG_KEY)
    assert note.startswith(HEAD.body() + b"\n\xe2\x80\x94 " + LOG.encode() + b" ")
    assert open_checkpoint(note, TRUST_LOG) == HEAD
    assert open_checkpoint(note, [verifier_key(LOG, LOG_KEY.public_key())]) == HEAD
    assert open_checkpoint(note, verifier_key(LOG, LOG_KEY.public_key())) == HEAD


def test_the_body_is_origin_size_and_base64_root() -> None:
    """The body is three newline-terminated lines and parses back to the same checkpoint."""
    body = HEAD.body()
    encoded = base64.b64encode(HEAD.root_hash)
    assert body == LOG.encode() + b"\n5\n" + encoded + b"\n"
    assert Checkpoint.from_body(body.decode()) == HEAD


@pytest.mark.parametrize("mask", [0x01, 0x02, 0x40])
def test_a_flipped_bit_anywhere_in_the_note_fails(mask: int) -> None:
    """Flipping a bit in any byte of a signed or cosigned note makes it fail to open."""
    single = sign_checkpoint(HEAD, LOG, LOG_KEY)
    double = add_cosignature(single, WITNESS, WITNESS_KEY)
    for note, trusted, required in ((single, TRUST_LOG, 1), (double, TRUST_BOTH, 2)):
        accepted = []
        for position in range(len(note)):
            altered = bytearray(note)
            altered[position] ^= mask
            try:
                open_checkpoint(bytes(altered), trusted, required=required)
            except InvalidCheckpoint:
                continue
            accepted.append(position)
        assert accepted == []


def test_a_note_signed_only_by_an_unknown_key_is_unverified() -> None:
    """A signature by a key the caller does not trust is ignored, leaving nothing verified."""
    note = sign_checkpoint(HEAD, LOG, OTHER_KEY)
    with pytest.raises(UnverifiedCheckpoint, match=f"signed by 0 of the 1 .* by: {LOG}"):
        open_checkpoint(note, TRUST_LOG)


def test_a_signature_under_a_trusted_key_id_that_does_not_verify_is_bad() -> None:
    """A line naming the log's key but signed by another key rejects the whole note."""
    blob = key_id(LOG, LOG_KEY.public_key()) + OTHER_KEY.sign(HEAD.body())
    line = f"\u2014 {LOG} {base64.b64encode(blob).decode()}\n"
    with pytest.raises(BadSignature, match="does not verify"):
        open_checkpoint(HEAD.body() + b"\n" + line.encode(), TRUST_LOG)


@pytest.mark.parametrize("verifiers", [{}, []], ids=["mapping", "vkeys"])
def test_no_verifiers_is_refused(verifiers: dict[str, Ed25519PublicKey] | list[str]) -> None:
    """Opening with no trusted keys fails closed with NoVerifiers."""
    note = sign_checkpoint(HEAD, LOG, LOG_KEY)
    with pytest.raises(NoVerifiers, match="no trusted keys"):
        open_checkpoint(note, verifiers)


def test_a_note_without_its_trailing_newline_is_malformed() -> None:
    """A note whose last signature line lacks its newline raises MalformedNote."""
    note = sign_checkpoint(HEAD, LOG, LOG_KEY)
    with pytest.raises(MalformedNote, match="does not end in a newline"):
        open_checkpoint(note[:-1], TRUST_LOG)


@pytest.mark.parametrize(
    "size", ["five", "05", "+5", "-5", " 5", "5.0", "٥", "18446744073709551616"]
)
def test_a_size_that_is_not_plain_decimal_is_refused(size: str) -> None:
    """A tree size with letters, a sign, leading zeros, other digits or past 2**64 is refused."""
    root_line = base64.b64encode(HEAD.root_hash).decode()
    note = _signed_text(f"{LOG}\n{size}\n{root_line}\n")
    with pytest.raises(InvalidCheckpointBody, match="tree size"):
        open_checkpoint(note, TRUST_LOG)


@pytest.mark.parametrize(
    "root_line",
    [
        base64.b64encode(bytes(31)).decode(),
        base64.b64encode(bytes(33)).decode(),
        base64.b64encode(bytes(32)).decode().rstrip("="),
        "not base64!",
        bytes(32).hex(),
    ],
    ids=["31 bytes", "33 bytes", "unpadded", "junk", "hex"],
)
def test_a_root_that_is_not_base64_of_32_bytes_is_refused(root_line: str) -> None:
    """A root hash line that does not decode to exactly 32 bytes is refused."""
    note = _signed_text(f"{LOG}\n5\n{root_line}\n")
    with pytest.raises(InvalidCheckpointBody, match="root hash"):
        open_checkpoint(note, TRUST_LOG)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"{LOG}\n5\n", "has 3 lines"),
        ("{body}extension\n", "extension lines"),
        ("\n5\n{root}\n", "origin"),
    ],
)
def test_a_body_with_the_wrong_lines_is_refused(text: str, reason: str) -> None:
    """Too few lines, extension lines or an empty origin are refused once the signature holds."""
    root_line = base64.b64encode(HEAD.root_hash).decode()
    note = _signed_text(text.format(body=HEAD.body().decode(), root=root_line))
    with pytest.raises(InvalidCheckpointBody, match=reason):
        open_checkpoint(note, TRUST_LOG)


def test_a_cosigned_note_verifies_with_either_key_or_both() -> None:
    """A witness's cosignature keeps the log's valid, and each key alone opens the note."""
    note = add_cosignature(sign_checkpoint(HEAD, LOG, LOG_KEY), WITNESS, WITNESS_KEY)
    assert open_checkpoint(note, TRUST_LOG) == HEAD
    assert open_checkpoint(note, {WITNESS: WITNESS_KEY.public_key()}) == HEAD
    assert open_checkpoint(note, TRUST_BOTH, required=2) == HEAD


def test_requiring_a_cosignature_refuses_a_note_signed_by_the_log_alone() -> None:
    """With both keys required, the log's signature alone is not enough."""
    note = sign_checkpoint(HEAD, LOG, LOG_KEY)
    with pytest.raises(UnverifiedCheckpoint, match="signed by 1 of the 2"):
        open_checkpoint(note, TRUST_BOTH, required=2)


def test_an_unknown_extra_signature_is_ignored() -> None:
    """A signature by an untrusted key beside the log's does not stop the note opening."""
    note = add_cosignature(sign_checkpoint(HEAD, LOG, LOG_KEY), "stranger.example", OTHER_KEY)
    assert open_checkpoint(note, TRUST_LOG) == HEAD


def test_cosigning_twice_with_one_key_is_refused() -> None:
    """A witness cannot add a second signature by the same key."""
    note = add_cosignature(sign_checkpoint(HEAD, LOG, LOG_KEY), WITNESS, WITNESS_KEY)
    with pytest.raises(DuplicateSignature, match=WITNESS):
        add_cosignature(note, WITNESS, WITNESS_KEY)
    line = note.splitlines(keepends=True)[-1]
    with pytest.raises(DuplicateSignature, match="two signatures"):
        open_checkpoint(note + line, TRUST_BOTH)


def test_a_witness_cosigns_only_checkpoints() -> None:
    """Cosigning a note whose text is not a checkpoint is refused."""
    with pytest.raises(InvalidCheckpointBody):
        add_cosignature(_signed_text("hello\n"), WITNESS, WITNESS_KEY)


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        (b"\xff\n\n", "not UTF-8"),
        (b"text\n\xe2\x80\x94 a b\n", "no blank line"),
        (b"text\n\n", "no signature lines"),
        (b"text\r\n\n\xe2\x80\x94 a AAAAAAA=\n", "control character U\\+000D"),
        (b"text\n\n- a AAAAAAA=\n", "em dash"),
        (b"text\n\n\xe2\x80\x94 a+b AAAAAAA=\n", "is not '"),
        (b"text\n\n\xe2\x80\x94 a AAAAAAA\n", "canonical base64"),
        (b"text\n\n\xe2\x80\x94 a AAAAAA==\n", "no signature"),
        (b"text\n\n" + b"\xe2\x80\x94 a AAAAAAA=\n" * 33, "at most 32"),
    ],
)
def test_a_broken_envelope_is_malformed(note: bytes, reason: str) -> None:
    """Each way of breaking the signed-note envelope raises MalformedNote with its reason."""
    with pytest.raises(MalformedNote, match=reason):
        open_checkpoint(note, TRUST_LOG)


@pytest.mark.parametrize(
    ("origin", "size", "root_hash", "reason"),
    [
        ("", 5, HEAD.root_hash, "origin"),
        (LOG, -1, HEAD.root_hash, "tree size"),
        (LOG, 2**64, HEAD.root_hash, "tree size"),
        (LOG, 5, bytes(31), "31 bytes"),
        (LOG, 0, HEAD.root_hash, "empty tree"),
    ],
)
def test_a_checkpoint_that_cannot_be_is_refused(
    origin: str, size: int, root_hash: bytes, reason: str
) -> None:
    """Constructing a checkpoint with an empty origin, a bad size or a bad root is refused."""
    with pytest.raises(InvalidCheckpointBody, match=reason):
        Checkpoint(origin, size, root_hash)


def test_an_empty_tree_checkpoint_round_trips() -> None:
    """The checkpoint of an empty log carries size 0 and the empty root."""
    head = Checkpoint(LOG, 0, EMPTY_ROOT)
    assert open_checkpoint(sign_checkpoint(head, LOG, LOG_KEY), TRUST_LOG) == head


@pytest.mark.parametrize(
    ("vkey", "reason"),
    [
        (GO_VKEY.replace("c74f20a3", "c74f20a4"), "names key ID c74f20a4"),
        (GO_VKEY.replace("c74f20a3", "C74F20A3"), "lowercase hex"),
        (GO_VKEY.replace("+ARpc", "+AhpC"), "0x01"),
        ("PeterNeumann", "malformed"),
        ("Peter Neumann+c74f20a3+" + GO_VKEY.rsplit("+", 1)[1], "space"),
    ],
)
def test_a_malformed_verifier_key_is_refused(vkey: str, reason: str) -> None:
    """A vkey with a wrong key ID, type byte, key or name raises InvalidVerifierKey."""
    with pytest.raises(InvalidVerifierKey, match=reason):
        open_note(GO_NOTE, [vkey])


def test_a_policy_that_can_never_pass_is_refused() -> None:
    """Requiring more signatures than there are trusted keys, or none, is refused."""
    note = sign_checkpoint(HEAD, LOG, LOG_KEY)
    for required in (0, 2):
        with pytest.raises(InvalidVerifiers, match=f"required={required}"):
            open_checkpoint(note, TRUST_LOG, required=required)


def test_signing_refuses_a_key_name_with_a_space_or_plus() -> None:
    """A key name holding a space or a plus sign cannot sign."""
    for name in ("bad name", "bad+name", ""):
        with pytest.raises(InvalidVerifierKey):
            sign_checkpoint(HEAD, name, LOG_KEY)
