"""Errors as RFC 9457 problem details, through one error-to-status table.

Routes never build error responses: they raise a :class:`~mynumber.errors.MyNumberError`
subclass and :data:`ERROR_STATUS` decides the HTTP status (the nearest listed ancestor wins). The
handlers installed by :func:`install_problem_handlers` also turn FastAPI's validation errors (422),
unknown routes (404), wrong methods (405) and unexpected failures (500) into
``application/problem+json`` bodies with ``type``, ``title``, ``status``, ``detail`` and
``instance``.

A problem type is the tag URI ``tag:mynumber,2026:problem:<code>`` built from the error's
``code``; errors of plain HTTP (404, 405, 500) use ``about:blank`` as RFC 9457 advises.
"""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mynumber.accounts.rules import AccountRefused
from mynumber.accounts.services import AlreadyLinked, DepositLinkNotFound
from mynumber.cards.documents import DocumentsRefused
from mynumber.cards.exceptions import (
    CardError,
    CardFileError,
    CertificateError,
    InvalidPin,
    PinLocked,
    WrongPin,
)
from mynumber.cards.identity import IdentityRefused
from mynumber.cards.relying_parties import RelyingPartyRefused
from mynumber.cards.validity import InvalidCardDates
from mynumber.deployment import UnknownNodeError
from mynumber.errors import PROBLEM_TYPE_PREFIX, MyNumberError
from mynumber.grants import GrantRefused
from mynumber.holdings.exceptions import (
    AlreadyHeld,
    CollectionRefused,
    CollectionTooLarge,
    HubUnavailable,
    MalformedCollection,
    NumberLocked,
    ReceiptRefused,
)
from mynumber.institution.exceptions import ProvisionRefused
from mynumber.ledger.exceptions import InvalidRange, InvalidTreeState, MalformedEntry, StillSealed
from mynumber.ledger.screening import EntryTooLarge
from mynumber.ledger.services import CheckpointNotFound, EntryNotFound
from mynumber.network.collections import CollectionNotPermitted, InvalidCollectionRecord
from mynumber.network.exceptions import (
    InvalidBodyId,
    InvalidInstitutionCode,
    UnknownBodyKind,
    UnknownExchangeRow,
    UnknownTask,
)
from mynumber.network.service_exceptions import (
    AuthenticationRefused,
    BodyNotFound,
    BodyRefused,
    CallerRefused,
    CodeNotIssued,
    CodeRefused,
    DuplicateBody,
    DuplicateStaff,
    ExchangeNotFound,
    ExchangeRefused,
    ExchangeTooLarge,
    IdempotencyConflict,
    MalformedExchange,
    ProviderAnswerRefused,
)
from mynumber.nodes.exceptions import (
    CallingNodeRefused,
    NodeError,
    NodeSignatureRefused,
    NodeUnavailable,
    NodeUnhealthyError,
)
from mynumber.numbers.exceptions import InvalidNumber
from mynumber.oversight.cases import CaseRefused
from mynumber.proxies.services import ProxyNotFound, ProxyNotPermitted, ProxyRefused
from mynumber.register.clerks import ClerkRequired
from mynumber.register.exceptions import (
    DuplicateResident,
    InvalidResidentRecord,
    NotOnRegister,
    NumberChangeRefused,
    ResidentNotFound,
)
from mynumber.register.notation import InvalidAttribute
from mynumber.register.notices import NoticeBatchNotFound, NoticeRefused
from mynumber.settings import ConfigurationError
from mynumber.storage import DatabaseUnavailableError, MigrationError, StorageError

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
VALIDATION_PROBLEM_TYPE: Final = f"{PROBLEM_TYPE_PREFIX}request-invalid"

#: The one table from error to HTTP status. A subclass not listed takes its nearest ancestor's.
ERROR_STATUS: Final[Mapping[type[MyNumberError], HTTPStatus]] = {
    MyNumberError: HTTPStatus.BAD_REQUEST,
    InvalidNumber: HTTPStatus.UNPROCESSABLE_ENTITY,
    ConfigurationError: HTTPStatus.INTERNAL_SERVER_ERROR,
    UnknownNodeError: HTTPStatus.NOT_FOUND,
    StorageError: HTTPStatus.INTERNAL_SERVER_ERROR,
    DatabaseUnavailableError: HTTPStatus.SERVICE_UNAVAILABLE,
    MigrationError: HTTPStatus.SERVICE_UNAVAILABLE,
    NodeError: HTTPStatus.INTERNAL_SERVER_ERROR,
    NodeUnhealthyError: HTTPStatus.SERVICE_UNAVAILABLE,
    NodeUnavailable: HTTPStatus.BAD_GATEWAY,
    NodeSignatureRefused: HTTPStatus.UNAUTHORIZED,
    CallingNodeRefused: HTTPStatus.FORBIDDEN,
    ResidentNotFound: HTTPStatus.NOT_FOUND,
    DuplicateResident: HTTPStatus.CONFLICT,
    NotOnRegister: HTTPStatus.CONFLICT,
    InvalidResidentRecord: HTTPStatus.UNPROCESSABLE_ENTITY,
    NumberChangeRefused: HTTPStatus.UNPROCESSABLE_ENTITY,
    NoticeRefused: HTTPStatus.UNPROCESSABLE_ENTITY,
    NoticeBatchNotFound: HTTPStatus.NOT_FOUND,
    InvalidAttribute: HTTPStatus.UNPROCESSABLE_ENTITY,
    ClerkRequired: HTTPStatus.UNAUTHORIZED,
    CardError: HTTPStatus.CONFLICT,
    InvalidPin: HTTPStatus.UNPROCESSABLE_ENTITY,
    WrongPin: HTTPStatus.FORBIDDEN,
    PinLocked: HTTPStatus.LOCKED,
    CardFileError: HTTPStatus.UNPROCESSABLE_ENTITY,
    CertificateError: HTTPStatus.UNPROCESSABLE_ENTITY,
    InvalidCardDates: HTTPStatus.UNPROCESSABLE_ENTITY,
    DocumentsRefused: HTTPStatus.UNPROCESSABLE_ENTITY,
    IdentityRefused: HTTPStatus.FORBIDDEN,
    RelyingPartyRefused: HTTPStatus.UNAUTHORIZED,
    MalformedEntry: HTTPStatus.UNPROCESSABLE_ENTITY,
    EntryTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    InvalidRange: HTTPStatus.UNPROCESSABLE_ENTITY,
    InvalidTreeState: HTTPStatus.INTERNAL_SERVER_ERROR,
    EntryNotFound: HTTPStatus.NOT_FOUND,
    CheckpointNotFound: HTTPStatus.NOT_FOUND,
    UnknownBodyKind: HTTPStatus.UNPROCESSABLE_ENTITY,
    UnknownTask: HTTPStatus.UNPROCESSABLE_ENTITY,
    InvalidBodyId: HTTPStatus.UNPROCESSABLE_ENTITY,
    InvalidInstitutionCode: HTTPStatus.UNPROCESSABLE_ENTITY,
    BodyRefused: HTTPStatus.UNPROCESSABLE_ENTITY,
    DuplicateBody: HTTPStatus.CONFLICT,
    DuplicateStaff: HTTPStatus.CONFLICT,
    BodyNotFound: HTTPStatus.NOT_FOUND,
    AuthenticationRefused: HTTPStatus.UNAUTHORIZED,
    CallerRefused: HTTPStatus.UNAUTHORIZED,
    CodeRefused: HTTPStatus.FORBIDDEN,
    CodeNotIssued: HTTPStatus.NOT_FOUND,
    UnknownExchangeRow: HTTPStatus.NOT_FOUND,
    ExchangeRefused: HTTPStatus.FORBIDDEN,
    IdempotencyConflict: HTTPStatus.CONFLICT,
    ExchangeNotFound: HTTPStatus.NOT_FOUND,
    MalformedExchange: HTTPStatus.UNPROCESSABLE_ENTITY,
    ExchangeTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    ProviderAnswerRefused: HTTPStatus.BAD_GATEWAY,
    ProvisionRefused: HTTPStatus.UNPROCESSABLE_ENTITY,
    CollectionNotPermitted: HTTPStatus.FORBIDDEN,
    InvalidCollectionRecord: HTTPStatus.UNPROCESSABLE_ENTITY,
    CollectionRefused: HTTPStatus.FORBIDDEN,
    ReceiptRefused: HTTPStatus.CONFLICT,
    AlreadyHeld: HTTPStatus.CONFLICT,
    MalformedCollection: HTTPStatus.UNPROCESSABLE_ENTITY,
    CollectionTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    HubUnavailable: HTTPStatus.BAD_GATEWAY,
    GrantRefused: HTTPStatus.UNAUTHORIZED,
    CaseRefused: HTTPStatus.UNPROCESSABLE_ENTITY,
    AccountRefused: HTTPStatus.UNPROCESSABLE_ENTITY,
    AlreadyLinked: HTTPStatus.CONFLICT,
    DepositLinkNotFound: HTTPStatus.NOT_FOUND,
    StillSealed: HTTPStatus.CONFLICT,
    ProxyRefused: HTTPStatus.UNPROCESSABLE_ENTITY,
    ProxyNotFound: HTTPStatus.NOT_FOUND,
    ProxyNotPermitted: HTTPStatus.FORBIDDEN,
    NumberLocked: HTTPStatus.FORBIDDEN,
}

_log = logging.getLogger(__name__)


def status_for(error: MyNumberError) -> HTTPStatus:
    """Return the HTTP status of ``error``: its nearest class listed in :data:`ERROR_STATUS`."""
    for cls in type(error).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return HTTPStatus.BAD_REQUEST  # unreachable: MyNumberError itself is listed


def problem_response(  # noqa: PLR0913 -- one keyword per member of RFC 9457
    request: Request,
    *,
    status: int,
    problem_type: str = "about:blank",
    title: str | None = None,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,  # noqa: ANN401 -- extension members are any JSON value
) -> JSONResponse:
    """Return an ``application/problem+json`` response for ``request``."""
    body = {
        "type": problem_type,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extensions,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error ``app`` answers with a problem details response."""
    app.add_exception_handler(MyNumberError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    """Answer a :class:`MyNumberError` with its status from the table and its message."""
    assert isinstance(exc, MyNumberError)  # noqa: S101 -- registered for this class only
    return problem_response(
        request,
        status=status_for(exc),
        problem_type=exc.problem_type,
        title=exc.title,
        detail=str(exc),
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """Answer a request FastAPI could not parse; the submitted values are never echoed back."""
    assert isinstance(exc, RequestValidationError)  # noqa: S101 -- registered for this class only
    errors = [
        {"loc": [str(part) for part in error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in exc.errors()
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    return problem_response(
        request,
        status=HTTPStatus.UNPROCESSABLE_ENTITY,
        problem_type=VALIDATION_PROBLEM_TYPE,
        title="The request is not valid",
        detail=f"{'.'.join(first['loc'])}: {first['msg']}",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Answer the errors of plain HTTP: unknown routes, wrong methods."""
    assert isinstance(exc, HTTPException)  # noqa: S101 -- registered for this class only
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail
    if detail == phrase and exc.status_code == HTTPStatus.NOT_FOUND:
        detail = f"there is nothing at {request.url.path}; check the address"
    elif detail == phrase and exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem_response(request, status=exc.status_code, detail=detail, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Answer a failure nobody planned for without revealing its internals; log it in full."""
    _log.error("unexpected failure on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        status=HTTPStatus.INTERNAL_SERVER_ERROR,
        detail="the node failed unexpectedly; its operator will find the cause in its log",
    )
