"""Errors of an institution node; nothing changed when raised.

::

    InstitutionError                  (a mynumber.errors.MyNumberError)
     +-- ProvisionRefused             a request for a shareable copy, or a copy, of the wrong form
"""

from mynumber.errors import MyNumberError


class InstitutionError(MyNumberError):
    """An institution node refused a request."""

    code = "institution-error"


class ProvisionRefused(InstitutionError, ValueError):
    """A shareable copy, or a request for one, that the node cannot take."""

    code = "provision-refused"
