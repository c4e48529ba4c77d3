"""Errors of the number formats, shaped like python-stdnum's: each is a ``ValueError`` too.

``validate()`` raises exactly one of these; ``is_valid()`` never raises.
"""

from mynumber.errors import MyNumberError


class InvalidNumber(MyNumberError, ValueError):
    """The text is not a valid number of the format asked for."""

    code = "invalid-number"


class InvalidLength(InvalidNumber):
    """The number has the wrong number of digits."""

    code = "invalid-length"


class InvalidFormat(InvalidNumber):
    """The number holds something other than digits, spaces and hyphens."""

    code = "invalid-format"


class InvalidChecksum(InvalidNumber):
    """The check digit does not match the other digits: most often a typing mistake."""

    code = "invalid-checksum"
