"""JPKI in memory: the two authorities, their certificates, verification, the CRL and OCSP.

Keys are made once per module (RSA-2048 generation is slow); every time is a fixed datetime.
"""

import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from mynumber.cards.attributes import _der_utf8, _read_der_utf8
from mynumber.cards.crl import Revocation, build_crl
from mynumber.cards.exceptions import CertificateError
from mynumber.cards.jpki import (
    ADDRESS_OID,
    ALTERNATIVE_ADDRESS_OID,
    ALTERNATIVE_NAME_OID,
    DATE_OF_BIRTH_OID,
    NAME_OID,
    SEX_OID,
    Authority,
    AuthorityKind,
    FourAttributes,
    attributes_of,
    create_authority,
    issue_authentication_certificate,
    issue_responder_certificate,
    issue_signature_certificate,
    new_key,
    verify_issued_by,
    verify_signature,
)
from mynumber.cards.ocsp import (
    Status,
    StatusAnswer,
    ocsp_refusal,
    ocsp_response,
    read_ocsp_request,
    requested_serial,
)

FOUNDED = datetime(2025, 4, 1, tzinfo=UTC)
NOT_BEFORE = datetime(2025, 6, 1, tzinfo=UTC)
NOT_AFTER = datetime(2030, 6, 1, tzinfo=UTC)
AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
URLS = {"ocsp_url": "http://ocsp.jpki.example/", "crl_url": "http://crl.jpki.example/full.crl"}
TARO = FourAttributes(
    name="山田 太郎",
    sex="1",
    date_of_birth=date(2000, 2, 29),
    address="東京都千代田区千代田1番1号",
    alternative_name="山﨑 太郎",
    alternative_address="東京都千代田區千代田1番1号",
)
DATA = "住民票の写しの交付申請".encode()


@dataclass(frozen=True)
class Pki:
    """Both authorities, a holder's key, and a responder key, made once for the module."""

    signature: Authority
    authentication: Authority
    holder: rsa.RSAPrivateKey
    responder: rsa.RSAPrivateKey


@pytest.fixture(scope="module")
def pki() -> Pki:
    """Make both authorities and two end-entity keys once."""
    return Pki(
        create_authority(AuthorityKind.SIGNATURE, new_key(), operator="J-LIS", now=FOUNDED),
        create_authority(AuthorityKind.AUTHENTICATION, new_key(), operator="J-LIS", now=FOUNDED),
        new_key(),
        new_key(),
    )


def _signature(
    pki: Pki, attributes: FourAttributes = TARO, serial: int = 0x1001
) -> x509.Certificate:
    """Issue a signature certificate to the module's holder key."""
    return issue_signature_certificate(
        pki.signature,
        pki.holder.public_key(),
        attributes,
        serial=serial,
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
        **URLS,
    )


def _authentication(pki: Pki, serial: int = 0x2002) -> x509.Certificate:
    """Issue a user-authentication certificate to the module's holder key."""
    return issue_authentication_certificate(
        pki.authentication,
        pki.holder.public_key(),
        serial=serial,
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
        **URLS,
    )


def _request(certificate: x509.Certificate, issuer: Authority, nonce: bytes | None = None) -> bytes:
    """Build the DER of an OCSP request about ``certificate``, with SHA-1 CertID hashes."""
    # SHA-1 is what RFC 6960 CertIDs use by default, and what ``openssl ocsp`` sends.
    builder = ocsp.OCSPRequestBuilder().add_certificate(
        certificate,
        issuer.certificate,
        hashes.SHA1(),  # noqa: S303 -- a CertID hash, as clients send it
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def test_attributes_round_trip_with_kanji_and_a_leap_day_birthday(pki: Pki) -> None:
    """The four attributes, kanji alternatives and a 29 February birth date read back unchanged."""
    assert attributes_of(_signature(pki)) == TARO


def test_alternative_forms_are_left_out_when_absent(pki: Pki) -> None:
    """Without alternative forms only the four required otherNames are written and read."""
    plain = FourAttributes("佐藤 花子", "2", date(1990, 1, 31), "大阪府大阪市北区")
    certificate = _signature(pki, plain)
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    oids = {name.type_id for name in san.get_values_for_type(x509.OtherName)}
    assert attributes_of(certificate) == plain
    assert NAME_OID in oids
    assert not oids & {ALTERNATIVE_NAME_OID, ALTERNATIVE_ADDRESS_OID}


@settings(max_examples=40, deadline=None)
@given(
    name=st.text(min_size=1, max_size=200),
    sex=st.sampled_from(["1", "2", "9"]),
    born=st.dates(),
    address=st.text(min_size=1, max_size=300),
    alternative=st.none() | st.text(max_size=50),
)
def test_any_attributes_round_trip(  # noqa: PLR0917 -- one argument per generated attribute
    pki: Pki, name: str, sex: str, born: date, address: str, alternative: str | None
) -> None:
    """Whatever Unicode text and calendar date the register holds comes back out unchanged."""
    attributes = FourAttributes(name, sex, born, address, alternative, alternative)
    assert attributes_of(_signature(pki, attributes)) == attributes


@pytest.mark.parametrize("sex", ["0", "M", "", "12"])
def test_unknown_sex_codes_are_refused(sex: str) -> None:
    """Only the ISO/IEC 5218 codes 1, 2 and 9 are accepted for sex."""
    with pytest.raises(CertificateError, match="ISO/IEC 5218"):
        FourAttributes("山田 太郎", sex, date(2000, 1, 1), "東京都")


def test_authority_is_a_deterministic_self_signed_root(pki: Pki) -> None:
    """The same key and inputs give byte-identical roots with the JPKI subject and CA extensions."""
    again = create_authority(
        AuthorityKind.SIGNATURE, pki.signature.key, operator="J-LIS", now=FOUNDED
    )
    root = pki.signature.certificate
    assert again.certificate == root
    assert root.subject.rfc4514_string() == "OU=J-LIS,OU=JPKI for digital signature,O=JPKI,C=JP"
    assert root.issuer == root.subject
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    usage = root.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.key_cert_sign
    assert usage.value.crl_sign
    verify_issued_by(root, root, at=AT)


def test_signature_certificate_is_for_non_repudiation(pki: Pki) -> None:
    """The signature certificate's critical key usage is digitalSignature + nonRepudiation."""
    certificate = _signature(pki)
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert (usage.value.digital_signature, usage.value.content_commitment) == (True, True)
    assert certificate.subject.rfc4514_string() == "CN=1001,C=JP"


def test_authentication_certificate_carries_no_personal_data(pki: Pki) -> None:
    """The user-authentication certificate names only JP and its serial, and has no SAN."""
    certificate = _authentication(pki)
    assert certificate.subject.rfc4514_string() == "CN=2002,C=JP"
    with pytest.raises(x509.ExtensionNotFound):
        certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    with pytest.raises(CertificateError, match="no four attributes"):
        attributes_of(certificate)


def test_wrong_kind_of_authority_is_refused(pki: Pki) -> None:
    """Neither authority issues the other's kind of certificate."""
    with pytest.raises(CertificateError, match="only JPKI for digital signature"):
        issue_signature_certificate(
            pki.authentication,
            pki.holder.public_key(),
            TARO,
            serial=1,
            not_before=NOT_BEFORE,
            not_after=NOT_AFTER,
            **URLS,
        )
    with pytest.raises(CertificateError, match="only JPKI for user authentication"):
        issue_authentication_certificate(
            pki.signature,
            pki.holder.public_key(),
            serial=1,
            not_before=NOT_BEFORE,
            not_after=NOT_AFTER,
            **URLS,
        )


def _hand_made(pki: Pki, values: list[tuple[x509.ObjectIdentifier, bytes]]) -> x509.Certificate:
    """Sign a certificate whose subjectAltName holds exactly these otherName values."""
    names: list[x509.GeneralName] = [x509.OtherName(oid, value) for oid, value in values]
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP")]))
        .issuer_name(pki.signature.certificate.subject)
        .public_key(pki.holder.public_key())
        .serial_number(9)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(pki.signature.key, hashes.SHA256())
    )


REST = [
    (SEX_OID, b"\x0c\x011"),
    (DATE_OF_BIRTH_OID, b"\x0c\x0820000101"),
    (ADDRESS_OID, b"\x0c\x01x"),
]


def test_hand_made_attributes_are_read(pki: Pki) -> None:
    """Attributes written in plain DER by another encoder are read: the next tests' baseline."""
    attributes = attributes_of(_hand_made(pki, [(NAME_OID, b"\x0c\x02ab"), *REST]))
    assert attributes == FourAttributes("ab", "1", date(2000, 1, 1), "x")


@pytest.mark.parametrize(
    ("value", "reason"),
    [(b"\x13\x02ab", "not a DER UTF8String"), (b"\x0c\x02\xff\xfe", "not valid UTF-8")],
)
def test_malformed_values_are_refused(pki: Pki, value: bytes, reason: str) -> None:
    """A name that is a PrintableString, or not valid UTF-8, makes the attributes unreadable."""
    with pytest.raises(CertificateError, match=reason):
        attributes_of(_hand_made(pki, [(NAME_OID, value), *REST]))


@pytest.mark.parametrize(
    "value",
    [b"", b"\x0c", b"\x0c\x81\x02ab", b"\x0c\x03ab", b"\x0c\x02ab\x00", b"\x0c\x80ab"],
)
def test_decoder_refuses_what_is_not_one_der_utf8string(value: bytes) -> None:
    """Short, over-long, non-minimal and indefinite lengths are refused by the decoder itself.

    cryptography refuses to sign such values, so they are fed to the decoder directly.
    """
    with pytest.raises(CertificateError, match="not a DER UTF8String"):
        _read_der_utf8(value)


@given(value=st.binary(max_size=300) | st.text(max_size=300).map(_der_utf8))
def test_decoder_accepts_only_canonical_encodings(value: bytes) -> None:
    """Whatever bytes the decoder accepts are exactly the encoder's output for the text it reads."""
    with contextlib.suppress(CertificateError):
        assert _der_utf8(_read_der_utf8(value)) == value


@given(text=st.text(max_size=300))
def test_decoder_reads_back_the_encoder(text: str) -> None:
    """Every text the encoder writes, long or short, is read back unchanged."""
    assert _read_der_utf8(_der_utf8(text)) == text


@pytest.mark.parametrize(
    ("born", "reason"),
    [
        (b"20230229", "not a calendar date"),
        (b"2000-1-1", "YYYYMMDD"),
        ("２０００0101".encode(), "YYYYMMDD"),
    ],
)
def test_malformed_birth_dates_are_refused(pki: Pki, born: bytes, reason: str) -> None:
    """A birth date that is not an ASCII YYYYMMDD calendar date is refused."""
    value = bytes([0x0C, len(born)]) + born
    with pytest.raises(CertificateError, match=reason):
        attributes_of(
            _hand_made(
                pki, [(NAME_OID, b"\x0c\x01a"), *REST[:1], (DATE_OF_BIRTH_OID, value), *REST[2:]]
            )
        )


@pytest.mark.parametrize("bad", [b"\x0c\x03ab", b"\x0c\x01ab"])
def test_a_corrupted_subject_alt_name_is_refused(pki: Pki, bad: bytes) -> None:
    """A name whose DER length overruns or underruns its otherName is refused, not crashed on."""
    der = _hand_made(pki, [(NAME_OID, b"\x0c\x02ab"), *REST]).public_bytes(
        serialization.Encoding.DER
    )
    corrupted = x509.load_der_x509_certificate(der.replace(b"\x0c\x02ab", bad))
    with pytest.raises(CertificateError, match="subjectAltName is malformed"):
        attributes_of(corrupted)


def test_missing_or_repeated_attributes_are_refused(pki: Pki) -> None:
    """An attribute given twice, or a required one missing, is refused."""
    name = (NAME_OID, b"\x0c\x01a")
    with pytest.raises(CertificateError, match="twice"):
        attributes_of(_hand_made(pki, [name, name, *REST]))
    with pytest.raises(
        CertificateError, match=r"lacks the attributes 1\.2\.392\.200149\.8\.5\.5\.1$"
    ):
        attributes_of(_hand_made(pki, REST))


def test_verify_issued_by_accepts_each_authoritys_own_certificates(pki: Pki) -> None:
    """Each certificate verifies against the authority that issued it, inside its validity."""
    verify_issued_by(_signature(pki), pki.signature.certificate, at=AT)
    verify_issued_by(_authentication(pki), pki.authentication.certificate, at=AT)


def test_verify_issued_by_refuses_another_authoritys_certificate(pki: Pki) -> None:
    """A signature certificate is not accepted as issued by the user-authentication CA."""
    with pytest.raises(CertificateError, match="not issued by JPKI for user authentication"):
        verify_issued_by(_signature(pki), pki.authentication.certificate, at=AT)


def test_verify_issued_by_refuses_a_forged_issuer_name(pki: Pki) -> None:
    """A certificate naming the right issuer but signed by another key does not verify."""
    impostor = create_authority(
        AuthorityKind.SIGNATURE, pki.responder, operator="J-LIS", now=FOUNDED
    )
    forged = _signature(Pki(impostor, pki.authentication, pki.holder, pki.responder))
    assert forged.issuer == pki.signature.certificate.subject
    with pytest.raises(CertificateError, match="signature does not verify"):
        verify_issued_by(forged, pki.signature.certificate, at=AT)


def test_verify_issued_by_refuses_outside_the_validity(pki: Pki) -> None:
    """A certificate is refused after its expiry and before its start, and accepted at the edges."""
    certificate = _signature(pki)
    verify_issued_by(certificate, pki.signature.certificate, at=NOT_AFTER)
    verify_issued_by(certificate, pki.signature.certificate, at=NOT_BEFORE)
    with pytest.raises(CertificateError, match="expired on 2030-06-01"):
        verify_issued_by(
            certificate, pki.signature.certificate, at=NOT_AFTER + timedelta(seconds=1)
        )
    with pytest.raises(CertificateError, match="not yet valid"):
        verify_issued_by(certificate, pki.signature.certificate, at=NOT_BEFORE - timedelta(days=1))


def test_verify_signature_accepts_the_holders_signature(pki: Pki) -> None:
    """A PKCS#1 v1.5 SHA-256 signature by the holder's key verifies with the certificate."""
    signature = pki.holder.sign(DATA, padding.PKCS1v15(), hashes.SHA256())
    verify_signature(_signature(pki), signature, DATA)


@settings(max_examples=25, deadline=None)
@given(bit=st.integers(min_value=0, max_value=2047))
def test_any_flipped_bit_fails_the_signature(pki: Pki, bit: int) -> None:
    """Flipping any one bit of the signature makes it fail against the certificate."""
    signature = bytearray(pki.holder.sign(DATA, padding.PKCS1v15(), hashes.SHA256()))
    signature[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(CertificateError, match="the signature does not match the certificate"):
        verify_signature(_signature(pki), bytes(signature), DATA)


def test_a_flipped_bit_in_the_data_fails_the_signature(pki: Pki) -> None:
    """A signature over the data does not verify over the data with one bit changed."""
    signature = pki.holder.sign(DATA, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(CertificateError, match="does not match"):
        verify_signature(_signature(pki), signature, bytes([DATA[0] ^ 1]) + DATA[1:])


def test_responder_certificate_is_a_delegated_ocsp_signer(pki: Pki) -> None:
    """The responder certificate has OCSPSigning, ocsp-nocheck and the authority's name."""
    certificate = issue_responder_certificate(
        pki.signature,
        pki.responder.public_key(),
        serial=7,
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
    )
    eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.OCSP_SIGNING]
    assert certificate.extensions.get_extension_for_class(x509.OCSPNoCheck)
    assert certificate.subject.rfc4514_string().startswith("CN=OCSP Responder,OU=J-LIS,OU=JPKI for")
    verify_issued_by(certificate, pki.signature.certificate, at=AT)


def test_crl_lists_exactly_the_revoked_serials_with_reasons(pki: Pki) -> None:
    """The CRL lists each revoked serial with its reason, none for unspecified, and verifies."""
    revoked = [
        Revocation(0x1001, AT, x509.ReasonFlags.certificate_hold),
        Revocation(0x1002, AT, x509.ReasonFlags.key_compromise),
        Revocation(0x1003, AT, x509.ReasonFlags.unspecified),
    ]
    crl = build_crl(
        pki.signature, revoked, number=42, this_update=AT, next_update=AT + timedelta(days=1)
    )
    reasons: dict[int, x509.ReasonFlags | None] = {}
    for entry in crl:
        codes = [ext.value for ext in entry.extensions if isinstance(ext.value, x509.CRLReason)]
        reasons[entry.serial_number] = codes[0].reason if codes else None
    assert reasons == {
        0x1001: x509.ReasonFlags.certificate_hold,
        0x1002: x509.ReasonFlags.key_compromise,
        0x1003: None,
    }
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 42
    assert crl.is_signature_valid(pki.signature.key.public_key())
    assert crl.issuer == pki.signature.certificate.subject


def test_crl_refuses_a_serial_listed_twice(pki: Pki) -> None:
    """Listing one serial twice is refused rather than written into the CRL."""
    twice = [Revocation(5, AT, x509.ReasonFlags.key_compromise)] * 2
    with pytest.raises(CertificateError, match="listed twice"):
        build_crl(
            pki.signature, twice, number=1, this_update=AT, next_update=AT + timedelta(days=1)
        )


def test_requested_serial_matches_only_the_issuing_authority(pki: Pki) -> None:
    """An OCSP request yields its serial for the issuing CA and None for the other one."""
    request = read_ocsp_request(_request(_signature(pki), pki.signature))
    assert requested_serial(request, pki.signature) == 0x1001
    assert requested_serial(request, pki.authentication) is None


def test_garbage_is_not_an_ocsp_request() -> None:
    """Bytes that are not a DER OCSP request are refused with a CertificateError."""
    with pytest.raises(CertificateError, match="cannot be read"):
        read_ocsp_request(b"\x30\x03\x02\x01\x01")


def _respond(pki: Pki, request: bytes, answer: StatusAnswer) -> ocsp.OCSPResponse:
    """Answer ``request`` about the signature CA and parse the response back."""
    responder = issue_responder_certificate(
        pki.signature,
        pki.responder.public_key(),
        serial=7,
        not_before=NOT_BEFORE,
        not_after=NOT_AFTER,
    )
    der = ocsp_response(
        read_ocsp_request(request),
        answer,
        authority=pki.signature,
        responder_certificate=responder,
        responder_key=pki.responder,
        this_update=AT,
        next_update=AT + timedelta(hours=1),
    )
    return ocsp.load_der_ocsp_response(der)


def test_ocsp_response_echoes_the_nonce_and_names_the_responder(pki: Pki) -> None:
    """A good answer echoes the request's nonce and is signed by the delegated responder."""
    response = _respond(
        pki, _request(_signature(pki), pki.signature, b"n" * 16), StatusAnswer(Status.GOOD)
    )
    assert response.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert response.serial_number == 0x1001
    assert response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"n" * 16
    assert (
        response.responder_key_hash
        == x509.SubjectKeyIdentifier.from_public_key(pki.responder.public_key()).digest
    )
    pki.responder.public_key().verify(
        response.signature, response.tbs_response_bytes, padding.PKCS1v15(), hashes.SHA256()
    )


def test_ocsp_response_reports_a_hold(pki: Pki) -> None:
    """A revoked answer carries the revocation time and the certificateHold reason, and no nonce."""
    answer = StatusAnswer(Status.REVOKED, AT - timedelta(days=3), x509.ReasonFlags.certificate_hold)
    response = _respond(pki, _request(_signature(pki), pki.signature), answer)
    assert response.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert response.revocation_time_utc == AT - timedelta(days=3)
    assert response.revocation_reason is x509.ReasonFlags.certificate_hold
    assert len(response.extensions) == 0


def test_ocsp_response_refuses_a_request_about_another_authority(pki: Pki) -> None:
    """A request about the other CA's certificate is refused, not answered."""
    with pytest.raises(CertificateError, match="not about a certificate of JPKI for digital"):
        _respond(pki, _request(_authentication(pki), pki.authentication), StatusAnswer(Status.GOOD))


def test_a_revoked_answer_needs_its_time() -> None:
    """A REVOKED answer without a time, or a GOOD one with a time, cannot be made."""
    with pytest.raises(CertificateError, match="time of revocation"):
        StatusAnswer(Status.REVOKED)
    with pytest.raises(CertificateError, match="no revocation time"):
        StatusAnswer(Status.GOOD, AT)


@pytest.mark.parametrize(
    "status", [ocsp.OCSPResponseStatus.UNAUTHORIZED, ocsp.OCSPResponseStatus.MALFORMED_REQUEST]
)
def test_ocsp_refusal_carries_its_status(status: ocsp.OCSPResponseStatus) -> None:
    """A refusal parses back as an unsuccessful response with the given status."""
    assert ocsp.load_der_ocsp_response(ocsp_refusal(status)).response_status is status


def test_ocsp_refusal_cannot_be_successful() -> None:
    """SUCCESSFUL is not a refusal."""
    with pytest.raises(CertificateError, match="cannot be successful"):
        ocsp_refusal(ocsp.OCSPResponseStatus.SUCCESSFUL)
