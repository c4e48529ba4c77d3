"""Errors of the resident register, each saying what was wrong and what to do."""

from mynumber.errors import MyNumberError


class RegisterError(MyNumberError):
    """The register refused a request; nothing was changed."""

    code = "register-error"


class ResidentNotFound(RegisterError):
    """No resident on the register answers to what was given."""

    code = "resident-not-found"


class DuplicateResident(RegisterError):
    """The person is already on the register: registering them again would give two numbers."""

    code = "duplicate-resident"


class NotOnRegister(RegisterError):
    """The resident has died or moved out: no further event can be recorded for them here."""

    code = "not-on-register"


class InvalidResidentRecord(RegisterError):
    """The record itself is wrong: an unknown municipality, a postal code elsewhere, a bad date."""

    code = "invalid-resident-record"


class NumberChangeRefused(RegisterError):
    """A number change that the law does not allow (番号法 第7条第2項)."""

    code = "number-change-refused"
