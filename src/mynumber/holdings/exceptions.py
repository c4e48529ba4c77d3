"""Errors of number holdings on the registry; nothing is stored when one is raised.

::

    HoldingError                     (a mynumber.errors.MyNumberError)
     +-- CollectionRefused           the body may not collect the number for that task (403)
     |    +-- NumberLocked           ... because its holder locked it (403)
     +-- ReceiptRefused              the identity receipt is unknown, used, expired or not the
     |                               body's for this number (409)
     +-- AlreadyHeld                 the body already holds the number for that task (409)
     +-- MalformedCollection         a request that is not the JSON the route takes (422)
     |    +-- CollectionTooLarge     ... because it is too large (413)
     +-- HubUnavailable              the hub could not be reached or did not record (502)
     +-- DeletionReceiptInvalid      a deletion receipt that does not verify (ValueError)

A refused request is itself recorded, in a transaction of its own
(:meth:`mynumber.holdings.services.HoldingService.record_refusal`).
"""

from mynumber.errors import MyNumberError


class HoldingError(MyNumberError):
    """The registry refused to record or change a holding of a number."""

    code = "holding-error"


class CollectionRefused(HoldingError):
    """The body may not collect a number for that task: the law or its registration says no."""

    code = "collection-refused"


class NumberLocked(CollectionRefused):
    """The number's holder has locked it: no body may collect it until they unlock it."""

    code = "number-locked"


class ReceiptRefused(HoldingError):
    """The identity receipt cannot be used: unknown, used, expired, or not this body's."""

    code = "receipt-refused"


class AlreadyHeld(HoldingError):
    """The body already holds the person's number for that task."""

    code = "already-held"


class MalformedCollection(HoldingError, ValueError):
    """A request to record a collection is not the JSON object the route takes."""

    code = "collection-malformed"


class CollectionTooLarge(MalformedCollection):
    """A request to record a collection is larger than the route takes."""

    code = "collection-too-large"


class HubUnavailable(HoldingError):
    """The hub could not be reached, or did not record what the registry asked it to."""

    code = "hub-unavailable"


class DeletionReceiptInvalid(HoldingError, ValueError):
    """A deletion receipt is malformed, of another type, or its signature does not verify."""

    code = "deletion-receipt-invalid"
