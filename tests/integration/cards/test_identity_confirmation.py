"""Identity confirmation (番号確認 + 身元確認) against real databases: card and documents."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.hashes import SHA256

from mynumber.cards.documents import DocumentsRefused
from mynumber.cards.exceptions import PinLocked, WrongPin
from mynumber.cards.identity import IdentityRefused, IdentityService, canonical
from mynumber.cards.pins import PinKind

from .conftest import ADULT, CLERK, PINS

if TYPE_CHECKING:
    from pathlib import Path

    from mynumber.cards.virtual import VirtualCard
    from mynumber.keys import NodeKeys

    from .conftest import Registry

ASKER = {"body": "株式会社サンプル商事", "staff": "人事 一郎", "task": "源泉徴収票の作成"}


def _answer(registry: Registry, virtual: VirtualCard) -> tuple[str, str, bytes, str]:
    """Do what the card app does for a fresh challenge: sign it, read the number."""
    challenge = registry.identity.challenge(**ASKER).challenge
    signature = virtual.sign(
        PinKind.AUTHENTICATION, PINS[PinKind.AUTHENTICATION], challenge.encode("ascii")
    )
    pem = virtual.authentication_certificate.public_bytes(serialization.Encoding.PEM).decode()
    number = virtual.read_card_face(PINS[PinKind.CARD_FACE]).number
    return challenge, pem, signature, number


def _card(registry: Registry, tmp_path: Path) -> VirtualCard:
    _, virtual = registry.handed_over(registry.resident(), tmp_path / "card.json")
    return virtual


def test_a_valid_card_gives_a_signed_receipt_used_once(
    registry: Registry, registry_keys: NodeKeys, tmp_path: Path
) -> None:
    """The receipt names the person, body, staff and task, verifies, and redeems exactly once."""
    virtual = _card(registry, tmp_path)
    challenge, pem, signature, number = _answer(registry, virtual)
    signed = registry.identity.confirm_with_card(challenge, pem, signature, number)
    receipt = signed["receipt"]
    assert receipt["method"] == "card"
    assert receipt["person"] == {"name": "山田\u3000太郎", "date_of_birth": "1985-01-02"}
    assert (receipt["body"], receipt["staff"], receipt["task"]) == tuple(ASKER.values())
    assert number not in str(signed)
    assert registry_keys.jpki is not None
    public = registry_keys.jpki.receipt_signing.public_key()
    public.verify(base64.b64decode(signed["signature"]), canonical(receipt))
    used = registry.identity.redeem(receipt["receipt_id"], body=ASKER["body"], number=number)
    assert used.redeemed_at is not None
    with pytest.raises(IdentityRefused, match="was used"):
        registry.identity.redeem(receipt["receipt_id"], body=ASKER["body"], number=number)


def test_a_replayed_challenge_is_refused(registry: Registry, tmp_path: Path) -> None:
    """The same signed challenge presented twice gives one receipt, then a refusal."""
    virtual = _card(registry, tmp_path)
    answer = _answer(registry, virtual)
    registry.identity.confirm_with_card(*answer)
    with pytest.raises(IdentityRefused, match="already used"):
        registry.identity.confirm_with_card(*answer)


def test_an_expired_challenge_is_refused(registry: Registry, tmp_path: Path) -> None:
    """A challenge answered after its lifetime is refused as expired."""
    virtual = _card(registry, tmp_path)
    answer = _answer(registry, virtual)
    later = IdentityService(
        registry.session,
        registry.cards.authorities,
        registry.identity._receipt_key,  # noqa: SLF001 -- the same registry, ten minutes later
        clock=lambda: datetime.now(UTC) + timedelta(minutes=10),
    )
    with pytest.raises(IdentityRefused, match="expired"):
        later.confirm_with_card(*answer)


def test_a_card_on_hold_or_revoked_is_refused(registry: Registry, tmp_path: Path) -> None:
    """After a loss report the certificate is on hold and the confirmation fails, saying so."""
    resident = registry.resident()
    card, virtual = registry.handed_over(resident, tmp_path / "card.json")
    registry.cards.report_loss(card)
    with pytest.raises(IdentityRefused, match="on-hold"):
        registry.identity.confirm_with_card(*_answer(registry, virtual))
    registry.cards.lift_hold(card, clerk=CLERK, identity_check="passport")
    registry.cards.end(card, "returned")
    with pytest.raises(IdentityRefused, match="revoked"):
        registry.identity.confirm_with_card(*_answer(registry, virtual))


def test_someone_elses_number_is_refused(registry: Registry, tmp_path: Path) -> None:
    """A valid card presented with another resident's number fails: not the holder's number."""
    virtual = _card(registry, tmp_path)
    other = registry.resident(replace(ADULT, given_name="花子", family_name_kana="ヤマダ"))
    challenge, pem, signature, _ = _answer(registry, virtual)
    number = registry.register.active_number(other).number
    with pytest.raises(IdentityRefused, match="not the current number of the certificate's holder"):
        registry.identity.confirm_with_card(challenge, pem, signature, number)


def test_another_cards_certificate_is_refused(registry: Registry, tmp_path: Path) -> None:
    """A signature made by one card presented with another card's certificate fails."""
    first = _card(registry, tmp_path)
    _, second = registry.handed_over(
        registry.resident(replace(ADULT, given_name="三郎")), tmp_path / "second.json"
    )
    challenge, _, signature, number = _answer(registry, first)
    other_pem = second.authentication_certificate.public_bytes(serialization.Encoding.PEM)
    with pytest.raises(IdentityRefused, match="signature does not match"):
        registry.identity.confirm_with_card(challenge, other_pem.decode(), signature, number)


def _forged(genuine: x509.Certificate) -> x509.Certificate:
    """Return a copy of ``genuine`` (same names, serial and key) signed by someone else's key."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(genuine.subject)
        .issuer_name(genuine.issuer)
        .public_key(genuine.public_key())
        .serial_number(genuine.serial_number)
        .not_valid_before(genuine.not_valid_before_utc)
        .not_valid_after(genuine.not_valid_after_utc)
    )
    return builder.sign(rsa.generate_private_key(public_exponent=65537, key_size=2048), SHA256())


def test_a_certificate_from_elsewhere_is_refused(registry: Registry, tmp_path: Path) -> None:
    """The card's own certificate re-signed by another key (same key, serial, names) fails."""
    virtual = _card(registry, tmp_path)
    challenge, _, signature, number = _answer(registry, virtual)
    forged = _forged(virtual.authentication_certificate)
    with pytest.raises(IdentityRefused, match="does not verify"):
        registry.identity.confirm_with_card(
            challenge, forged.public_bytes(serialization.Encoding.PEM).decode(), signature, number
        )


def test_a_locked_card_cannot_answer(registry: Registry, tmp_path: Path) -> None:
    """Three wrong PINs lock the authentication key: the card gives no signature to present."""
    virtual = _card(registry, tmp_path)
    challenge = registry.identity.challenge(**ASKER).challenge.encode()
    for _ in range(2):
        with pytest.raises(WrongPin):
            virtual.sign(PinKind.AUTHENTICATION, "0000", challenge)
    with pytest.raises(PinLocked):
        virtual.sign(PinKind.AUTHENTICATION, "0000", challenge)
    with pytest.raises(PinLocked):
        virtual.sign(PinKind.AUTHENTICATION, PINS[PinKind.AUTHENTICATION], challenge)


@pytest.mark.parametrize(
    ("documents", "accepted"),
    [
        (["individual-number-card"], True),
        (["resident-record-with-number", "driving-licence"], True),
        (["notification-card", "health-insurance-card", "pension-book"], True),
        (["resident-record-with-number", "health-insurance-card"], False),
        (["driving-licence", "passport"], False),
        (["number-notice", "driving-licence"], False),
        (["number-notice"], False),
    ],
)
def test_documents_prove_number_and_identity_or_are_refused(
    registry: Registry, documents: list[str], *, accepted: bool
) -> None:
    """The card, or a number document plus one photo ID or two others; never the notice."""
    resident = registry.resident()
    number = registry.register.active_number(resident).number
    if accepted:
        signed = registry.identity.confirm_with_documents(number, documents, **ASKER)
        assert signed["receipt"]["method"] == "documents"
        assert signed["receipt"]["documents"] == sorted(documents)
        return
    with pytest.raises(DocumentsRefused) as refused:
        registry.identity.confirm_with_documents(number, documents, **ASKER)
    if "number-notice" in documents:
        assert "notice of the number is not accepted" in str(refused.value)


def test_a_receipt_is_for_its_body_and_number_only(registry: Registry) -> None:
    """Another body, another number or an expired receipt cannot be redeemed."""
    resident = registry.resident()
    number = registry.register.active_number(resident).number
    other = registry.register.active_number(
        registry.resident(replace(ADULT, given_name="四郎"))
    ).number
    receipt = registry.identity.confirm_with_documents(number, ["individual-number-card"], **ASKER)[
        "receipt"
    ]
    with pytest.raises(IdentityRefused, match="not issued to this body"):
        registry.identity.redeem(receipt["receipt_id"], body="別の会社", number=number)
    with pytest.raises(IdentityRefused, match="not issued to this body"):
        registry.identity.redeem(receipt["receipt_id"], body=ASKER["body"], number=other)
    later = IdentityService(
        registry.session,
        registry.cards.authorities,
        registry.identity._receipt_key,  # noqa: SLF001 -- the same registry, an hour later
        clock=lambda: datetime.now(UTC) + timedelta(hours=1),
    )
    with pytest.raises(IdentityRefused, match="expired"):
        later.redeem(receipt["receipt_id"], body=ASKER["body"], number=number)


def test_an_expired_card_is_refused(registry: Registry, tmp_path: Path) -> None:
    """Eleven years on, the card's certificate has expired and the confirmation says so."""
    virtual = _card(registry, tmp_path)
    later = IdentityService(
        registry.session,
        registry.cards.authorities,
        registry.identity._receipt_key,  # noqa: SLF001 -- the same registry, years later
        clock=lambda: datetime.now(UTC) + timedelta(days=365 * 11),
    )
    challenge = later.challenge(**ASKER).challenge
    signature = virtual.sign(
        PinKind.AUTHENTICATION, PINS[PinKind.AUTHENTICATION], challenge.encode("ascii")
    )
    pem = virtual.authentication_certificate.public_bytes(serialization.Encoding.PEM).decode()
    number = virtual.read_card_face(PINS[PinKind.CARD_FACE]).number
    with pytest.raises(IdentityRefused, match="expired"):
        later.confirm_with_card(challenge, pem, signature, number)
