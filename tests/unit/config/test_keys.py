"""Key files: written private and never overwritten; refused with a way out when unusable."""

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from mynumber.deployment import NodeKind
from mynumber.keys import (
    BLIND_INDEX,
    FIELD_ENCRYPTION,
    INSTITUTION_CODES,
    JPKI_AUTHENTICATION_CA,
    JPKI_SIGNATURE_CA,
    LEDGER_SIGNING,
    NODE_SIGNING,
    NUMBER_AUTHORITY,
    OCSP_RESPONDER,
    RECEIPT_SIGNING,
    SEALED_ENTRIES,
    DemoKeysRefusedError,
    KeyRefusedError,
    create_node_keys,
    generate_node_keys,
    key_directory,
    key_files,
    load_node_keys,
    public_keys_of,
    write_node_keys,
)
from mynumber.storage import FieldKeys

HOW_TO_CREATE = r"`mynumber init DIR`"


def _mode(path: Path) -> int:
    """Return the permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (
            NodeKind.REGISTRY,
            {
                *(FIELD_ENCRYPTION, BLIND_INDEX, NODE_SIGNING, NUMBER_AUTHORITY),
                *(JPKI_SIGNATURE_CA, JPKI_AUTHENTICATION_CA, OCSP_RESPONDER, RECEIPT_SIGNING),
            },
        ),
        (
            NodeKind.HUB,
            {FIELD_ENCRYPTION, BLIND_INDEX, NODE_SIGNING, LEDGER_SIGNING, INSTITUTION_CODES},
        ),
        (NodeKind.OVERSIGHT, {FIELD_ENCRYPTION, BLIND_INDEX, NODE_SIGNING, SEALED_ENTRIES}),
        (NodeKind.INSTITUTION, {FIELD_ENCRYPTION, BLIND_INDEX, NODE_SIGNING}),
    ],
)
def test_each_kind_gets_its_key_files_private(
    tmp_path: Path, kind: NodeKind, expected: set[str]
) -> None:
    """Field and node-signing keys everywhere, each kind's own keys besides; all 0600."""
    directory = create_node_keys(tmp_path, "node-1", kind)
    assert directory == key_directory(tmp_path, "node-1") == tmp_path / "keys" / "node-1"
    assert {path.name for path in directory.iterdir()} == expected == set(key_files(kind))
    assert {_mode(path) for path in directory.iterdir()} == {0o600}
    assert _mode(directory) == _mode(directory.parent) == 0o700


def test_keys_load_back_as_typed_node_keys(tmp_path: Path) -> None:
    """Loading gives 32-byte keys, the registry's FF1 key, and the FieldKeys storage needs."""
    create_node_keys(tmp_path, "registry", NodeKind.REGISTRY)
    keys = load_node_keys(tmp_path, "registry", NodeKind.REGISTRY, demo_allowed=False)
    assert len(keys.field_encryption) == len(keys.blind_index) == 32
    assert keys.number_authority is not None
    assert len(keys.number_authority) == 32
    assert keys.ledger_signing is None
    assert keys.institution_codes is None
    assert not keys.demo
    assert keys.jpki is not None
    assert keys.jpki.signature_ca.key_size == keys.jpki.authentication_ca.key_size == 2048
    assert keys.jpki.signature_ca.private_numbers() != keys.jpki.authentication_ca.private_numbers()
    keys.jpki.receipt_signing.public_key().verify(keys.jpki.receipt_signing.sign(b"r"), b"r")
    assert keys.field_keys == FieldKeys(keys.field_encryption, keys.blind_index)
    assert keys.field_encryption.hex() not in repr(keys)


def test_the_hub_signing_key_is_ed25519_pkcs8(tmp_path: Path) -> None:
    """The hub's ledger key is an Ed25519 private key stored as PKCS#8 PEM and signs."""
    directory = create_node_keys(tmp_path, "hub", NodeKind.HUB)
    assert (directory / LEDGER_SIGNING).read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    keys = load_node_keys(tmp_path, "hub", NodeKind.HUB, demo_allowed=False)
    assert keys.ledger_signing is not None
    keys.ledger_signing.public_key().verify(keys.ledger_signing.sign(b"cp"), b"cp")


def test_the_hub_code_key_is_32_hex_bytes(tmp_path: Path) -> None:
    """The hub's institution-code key is 32 random bytes in hex, loaded only for the hub."""
    directory = create_node_keys(tmp_path, "hub", NodeKind.HUB)
    text = (directory / INSTITUTION_CODES).read_text(encoding="ascii").strip()
    keys = load_node_keys(tmp_path, "hub", NodeKind.HUB, demo_allowed=False)
    assert keys.institution_codes == bytes.fromhex(text)
    assert len(keys.institution_codes) == 32
    assert keys.institution_codes != keys.field_encryption
    assert text not in repr(keys)


def test_two_nodes_never_share_a_key(tmp_path: Path) -> None:
    """Keys are freshly random for every node."""
    create_node_keys(tmp_path, "a", NodeKind.PORTAL)
    create_node_keys(tmp_path, "b", NodeKind.PORTAL)
    first = load_node_keys(tmp_path, "a", NodeKind.PORTAL, demo_allowed=False)
    second = load_node_keys(tmp_path, "b", NodeKind.PORTAL, demo_allowed=False)
    assert first.field_encryption != second.field_encryption
    assert first.blind_index != second.blind_index
    assert first.public.signing != second.public.signing


@pytest.mark.parametrize("kind", [NodeKind.PORTAL, NodeKind.REGISTRY, NodeKind.INSTITUTION])
def test_every_node_has_an_ed25519_request_key_and_no_sealing_key(
    tmp_path: Path, kind: NodeKind
) -> None:
    """node-signing.key is Ed25519 PKCS#8 and signs; only oversight has a sealing key."""
    directory = create_node_keys(tmp_path, "node-1", kind)
    assert (directory / NODE_SIGNING).read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    keys = load_node_keys(tmp_path, "node-1", kind, demo_allowed=False)
    keys.node_signing.public_key().verify(keys.node_signing.sign(b"request"), b"request")
    assert keys.sealing is None
    assert keys.public.sealing is None
    assert "node_signing" not in repr(keys)


def test_the_oversight_node_has_an_x25519_sealing_key(tmp_path: Path) -> None:
    """sealed-entries.key is X25519 PKCS#8; a shared secret with it matches on both sides."""
    directory = create_node_keys(tmp_path, "oversight", NodeKind.OVERSIGHT)
    assert (directory / SEALED_ENTRIES).read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    keys = load_node_keys(tmp_path, "oversight", NodeKind.OVERSIGHT, demo_allowed=False)
    assert keys.sealing is not None
    hub = X25519PrivateKey.generate()
    assert hub.exchange(keys.sealing.public_key()) == keys.sealing.exchange(hub.public_key())


def test_public_keys_are_the_base64_of_the_raw_public_halves(tmp_path: Path) -> None:
    """What deployment.toml lists: 32 raw bytes in base64, of the keys the node loads."""
    create_node_keys(tmp_path, "oversight", NodeKind.OVERSIGHT)
    keys = load_node_keys(tmp_path, "oversight", NodeKind.OVERSIGHT, demo_allowed=False)
    raw = keys.node_signing.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert base64.b64decode(keys.public.signing) == raw
    assert keys.public.sealing is not None
    assert len(base64.b64decode(keys.public.sealing)) == 32
    assert keys.public == public_keys_of(keys.node_signing, keys.sealing)


def test_generated_keys_are_written_as_they_were_made(tmp_path: Path) -> None:
    """The public keys of generate_node_keys are those of the files write_node_keys writes."""
    fresh = generate_node_keys(NodeKind.OVERSIGHT)
    write_node_keys(tmp_path, "oversight", fresh)
    keys = load_node_keys(tmp_path, "oversight", NodeKind.OVERSIGHT, demo_allowed=False)
    assert keys.public == fresh.public
    assert "PRIVATE" not in repr(fresh)


def test_existing_keys_are_never_overwritten(tmp_path: Path) -> None:
    """Creating keys where a key exists is refused and leaves the old key as it was."""
    directory = create_node_keys(tmp_path, "hub", NodeKind.HUB)
    before = (directory / FIELD_ENCRYPTION).read_bytes()
    with pytest.raises(KeyRefusedError, match="already exists and is never overwritten"):
        create_node_keys(tmp_path, "hub", NodeKind.HUB)
    assert (directory / FIELD_ENCRYPTION).read_bytes() == before
    assert not [path for path in directory.iterdir() if path.name.endswith(".tmp")]


def test_a_missing_key_says_how_to_create_one(tmp_path: Path) -> None:
    """A node without key files is refused, naming the file and `mynumber init DIR`."""
    with pytest.raises(
        KeyRefusedError, match=rf"field-encryption.key: .* missing; .*{HOW_TO_CREATE}"
    ):
        load_node_keys(tmp_path, "portal", NodeKind.PORTAL, demo_allowed=False)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_a_key_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    """A group- or world-readable key is treated as leaked: refused, with both ways out."""
    directory = create_node_keys(tmp_path, "portal", NodeKind.PORTAL)
    (directory / BLIND_INDEX).chmod(mode)
    with pytest.raises(KeyRefusedError, match=rf"readable by other users \(mode {mode:04o}\)"):
        load_node_keys(tmp_path, "portal", NodeKind.PORTAL, demo_allowed=False)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"00" * 32 + b"\n", r"placeholder \(every byte is 0x00\)"),
        (b"ab" * 32, r"placeholder \(every byte is 0xab\)"),
        (b"0123" * 8 + b"\n", "holds 16 bytes, not 32"),
        (b"not hexadecimal at all", "not written as hexadecimal digits"),
        (b"", "holds 0 bytes, not 32"),
    ],
)
def test_a_default_or_malformed_key_is_refused(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    """All-same-byte, short, empty and non-hex keys are refused with how to make a real one."""
    directory = create_node_keys(tmp_path, "registry", NodeKind.REGISTRY)
    target = directory / NUMBER_AUTHORITY
    target.unlink()
    target.write_bytes(content)
    target.chmod(0o600)
    with pytest.raises(KeyRefusedError, match=rf"{expected}.*{HOW_TO_CREATE}"):
        load_node_keys(tmp_path, "registry", NodeKind.REGISTRY, demo_allowed=False)


@pytest.mark.parametrize(
    "content",
    [
        Ed25519PrivateKey.from_private_bytes(bytes(32)).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        b"-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----\n",
    ],
    ids=["all-zero", "garbage"],
)
@pytest.mark.parametrize("name", [LEDGER_SIGNING, NODE_SIGNING])
def test_a_placeholder_or_broken_signing_key_is_refused(
    tmp_path: Path, content: bytes, name: str
) -> None:
    """The hub refuses an all-zero Ed25519 key and a PEM that does not parse."""
    directory = create_node_keys(tmp_path, "hub", NodeKind.HUB)
    target = directory / name
    target.unlink()
    target.write_bytes(content)
    target.chmod(0o600)
    with pytest.raises(KeyRefusedError, match=rf"{name}: .*{HOW_TO_CREATE}"):
        load_node_keys(tmp_path, "hub", NodeKind.HUB, demo_allowed=False)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            X25519PrivateKey.from_private_bytes(bytes([7]) * 32).private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            r"placeholder \(every byte is 0x07\)",
        ),
        (
            Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            "this key must be X25519",
        ),
    ],
    ids=["placeholder", "ed25519"],
)
def test_a_placeholder_or_wrong_sealing_key_is_refused(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    """Oversight refuses a one-byte-repeated X25519 key and a key of another type."""
    directory = create_node_keys(tmp_path, "oversight", NodeKind.OVERSIGHT)
    target = directory / SEALED_ENTRIES
    target.unlink()
    target.write_bytes(content)
    target.chmod(0o600)
    with pytest.raises(KeyRefusedError, match=rf"{SEALED_ENTRIES}: .*{expected}.*{HOW_TO_CREATE}"):
        load_node_keys(tmp_path, "oversight", NodeKind.OVERSIGHT, demo_allowed=False)


def test_a_jpki_key_that_is_not_rsa_2048_is_refused(tmp_path: Path) -> None:
    """A CA key file holding an Ed25519 key is refused, naming the file and the way out."""
    directory = create_node_keys(tmp_path, "registry", NodeKind.REGISTRY)
    target = directory / JPKI_SIGNATURE_CA
    target.unlink()
    target.write_bytes((directory / RECEIPT_SIGNING).read_bytes())
    target.chmod(0o600)
    with pytest.raises(KeyRefusedError, match=rf"{JPKI_SIGNATURE_CA}: this key must be RSA"):
        load_node_keys(tmp_path, "registry", NodeKind.REGISTRY, demo_allowed=False)


def test_demo_keys_are_refused_outside_the_demo(tmp_path: Path) -> None:
    """Keys generated for the demo load in demo mode only, with the message saying what to do."""
    create_node_keys(tmp_path, "oversight", NodeKind.OVERSIGHT, demo=True)
    keys = load_node_keys(tmp_path, "oversight", NodeKind.OVERSIGHT, demo_allowed=True)
    assert keys.demo
    with pytest.raises(
        DemoKeysRefusedError,
        match=r"generated for the demo; create real ones with `mynumber init DIR` \(or, to work "
        r"with the demo, set MYNUMBER_DEMO=true\)",
    ):
        load_node_keys(tmp_path, "oversight", NodeKind.OVERSIGHT, demo_allowed=False)
