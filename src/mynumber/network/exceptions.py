"""Errors of the information provision network's core, each saying what was wrong and what to do.

::

    NetworkError                          (a mynumber.errors.MyNumberError)
     +-- UnknownBodyKind (ValueError)     a kind of body the system does not know
     +-- UnknownTask (LookupError)        a task id no law lists
     +-- UnknownExchangeRow (LookupError) a row id the table of permitted exchanges does not hold
     +-- ExchangeNotPermitted             the table does not permit an exchange asked for
     +-- InvalidTable                     the table file is malformed; the hub refuses to start
     +-- InvalidInstitutionCode (ValueError)  text that is not a per-body code
     +-- InvalidCodeKey (ValueError)      a code key of the wrong length
     +-- InvalidBodyId (ValueError)       a body id that cannot name a body

A refusal to collect a number or to exchange data is not an error: ``may_collect`` and
``PermittedExchanges.check`` return a denied decision with its reason. ``ExchangeNotPermitted`` is
for callers that must stop there (``PermittedExchanges.require``).
"""

from mynumber.errors import MyNumberError


class NetworkError(MyNumberError):
    """The network refused a request, or its own configuration is wrong; nothing was exchanged."""

    code = "network-error"


class UnknownBodyKind(NetworkError, ValueError):
    """A body kind that is not one of the profiles the system knows."""

    code = "unknown-body-kind"


class UnknownTask(NetworkError, LookupError):
    """A task id that names no task the law lists for a body."""

    code = "unknown-task"


class UnknownExchangeRow(NetworkError, LookupError):
    """A row id that the table of permitted exchanges does not hold."""

    code = "unknown-exchange-row"


class ExchangeNotPermitted(NetworkError):
    """The table of permitted exchanges does not allow this requester, task, provider and item."""

    code = "exchange-not-permitted"


class InvalidTable(NetworkError):
    """The table of permitted exchanges cannot be read or breaks a rule; nothing is permitted."""

    code = "invalid-table"


class InvalidInstitutionCode(NetworkError, ValueError):
    """Text that is not a well-formed per-body code (機関別符号) or disclosure code."""

    code = "invalid-institution-code"


class InvalidCodeKey(NetworkError, ValueError):
    """The hub's code key is not 32 bytes long."""

    code = "invalid-code-key"


class InvalidBodyId(NetworkError, ValueError):
    """A body id that is empty or not made of lower-case letters, digits and inner hyphens."""

    code = "invalid-body-id"
