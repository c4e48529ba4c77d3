"""Per-body codes (機関別符号) and disclosure codes (開示システム用符号), made by the hub.

Each body knows a person by its own code, never by the number (SPEC.md 5): the code is derived
from the resident record code (住民票コード) with a secret key only the hub holds, so two bodies
cannot join their records, and the number never travels on the network. The real derivation is
not published; this project's is:

``HMAC-SHA256(key, encode(domain, resident record code, body id))``, where ``encode`` prefixes
each part with its length in 4 bytes, big-endian (so no two different inputs encode alike), and
``domain`` is ``mynumber/institution-code/v1``. The first 130 bits of the tag are written as 26
characters of Crockford's base32 (``0-9`` and ``A-Z`` without ``I L O U``).

Why that rendering: 26 characters of letters and digits look nothing like a 12-digit number, so
no one mistakes a code for a number or types one into a number field; the alphabet has no
letters that read as digits (I, L, O) and no U, so codes read aloud or copied by hand survive;
130 bits leave no practical chance that two people share a code at one body.

The disclosure code (開示システム用符号) names the person in the exchange ledger and the portal.
It is made the same way with the domain ``mynumber/disclosure-code/v1`` and no body id, so it
never equals any per-body code of the same person.

Properties, assuming HMAC-SHA256 is a pseudo-random function: the same inputs always give the
same code; different bodies (or a disclosure code and a per-body code) give unrelated codes; and
without the key a code reveals nothing about the resident record code.

>>> is_well_formed_code("0123456789ABCDEFGHJKMNPQRS")
True
>>> is_well_formed_code("621498320257")
False
"""

import hashlib
import hmac
import re
from typing import Final

from mynumber.network.exceptions import InvalidBodyId, InvalidCodeKey, InvalidInstitutionCode
from mynumber.numbers import resident_code

#: The hub's code key: 32 bytes, the output size of SHA-256 (RFC 2104 asks for at least that).
KEY_LENGTH: Final = 32
#: A code is 26 characters of Crockford base32: 130 bits.
CODE_LENGTH: Final = 26
#: Crockford's base32 alphabet: digits and capital letters without I, L, O and U.
ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

_INSTITUTION_DOMAIN: Final = b"mynumber/institution-code/v1"
_DISCLOSURE_DOMAIN: Final = b"mynumber/disclosure-code/v1"
_CODE_BITS: Final = CODE_LENGTH * 5
_CODE_FORM: Final = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
#: Body ids are node ids: lower-case letters, digits and inner hyphens, at most 64 characters.
_BODY_ID: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


def derive_institution_code(key: bytes, resident_record_code: str, body_id: str) -> str:
    """Return the per-body code (機関別符号) of a person at the body ``body_id``.

    ``resident_record_code`` may carry spaces or hyphens; an invalid one raises
    :class:`mynumber.numbers.exceptions.InvalidNumber`.
    """
    _check_key(key)
    code = resident_code.validate(resident_record_code)
    if not _BODY_ID.fullmatch(body_id):
        msg = (
            f"body id {body_id!r} cannot name a body: use the body's node id, lower-case "
            "letters, digits and inner hyphens, at most 64 characters"
        )
        raise InvalidBodyId(msg)
    return _derive(key, _INSTITUTION_DOMAIN, code.encode("ascii"), body_id.encode("ascii"))


def derive_disclosure_code(key: bytes, resident_record_code: str) -> str:
    """Return the disclosure code (開示システム用符号) naming a person in the ledger and portal."""
    _check_key(key)
    code = resident_code.validate(resident_record_code)
    return _derive(key, _DISCLOSURE_DOMAIN, code.encode("ascii"))


def validate_code(text: str) -> str:
    """Return ``text`` if it is a well-formed code, else raise :class:`InvalidInstitutionCode`.

    The message never repeats the text: a code names a person.
    """
    if len(text) != CODE_LENGTH:
        msg = (
            f"a per-body code has {CODE_LENGTH} characters, this one has {len(text)}: "
            "send the code exactly as the hub issued it"
        )
        raise InvalidInstitutionCode(msg)
    if not all(character in ALPHABET for character in text):
        msg = (
            "a per-body code holds only digits and capital letters other than I, L, O and U: "
            "send the code exactly as the hub issued it"
        )
        raise InvalidInstitutionCode(msg)
    return text


def is_well_formed_code(text: str) -> bool:
    """Say whether ``text`` has the form of a per-body or disclosure code; never raises."""
    return _CODE_FORM.fullmatch(text) is not None


def _check_key(key: bytes) -> None:
    """Refuse a code key that is not :data:`KEY_LENGTH` bytes long."""
    if len(key) != KEY_LENGTH:
        msg = (
            f"the hub's code key must be {KEY_LENGTH} bytes, this one is {len(key)}: "
            f"configure the hub with its own {KEY_LENGTH}-byte code key"
        )
        raise InvalidCodeKey(msg)


def _derive(key: bytes, domain: bytes, *parts: bytes) -> str:
    """Return the code HMAC-SHA256 gives under ``key`` for ``domain`` and ``parts``."""
    tag = hmac.new(key, _encode(domain, *parts), hashlib.sha256).digest()
    value = int.from_bytes(tag, "big") >> (len(tag) * 8 - _CODE_BITS)
    return "".join(ALPHABET[(value >> shift) & 0b11111] for shift in range(_CODE_BITS - 5, -1, -5))


def _encode(*parts: bytes) -> bytes:
    """Return ``parts``, each after its length in 4 bytes, big-endian."""
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)
