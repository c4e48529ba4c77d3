"""A virtual Individual Number Card (マイナンバーカード): a file kept by the holder, as the chip.

What the file holds (:mod:`.virtual_file` has the layout, :mod:`.virtual_payload` what is sealed,
:mod:`.sealing` how; JSON, format ``mynumber-virtual-card/1``, mode 0600, written atomically:
temporary file, fsync, rename):

- in the clear: the 16-digit manufacturing number, the user-authentication certificate (public,
  read without a PIN, as a chip gives it to any reader) and the retry counter of each PIN;
- sealed with AES-256-GCM under a random per-card content key: the authentication private key,
  the signature private key and certificate (absent for holders under 15) and the card-face text
  (:class:`CardFace`: number, name, address, date of birth, sex);
- the content key, sealed (AES-256-GCM) once under each PIN -- with a key derived from that PIN by
  scrypt, with its own random salt -- and once under the registry's per-card administration key
  (32 bytes, kept by the registry, used for resets and renewals at the municipal office).

A PIN is right exactly when its box opens. The sealed parts are bound (as GCM associated data) to
the manufacturing number, the PIN kind and, for the payload, the authentication certificate, so
none can be moved to another card or slot unnoticed. scrypt runs at n=2**14, r=8, p=1 (some 50 ms
a try): scrypt's interactive setting, chosen so that tests entering many PINs stay fast.

Which PIN each operation needs, as on the chip:

- signing with the authentication key: the user-authentication PIN (:attr:`PinKind.AUTHENTICATION`);
- signing with the signature key, reading the signature certificate: the signature PIN;
- reading the card face: the card-face PIN;
- the resident-register PIN is kept and counted (:meth:`VirtualCard.verify_pin`) and guards
  nothing else here.

Counters, as on the chip: a locked PIN is refused before any cryptography; an entry whose format can
never be right (:func:`check_entered_pin`) is refused without counting; every other wrong entry is
written to the file BEFORE the error is raised (a chip counts the try even if the reader is pulled);
a correct entry resets that PIN's counter; time never does. A locked signature or authentication PIN
is reset with the other one (:meth:`VirtualCard.unlock_with`, also allowed while the PIN is not
locked, for a holder who has forgotten it: knowing the other PIN is the proof either way); any PIN
is reset at the counter with the administration key (:meth:`VirtualCard.reset_pin`), which also
renews the keys and certificates (:meth:`VirtualCard.replace_certificates`; a holder turned 15
gets a first signature key there, with the signature PIN chosen then).

Nothing is cached: every call reads the file, and every change rewrites it, so two
:class:`VirtualCard` objects on one file never disagree. (Two processes using one file at the same
moment are not serialised, as a chip serves one reader at a time.)

Limits of a software card, plainly: the counters live in the file, so whoever can edit the file can
reset them (the digest in the file is no defence; it only catches damage); and since the file holds
everything needed to test a PIN, a 4-digit PIN falls to an offline search of 10,000 guesses in
minutes. The virtual card stands in for the chip in tests and demos; the registry's records (card
and certificate status, revocation) stay authoritative over anything a card file says.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from mynumber.cards import virtual_file
from mynumber.cards.exceptions import CardError, CardFileError, PinLocked
from mynumber.cards.pins import (
    PinCounter,
    PinKind,
    attempt,
    check_entered_pin,
    check_new_pin,
    unlocking_pin,
    wrong_pin_error,
)
from mynumber.cards.sealing import Box, new_key, open_with_pin, seal, seal_under_pin
from mynumber.cards.virtual_file import CardDocument
from mynumber.cards.virtual_payload import (
    NO_SIGNATURE,
    CardFace,
    CardSecrets,
    administration_context,
    check_administration_key,
    check_issue_pins,
    check_keys,
    open_administration,
    open_secrets,
    pin_context,
    renewed_signature_pin,
    seal_secrets,
)

__all__ = ["CardFace", "VirtualCard", "create_card"]


def create_card(  # noqa: PLR0913 - a card is issued with all of these at once
    path: Path,
    *,
    manufacturing_number: str,
    authentication_key: RSAPrivateKey,
    authentication_certificate: x509.Certificate,
    signature_key: RSAPrivateKey | None,
    signature_certificate: x509.Certificate | None,
    card_face: CardFace,
    pins: Mapping[PinKind, str],
    administration_key: bytes,
) -> "VirtualCard":
    """Issue a virtual card into a new file at ``path`` and return it; never overwrite a file."""
    if not virtual_file.valid_manufacturing_number(manufacturing_number):
        msg = "the manufacturing number is 16 digits"
        raise CardError(msg)
    check_administration_key(administration_key)
    check_keys(
        (authentication_key, authentication_certificate), signature_key, signature_certificate
    )
    checked = check_issue_pins(pins, signature=signature_key is not None)
    if path.exists():
        msg = f"{path}: a file already exists there and is never overwritten; choose another path"
        raise CardFileError(msg)
    content_key = new_key()
    administration = administration_context(manufacturing_number)
    document = CardDocument(
        manufacturing_number=manufacturing_number,
        authentication_certificate=authentication_certificate,
        pins={},
        counters={},
        administration=seal(administration_key, content_key, context=administration),
        payload=Box(b"", b""),
    )
    for kind, pin in checked.items():
        box = seal_under_pin(content_key, pin, context=pin_context(document, kind))
        document = document.with_pin(kind, box)
    secrets = CardSecrets(authentication_key, signature_key, signature_certificate, card_face)
    document = replace(document, payload=seal_secrets(document, content_key, secrets))
    virtual_file.write(path, document, create=True)
    return VirtualCard(path)


@dataclass(frozen=True)
class _Opened:
    """A card file after a correct PIN: the document as saved, the content key, the secrets."""

    document: CardDocument
    content_key: bytes
    secrets: CardSecrets


class VirtualCard:
    """A virtual card file; every call reads the file, and every change rewrites it."""

    def __init__(self, path: Path) -> None:
        """Use the card file at ``path``; :meth:`open` also checks that it is one."""
        self.path = path

    @classmethod
    def open(cls, path: Path) -> Self:
        """Open the card file at ``path``; raise CardFileError if it is missing or not sound."""
        card = cls(path)
        card._load()
        return card

    @property
    def manufacturing_number(self) -> str:
        """The card's 16-digit manufacturing number (new at every reissue)."""
        return self._load().manufacturing_number

    @property
    def authentication_certificate(self) -> x509.Certificate:
        """The user-authentication certificate, which any reader may read without a PIN."""
        return self._load().authentication_certificate

    @property
    def has_signature_certificate(self) -> bool:
        """Whether the card holds a signature certificate (holders under 15 have none)."""
        return PinKind.SIGNATURE in self._load().pins

    def pin_status(self) -> dict[PinKind, PinCounter]:
        """Return each PIN's retry counter (the signature PIN only on a card with its key)."""
        return dict(self._load().counters)

    def verify_pin(self, kind: PinKind, pin: str) -> None:
        """Check ``pin`` as the ``kind`` PIN; a wrong one is counted and raises WrongPin."""
        self._enter(self._load(), kind, pin)

    def sign(self, kind: PinKind, pin: str, data: bytes) -> bytes:
        """Sign ``data`` (RSA PKCS#1 v1.5, SHA-256) with the key that ``kind`` PIN guards."""
        if kind not in {PinKind.AUTHENTICATION, PinKind.SIGNATURE}:
            msg = f"the {kind} PIN guards no key; sign with the authentication or signature key"
            raise CardError(msg)
        secrets = self._enter(self._load(), kind, pin).secrets
        key = secrets.authentication_key
        if kind is PinKind.SIGNATURE:
            if secrets.signature_key is None:  # open_secrets has made sure it is there
                raise CardError(NO_SIGNATURE)
            key = secrets.signature_key
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def signature_certificate(self, pin: str) -> x509.Certificate:
        """Return the signature certificate, which the signature PIN guards."""
        secrets = self._enter(self._load(), PinKind.SIGNATURE, pin).secrets
        if secrets.signature_certificate is None:  # open_secrets has made sure it is there
            raise CardError(NO_SIGNATURE)
        return secrets.signature_certificate

    def read_card_face(self, pin: str) -> CardFace:
        """Return the card-face text, which the card-face PIN guards."""
        return self._enter(self._load(), PinKind.CARD_FACE, pin).secrets.card_face

    def change_pin(self, kind: PinKind, old_pin: str, new_pin: str) -> None:
        """Set a new ``kind`` PIN; the old one is entered (and counted) like any other entry.

        The new PIN is checked first: if it breaks its rule, nothing is entered or counted.
        """
        pin = check_new_pin(kind, new_pin)
        opened = self._enter(self._load(), kind, old_pin)
        self._set_pin(opened.document, opened.content_key, kind, pin)

    def unlock_with(self, locked: PinKind, other_pin: str, new_pin: str) -> None:
        """Reset the signature or authentication PIN with the other one, and set ``new_pin``.

        Allowed whether or not ``locked`` is locked (a forgotten PIN need not be locked first);
        the other PIN is entered and counted like any other entry.
        """
        other = unlocking_pin(locked)
        if other is None:
            msg = f"the {locked} PIN is reset only at the municipal office, bringing photo ID"
            raise CardError(msg)
        document = self._load()
        document.pin_box(locked)  # refuses a PIN the card does not have
        pin = check_new_pin(locked, new_pin)
        opened = self._enter(document, other, other_pin)
        self._set_pin(opened.document, opened.content_key, locked, pin)

    def reset_pin(self, kind: PinKind, new_pin: str, administration_key: bytes) -> None:
        """Unlock the ``kind`` PIN and set ``new_pin``, at the counter with the registry's key."""
        document = self._load()
        document.pin_box(kind)  # refuses a PIN the card does not have
        pin = check_new_pin(kind, new_pin)
        self._set_pin(document, open_administration(document, administration_key), kind, pin)

    def replace_certificates(  # noqa: PLR0913 - a renewal brings both pairs
        self,
        administration_key: bytes,
        *,
        authentication_key: RSAPrivateKey,
        authentication_certificate: x509.Certificate,
        signature_key: RSAPrivateKey | None,
        signature_certificate: x509.Certificate | None,
        signature_pin: str | None = None,
    ) -> None:
        """Put renewed keys and certificates on the card at the counter; the PINs stay.

        No ``signature_key`` takes the signature certificate off, and its PIN with it. A card that
        gets its first signature key (its holder turned 15) needs ``signature_pin``, the PIN to set.
        """
        check_keys(
            (authentication_key, authentication_certificate), signature_key, signature_certificate
        )
        document = self._load()
        content_key = open_administration(document, administration_key)
        secrets = open_secrets(document, content_key)
        document = renewed_signature_pin(document, content_key, signature_key, signature_pin)
        document = replace(document, authentication_certificate=authentication_certificate)
        renewed = replace(
            secrets,
            authentication_key=authentication_key,
            signature_key=signature_key,
            signature_certificate=signature_certificate,
        )
        self._save(replace(document, payload=seal_secrets(document, content_key, renewed)))

    def _enter(self, document: CardDocument, kind: PinKind, pin: str) -> _Opened:
        """Enter ``pin`` as the chip would: refuse if locked, count if wrong, reset if right."""
        pin_box = document.pin_box(kind)
        counter = document.counters[kind]
        if counter.locked:
            other = unlocking_pin(kind)
            how = f" or with the {other} PIN" if other in document.pins else ""
            msg = f"the {kind} PIN is locked; reset it at the municipal office{how}"
            raise PinLocked(msg)
        entered = check_entered_pin(kind, pin)
        content_key = open_with_pin(pin_box, entered, context=pin_context(document, kind))
        after = attempt(counter, correct=content_key is not None)
        if content_key is None:
            self._save(document.with_counter(after))
            raise wrong_pin_error(after)
        secrets = open_secrets(document, content_key)
        if after != counter:
            document = document.with_counter(after)
            self._save(document)
        return _Opened(document, content_key, secrets)

    def _set_pin(self, document: CardDocument, content_key: bytes, kind: PinKind, pin: str) -> None:
        """Seal the content key under a newly set ``pin`` and give it every try."""
        pin_box = seal_under_pin(content_key, pin, context=pin_context(document, kind))
        self._save(document.with_pin(kind, pin_box))

    def _load(self) -> CardDocument:
        """Read the card file."""
        return virtual_file.read(self.path)

    def _save(self, document: CardDocument) -> None:
        """Rewrite the card file atomically."""
        virtual_file.write(self.path, document, create=False)
