"""Errors of the card, its PINs and its certificates, each saying what was wrong and what to do."""

from mynumber.errors import MyNumberError


class CardError(MyNumberError):
    """The card or the registry refused a request about a card; nothing was changed."""

    code = "card-error"


class InvalidPin(CardError, ValueError):
    """A PIN offered to be set breaks its rule (length, characters); the card keeps the old one."""

    code = "invalid-pin"


class WrongPin(CardError):
    """A PIN was entered wrongly; the card counted the try."""

    code = "wrong-pin"

    def __init__(self, message: str, *, remaining: int) -> None:
        """Keep how many tries are left before the PIN locks."""
        super().__init__(message)
        self.remaining = remaining


class PinLocked(CardError):
    """The PIN is locked after too many wrong entries: only a reset unlocks it."""

    code = "pin-locked"


class CardFileError(CardError):
    """A virtual card file cannot be read or written, or is not a card file."""

    code = "card-file-error"


class CertificateError(CardError):
    """A certificate, signature, CRL or OCSP message is malformed or does not verify."""

    code = "certificate-error"
