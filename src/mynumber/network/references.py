"""The hub's keyed reference to a person: how it holds a resident record code without holding it.

The hub must find a person's per-body codes again (to issue the same code twice, to translate one
body's code into another's) but never stores a number, nor a resident record code (住民票コード)
in the clear. It keeps instead:

``HMAC-SHA256(key, encode(domain, resident record code))`` in hexadecimal, where ``encode``
prefixes each part with its length in 4 bytes, big-endian, as :mod:`mynumber.network.codes` does,
and ``domain`` is ``mynumber/person-reference/v1``. The key is the hub's code key; the domain of
its own keeps the reference unrelated to every per-body and disclosure code of the same person.
Without the key, a reference reveals nothing, and 11-digit codes cannot be tried one by one.

>>> len(person_reference(bytes(range(32)), "12345678903"))
64
"""

import hashlib
import hmac
from typing import Final

from mynumber.network.exceptions import InvalidCodeKey
from mynumber.numbers import resident_code

#: The hub's code key is 32 bytes.
KEY_LENGTH: Final = 32
_DOMAIN: Final = b"mynumber/person-reference/v1"


def person_reference(key: bytes, resident_record_code: str) -> str:
    """Return the hub's reference (64 hex digits) to the person with ``resident_record_code``.

    An invalid code raises :class:`mynumber.numbers.exceptions.InvalidNumber`.
    """
    if len(key) != KEY_LENGTH:
        msg = (
            f"the hub's code key must be {KEY_LENGTH} bytes, this one is {len(key)}: "
            f"configure the hub with its own {KEY_LENGTH}-byte code key"
        )
        raise InvalidCodeKey(msg)
    code = resident_code.validate(resident_record_code).encode("ascii")
    message = b"".join(len(part).to_bytes(4, "big") + part for part in (_DOMAIN, code))
    return hmac.new(key, message, hashlib.sha256).hexdigest()
