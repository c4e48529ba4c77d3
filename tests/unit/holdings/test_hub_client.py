"""The registry's HTTP port to the hub: what each answer of the hub becomes, through a mock."""

from __future__ import annotations

import json
from datetime import date
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import httpx
import pytest

from mynumber.holdings.exceptions import CollectionRefused, HubUnavailable
from mynumber.holdings.hub import HttpHub
from mynumber.holdings.services import masked
from mynumber.network.collections import Collection, Refusal
from mynumber.network.service_exceptions import AuthenticationRefused

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.anyio

BODY = {
    "id": "employer-kasumi-seiki",
    "corporate_number": "2010401999018",
    "name_ja": "霞精機株式会社",
    "name_en": "Kasumi Seiki Co., Ltd.",
    "kind": "employer",
    "category": "number-handling",
    "category_ja": "個人番号関係事務実施者",
    "tasks": [{"id": "employer:withholding-slip", "name_ja": "x", "name_en": "y"}],
}
COLLECTION = Collection(
    resident_record_code="00000000011",
    body_id="employer-kasumi-seiki",
    staff="clerk-1",
    task="employer:withholding-slip",
    method="card",
    retention_until=date(2033, 11, 26),
    receipt="ab" * 32,
)


@pytest.fixture
def anyio_backend() -> str:
    """Run on asyncio."""
    return "asyncio"


class Peers:
    """One mock hub behind an ``httpx.MockTransport``; keeps the requests it saw."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        """Answer every request with ``answer``."""
        self.seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            self.seen.append(request)
            return answer(request)

        self._client = httpx.AsyncClient(
            transport=httpx.MockTransport(handler), base_url="http://hub.test/hub"
        )

    def client(self, node_id: str) -> httpx.AsyncClient:
        """Return the client of the mock hub."""
        assert node_id == "hub"
        return self._client


def _problem(status: HTTPStatus, code: str, detail: str) -> httpx.Response:
    """Return a problem details answer."""
    body = {"type": f"tag:mynumber,2026:problem:{code}", "status": status, "detail": detail}
    return httpx.Response(status, json=body)


async def test_an_authenticated_body_is_read_with_its_tasks_and_staff() -> None:
    """The hub's body view becomes the body, its registered tasks and its staff member."""
    peers = Peers(lambda _: httpx.Response(200, json={"body": BODY, "staff": "clerk-1"}))
    body = await anyio.to_thread.run_sync(HttpHub(peers, "hub").authenticate, "key", "clerk-1")
    assert (body.id, body.kind, body.staff) == ("employer-kasumi-seiki", "employer", "clerk-1")
    assert body.tasks == ("employer:withholding-slip",)
    [request] = peers.seen
    assert request.url.path == "/hub/api/bodies/authenticate"
    assert json.loads(request.content) == {"api_key": "key", "staff": "clerk-1"}


async def test_a_collection_is_sent_with_its_date_in_iso_form() -> None:
    """The retention travels as YYYY-MM-DD; the code and index come back."""
    peers = Peers(lambda _: httpx.Response(200, json={"code": "C" * 26, "ledger_index": 7}))
    recorded = await anyio.to_thread.run_sync(HttpHub(peers, "hub").record_collection, COLLECTION)
    assert (recorded.code, recorded.ledger_index) == ("C" * 26, 7)
    sent: dict[str, Any] = json.loads(peers.seen[0].content)
    assert sent["retention_until"] == "2033-11-26"
    assert sent["receipt"] == "ab" * 32


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            _problem(HTTPStatus.UNAUTHORIZED, "authentication-refused", "bad key"),
            AuthenticationRefused,
        ),
        (_problem(HTTPStatus.FORBIDDEN, "collection-not-permitted", "no"), CollectionRefused),
        (_problem(HTTPStatus.UNAUTHORIZED, "node-signature-refused", "unsigned"), HubUnavailable),
        (_problem(HTTPStatus.UNPROCESSABLE_ENTITY, "number-in-entry", "12 digits"), HubUnavailable),
        (httpx.Response(500, text="boom"), HubUnavailable),
        (httpx.Response(200, text="not json"), HubUnavailable),
        (httpx.Response(200, json={"code": "C"}), HubUnavailable),
    ],
)
async def test_each_answer_of_the_hub_becomes_one_error(
    answer: httpx.Response, error: type[Exception]
) -> None:
    """A body's own refusal passes on; anything else means the hub recorded nothing (502)."""
    hub = HttpHub(Peers(lambda _: answer), "hub")
    with pytest.raises(error):
        await anyio.to_thread.run_sync(hub.record_collection, COLLECTION)


async def test_a_hub_that_cannot_be_reached_is_unavailable() -> None:
    """A connection failure is HubUnavailable, naming the hub."""

    def refuse(request: httpx.Request) -> httpx.Response:
        msg = "connection refused"
        raise httpx.ConnectError(msg, request=request)

    hub = HttpHub(Peers(refuse), "hub")
    refusal = Refusal(resident_record_code=None, body_id=None, staff=None, task=None, reason="x")
    with pytest.raises(HubUnavailable, match="'hub' cannot be reached"):
        await anyio.to_thread.run_sync(hub.record_refusal, refusal)


def test_masking_hides_what_could_be_a_number_and_keeps_dates() -> None:
    """Eleven to thirteen digits, grouped or not, are hidden; a date or a year is not."""
    assert masked("staff 000012345678") == "staff ****"
    assert masked("６２１４ ９８３２ ０２５７") == "****"
    assert masked("used on 2026-11-26 09:30 UTC") == "used on 2026-11-26 09:30 UTC"
