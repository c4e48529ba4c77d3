"""Errors become RFC 9457 problem details through one error-to-status table."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from mynumber.deployment import UnknownNodeError
from mynumber.errors import MyNumberError
from mynumber.keys import KeyRefusedError
from mynumber.nodes.exceptions import NodeError, NodeUnavailable, NodeUnhealthyError
from mynumber.nodes.problems import (
    PROBLEM_MEDIA_TYPE,
    install_problem_handlers,
    status_for,
)
from mynumber.numbers.exceptions import InvalidChecksum
from mynumber.storage import DatabaseNotMigratedError, ForeignDatabaseError

pytestmark = pytest.mark.anyio


class ResidentMissingError(MyNumberError):
    """No resident has that code."""

    code = "resident-missing"


class Resident(BaseModel):
    """A body a route accepts."""

    name: str
    age: int


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ResidentMissingError("x"), 400),
        (InvalidChecksum("x"), 422),
        (KeyRefusedError("x"), 500),
        (UnknownNodeError("x"), 404),
        (ForeignDatabaseError("x"), 500),
        (DatabaseNotMigratedError("x"), 503),
        (NodeError("x"), 500),
        (NodeUnhealthyError("x"), 503),
        (NodeUnavailable("hub", "x"), 502),
    ],
)
def test_each_error_gets_the_status_of_its_nearest_listed_class(
    error: MyNumberError, status: int
) -> None:
    """An error not in the table takes the status of its closest listed ancestor."""
    assert status_for(error) == status


@pytest.fixture
async def client(anyio_backend: str) -> AsyncIterator[httpx.AsyncClient]:
    """Call an app whose routes raise, through the in-process ASGI transport."""
    del anyio_backend
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/residents/{code}")
    def resident(code: int) -> dict[str, int]:
        msg = f"no resident has the code {code}; check the notice"
        raise ResidentMissingError(msg)

    @app.post("/residents")
    def register(resident: Resident) -> Resident:
        return resident

    @app.get("/broken")
    def broken() -> None:
        msg = "a secret internal detail"
        raise RuntimeError(msg)

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
        yield client


async def test_a_domain_error_is_a_problem_with_its_message(client: httpx.AsyncClient) -> None:
    """A MyNumberError raised by a route answers with its code as type and its message as detail."""
    response = await client.get("/residents/12")
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json() == {
        "type": "tag:mynumber,2026:problem:resident-missing",
        "title": "No resident has that code.",
        "status": 400,
        "detail": "no resident has the code 12; check the notice",
        "instance": "/residents/12",
    }


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    """A path no route serves answers 404 as problem details naming the path."""
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert (body["type"], body["title"], body["instance"]) == (
        "about:blank",
        "Not Found",
        "/nowhere",
    )
    assert "/nowhere" in body["detail"]


async def test_a_wrong_method_is_a_405_problem_with_allow(client: httpx.AsyncClient) -> None:
    """DELETE on a GET route answers 405 with the Allow header kept."""
    response = await client.delete("/broken")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["detail"] == "DELETE is not allowed on /broken"


async def test_an_invalid_request_is_a_422_problem_that_echoes_nothing(
    client: httpx.AsyncClient,
) -> None:
    """Validation errors list each field's location and message but never the submitted value."""
    response = await client.post("/residents", json={"name": "Sato", "age": "621498320257x"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["type"] == "tag:mynumber,2026:problem:request-invalid"
    assert body["detail"].startswith("body.age: ")
    assert [error["loc"] for error in body["errors"]] == [["body", "age"]]
    assert "621498320257" not in response.text


async def test_an_unexpected_failure_is_a_500_problem_without_internals(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug answers 500 as a problem that hides the exception, which goes to the log instead."""
    response = await client.get("/broken")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "secret" not in response.text
    assert "a secret internal detail" in caplog.text
