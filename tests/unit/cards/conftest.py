"""Keys and throw-away certificates for the card-file tests, made once: RSA keys are slow."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Material:
    """Keys and certificates for the tests' cards, and a spare pair for renewals."""

    authentication_key: RSAPrivateKey
    authentication_certificate: x509.Certificate
    signature_key: RSAPrivateKey
    signature_certificate: x509.Certificate
    spare_key: RSAPrivateKey
    spare_certificate: x509.Certificate


def _self_signed(key: RSAPrivateKey, name: str) -> x509.Certificate:
    """Make a throw-away self-signed certificate for ``key`` (no personal data in it)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(tz=UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )


@pytest.fixture(scope="session")
def material() -> Material:
    """Generate the RSA keys and their certificates once for the run."""
    keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]
    return Material(
        keys[0],
        _self_signed(keys[0], "test authentication"),
        keys[1],
        _self_signed(keys[1], "test signature"),
        keys[2],
        _self_signed(keys[2], "test renewal"),
    )
