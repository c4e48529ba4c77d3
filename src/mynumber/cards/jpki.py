"""JPKI (公的個人認証): the two certificate authorities of the Individual Number Card.

The number authority runs two CAs (SPEC section 3, "JPKI certificates"). "JPKI for digital
signature" issues the signature certificate, which carries the holder's four attributes (基本4情報)
in subjectAltName otherName values (:mod:`mynumber.cards.attributes`); "JPKI for user
authentication" issues the user-authentication certificate, which carries no personal data at
all -- services key on its serial number. Both are RSA-2048 with sha256WithRSAEncryption.
Revocation lists are in :mod:`mynumber.cards.crl`, OCSP in :mod:`mynumber.cards.ocsp`.

Nothing here reads a clock, a database or the network: times are passed in, and key generation
(:func:`new_key`) is the only randomness.

>>> AUTHORITY_NAMES[AuthorityKind.AUTHENTICATION]
'JPKI for user authentication'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    NameOID,
    SignatureAlgorithmOID,
)

from mynumber.cards.attributes import (
    ADDRESS_OID,
    ALTERNATIVE_ADDRESS_OID,
    ALTERNATIVE_NAME_OID,
    DATE_OF_BIRTH_OID,
    NAME_OID,
    SEX_OID,
    FourAttributes,
    attributes_of,
    other_names,
)
from mynumber.cards.exceptions import CertificateError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ADDRESS_OID",
    "ALTERNATIVE_ADDRESS_OID",
    "ALTERNATIVE_NAME_OID",
    "AUTHORITY_NAMES",
    "DATE_OF_BIRTH_OID",
    "NAME_OID",
    "SEX_OID",
    "Authority",
    "AuthorityKind",
    "FourAttributes",
    "attributes_of",
    "create_authority",
    "issue_authentication_certificate",
    "issue_responder_certificate",
    "issue_signature_certificate",
    "new_key",
    "verify_issued_by",
    "verify_signature",
]


class AuthorityKind(StrEnum):
    """Which of the two JPKI certificate authorities."""

    SIGNATURE = "signature"
    AUTHENTICATION = "authentication"


AUTHORITY_NAMES: Final[Mapping[AuthorityKind, str]] = MappingProxyType(
    {
        AuthorityKind.SIGNATURE: "JPKI for digital signature",
        AuthorityKind.AUTHENTICATION: "JPKI for user authentication",
    }
)

AUTHORITY_VALIDITY: Final = timedelta(days=365 * 20)
_MAX_SERIAL: Final = 1 << 159  # RFC 5280 4.1.2.2: a positive serial of at most 20 octets


@dataclass(frozen=True)
class Authority:
    """One JPKI certificate authority: its kind, its signing key and its self-signed certificate."""

    kind: AuthorityKind
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate


def new_key() -> rsa.RSAPrivateKey:
    """Generate a fresh RSA-2048 key with public exponent 65537 (the only randomness here)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def create_authority(
    kind: AuthorityKind,
    key: rsa.RSAPrivateKey,
    *,
    operator: str,
    now: datetime,
    valid_for: timedelta = AUTHORITY_VALIDITY,
) -> Authority:
    """Make the self-signed root of ``kind``, run by ``operator``; same inputs, same certificate.

    The serial number is taken from a hash of the public key, and RSA PKCS#1 v1.5 signatures are
    deterministic, so re-creating an authority from its stored key reproduces its certificate.
    """
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "JPKI"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, AUTHORITY_NAMES[kind]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, operator),
        ]
    )
    public_key = key.public_key()
    identifier = x509.SubjectKeyIdentifier.from_public_key(public_key)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(int.from_bytes(identifier.digest, "big") >> 1 or 1)
        .not_valid_before(now)
        .not_valid_after(now + valid_for)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(identifier, critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(kind, key, certificate)


def issue_signature_certificate(  # noqa: PLR0913 -- the keyword-only fields of one certificate
    authority: Authority,
    public_key: rsa.RSAPublicKey,
    attributes: FourAttributes,
    *,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    ocsp_url: str,
    crl_url: str,
) -> x509.Certificate:
    """Issue the holder's signature certificate, the four attributes in its subjectAltName."""
    _require_kind(authority, AuthorityKind.SIGNATURE)
    builder = _issued(authority, public_key, _card_subject(serial), serial, (not_before, not_after))
    return (
        _pointing(builder, ocsp_url, crl_url)
        .add_extension(x509.SubjectAlternativeName(other_names(attributes)), critical=False)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .sign(authority.key, hashes.SHA256())
    )


def issue_authentication_certificate(  # noqa: PLR0913 -- the keyword-only fields of one certificate
    authority: Authority,
    public_key: rsa.RSAPublicKey,
    *,
    serial: int,
    not_before: datetime,
    not_after: datetime,
    ocsp_url: str,
    crl_url: str,
) -> x509.Certificate:
    """Issue the holder's user-authentication certificate: a serial, an expiry, no personal data."""
    _require_kind(authority, AuthorityKind.AUTHENTICATION)
    builder = _issued(authority, public_key, _card_subject(serial), serial, (not_before, not_after))
    return (
        _pointing(builder, ocsp_url, crl_url)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(authority.key, hashes.SHA256())
    )


def issue_responder_certificate(
    authority: Authority,
    public_key: rsa.RSAPublicKey,
    *,
    serial: int,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    """Issue the certificate of the authority's delegated OCSP responder (RFC 6960 4.2.2.2)."""
    subject = x509.Name(
        [*authority.certificate.subject, x509.NameAttribute(NameOID.COMMON_NAME, "OCSP Responder")]
    )
    return (
        _issued(authority, public_key, subject, serial, (not_before, not_after))
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .add_extension(x509.OCSPNoCheck(), critical=False)
        .sign(authority.key, hashes.SHA256())
    )


def verify_issued_by(
    certificate: x509.Certificate, authority_certificate: x509.Certificate, *, at: datetime
) -> None:
    """Check that the authority signed ``certificate`` and that it is valid ``at`` that moment."""
    issuer = _label(authority_certificate.subject)
    if certificate.issuer != authority_certificate.subject:
        msg = f"the certificate was not issued by {issuer} but by {_label(certificate.issuer)}"
        raise CertificateError(msg)
    if certificate.signature_algorithm_oid != SignatureAlgorithmOID.RSA_WITH_SHA256:
        msg = f"the certificate was not issued by {issuer}: it is not sha256WithRSAEncryption"
        raise CertificateError(msg)
    try:
        certificate.verify_directly_issued_by(authority_certificate)
    except (ValueError, TypeError, InvalidSignature) as exc:
        msg = f"the certificate was not issued by {issuer}: its signature does not verify"
        raise CertificateError(msg) from exc
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    if moment < certificate.not_valid_before_utc:
        msg = (
            f"the certificate is not yet valid: it is valid from {certificate.not_valid_before_utc}"
        )
        raise CertificateError(msg)
    if moment > certificate.not_valid_after_utc:
        msg = f"the certificate expired on {certificate.not_valid_after_utc}: it must be renewed"
        raise CertificateError(msg)


def verify_signature(certificate: x509.Certificate, signature: bytes, data: bytes) -> None:
    """Check an RSA PKCS#1 v1.5 SHA-256 signature over ``data`` with the certificate's key."""
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        msg = "the certificate's key is not an RSA key: it is not a JPKI certificate"
        raise CertificateError(msg)
    try:
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        msg = "the signature does not match the certificate"
        raise CertificateError(msg) from exc


def _require_kind(authority: Authority, kind: AuthorityKind) -> None:
    """Refuse to issue from an authority of the wrong kind."""
    if authority.kind is not kind:
        wrong = AUTHORITY_NAMES[authority.kind]
        msg = f"only {AUTHORITY_NAMES[kind]} issues this certificate, not {wrong}"
        raise CertificateError(msg)


def _issued(
    authority: Authority,
    public_key: rsa.RSAPublicKey,
    subject: x509.Name,
    serial: int,
    window: tuple[datetime, datetime],
) -> x509.CertificateBuilder:
    """Start an end-entity certificate: names, serial, validity, BasicConstraints, AKI and SKI."""
    not_before, not_after = window
    if not 0 < serial < _MAX_SERIAL:
        msg = f"serial {serial} is out of range: it must be positive and below 2**159"
        raise CertificateError(msg)
    if not_before >= not_after:
        msg = f"the validity is empty: {not_before} is not before {not_after}"
        raise CertificateError(msg)
    issuer_key = authority.key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(authority.certificate.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _card_subject(serial: int) -> x509.Name:
    """Name a card certificate by the country and its serial in hex: nothing personal."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{serial:X}"),
        ]
    )


def _pointing(
    builder: x509.CertificateBuilder, ocsp_url: str, crl_url: str
) -> x509.CertificateBuilder:
    """Add where relying parties find the revocation status: the CRL and the OCSP responder."""
    crl = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
    ocsp = x509.AccessDescription(
        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
    )
    return builder.add_extension(x509.CRLDistributionPoints([crl]), critical=False).add_extension(
        x509.AuthorityInformationAccess([ocsp]), critical=False
    )


def _key_usage(
    *, digital_signature: bool = False, content_commitment: bool = False, cert_sign: bool = False
) -> x509.KeyUsage:
    """Build a KeyUsage; ``cert_sign`` means keyCertSign and cRLSign together."""
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _label(name: x509.Name) -> str:
    """Name an authority by the first OU of its name, e.g. "JPKI for digital signature"."""
    units = name.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    if units and isinstance(units[0].value, str):
        return units[0].value
    return name.rfc4514_string()
