r"""The four attributes (基本4情報) as the JPKI signature certificate carries them.

Each attribute is an otherName in the certificate's subjectAltName, under the OIDs of SPEC.md 3
(1.2.392.200149.8.5.5.1 to .6), whose value is a DER UTF8String; the date of birth is written
YYYYMMDD and sex as an ISO/IEC 5218 code.

>>> _der_utf8("山田")
b'\x0c\x06\xe5\xb1\xb1\xe7\x94\xb0'
>>> _read_der_utf8(_der_utf8("x" * 200))[:3]
'xxx'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from cryptography import x509

from mynumber.cards.exceptions import CertificateError

NAME_OID: Final = x509.ObjectIdentifier("1.2.392.200149.8.5.5.1")
ALTERNATIVE_NAME_OID: Final = x509.ObjectIdentifier("1.2.392.200149.8.5.5.2")
SEX_OID: Final = x509.ObjectIdentifier("1.2.392.200149.8.5.5.3")
DATE_OF_BIRTH_OID: Final = x509.ObjectIdentifier("1.2.392.200149.8.5.5.4")
ADDRESS_OID: Final = x509.ObjectIdentifier("1.2.392.200149.8.5.5.5")
ALTERNATIVE_ADDRESS_OID: Final = x509.ObjectIdentifier("1.2.392.200149.8.5.5.6")

SEX_CODES: Final = frozenset({"1", "2", "9"})
_REQUIRED: Final = (NAME_OID, SEX_OID, DATE_OF_BIRTH_OID, ADDRESS_OID)
_UTF8_STRING: Final = 0x0C


@dataclass(frozen=True)
class FourAttributes:
    """The holder's four attributes (基本4情報) as the signature certificate carries them.

    ``sex`` is an ISO/IEC 5218 code: "1" male, "2" female, "9" not applicable. The alternative
    forms are the name and address as written in characters outside the certificate's usual set
    (e.g. a registered variant kanji); they are carried only when the register has them.
    """

    name: str
    sex: str
    date_of_birth: date
    address: str
    alternative_name: str | None = None
    alternative_address: str | None = None

    def __post_init__(self) -> None:
        """Refuse an empty name or address and a sex that is not an ISO/IEC 5218 code we use."""
        if not self.name or not self.address:
            msg = "the four attributes need a name and an address: neither may be empty"
            raise CertificateError(msg)
        if self.sex not in SEX_CODES:
            msg = f"sex must be an ISO/IEC 5218 code, '1', '2' or '9', not {self.sex!r}"
            raise CertificateError(msg)


def attributes_of(certificate: x509.Certificate) -> FourAttributes:
    """Read the four attributes back from a signature certificate's subjectAltName."""
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound as exc:
        msg = "the certificate carries no four attributes: only a signature certificate has them"
        raise CertificateError(msg) from exc
    except ValueError as exc:  # cryptography parses extensions lazily, and strictly
        msg = f"the certificate's subjectAltName is malformed ({exc})"
        raise CertificateError(msg) from exc
    values: dict[x509.ObjectIdentifier, str] = {}
    for other in names.get_values_for_type(x509.OtherName):
        if other.type_id in values:
            msg = f"the certificate carries attribute {other.type_id.dotted_string} twice"
            raise CertificateError(msg)
        values[other.type_id] = _read_der_utf8(other.value)
    missing = [oid.dotted_string for oid in _REQUIRED if oid not in values]
    if missing:
        msg = f"the certificate lacks the attributes {', '.join(missing)}"
        raise CertificateError(msg)
    return FourAttributes(
        name=values[NAME_OID],
        sex=values[SEX_OID],
        date_of_birth=_read_date(values[DATE_OF_BIRTH_OID]),
        address=values[ADDRESS_OID],
        alternative_name=values.get(ALTERNATIVE_NAME_OID),
        alternative_address=values.get(ALTERNATIVE_ADDRESS_OID),
    )


def other_names(attributes: FourAttributes) -> list[x509.GeneralName]:
    """Encode the four attributes (and the alternative forms when given) as otherName values."""
    birth = attributes.date_of_birth
    values = [
        (NAME_OID, attributes.name),
        (ALTERNATIVE_NAME_OID, attributes.alternative_name),
        (SEX_OID, attributes.sex),
        (DATE_OF_BIRTH_OID, f"{birth.year:04d}{birth.month:02d}{birth.day:02d}"),
        (ADDRESS_OID, attributes.address),
        (ALTERNATIVE_ADDRESS_OID, attributes.alternative_address),
    ]
    return [x509.OtherName(oid, _der_utf8(value)) for oid, value in values if value is not None]


def _read_date(text: str) -> date:
    """Read a birth date written as YYYYMMDD."""
    if len(text) != 8 or not (text.isascii() and text.isdigit()):
        msg = f"the date of birth {text!r} is not written as YYYYMMDD"
        raise CertificateError(msg)
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        msg = f"the date of birth {text!r} is not a calendar date"
        raise CertificateError(msg) from exc


def _der_utf8(text: str) -> bytes:
    """Encode ``text`` as a DER UTF8String (tag 12, definite length in the shortest form)."""
    return _der_utf8_of(text.encode("utf-8"))


def _der_utf8_of(body: bytes) -> bytes:
    """Wrap UTF-8 bytes in a DER UTF8String header."""
    if len(body) < 0x80:
        return bytes([_UTF8_STRING, len(body)]) + body
    length = len(body).to_bytes((len(body).bit_length() + 7) // 8, "big")
    return bytes([_UTF8_STRING, 0x80 | len(length)]) + length + body


def _read_der_utf8(der: bytes) -> str:
    """Decode exactly one DER UTF8String, refusing any other encoding."""
    header = 2 if len(der) < 2 or der[1] < 0x80 else 2 + (der[1] & 0x7F)
    body = der[header:]
    # DER is canonical: only a well-formed UTF8String re-encodes to the very same bytes.
    if _der_utf8_of(body) != der:
        msg = "a certificate attribute is not a DER UTF8String"
        raise CertificateError(msg)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = "a certificate attribute is not valid UTF-8"
        raise CertificateError(msg) from exc
