"""Certificate revocation lists (失効情報ファイル) of the JPKI authorities, as pure functions.

A certificate is revoked on the holder's request, on loss or key compromise, for the signature
certificate on any change of the four attributes, and for both on death or card return; a lost card
put on hold by phone is listed with the reason ``certificate_hold`` until the hold is lifted in
person (SPEC section 3). Only registered relying parties receive the list.

>>> from datetime import UTC, datetime
>>> held = Revocation(0x1F, datetime(2026, 1, 5, tzinfo=UTC), x509.ReasonFlags.certificate_hold)
>>> _entry(held).extensions.get_extension_for_class(x509.CRLReason).value.reason.value
'certificateHold'
>>> len(_entry(Revocation(0x1F, held.revoked_at, x509.ReasonFlags.unspecified)).extensions)
0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from mynumber.cards.exceptions import CertificateError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from mynumber.cards.jpki import Authority


@dataclass(frozen=True)
class Revocation:
    """One revoked certificate: its serial, when it was revoked, and why.

    ``reason`` is ``certificate_hold`` for a card put on hold, ``key_compromise`` for a lost card,
    ``affiliation_changed`` when the four attributes change, ``cessation_of_operation`` on death
    or card return, and ``unspecified`` when the holder gives no reason.
    """

    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags


def build_crl(
    authority: Authority,
    revoked: Iterable[Revocation],
    *,
    number: int,
    this_update: datetime,
    next_update: datetime,
) -> x509.CertificateRevocationList:
    """Sign the authority's full CRL listing ``revoked``, numbered ``number`` (RFC 5280 5.2.3).

    Each entry carries its reason code, except ``unspecified``, which RFC 5280 5.3.1 says to leave
    out. A serial listed twice, ``remove_from_crl`` (meaningful only in a delta CRL) and an empty
    update window are refused.
    """
    if next_update <= this_update:
        msg = f"the CRL's next update ({next_update}) must come after this update ({this_update})"
        raise CertificateError(msg)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
    )
    seen: set[int] = set()
    for revocation in revoked:
        if revocation.serial in seen:
            msg = f"serial {revocation.serial:X} is listed twice: give each revocation once"
            raise CertificateError(msg)
        seen.add(revocation.serial)
        builder = builder.add_revoked_certificate(_entry(revocation))
    return builder.sign(authority.key, hashes.SHA256())


def _entry(revocation: Revocation) -> x509.RevokedCertificate:
    """Build one CRL entry, with its reason code unless the reason is unspecified."""
    if revocation.reason is x509.ReasonFlags.remove_from_crl:
        msg = "remove_from_crl belongs in a delta CRL: leave the serial out of the full CRL instead"
        raise CertificateError(msg)
    entry = (
        x509.RevokedCertificateBuilder()
        .serial_number(revocation.serial)
        .revocation_date(revocation.revoked_at)
    )
    if revocation.reason is not x509.ReasonFlags.unspecified:
        entry = entry.add_extension(x509.CRLReason(revocation.reason), critical=False)
    return entry.build()
