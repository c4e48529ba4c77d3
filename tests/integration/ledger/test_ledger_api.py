"""The hub's ledger routes: appends answer 201; a bad request is a problem and appends nothing."""

from __future__ import annotations

import base64
import json
from http import HTTPStatus
from typing import TYPE_CHECKING

import pytest
from tests.integration.ledger.conftest import exchange

from mynumber.ledger.entries import canonical_json
from mynumber.ledger.merkle import leaf_hash
from mynumber.ledger.notes import Verifier

if TYPE_CHECKING:
    import httpx

pytestmark = pytest.mark.anyio

PROBLEM = "application/problem+json"


async def _append(registry: httpx.AsyncClient, count: int) -> None:
    """Append ``count`` entries through the API, as the registry, and sign a checkpoint."""
    for number in range(count):
        response = await registry.post("api/ledger/entries", json=exchange(number))
        assert response.status_code == HTTPStatus.CREATED, response.text
    assert (await registry.get("api/ledger/checkpoint")).status_code == HTTPStatus.OK


async def _size(hub: httpx.AsyncClient) -> int:
    """Return the tree size of a fresh checkpoint."""
    return int((await hub.get("/api/ledger/checkpoint")).text.split("\n")[1])


async def test_an_append_answers_its_index_and_leaf_hash(
    hub: httpx.AsyncClient, registry_client: httpx.AsyncClient
) -> None:
    """A posted entry is stored canonically; its index and leaf hash come back, then the entry."""
    await _append(registry_client, 2)
    entry = exchange(7)
    spaced = json.dumps(entry, indent=2, ensure_ascii=True).encode()
    response = await registry_client.post(
        "api/ledger/entries", content=spaced, headers={"content-type": "application/json"}
    )
    expected = leaf_hash(canonical_json(entry)).hex()
    assert response.status_code == HTTPStatus.CREATED
    assert response.json() == {"index": 2, "leaf_hash": expected}
    stored = (await hub.get("/api/ledger/entries/2")).json()
    assert base64.b64decode(stored["entry"]) == canonical_json(entry)
    assert stored["leaf_hash"] == expected


async def test_the_checkpoint_and_key_are_plain_text(hub: httpx.AsyncClient) -> None:
    """The checkpoint is the signed note and the key a verifier key, both as text/plain."""
    checkpoint = await hub.get("/api/ledger/checkpoint")
    key = await hub.get("/api/ledger/key")
    assert checkpoint.headers["content-type"] == key.headers["content-type"]
    assert key.headers["content-type"] == "text/plain; charset=utf-8"
    assert checkpoint.text.startswith(
        "127.0.0.1:8000/hub\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n"
    )
    assert Verifier.from_vkey(key.text).name == "127.0.0.1:8000/hub"


@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        (b'{"kind": "exchange",', HTTPStatus.UNPROCESSABLE_ENTITY, "malformed-entry"),
        (b"\xff\xfe{}", HTTPStatus.UNPROCESSABLE_ENTITY, "malformed-entry"),
        (b"[1, 2]", HTTPStatus.UNPROCESSABLE_ENTITY, "malformed-entry"),
        (b'{"kind": "a", "kind": "b"}', HTTPStatus.UNPROCESSABLE_ENTITY, "malformed-entry"),
        (b'{"kind": "exchange", "n": NaN}', HTTPStatus.UNPROCESSABLE_ENTITY, "malformed-entry"),
        (b"[" * 100_000, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "entry-too-large"),
        (b"[" * 60_000, HTTPStatus.UNPROCESSABLE_ENTITY, "malformed-entry"),
        (b'{"kind": "exchange"}', HTTPStatus.UNPROCESSABLE_ENTITY, "malformed-entry"),
        (
            json.dumps({**exchange(0), "number": "6214 9832 0257"}).encode(),
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "number-in-entry",
        ),
        (
            json.dumps({**exchange(0), "x": "y" * 70_000}).encode(),
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            "entry-too-large",
        ),
    ],
)
async def test_a_bad_entry_is_a_problem_and_appends_nothing(
    hub: httpx.AsyncClient,
    registry_client: httpx.AsyncClient,
    body: bytes,
    status: HTTPStatus,
    problem: str,
) -> None:
    """Malformed JSON, a non-object, a number, an oversized body: each refused, none stored."""
    await _append(registry_client, 3)
    response = await registry_client.post(
        "api/ledger/entries", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == f"tag:mynumber,2026:problem:{problem}"
    assert "6214" not in response.text
    assert await _size(hub) == 3


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/ledger/entries/-1", HTTPStatus.UNPROCESSABLE_ENTITY),
        ("/api/ledger/entries/5", HTTPStatus.NOT_FOUND),
        ("/api/ledger/entries/99999999999999999999999", HTTPStatus.NOT_FOUND),
        ("/api/ledger/proofs/inclusion?index=-1", HTTPStatus.UNPROCESSABLE_ENTITY),
        ("/api/ledger/proofs/inclusion?index=5", HTTPStatus.UNPROCESSABLE_ENTITY),
        ("/api/ledger/proofs/inclusion?index=0&size=6", HTTPStatus.NOT_FOUND),
        ("/api/ledger/proofs/inclusion?index=0&size=3", HTTPStatus.NOT_FOUND),
        ("/api/ledger/proofs/inclusion?index=0&size=-5", HTTPStatus.UNPROCESSABLE_ENTITY),
        ("/api/ledger/proofs/inclusion?index=0&size=99999999999999999999", HTTPStatus.NOT_FOUND),
        ("/api/ledger/proofs/consistency?old=6", HTTPStatus.UNPROCESSABLE_ENTITY),
        ("/api/ledger/proofs/consistency?old=-1", HTTPStatus.UNPROCESSABLE_ENTITY),
        ("/api/ledger/proofs/consistency?old=2&new=9", HTTPStatus.NOT_FOUND),
        ("/api/ledger/proofs/consistency?old=x", HTTPStatus.UNPROCESSABLE_ENTITY),
    ],
)
async def test_a_bad_index_or_size_is_a_problem(
    hub: httpx.AsyncClient, registry_client: httpx.AsyncClient, path: str, status: HTTPStatus
) -> None:
    """Negative or too large indexes and sizes, and old > new, are problems, never a 500."""
    await _append(registry_client, 5)
    response = await hub.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM


async def test_no_proof_is_served_before_a_checkpoint(
    hub: httpx.AsyncClient, registry_client: httpx.AsyncClient
) -> None:
    """Without a signed checkpoint there is nothing a proof could be checked against."""
    response = await registry_client.post("api/ledger/entries", json=exchange(0))
    assert response.status_code == HTTPStatus.CREATED
    refused = await hub.get("/api/ledger/proofs/inclusion", params={"index": 0})
    assert refused.status_code == HTTPStatus.NOT_FOUND
    assert "no signed checkpoint yet" in refused.json()["detail"]


@pytest.mark.parametrize("claimed", ["registry", "hub"])
async def test_only_the_registry_may_append(hub: httpx.AsyncClient, claimed: str) -> None:
    """An entry is a record of use shown to its person: an unsigned post is refused, unstored."""
    response = await hub.post(
        "/api/ledger/entries", json=exchange(0), headers={"X-Node-Id": claimed}
    )
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.headers["content-type"] == PROBLEM
    assert await _size(hub) == 0
