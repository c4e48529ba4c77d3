"""Errors of the notices of the number (個人番号通知書).

::

MyNumberError
 +-- NoticeError
      +-- InvalidNotice (ValueError)     the input cannot make a correct notice
      +-- NoticeFontUnavailable          a page's language needs a font the machine lacks
"""

from mynumber.errors import MyNumberError


class NoticeError(MyNumberError):
    """A notice of the number could not be made."""

    code = "notice-error"


class InvalidNotice(NoticeError, ValueError):
    """The household, a member or an address is not fit to print: the message says which and why."""

    code = "invalid-notice"


class NoticeFontUnavailable(NoticeError):
    """A page in a member's language needs a font that is not installed on this machine."""

    code = "notice-font-unavailable"
