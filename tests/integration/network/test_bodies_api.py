"""The hub's routes for bodies and codes, in-process: answers, and problems that change nothing."""

from __future__ import annotations

from dataclasses import asdict
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import pytest
from tests.integration.network.conftest import CITY, TAX, resident_record_code

if TYPE_CHECKING:
    import httpx

pytestmark = pytest.mark.anyio

PROBLEM = "application/problem+json"
OPERATOR = {"X-Operator": "Ito"}


def _form(application: Any) -> dict[str, Any]:
    """Return the JSON form of a body application."""
    return {**asdict(application), "tasks": list(application.tasks)}


async def _register(hub: httpx.AsyncClient, application: Any) -> dict[str, Any]:
    """Register ``application`` through the API and return the answer."""
    response = await hub.post("/api/bodies", json=_form(application), headers=OPERATOR)
    assert response.status_code == HTTPStatus.CREATED, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_a_registered_body_is_described_without_credentials(hub: httpx.AsyncClient) -> None:
    """Registration answers the key once; the public description has kind, names and tasks only."""
    registered = await _register(hub, CITY)
    assert len(registered["api_key"]) >= 40
    shown = (await hub.get(f"/api/bodies/{CITY.id}")).json()
    assert shown == registered["body"]
    assert shown["kind"] == "city-office"
    assert shown["category"] == "number-using"
    assert [task["id"] for task in shown["tasks"]] == [
        "city-office:resident-tax",
        "city-office:child-allowance",
    ]
    assert registered["api_key"] not in str(shown)
    assert set(shown) == {
        *("id", "corporate_number", "name_ja", "name_en"),
        *("kind", "category", "category_ja", "tasks"),
    }


@pytest.mark.parametrize(
    ("change", "headers", "status", "problem"),
    [
        ({}, {}, HTTPStatus.UNAUTHORIZED, "caller-refused"),
        (
            {"kind": "fortune-teller"},
            OPERATOR,
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "unknown-body-kind",
        ),
        ({"corporate_number": "1000020999013"}, OPERATOR, 422, "body-refused"),
        ({"tasks": ["tax-office:income-tax"]}, OPERATOR, 422, "body-refused"),
        ({"tasks": ["nothing"]}, OPERATOR, HTTPStatus.UNPROCESSABLE_ENTITY, "unknown-task"),
        ({"id": None}, OPERATOR, HTTPStatus.UNPROCESSABLE_ENTITY, "request-invalid"),
    ],
)
async def test_a_wrong_registration_is_a_problem_and_registers_nothing(
    hub: httpx.AsyncClient,
    change: dict[str, Any],
    headers: dict[str, str],
    status: int,
    problem: str,
) -> None:
    """No operator, an unknown kind, a bad number or task, a missing field: a problem, no body."""
    response = await hub.post("/api/bodies", json={**_form(CITY), **change}, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith(problem)
    missing = await hub.get(f"/api/bodies/{CITY.id}")
    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert missing.json()["type"].endswith("body-not-found")


async def test_a_duplicate_body_and_staff_conflict(hub: httpx.AsyncClient) -> None:
    """A taken body id or staff id answers 409; staff is added with the operator named."""
    await _register(hub, CITY)
    again = await hub.post("/api/bodies", json=_form(CITY), headers=OPERATOR)
    assert again.status_code == HTTPStatus.CONFLICT
    staff = {"staff_id": "s-1", "name": "佐藤 花子", "role": "clerk"}
    path = f"/api/bodies/{CITY.id}/staff"
    assert (await hub.post(path, json=staff)).status_code == HTTPStatus.UNAUTHORIZED
    added = await hub.post(path, json=staff, headers=OPERATOR)
    assert added.status_code == HTTPStatus.CREATED
    assert added.json() == {"body_id": CITY.id, **staff, "active": True}
    assert (await hub.post(path, json=staff, headers=OPERATOR)).status_code == HTTPStatus.CONFLICT
    missing = await hub.post("/api/bodies/nowhere/staff", json=staff, headers=OPERATOR)
    assert missing.status_code == HTTPStatus.NOT_FOUND


async def test_the_registry_has_codes_issued(
    hub: httpx.AsyncClient, registry_client: httpx.AsyncClient
) -> None:
    """The registry node gets the same code twice for one person and body, another per body."""
    await _register(hub, CITY)
    await _register(hub, TAX)
    person = resident_record_code(7)
    answers = [
        await registry_client.post(
            "api/codes", json={"resident_record_code": person, "body_id": body}
        )
        for body in (CITY.id, CITY.id, TAX.id)
    ]
    assert [answer.status_code for answer in answers] == [HTTPStatus.OK] * 3
    codes = [answer.json()["code"] for answer in answers]
    assert codes[0] == codes[1] != codes[2]


#: The registry's own client, which signs its requests (``headers`` None in the cases below).
SIGNED = None
UNSIGNED = (HTTPStatus.UNAUTHORIZED, "node-signature-refused")


@pytest.mark.parametrize(
    ("headers", "form", "expected"),
    [
        ({}, {}, UNSIGNED),
        ({"X-Node-Id": "portal"}, {}, UNSIGNED),
        ({"X-Node-Id": "registry"}, {}, UNSIGNED),
        (SIGNED, {"body_id": "nowhere"}, (HTTPStatus.NOT_FOUND, "body-not-found")),
        (
            SIGNED,
            {"resident_record_code": "12345678901"},
            (HTTPStatus.UNPROCESSABLE_ENTITY, "invalid-checksum"),
        ),
    ],
)
async def test_a_code_request_that_is_not_right_is_refused(
    hub: httpx.AsyncClient,
    registry_client: httpx.AsyncClient,
    headers: dict[str, str] | None,
    form: dict[str, str],
    expected: tuple[int, str],
) -> None:
    """Codes go to the deployment's registry only (signed), for a known body and a valid code.

    ``headers`` None sends the request as the registry does, signed; otherwise unsigned with them:
    naming the registry in X-Node-Id proves nothing.
    """
    await _register(hub, CITY)
    body = {"resident_record_code": resident_record_code(7), "body_id": CITY.id, **form}
    if headers is None:
        response = await registry_client.post("api/codes", json=body)
    else:
        response = await hub.post("/api/codes", json=body, headers=headers)
    assert (response.status_code, response.headers["content-type"]) == (expected[0], PROBLEM)
    assert response.json()["type"].endswith(expected[1]), response.json()
