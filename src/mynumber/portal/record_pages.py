"""The records of use of my data (やりとり履歴) on the portal.

* ``GET /records``: every record of use of my data, newest first, fifty a page, filtered by kind.
* ``GET /records/download.csv`` and ``.json``: all of them, as a file.
* ``GET /records/{index}/proof``: one record with its inclusion proof and the hub's signed
  checkpoint, for the page's script (``static/verify.js``) to check in the browser.
* ``POST /records/{index}/report``: "I don't recognise this" -- a case for the oversight
  commission with the record and its proof; ``GET /reported`` says which.

The hub answers only the entries of the resident the registry's grant names: another person's
record is not found. A sealed record of police access whose unsealing date has come (today, in
Japan) is shown and downloaded in full: the portal sends it with its proof to the oversight
commission, which alone can open it; if the commission refuses or does not answer, the record is
shown sealed.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Final

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, Response

from mynumber.deployment import NodeKind
from mynumber.ledger.sealing import UNSEALING_ZONE
from mynumber.nodes.context import Node  # noqa: TC001 -- FastAPI reads them at run time
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.portal import i18n
from mynumber.portal.records import (
    KINDS,
    Record,
    is_due,
    item_name,
    legal_basis,
    read_record,
    task_name,
    with_unsealed,
)
from mynumber.portal.records import to_csv as records_csv
from mynumber.portal.records import to_json as records_json
from mynumber.portal.visits import (
    HEADERS,
    Visit,
    call,
    card_refused,
    day_formatter,
    ended,
    form_visit,
    kiosk_task_ended,
    unavailable,
    visit_of,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

router = APIRouter(include_in_schema=False)

#: A case number of the oversight commission, as the reported page shows it.
_CASE: Final = re.compile(r"C-[0-9]{6,12}")
#: Records on one page.
PAGE_SIZE: Final = 50
#: Records asked of the hub at once when downloading them all.
_DOWNLOAD_PAGE: Final = 500


async def _entries(
    visit: Visit, *, offset: int, limit: int, kind: str | None
) -> tuple[int, list[Record]] | Response:
    """Return how many records there are and a page of them, or the answer to give instead."""
    params: dict[str, str | int] = {"offset": offset, "limit": limit}
    if kind:
        params["kind"] = kind
    try:
        refused = await card_refused(visit)
        if refused is not None:
            return refused
        answer = await call(visit, NodeKind.HUB, "api/ledger/mine", params=params)
    except NodeUnavailable:
        return unavailable(visit)
    if answer.status_code == HTTPStatus.UNAUTHORIZED:
        return ended(visit)
    if not answer.is_success:
        return unavailable(visit)
    page = answer.json()
    records = [read_record(int(e["index"]), e["entry"]) for e in page["entries"]]
    today = datetime.now(UNSEALING_ZONE).date()
    return int(page["total"]), [
        await _unsealed(visit, record) if is_due(record, today) else record for record in records
    ]


async def _unsealed(visit: Visit, record: Record) -> Record:
    """Return the sealed ``record`` as the oversight commission opens it, or as it is if it won't.

    The commission gets the record with its proof and checkpoint from the hub; whatever goes
    wrong on the way, the record is shown sealed rather than the page failing.
    """
    try:
        found = await call(visit, NodeKind.HUB, f"api/ledger/mine/{record.index}/proof")
        if not found.is_success:
            return record
        opened = await call(
            visit, NodeKind.OVERSIGHT, "api/unsealings", method="POST", body=_evidence(found.json())
        )
        if not opened.is_success:
            return record
        return with_unsealed(record, opened.json())
    except (NodeUnavailable, ValueError, KeyError, TypeError):
        return record


@router.get("/records")
async def records(
    request: Request,
    node: Node,
    kind: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Show a page of the records of use of my data, newest first, filtered by kind."""
    visit = await visit_of(request, node)
    if visit.session is None:
        return visit.redirect("/login")
    chosen = kind if kind in KINDS else ""
    found = await _entries(
        visit, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, kind=chosen or None
    )
    if isinstance(found, Response):
        return found
    total, shown = found
    pages = max(1, -(-total // PAGE_SIZE))
    language = visit.language
    return visit.render(
        "records.html",
        records=shown,
        total=total,
        page=min(page, pages),
        pages=pages,
        kind=chosen,
        kinds=KINDS,
        when=lambda moment: i18n.when(moment, language),
        day=day_formatter(language),
        task_name=lambda task: task_name(task, language),
        item_name=lambda item: item_name(item, language),
        legal_basis=lambda row: legal_basis(row, language),
    )


async def _all_records(visit: Visit, kind: str | None) -> list[Record] | Response:
    """Return every record of use of the resident's data, newest first."""
    everything: list[Record] = []
    while True:
        found = await _entries(visit, offset=len(everything), limit=_DOWNLOAD_PAGE, kind=kind)
        if isinstance(found, Response):
            return found
        total, shown = found
        everything += shown
        if not shown or len(everything) >= total:
            return everything


async def _download(visit: Visit, kind: str, form: str) -> Response:
    """Answer every record as a file; at a kiosk, the download ends the session."""
    found = await _all_records(visit, kind if kind in KINDS else None)
    if isinstance(found, Response):
        return found
    content, media = (
        (records_csv(found, visit.language), "text/csv; charset=utf-8")
        if form == "csv"
        else (records_json(found), "application/json")
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    headers = {
        **HEADERS,
        "Content-Disposition": f'attachment; filename="records-of-use-{stamp}.{form}"',
    }
    return await kiosk_task_ended(visit, Response(content, media_type=media, headers=headers))


@router.get("/records/download.{form}")
async def download(
    form: str, request: Request, node: Node, kind: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    """Download every record of use, as CSV or JSON."""
    visit = await visit_of(request, node)
    if visit.session is None:
        return visit.redirect("/login")
    if form not in {"csv", "json"}:
        return visit.render("not_found.html", HTTPStatus.NOT_FOUND)
    return await _download(visit, kind, form)


@router.get("/records/{index}/proof")
async def proof(index: int, request: Request, node: Node) -> Response:
    """Answer one of my records with its inclusion proof and checkpoint, for the page's script."""
    visit = await visit_of(request, node)
    if visit.session is None:
        return JSONResponse({"detail": "log in again"}, HTTPStatus.UNAUTHORIZED, headers=HEADERS)
    try:
        if await card_refused(visit) is not None:
            return JSONResponse({"detail": "log in again"}, HTTPStatus.UNAUTHORIZED)
        answer = await call(visit, NodeKind.HUB, f"api/ledger/mine/{index}/proof")
    except NodeUnavailable:
        return JSONResponse({"detail": "the hub does not answer"}, HTTPStatus.BAD_GATEWAY)
    if not answer.is_success:
        return JSONResponse(
            {"detail": "there is no such record of yours"}, HTTPStatus.NOT_FOUND, headers=HEADERS
        )
    found = answer.json()
    try:
        body = {**_evidence(found), "size": found["size"]}
    except (ValueError, binascii.Error):
        return JSONResponse({"detail": "the hub's proof is malformed"}, HTTPStatus.BAD_GATEWAY)
    return JSONResponse(body, headers=dict(HEADERS))


def _evidence(found: Mapping[str, Any]) -> dict[str, Any]:
    """Return a record with its proof and checkpoint, from the hub's answer, as they are checked.

    The hub gives the proof's hashes in hex; the page's script and the commission take base64.
    """
    return {
        "index": found["index"],
        "entry": found["entry"],
        "proof": [_base64(bytes.fromhex(hashed)) for hashed in found["proof"]],
        "checkpoint": found["checkpoint"],
        "verifier_key": found["verifier_key"],
    }


async def _case(visit: Visit, index: int, statement: str) -> dict[str, Any] | Response:
    """Return what the commission gets about record ``index``, or the answer to give instead."""
    found = await call(visit, NodeKind.HUB, f"api/ledger/mine/{index}/proof")
    if found.status_code == HTTPStatus.UNAUTHORIZED:
        return ended(visit)
    if not found.is_success:
        return visit.render("not_found.html", HTTPStatus.NOT_FOUND)
    return {**_evidence(found.json()), "statement": statement.strip() or None}


@router.post("/records/{index}/report")
async def report(
    index: int,
    request: Request,
    node: Node,
    form_token: Annotated[str, Form(max_length=100)] = "",
    statement: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Open a case with the oversight commission about a record I do not recognise.

    The record goes with its inclusion proof and checkpoint, which the commission checks.
    """
    visit = await form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    try:
        body = await _case(visit, index, statement)
        if isinstance(body, Response):
            return body
        opened = await call(visit, NodeKind.OVERSIGHT, "api/cases", method="POST", body=body)
    except NodeUnavailable:
        return unavailable(visit)
    if not opened.is_success:
        return unavailable(visit)
    case = str(opened.json()["case"])
    return await kiosk_task_ended(visit, visit.redirect(f"/reported?case={case}"))


@router.get("/reported")
async def reported(request: Request, node: Node, case: str = "") -> Response:
    """Say which case the commission opened (after a report, so a reload opens no other)."""
    visit = await visit_of(request, node)
    if not _CASE.fullmatch(case):
        return visit.render("not_found.html", HTTPStatus.NOT_FOUND)
    return visit.render("reported.html", case=case)


def _base64(data: bytes) -> str:
    """Return standard base64 of ``data``."""
    return base64.b64encode(data).decode("ascii")
