"""The card's lifecycle at the registry on SQLite and PostgreSQL: handover, holds, revocation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.hashes import SHA256
from sqlalchemy import func, select

from mynumber.cards import jpki
from mynumber.cards.exceptions import CardError, InvalidPin
from mynumber.cards.models import (
    ApplicationReason,
    Card,
    CardState,
    Certificate,
    CertificateStatus,
)
from mynumber.cards.pins import PinKind
from mynumber.register.models import EventKind, Notice
from mynumber.register.notices import NoticeService

from .conftest import ADULT, CLERK, PHOTO, PINS, TODAY, born

if TYPE_CHECKING:
    from pathlib import Path

    from .conftest import Registry


def _statuses(card: Card) -> dict[str, str]:
    return {certificate.kind: certificate.status for certificate in card.certificates}


def _crl_serials(registry: Registry, kind: jpki.AuthorityKind) -> set[int]:
    crl = x509.load_der_x509_crl(registry.cards.authorities.current_crl(kind))
    return {entry.serial_number for entry in crl}


def test_handover_issues_both_certificates_onto_the_card_file(
    registry: Registry, tmp_path: Path
) -> None:
    """An adult's card carries two good certificates; the file signs with the right PIN."""
    resident = registry.resident()
    card, virtual = registry.handed_over(resident, tmp_path / "card.json")
    assert card.state == CardState.ACTIVE.value
    assert len(card.manufacturing_number) == 16
    assert card.manufacturing_number.isdigit()
    assert _statuses(card) == {"authentication": "good", "signature": "good"}
    # Born 2 January: the 10th birthday after today.
    assert card.expires_on == date(TODAY.year + 10, 1, 2)
    signature = virtual.sign(PinKind.AUTHENTICATION, PINS[PinKind.AUTHENTICATION], b"hello")
    public_key = virtual.authentication_certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signature, b"hello", padding.PKCS1v15(), SHA256())
    face = virtual.read_card_face(PINS[PinKind.CARD_FACE])
    assert face.number == registry.register.active_number(resident).number
    assert face.name == "山田\u3000太郎"
    signed = virtual.signature_certificate(PINS[PinKind.SIGNATURE])
    assert jpki.attributes_of(signed).address == ADULT.address


def test_a_child_under_15_gets_no_signature_certificate(registry: Registry, tmp_path: Path) -> None:
    """Under 15 the card has the authentication certificate only, and no signature PIN."""
    child = registry.resident(replace(ADULT, given_name="次郎", date_of_birth=born(14, days=-300)))
    without: dict[PinKind, str] = {
        kind: pin for kind, pin in PINS.items() if kind is not PinKind.SIGNATURE
    }
    with pytest.raises(InvalidPin, match="under 15"):
        registry.handed_over(child, tmp_path / "refused.json")
    card = registry.session.scalars(select(Card).where(Card.resident_id == child.id)).one()
    assert card.state == CardState.MANUFACTURED.value
    assert not (tmp_path / "refused.json").exists()
    handed = registry.cards.hand_over(
        card, clerk=CLERK, identity_check="guardian's licence", pins=without, path=tmp_path / "c"
    )
    assert _statuses(card) == {"authentication": "good"}
    assert not handed.has_signature_certificate


def test_a_handover_needs_an_identity_check_and_valid_pins(
    registry: Registry, tmp_path: Path
) -> None:
    """No identity check, or a signature PIN without a digit: refused, the card still waits."""
    resident = registry.resident()
    application = registry.cards.apply_at_counter(
        resident, PHOTO, CLERK, reason=ApplicationReason.FIRST
    )
    card = registry.cards.manufacture(application)
    with pytest.raises(CardError, match="identity check"):
        registry.cards.hand_over(
            card, clerk=CLERK, identity_check=" ", pins=PINS, path=tmp_path / "a"
        )
    with pytest.raises(InvalidPin):
        registry.cards.hand_over(
            card,
            clerk=CLERK,
            identity_check="passport",
            pins={**PINS, PinKind.SIGNATURE: "ABCDEF"},
            path=tmp_path / "b",
        )
    assert card.state == CardState.MANUFACTURED.value
    assert card.certificates == []
    assert not (tmp_path / "a").exists()
    assert not (tmp_path / "b").exists()


def test_a_photo_that_is_not_an_image_is_refused(registry: Registry) -> None:
    """A PDF offered as the photo is refused and no application is recorded."""
    resident = registry.resident()
    with pytest.raises(CardError, match="not an image"):
        registry.cards.apply_at_counter(
            resident, b"%PDF-1.7\n", CLERK, reason=ApplicationReason.FIRST
        )


def test_online_application_uses_the_notice_id_once(registry: Registry) -> None:
    """The notice's application ID makes an application once; unknown or reused IDs are refused."""
    resident = registry.resident()
    notices = NoticeService(registry.session)
    notices.open_batch("131016", TODAY.replace(year=TODAY.year + 1), "clerk")
    application_id = registry.session.scalars(
        select(Notice.application_id).where(Notice.resident_id == resident.id)
    ).one()
    application = registry.cards.apply_online(application_id, PHOTO)
    assert application.resident_id == resident.id
    with pytest.raises(CardError, match="already been used"):
        registry.cards.apply_online(application_id, PHOTO)
    with pytest.raises(CardError, match="no notice with application ID"):
        registry.cards.apply_online("0" * 23, PHOTO)


def test_a_loss_report_holds_both_and_only_a_visit_lifts_it(
    registry: Registry, tmp_path: Path
) -> None:
    """On hold: both certificates on the CRLs as held; lifted in person, they are good again."""
    card, _ = registry.handed_over(registry.resident(), tmp_path / "card.json")
    registry.cards.report_loss(card)
    assert card.state == CardState.ON_HOLD.value
    assert set(_statuses(card).values()) == {CertificateStatus.ON_HOLD.value}
    serials = {c.kind: int(c.serial, 16) for c in card.certificates}
    for kind in jpki.AuthorityKind:
        assert serials[kind.value] in _crl_serials(registry, kind)
    with pytest.raises(CardError, match="in person"):
        registry.cards.lift_hold(card, clerk=CLERK, identity_check="")
    registry.cards.lift_hold(card, clerk=CLERK, identity_check="passport")
    assert set(_statuses(card).values()) == {CertificateStatus.GOOD.value}
    for kind in jpki.AuthorityKind:
        assert serials[kind.value] not in _crl_serials(registry, kind)


def test_a_move_revokes_the_signature_certificate_only(registry: Registry, tmp_path: Path) -> None:
    """An address change revokes the signature certificate; the authentication one survives."""
    resident = registry.resident()
    card, _ = registry.handed_over(resident, tmp_path / "card.json")
    registry.register.change_address(
        resident,
        postal_code="1020072",
        address="東京都千代田区飯田橋1丁目1番1号",
        occurred_on=TODAY,
        clerk=CLERK,
    )
    assert _statuses(card) == {"authentication": "good", "signature": "revoked"}
    signature = next(c for c in card.certificates if c.kind == "signature")
    assert signature.revocation_reason == "affiliation_changed"
    assert int(signature.serial, 16) in _crl_serials(registry, jpki.AuthorityKind.SIGNATURE)
    assert card.state == CardState.ACTIVE.value


@pytest.mark.parametrize("event", [EventKind.DEATH, EventKind.MOVE_OUT])
def test_leaving_the_register_ends_the_card_and_revokes_both(
    registry: Registry, tmp_path: Path, event: EventKind
) -> None:
    """Death or moving out: the card ends and both certificates are revoked."""
    resident = registry.resident()
    card, _ = registry.handed_over(resident, tmp_path / "card.json")
    registry.register.remove(resident, event=event, occurred_on=TODAY, clerk=CLERK)
    assert card.state == CardState.ENDED.value
    assert card.ended_reason == event.value
    assert set(_statuses(card).values()) == {CertificateStatus.REVOKED.value}


def test_a_number_change_ends_the_card(registry: Registry, tmp_path: Path) -> None:
    """After a number change the old card's certificates are revoked."""
    resident = registry.resident()
    card, _ = registry.handed_over(resident, tmp_path / "card.json")
    registry.register.change_number(
        resident, reason="leaked", on_request=True, occurred_on=TODAY, clerk=CLERK
    )
    assert card.state == CardState.ENDED.value
    assert set(_statuses(card).values()) == {CertificateStatus.REVOKED.value}


def test_a_reissue_after_loss_gives_a_new_manufacturing_number(
    registry: Registry, tmp_path: Path
) -> None:
    """The lost card ends (key compromise) when the reissued card is handed over."""
    resident = registry.resident()
    lost, _ = registry.handed_over(resident, tmp_path / "lost.json")
    registry.cards.report_loss(lost)
    application = registry.cards.apply_at_counter(
        resident, PHOTO, CLERK, reason=ApplicationReason.REISSUE
    )
    new = registry.cards.manufacture(application)
    registry.cards.hand_over(
        new, clerk=CLERK, identity_check="passport", pins=PINS, path=tmp_path / "new.json"
    )
    assert new.manufacturing_number != lost.manufacturing_number
    assert lost.state == CardState.ENDED.value
    assert {c.revocation_reason for c in lost.certificates} == {"key_compromise"}
    live = registry.session.scalar(
        select(func.count()).where(
            Certificate.status == CertificateStatus.GOOD.value, Certificate.card_id == new.id
        )
    )
    assert live == 2


def test_a_foreign_residents_card_ends_with_the_stay(registry: Registry, tmp_path: Path) -> None:
    """A card and its certificates expire when the period of stay ends, before any birthday."""
    stay = TODAY.replace(year=TODAY.year + 2)
    visitor = registry.resident(
        replace(
            ADULT,
            family_name="NGUYEN",
            given_name="AN",
            nationality="VN",
            resident_status="技術・人文知識・国際業務",
            period_of_stay_until=stay,
            latin_name="NGUYEN AN",
        )
    )
    card, _ = registry.handed_over(visitor, tmp_path / "card.json")
    assert card.expires_on == stay
    assert {c.not_after.date() for c in card.certificates} == {stay}


def test_a_renewal_replaces_the_old_card_at_handover(registry: Registry, tmp_path: Path) -> None:
    """The renewed card is live; the old one ends (replaced) with both certificates revoked."""
    resident = registry.resident()
    old, _ = registry.handed_over(resident, tmp_path / "old.json")
    application = registry.cards.apply_at_counter(
        resident, PHOTO, CLERK, reason=ApplicationReason.RENEWAL
    )
    new = registry.cards.manufacture(application)
    assert (
        old.state == CardState.ACTIVE.value
    )  # the old card works until the new one is handed over
    registry.cards.hand_over(
        new, clerk=CLERK, identity_check="old card", pins=PINS, path=tmp_path / "new.json"
    )
    assert (old.state, old.ended_reason) == (CardState.ENDED.value, "replaced")
    assert set(_statuses(old).values()) == {CertificateStatus.REVOKED.value}
    assert set(_statuses(new).values()) == {CertificateStatus.GOOD.value}
