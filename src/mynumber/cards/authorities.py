"""The two JPKI certificate authorities of a registry node, kept in its database and key files.

The number authority (J-LIS in Japan) runs two CAs, "JPKI for digital signature" and "JPKI for user
authentication" (SPEC.md 3). Their private keys are key files of the registry node
(:class:`mynumber.keys.JpkiKeys`); their certificates, their delegated OCSP responder's
certificate and their latest CRL live in ``jpki_authorities``, made on first use. A CA certificate
is a function of its key, so the same key files always give the same authority.

Every change of a certificate's status renews its authority's CRL (:meth:`Authorities.renew_crl`),
in the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp as x509_ocsp
from sqlalchemy import select

from mynumber.cards import crl, jpki, ocsp
from mynumber.cards.models import Authority, Certificate, CertificateStatus

if TYPE_CHECKING:
    from collections.abc import Callable

    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from sqlalchemy.orm import Session

    from mynumber.keys import JpkiKeys

#: How long a CRL is good for; it is renewed sooner, on every change.
CRL_LIFETIME: Final = timedelta(days=1)
#: How long an OCSP answer may be relied on.
OCSP_LIFETIME: Final = timedelta(minutes=10)
#: How long the delegated OCSP responder's certificate lasts.
RESPONDER_LIFETIME: Final = timedelta(days=365)
#: The RFC 5280 reason of each status that puts a certificate on the CRL.
_REASONS: Final = {
    reason.name: reason
    for reason in x509.ReasonFlags
    if reason is not x509.ReasonFlags.remove_from_crl
}


@dataclass(frozen=True)
class LoadedAuthority:
    """One CA ready to sign: the pure-core authority, and its OCSP responder."""

    authority: jpki.Authority
    responder_certificate: x509.Certificate
    responder_key: RSAPrivateKey


@dataclass(frozen=True)
class Endpoints:
    """Where relying parties find revocation status: written into every certificate."""

    ocsp_url: str
    #: ``{kind}`` is replaced by ``signature`` or ``authentication``.
    crl_url: str

    @classmethod
    def under(cls, base_url: str) -> Endpoints:
        """Return the endpoints of the registry node answering at ``base_url``."""
        return cls(ocsp_url=f"{base_url}/jpki/ocsp", crl_url=f"{base_url}/jpki/{{kind}}.crl")

    def crl_for(self, kind: jpki.AuthorityKind) -> str:
        """Return the CRL URL of one authority."""
        return self.crl_url.replace("{kind}", kind.value)


class Authorities:
    """The JPKI authorities of one registry database, over the caller's session."""

    def __init__(
        self,
        session: Session,
        keys: JpkiKeys,
        *,
        operator: str,
        clock: Callable[[], datetime],
    ) -> None:
        """Work in ``session`` with the registry's JPKI ``keys``; ``operator`` names the CA."""
        self._session = session
        self._keys = keys
        self._operator = operator
        self._clock = clock

    def load(self, kind: jpki.AuthorityKind) -> LoadedAuthority:
        """Return the authority of ``kind``, creating its row (certificate, empty CRL) if new."""
        key = self._ca_key(kind)
        row = self._session.get(Authority, kind.value)
        if row is None:
            row = self._create(kind, key)
        return LoadedAuthority(
            authority=jpki.Authority(
                kind=kind,
                key=key,
                certificate=x509.load_pem_x509_certificate(row.certificate_pem.encode()),
            ),
            responder_certificate=x509.load_pem_x509_certificate(row.responder_pem.encode()),
            responder_key=self._keys.ocsp_responder,
        )

    def current_crl(self, kind: jpki.AuthorityKind) -> bytes:
        """Return the authority's current CRL (DER), renewing it first if it has gone stale."""
        row = self._session.get(Authority, kind.value)
        if row is None or row.crl_updated_at + CRL_LIFETIME / 2 < self._clock():
            self.renew_crl(kind)
            row = self._session.get(Authority, kind.value)
        assert row is not None  # noqa: S101 -- renew_crl made it
        return row.crl

    def answer_ocsp(self, asked: x509_ocsp.OCSPRequest) -> bytes:
        """Return the signed OCSP answer of whichever authority issued the certificate asked about.

        A request naming neither authority as issuer is answered ``unauthorized``: this responder
        speaks for these two authorities only.
        """
        for kind in jpki.AuthorityKind:
            loaded = self.load(kind)
            serial = ocsp.requested_serial(asked, loaded.authority)
            if serial is None:
                continue
            now = self._clock()
            return ocsp.ocsp_response(
                asked,
                self._status(kind, serial),
                authority=loaded.authority,
                responder_certificate=loaded.responder_certificate,
                responder_key=loaded.responder_key,
                this_update=now,
                next_update=now + OCSP_LIFETIME,
            )
        return ocsp.ocsp_refusal(x509_ocsp.OCSPResponseStatus.UNAUTHORIZED)

    def renew_crl(self, kind: jpki.AuthorityKind) -> None:
        """Rebuild the authority's CRL from the certificates' status, with the next CRL number."""
        loaded = self.load(kind)
        row = self._session.get(Authority, kind.value)
        assert row is not None  # noqa: S101 -- load made it
        row.crl_number += 1
        now = self._clock()
        row.crl = self._build_crl(loaded.authority, row.crl_number, now)
        row.crl_updated_at = now

    def _create(self, kind: jpki.AuthorityKind, key: RSAPrivateKey) -> Authority:
        """Make the authority's certificate, its responder's certificate and a first CRL."""
        now = self._clock()
        authority = jpki.create_authority(kind, key, operator=self._operator, now=now)
        responder = jpki.issue_responder_certificate(
            authority,
            self._keys.ocsp_responder.public_key(),
            serial=x509.random_serial_number(),
            not_before=now,
            not_after=now + RESPONDER_LIFETIME,
        )
        pem = serialization.Encoding.PEM
        row = Authority(
            kind=kind.value,
            certificate_pem=authority.certificate.public_bytes(pem).decode(),
            responder_pem=responder.public_bytes(pem).decode(),
            crl_number=1,
            crl=self._build_crl(authority, 1, now),
            crl_updated_at=now,
        )
        self._session.add(row)
        self._session.flush()
        return row

    def _build_crl(self, authority: jpki.Authority, number: int, now: datetime) -> bytes:
        """Return the DER CRL of every revoked or held certificate of the authority."""
        listed = self._session.execute(
            select(Certificate.serial, Certificate.revoked_at, Certificate.revocation_reason).where(
                Certificate.kind == authority.kind.value,
                Certificate.status != CertificateStatus.GOOD.value,
            )
        )
        revoked = [
            crl.Revocation(
                serial=int(serial, 16),
                revoked_at=revoked_at or now,
                reason=_REASONS.get(reason or "", x509.ReasonFlags.unspecified),
            )
            for serial, revoked_at, reason in listed
        ]
        built = crl.build_crl(
            authority, revoked, number=number, this_update=now, next_update=now + CRL_LIFETIME
        )
        return built.public_bytes(serialization.Encoding.DER)

    def _status(self, kind: jpki.AuthorityKind, serial: int) -> ocsp.StatusAnswer:
        """Return what the register knows of one certificate of ``kind``."""
        row = self._session.scalar(
            select(Certificate).where(
                Certificate.kind == kind.value, Certificate.serial == f"{serial:x}"
            )
        )
        if row is None:
            return ocsp.StatusAnswer(ocsp.Status.UNKNOWN)
        if row.status == CertificateStatus.GOOD.value:
            return ocsp.StatusAnswer(ocsp.Status.GOOD)
        return ocsp.StatusAnswer(
            ocsp.Status.REVOKED,
            revoked_at=row.revoked_at or self._clock(),
            reason=_REASONS.get(row.revocation_reason or "", x509.ReasonFlags.unspecified),
        )

    def _ca_key(self, kind: jpki.AuthorityKind) -> RSAPrivateKey:
        """Return the CA key of ``kind``."""
        if kind is jpki.AuthorityKind.SIGNATURE:
            return self._keys.signature_ca
        return self._keys.authentication_ca
