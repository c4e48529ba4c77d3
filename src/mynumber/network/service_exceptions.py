"""Errors of the hub's register of bodies and its per-body codes; nothing changed when raised.

::

    NetworkError                              (mynumber.network.exceptions)
     +-- BodyRefused (ValueError)             a registration or staff entry with a wrong field
     |    +-- DuplicateBody                   a body id that is taken
     |    +-- DuplicateStaff                  a staff id the body already uses
     +-- BodyNotFound (LookupError)           no body is registered under that id
     +-- AuthenticationRefused                a wrong API key, or no (active) staff member of it
     +-- CodeRefused                          a code not issued to the body that sent it
     +-- CodeNotIssued (LookupError)          the person has no code at that body yet
     +-- CallerRefused                        no operator named, or a node that may not call
     +-- ExchangeRefused                      the table, the tasks or the request refuse an exchange
     |    +-- IdempotencyConflict             an idempotency key reused for another request
     +-- ExchangeNotFound (LookupError)       no exchange of that body under that serial number
     +-- MalformedExchange (ValueError)       a request body that is not the JSON the route takes
     |    +-- ExchangeTooLarge                ... because it is too large
     +-- ProviderAnswerRefused                a provider's answer of the wrong form or size
"""

from mynumber.network.exceptions import NetworkError


class BodyRefused(NetworkError, ValueError):
    """A body, its tasks or a staff member cannot be registered as given."""

    code = "body-refused"


class DuplicateBody(BodyRefused):
    """A body is already registered under that id."""

    code = "duplicate-body"


class DuplicateStaff(BodyRefused):
    """The body already has a staff member with that id."""

    code = "duplicate-staff"


class BodyNotFound(NetworkError, LookupError):
    """No body is registered on the network under that id."""

    code = "body-not-found"


class AuthenticationRefused(NetworkError):
    """The API key is not a body's, or the request names no active staff member of that body."""

    code = "authentication-refused"


class CodeRefused(NetworkError):
    """A per-body code that the hub did not issue to the body that sent it."""

    code = "code-refused"


class CodeNotIssued(NetworkError, LookupError):
    """The person has no per-body code at that body yet."""

    code = "code-not-issued"


class CallerRefused(NetworkError):
    """The request does not say who makes it, or comes from a node that may not make it."""

    code = "caller-refused"


class ExchangeRefused(NetworkError):
    """The hub will not route this exchange: the table or the requester's tasks do not allow it."""

    code = "exchange-refused"


class IdempotencyConflict(ExchangeRefused):
    """The idempotency key names an exchange that asked for something else."""

    code = "idempotency-conflict"


class ExchangeNotFound(NetworkError, LookupError):
    """The requesting body has no exchange under that transaction serial number."""

    code = "exchange-not-found"


class MalformedExchange(NetworkError, ValueError):
    """The request body is not the JSON the exchange route takes."""

    code = "exchange-malformed"


class ExchangeTooLarge(MalformedExchange):
    """The request body is larger than the exchange route takes."""

    code = "exchange-too-large"


class ProviderAnswerRefused(NetworkError):
    """A provider answered in a form the hub does not take; the exchange stays pending."""

    code = "provider-answer-refused"
