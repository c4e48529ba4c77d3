"""OCSP (RFC 6960) for the JPKI authorities: read a request, answer it, or refuse it.

Each authority answers through a delegated responder (its certificate is made by
:func:`mynumber.cards.jpki.issue_responder_certificate`), so the authority's own key signs only
certificates and CRLs. Whether a relying party may ask at all is decided by the caller: refuse it
with :func:`ocsp_refusal` and ``UNAUTHORIZED`` (SPEC section 3: only registered relying parties).

>>> ocsp_refusal(ocsp.OCSPResponseStatus.UNAUTHORIZED).hex()
'30030a0106'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from mynumber.cards.exceptions import CertificateError
from mynumber.cards.jpki import AUTHORITY_NAMES

if TYPE_CHECKING:
    from datetime import datetime

    from cryptography.hazmat.primitives.asymmetric import rsa

    from mynumber.cards.jpki import Authority


class Status(StrEnum):
    """What the authority knows of a certificate it is asked about."""

    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


_CERT_STATUS: Final = {
    Status.GOOD: ocsp.OCSPCertStatus.GOOD,
    Status.REVOKED: ocsp.OCSPCertStatus.REVOKED,
    Status.UNKNOWN: ocsp.OCSPCertStatus.UNKNOWN,
}


@dataclass(frozen=True)
class StatusAnswer:
    """The status to report; a revoked certificate also says when and (optionally) why."""

    status: Status
    revoked_at: datetime | None = None
    reason: x509.ReasonFlags | None = None

    def __post_init__(self) -> None:
        """Refuse a revoked answer without its time, and a revocation time on any other answer."""
        if self.status is Status.REVOKED and self.revoked_at is None:
            msg = "a revoked answer needs the time of revocation"
            raise CertificateError(msg)
        if self.status is not Status.REVOKED and (self.revoked_at, self.reason) != (None, None):
            msg = f"a {self.status} answer carries no revocation time or reason"
            raise CertificateError(msg)


def read_ocsp_request(der: bytes) -> ocsp.OCSPRequest:
    """Parse a DER OCSP request holding exactly one certificate ID."""
    try:
        request = ocsp.load_der_ocsp_request(der)
        # Both are parsed lazily: touch them now so that every later use is safe.
        request.hash_algorithm  # noqa: B018 -- evaluated for its parse errors
        request.extensions  # noqa: B018 -- idem
    except (ValueError, UnsupportedAlgorithm) as exc:
        msg = (
            f"the OCSP request cannot be read ({exc}): send one DER OCSPRequest for one certificate"
        )
        raise CertificateError(msg) from exc
    return request


def requested_serial(request: ocsp.OCSPRequest, authority: Authority) -> int | None:
    """Return the serial asked about if the request names ``authority`` as issuer, else None.

    The request identifies the issuer by hashes of its name and public key, computed with the
    algorithm the request chose (usually SHA-1); both must match this authority's.
    """
    algorithm = request.hash_algorithm
    name_hash = _digest(algorithm, authority.certificate.subject.public_bytes())
    key_hash = _digest(algorithm, _public_key_bits(authority))
    if (request.issuer_name_hash, request.issuer_key_hash) != (name_hash, key_hash):
        return None
    return request.serial_number


def ocsp_response(  # noqa: PLR0913 -- the keyword-only fields of one signed response
    request: ocsp.OCSPRequest,
    answer: StatusAnswer,
    *,
    authority: Authority,
    responder_certificate: x509.Certificate,
    responder_key: rsa.RSAPrivateKey,
    this_update: datetime,
    next_update: datetime,
) -> bytes:
    """Sign a successful BasicOCSPResponse giving ``answer``, as DER.

    The delegated responder signs it (responder ID by key hash, its certificate included), and the
    request's nonce, when it has one, is echoed back. A request about another authority's
    certificate, or a responder the authority did not certify, is refused.
    """
    serial = requested_serial(request, authority)
    if serial is None:
        msg = f"the request is not about a certificate of {AUTHORITY_NAMES[authority.kind]}"
        raise CertificateError(msg)
    _check_responder(authority, responder_certificate, responder_key)
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=serial,
            algorithm=request.hash_algorithm,
            cert_status=_CERT_STATUS[answer.status],
            this_update=this_update,
            next_update=next_update,
            revocation_time=answer.revoked_at,
            revocation_reason=answer.reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, responder_certificate)
        .certificates([responder_certificate])
    )
    nonce = _nonce(request)
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.sign(responder_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def ocsp_refusal(status: ocsp.OCSPResponseStatus) -> bytes:
    """Return the DER of an unsuccessful response, e.g. UNAUTHORIZED or MALFORMED_REQUEST."""
    if status is ocsp.OCSPResponseStatus.SUCCESSFUL:
        msg = "a refusal cannot be successful: answer with ocsp_response instead"
        raise CertificateError(msg)
    refusal = ocsp.OCSPResponseBuilder.build_unsuccessful(status)
    return refusal.public_bytes(serialization.Encoding.DER)


def _check_responder(
    authority: Authority, certificate: x509.Certificate, key: rsa.RSAPrivateKey
) -> None:
    """Refuse a responder certificate the authority did not issue, or a key that is not its own."""
    if certificate.issuer != authority.certificate.subject:
        msg = f"the responder certificate was not issued by {AUTHORITY_NAMES[authority.kind]}"
        raise CertificateError(msg)
    if key.public_key() != certificate.public_key():
        msg = "the responder key does not belong to the responder certificate"
        raise CertificateError(msg)


def _nonce(request: ocsp.OCSPRequest) -> bytes | None:
    """Return the request's nonce, or None when it sent none."""
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        return None


def _public_key_bits(authority: Authority) -> bytes:
    """Return the contents of the authority's subjectPublicKey BIT STRING (RFC 6960 4.1.1)."""
    return authority.key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    """Hash ``data`` with ``algorithm``."""
    digest = hashes.Hash(algorithm)
    digest.update(data)
    return digest.finalize()
