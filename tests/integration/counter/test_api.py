"""The register's JSON API on a real registry node, on SQLite and PostgreSQL, called in-process."""

import re
from typing import Any
from urllib.parse import quote

import pytest
from tests.integration.counter.conftest import (
    CHIYODA,
    OSAKA_POSTAL_CODE,
    OTHER_POSTAL_CODE,
    POSTAL_CODE,
    Registry,
)

from mynumber.errors import PROBLEM_TYPE_PREFIX
from mynumber.nodes.problems import PROBLEM_MEDIA_TYPE
from mynumber.numbers import individual
from mynumber.register.models import AttributeLookup, IndividualNumberRecord, LifeEvent, Resident

pytestmark = pytest.mark.anyio

CLERK = {"X-Clerk": "clerk 1"}
MASKED = re.compile(r"^\*{4} \*{4} \d{4}$")
TARO: dict[str, Any] = {
    "event": "move-in",
    "date": "2025-01-06",
    "family_name": "渡邊",
    "given_name": "太郎",
    "family_name_kana": "ワタナベ",
    "given_name_kana": "タロウ",
    "date_of_birth": "1985-01-02",
    "sex": "male",
    "municipality_code": CHIYODA,
    "postal_code": "100-0001",
    "address": "東京都千代田区千代田1番1号",
}
#: A well-formed number no one holds.
NOBODYS_NUMBER = "123456789018"


async def _register(registry: Registry, **changes: Any) -> dict[str, Any]:
    """Register Taro (with ``changes``) and return the record the API answers."""
    response = await registry.client.post("api/residents", json=TARO | changes, headers=CLERK)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _number(registry: Registry, resident_id: int) -> str:
    """Return a resident's whole number, as a named clerk sees it."""
    response = await registry.client.get(
        f"api/residents/{resident_id}", params={"reveal": "true"}, headers=CLERK
    )
    assert response.status_code == 200, response.text
    number: str = response.json()["number"]
    return number


async def _resident(registry: Registry, resident_id: int) -> dict[str, Any]:
    """Return a resident as the API shows them, number masked."""
    body: dict[str, Any] = (await registry.client.get(f"api/residents/{resident_id}")).json()
    return body


def _assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """Check that ``response`` is an RFC 9457 problem of ``status`` and type ``code``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["type"] == f"{PROBLEM_TYPE_PREFIX}{code}"
    return body


async def test_registration_answers_the_record_with_the_number_masked(registry: Registry) -> None:
    """A new resident comes back 201 with a Location, their history, and only 4 digits shown."""
    response = await registry.client.post("api/residents", json=TARO, headers=CLERK)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"].endswith(f"/registry/api/residents/{body['id']}")
    assert MASKED.match(body["number"])
    assert (body["number_revealed"], body["number_generation"], body["state"]) == (
        False,
        0,
        "resident",
    )
    assert (body["postal_code"], body["family_name"]) == (POSTAL_CODE, "渡邊")
    assert [(e["kind"], e["recorded_by"]) for e in body["history"]] == [("move-in", "clerk 1")]


async def test_only_a_named_clerk_sees_the_whole_number(registry: Registry) -> None:
    """?reveal=true with X-Clerk shows the 12 digits; without X-Clerk it is a 401 problem."""
    taro = await _register(registry)
    number = await _number(registry, taro["id"])
    assert individual.is_valid(number)
    assert taro["number"] == f"**** **** {number[-4:]}"
    anonymous = await registry.client.get(f"api/residents/{taro['id']}", params={"reveal": "true"})
    _assert_problem(anonymous, 401, "clerk-required")
    assert MASKED.match((await _resident(registry, taro["id"]))["number"])


async def test_a_write_without_a_clerk_is_a_401_problem_and_changes_nothing(
    registry: Registry,
) -> None:
    """No X-Clerk header: registration and events are refused before anything is written."""
    refused = await registry.client.post("api/residents", json=TARO)
    body = _assert_problem(refused, 401, "clerk-required")
    assert "X-Clerk" in body["detail"]
    assert registry.count(Resident) == 0
    taro = await _register(registry)
    move = {
        "postal_code": OTHER_POSTAL_CODE,
        "address": "東京都千代田区皇居外苑1番",
        "date": "2025-02-01",
    }
    refused = await registry.client.post(f"api/residents/{taro['id']}/address-change", json=move)
    _assert_problem(refused, 401, "clerk-required")
    assert await _resident(registry, taro["id"]) == taro


async def test_a_clerk_outside_ascii_is_named_in_percent_encoded_utf8(registry: Registry) -> None:
    """X-Clerk: %E7%AA%93... is recorded as the clerk's own name."""
    headers = {"X-Clerk": quote("窓口 花子")}
    response = await registry.client.post("api/residents", json=TARO, headers=headers)
    assert response.json()["history"][0]["recorded_by"] == "窓口 花子"


async def test_find_by_number_in_the_body(registry: Registry) -> None:
    """POST /api/residents/find finds the holder; unknown is 404, malformed is 422 on number."""
    taro = await _register(registry)
    number = await _number(registry, taro["id"])
    found = await registry.client.post("api/residents/find", json={"number": number})
    assert found.status_code == 200
    assert (found.json()["id"], found.json()["number"]) == (taro["id"], taro["number"])
    grouped = await registry.client.post(
        "api/residents/find", json={"number": f"{number[:4]}-{number[4:8]}-{number[8:]}"}
    )
    assert grouped.json()["id"] == taro["id"]
    nobody = await registry.client.post("api/residents/find", json={"number": NOBODYS_NUMBER})
    _assert_problem(nobody, 404, "resident-not-found")
    typo = await registry.client.post("api/residents/find", json={"number": number[:-1]})
    body = _assert_problem(typo, 422, "request-invalid")
    assert body["errors"][0]["loc"] == ["body", "number"]
    assert number[:-1] not in typo.text


async def test_search_by_name_and_birth_lists_residents_without_numbers(registry: Registry) -> None:
    """A name in another notation or its kana reading finds the resident; a list has no number."""
    taro = await _register(registry)
    for name in ("渡辺 太郎", "わたなべたろう"):
        response = await registry.client.post(
            "api/residents/search", json={"name": name, "date_of_birth": "昭和60年1月2日"}
        )
        assert [found["id"] for found in response.json()] == [taro["id"]]
        assert "number" not in response.json()[0]
    other_day = {"name": "渡辺太郎", "date_of_birth": "1985-01-03"}
    assert (await registry.client.post("api/residents/search", json=other_day)).json() == []


async def test_a_move_and_a_name_change_keep_the_number(registry: Registry) -> None:
    """Address and name change answer the new record; the number and its generation stay."""
    taro = await _register(registry)
    number = await _number(registry, taro["id"])
    move = {
        "postal_code": OTHER_POSTAL_CODE,
        "address": "東京都千代田区皇居外苑1番",
        "date": "2025-02-01",
    }
    moved = await registry.client.post(
        f"api/residents/{taro['id']}/address-change", json=move, headers=CLERK
    )
    assert (moved.json()["postal_code"], moved.json()["address"]) == (
        OTHER_POSTAL_CODE,
        move["address"],
    )
    name = {
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "タロウ",
        "date": "2025-03-01",
    }
    renamed = await registry.client.post(
        f"api/residents/{taro['id']}/name-change", json=name, headers=CLERK
    )
    history = renamed.json()["history"]
    assert [event["kind"] for event in history] == ["move-in", "address-change", "name-change"]
    assert history[2]["details"]["before"]["family_name"] == "渡邊"
    assert await _number(registry, taro["id"]) == number


async def test_a_number_change_kills_the_old_number(registry: Registry) -> None:
    """The next generation's number finds the resident; the old one finds no one."""
    taro = await _register(registry)
    old = await _number(registry, taro["id"])
    change = {"reason": "card and number posted online", "on_request": True, "date": "2025-04-01"}
    changed = await registry.client.post(
        f"api/residents/{taro['id']}/number-change", json=change, headers=CLERK
    )
    assert changed.status_code == 200
    assert MASKED.match(changed.json()["number"])
    assert changed.json()["number_generation"] == 1
    details = changed.json()["history"][-1]["details"]
    assert (details["reason"], details["initiated_by"]) == (change["reason"], "resident")
    new = await _number(registry, taro["id"])
    assert new != old
    assert old not in changed.text
    gone = await registry.client.post("api/residents/find", json={"number": old})
    _assert_problem(gone, 404, "resident-not-found")
    found = await registry.client.post("api/residents/find", json={"number": new})
    assert found.json()["id"] == taro["id"]


async def test_a_number_change_without_a_reason_is_refused_and_changes_nothing(
    registry: Registry,
) -> None:
    """An empty reason is a 422 naming the reason; the number and history stay as they were."""
    taro = await _register(registry)
    number = await _number(registry, taro["id"])
    change = {"reason": "   ", "on_request": False, "date": "2025-04-01"}
    refused = await registry.client.post(
        f"api/residents/{taro['id']}/number-change", json=change, headers=CLERK
    )
    body = _assert_problem(refused, 422, "request-invalid")
    assert body["errors"][0]["loc"] == ["body", "reason"]
    assert await _resident(registry, taro["id"]) == taro
    assert await _number(registry, taro["id"]) == number
    assert registry.count(IndividualNumberRecord) == 1


@pytest.mark.parametrize(("event", "state"), [("move-out", "moved-out"), ("death", "deceased")])
async def test_leaving_the_register_ends_further_events(
    registry: Registry, event: str, state: str
) -> None:
    """After a move-out or a death, any further event is a 409 and changes nothing."""
    taro = await _register(registry)
    left = await registry.client.post(
        f"api/residents/{taro['id']}/{event}", json={"date": "2025-05-01"}, headers=CLERK
    )
    assert left.json()["state"] == state
    assert left.json()["history"][-1]["kind"] == event
    events = registry.count(LifeEvent)
    again = await registry.client.post(
        f"api/residents/{taro['id']}/death", json={"date": "2025-06-01"}, headers=CLERK
    )
    _assert_problem(again, 409, "not-on-register")
    move = {
        "postal_code": OTHER_POSTAL_CODE,
        "address": "東京都千代田区皇居外苑1番",
        "date": "2025-06-01",
    }
    moved = await registry.client.post(
        f"api/residents/{taro['id']}/address-change", json=move, headers=CLERK
    )
    _assert_problem(moved, 409, "not-on-register")
    assert registry.count(LifeEvent) == events
    assert (await _resident(registry, taro["id"]))["address"] == TARO["address"]


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("date_of_birth", {"date_of_birth": "1985-02-30"}),
        ("date_of_birth", {"date_of_birth": "2025-02-01"}),
        ("date", {"date": "2999-01-01"}),
        ("municipality_code", {"municipality_code": "999997"}),
        ("municipality_code", {"municipality_code": "131017"}),
        ("postal_code", {"postal_code": OSAKA_POSTAL_CODE}),
        ("postal_code", {"postal_code": "100-01"}),
        ("family_name", {"family_name": "  "}),
        ("given_name_kana", {"given_name_kana": None}),
        ("resident_status", {"nationality": "US", "latin_name": "SMITH JOHN"}),
        ("event", {"event": "death"}),
        ("sex", {"sex": "unknown"}),
    ],
    ids=lambda value: "-".join(map(str, value)) if isinstance(value, dict) else value,
)
async def test_a_bad_registration_names_the_field_and_changes_nothing(
    registry: Registry, field: str, changes: dict[str, Any]
) -> None:
    """Impossible dates, unknown places, empty names...: a 422 problem naming the field."""
    body = {name: value for name, value in (TARO | changes).items() if value is not None}
    refused = await registry.client.post("api/residents", json=body, headers=CLERK)
    problem = _assert_problem(refused, 422, "request-invalid")
    assert problem["errors"][0]["loc"] == ["body", field]
    assert field in problem["detail"]
    assert registry.count(Resident) == 0
    assert registry.count(IndividualNumberRecord) == 0


async def test_the_same_person_twice_is_a_409_and_changes_nothing(registry: Registry) -> None:
    """Registering the same four attributes again is refused: one resident, one number."""
    await _register(registry)
    again = await registry.client.post(
        "api/residents", json=TARO | {"family_name": "渡辺"}, headers=CLERK
    )
    body = _assert_problem(again, 409, "duplicate-resident")
    assert "record an event for them instead" in body["detail"]
    assert (registry.count(Resident), registry.count(IndividualNumberRecord)) == (1, 1)


async def test_an_unknown_resident_is_a_404_problem(registry: Registry) -> None:
    """Reading or recording for a resident the register lacks says so."""
    _assert_problem(await registry.client.get("api/residents/4242"), 404, "resident-not-found")
    death = await registry.client.post(
        "api/residents/4242/death", json={"date": "2025-01-01"}, headers=CLERK
    )
    _assert_problem(death, 404, "resident-not-found")


async def test_dates_may_be_written_in_a_japanese_era(registry: Registry) -> None:
    """昭和60年1月2日 is 1985-01-02."""
    taro = await _register(registry, date_of_birth="昭和60年1月2日", date="令和7年1月6日")
    assert (taro["date_of_birth"], taro["history"][0]["occurred_on"]) == (
        "1985-01-02",
        "2025-01-06",
    )


async def test_four_attribute_lookup_finds_the_number_and_records_who_asked(
    registry: Registry,
) -> None:
    """Name, reading, birth and address in other notations find the number; each ask is kept."""
    taro = await _register(registry)
    query = {
        "name": "渡辺 太郎",
        "kana": "わたなべ たろう",
        "date_of_birth": "S60.1.2",
        "address": "千代田区千代田1丁目1番",
        "sex": "男",
        "asked_by": "city-office",
        "task": "local tax",
    }
    answer = await registry.client.post("api/lookups", json=query)
    assert answer.status_code == 200
    assert answer.json()["outcome"] == "one-match"
    assert answer.json()["number"] == await _number(registry, taro["id"])
    no_one = await registry.client.post("api/lookups", json=query | {"date_of_birth": "1985-01-03"})
    assert (no_one.json()["outcome"], no_one.json()["number"]) == ("no-match", None)
    assert registry.count(AttributeLookup) == 2


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"asked_by": " "}, "request-invalid", "asked_by"),
        ({"task": None}, "request-invalid", "task"),
        ({"name": ""}, "invalid-attribute", "name"),
        ({"date_of_birth": "1985-02-30"}, "invalid-date", "1985-02-30"),
    ],
)
async def test_a_bad_lookup_is_refused_and_not_recorded(
    registry: Registry, changes: dict[str, Any], code: str, field: str
) -> None:
    """A lookup without who asks, what for, a name or a real date is a 422; nothing is recorded."""
    query = {
        "name": "渡辺太郎",
        "date_of_birth": "1985-01-02",
        "address": "千代田区千代田1-1",
        "asked_by": "city-office",
        "task": "local tax",
    }
    body = {name: value for name, value in (query | changes).items() if value is not None}
    problem = _assert_problem(await registry.client.post("api/lookups", json=body), 422, code)
    assert field in problem["detail"]
    assert registry.count(AttributeLookup) == 0
