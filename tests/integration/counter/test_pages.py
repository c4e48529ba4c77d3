"""The counter pages on a real registry node (SQLite): sessions, language, forms, errors."""

import re
from typing import Any

import httpx
import pytest
from tests.integration.counter.conftest import (
    CHIYODA,
    OSAKA_POSTAL_CODE,
    OTHER_POSTAL_CODE,
    Registry,
)

from mynumber.register.clerks import COOKIE
from mynumber.register.models import IndividualNumberRecord, LifeEvent, Resident

pytestmark = pytest.mark.anyio

CLERK_NAME = "窓口 花子"
FORM: dict[str, str] = {
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
    "nationality": "JP",
    "preferred_language": "ja",
}


async def _login(client: httpx.AsyncClient, name: str = CLERK_NAME) -> None:
    """Start a clerk's session."""
    response = await client.post("counter/login", data={"name": name})
    assert response.status_code == 303
    assert response.headers["location"] == "/registry/counter/find"


async def _register(client: httpx.AsyncClient, **changes: str) -> int:
    """Register a resident through the form; return their id from the redirect."""
    response = await client.post("counter/register", data=FORM | changes)
    assert response.status_code == 303, response.text
    found = re.fullmatch(
        r"/registry/counter/residents/(\d+)\?done=registered", response.headers["location"]
    )
    assert found is not None
    return int(found[1])


async def _number(client: httpx.AsyncClient, resident_id: int) -> str:
    """Return the resident's whole number as the reveal button shows it, without spaces."""
    page = await client.post(f"counter/residents/{resident_id}/reveal")
    found = re.search(r'<span id="number" class="digits">([\d ]{14})</span>', page.text)
    assert found is not None, page.text
    return found[1].replace(" ", "")


def _clerk_frame(html: str) -> None:
    """Check that a page names the clerk and offers a log-out link."""
    assert f'<span id="clerk">担当: {CLERK_NAME}</span>' in html
    assert 'id="logout" class="logout" href="/registry/counter/logout"' in html


async def test_the_counter_starts_at_a_japanese_login_page(counter: Registry) -> None:
    """Without a session every page leads to the start page, which asks for the clerk's name."""
    for path in ("counter/", "counter/find", "counter/register", "counter/residents/1"):
        response = await counter.client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/registry/counter/login"
    login = await counter.client.get("counter/login")
    assert login.status_code == 200
    assert '<html lang="ja">' in login.text
    assert '<label for="name">担当者名' in login.text
    assert login.headers["cache-control"] == "no-store"


async def test_a_form_posted_without_a_session_changes_nothing(counter: Registry) -> None:
    """A registration POSTed without a clerk goes to the start page and registers no one."""
    response = await counter.client.post("counter/register", data=FORM)
    assert response.headers["location"] == "/registry/counter/login"
    assert counter.count(Resident) == 0


async def test_every_page_names_the_clerk_and_logging_out_ends_the_session(
    counter: Registry,
) -> None:
    """Each page shows the clerk and a log-out link; logging out drops the signed cookie."""
    await _login(counter.client)
    resident_id = await _register(counter.client)
    paths = ["find", "register", f"residents/{resident_id}", f"residents/{resident_id}/notice"]
    paths += [f"residents/{resident_id}/{event}" for event in ("address-change", "death")]
    for path in paths:
        response = await counter.client.get(f"counter/{path}")
        assert response.status_code == 200, path
        _clerk_frame(response.text)
    out = await counter.client.get("counter/logout")
    assert out.headers["location"] == "/registry/counter/login?out=true"
    assert f'{COOKIE}=""' in out.headers["set-cookie"]
    assert "Max-Age=0" in out.headers["set-cookie"]
    assert COOKIE not in counter.client.cookies
    assert (await counter.client.get("counter/find")).status_code == 303
    assert "ログアウトしました" in (await counter.client.get("counter/login?out=true")).text


async def test_a_forged_session_is_no_session(counter: Registry) -> None:
    """A cookie whose name was changed after signing is ignored: back to the start page."""
    await _login(counter.client, "clerk")
    value = counter.client.cookies[COOKIE]
    body, tag = value.split(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB")
    counter.client.cookies.set(COOKIE, f"{forged}.{tag}", path="/registry/counter")
    assert (await counter.client.get("counter/find")).status_code == 303


async def test_an_empty_clerk_name_is_refused(counter: Registry) -> None:
    """The start page asks again, saying what is missing, and sets no session."""
    response = await counter.client.post("counter/login", data={"name": "  "})
    assert response.status_code == 422
    assert "担当者名を入力してください" in response.text
    assert COOKIE not in response.headers.get("set-cookie", "")


async def test_the_language_switch_sticks(counter: Registry) -> None:
    """?lang=en turns the counter English and keeps it in a cookie; ?lang=ja turns it back."""
    await _login(counter.client)
    english = await counter.client.get("counter/find", params={"lang": "en"})
    assert '<html lang="en">' in english.text
    assert "<h1>Find a resident</h1>" in english.text
    assert "Clerk: 窓口 花子" in english.text
    assert 'href="/registry/counter/find?lang=ja"' in english.text
    assert "mynumber_counter_lang=en" in english.headers["set-cookie"]
    assert "<h1>Register a resident</h1>" in (await counter.client.get("counter/register")).text
    japanese = await counter.client.get("counter/register", params={"lang": "ja"})
    assert "<h1>住民を登録する</h1>" in japanese.text


async def test_registering_through_the_form_opens_the_record_with_the_number_masked(
    counter: Registry,
) -> None:
    """PRG: the form redirects to the record; the number shows 4 digits until revealed."""
    await _login(counter.client)
    resident_id = await _register(counter.client)
    record = await counter.client.get(f"counter/residents/{resident_id}?done=registered")
    assert "住民を登録しました。" in record.text
    assert re.search(r'<span id="number" class="digits">\*{4} \*{4} \d{4}</span>', record.text)
    number = await _number(counter.client, resident_id)
    assert number not in record.text
    assert number[-4:] in record.text
    history = record.text.split('id="history"')[1]
    assert "転入" in history
    assert CLERK_NAME in history


async def test_a_refused_registration_says_what_to_fix_in_japanese(counter: Registry) -> None:
    """Each wrong field is marked with what to fix; the form keeps its values; nothing changes."""
    await _login(counter.client)
    wrong = {"family_name": "", "date_of_birth": "1985-02-30", "postal_code": OSAKA_POSTAL_CODE}
    response = await counter.client.post("counter/register", data=FORM | wrong)
    assert response.status_code == 422
    assert "入力内容を確認してください" in response.text
    assert "「氏」を入力してください。" in response.text
    assert "「生年月日」は実在する日付で入力してください" in response.text
    assert "この郵便番号はその市区町村のものではありません" in response.text
    assert 'id="family_name-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'value="太郎"' in response.text
    assert counter.count(Resident) == 0


async def test_a_refused_registration_says_what_to_fix_in_english(counter: Registry) -> None:
    """The same refusal in English, for a clerk who switched."""
    await _login(counter.client)
    await counter.client.get("counter/find", params={"lang": "en"})
    wrong = {"family_name": "", "municipality_code": "999997", "date": "2999-01-01"}
    response = await counter.client.post("counter/register", data=FORM | wrong)
    assert response.status_code == 422
    assert "Fill in “Family name”." in response.text
    assert "no municipality has the code 999997" in response.text
    assert "Date of the event is in the future" in response.text
    assert counter.count(Resident) == 0


async def test_the_same_person_twice_is_refused_on_the_form(counter: Registry) -> None:
    """A second registration of the same person says to record an event instead."""
    await _login(counter.client)
    await _register(counter.client)
    again = await counter.client.post("counter/register", data=FORM)
    assert again.status_code == 422
    assert "すでに登録されています" in again.text
    assert (counter.count(Resident), counter.count(IndividualNumberRecord)) == (1, 1)


async def test_find_by_number_and_by_name(counter: Registry) -> None:
    """A number opens the record; a name and birthday list residents, without any number."""
    await _login(counter.client)
    resident_id = await _register(counter.client)
    number = await _number(counter.client, resident_id)
    found = await counter.client.post("counter/find/number", data={"number": number})
    assert found.headers["location"] == f"/registry/counter/residents/{resident_id}"
    listed = await counter.client.post(
        "counter/find/name", data={"name": "渡辺 太郎", "date_of_birth": "S60.1.2"}
    )
    assert listed.status_code == 200
    assert f'href="/registry/counter/residents/{resident_id}"' in listed.text
    assert number[-4:] not in listed.text
    nobody = await counter.client.post("counter/find/number", data={"number": "123456789018"})
    assert nobody.status_code == 422
    assert "この番号の住民はいません" in nobody.text


async def test_life_events_through_the_forms(counter: Registry) -> None:
    """Address and name change, then death: each recorded; after death no form records."""
    await _login(counter.client)
    rid = await _register(counter.client)
    move = {
        "postal_code": OTHER_POSTAL_CODE,
        "address": "東京都千代田区皇居外苑1番",
        "date": "2025-02-01",
    }
    moved = await counter.client.post(f"counter/residents/{rid}/address-change", data=move)
    assert moved.headers["location"] == f"/registry/counter/residents/{rid}?done=address-change"
    name = {
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "タロウ",
    }
    renamed = await counter.client.post(
        f"counter/residents/{rid}/name-change", data=name | {"date": "2025-03-01"}
    )
    assert renamed.status_code == 303
    died = await counter.client.post(f"counter/residents/{rid}/death", data={"date": "2025-04-01"})
    assert died.status_code == 303
    record = (await counter.client.get(f"counter/residents/{rid}")).text
    assert "<h1>山田 太郎" in record
    assert "東京都千代田区皇居外苑1番" in record
    assert '<p class="state state-deceased" id="state">状態: 死亡</p>' in record
    assert 'id="action-address-change"' not in record
    events = counter.count(LifeEvent)
    late = await counter.client.post(f"counter/residents/{rid}/address-change", data=move)
    assert late.status_code == 422
    assert "住民登録がありません。異動は記録できません。" in late.text
    assert counter.count(LifeEvent) == events


async def test_a_refused_event_is_shown_on_its_form_and_changes_nothing(counter: Registry) -> None:
    """A postal code of another city, a number change without reason: errors, nothing recorded."""
    await _login(counter.client)
    rid = await _register(counter.client)
    number = await _number(counter.client, rid)
    events = counter.count(LifeEvent)
    move = {
        "postal_code": OSAKA_POSTAL_CODE,
        "address": "大阪府大阪市北区梅田1番",
        "date": "2025-02-01",
    }
    refused = await counter.client.post(f"counter/residents/{rid}/address-change", data=move)
    assert refused.status_code == 422
    assert 'id="postal_code-error"' in refused.text
    change = await counter.client.post(
        f"counter/residents/{rid}/number-change", data={"reason": "", "date": "2025-02-01"}
    )
    assert change.status_code == 422
    assert "「変更の理由」を入力してください。" in change.text
    assert "「変更の発意」を選んでください。" in change.text
    assert counter.count(LifeEvent) == events
    assert await _number(counter.client, rid) == number


async def test_a_changed_number_finds_no_one_at_the_counter(counter: Registry) -> None:
    """After a number change through the form, the old number is refused by find."""
    await _login(counter.client)
    rid = await _register(counter.client)
    old = await _number(counter.client, rid)
    change = {"reason": "番号が記載された書類を紛失", "on_request": "true", "date": "2025-02-01"}
    changed = await counter.client.post(f"counter/residents/{rid}/number-change", data=change)
    assert changed.headers["location"] == f"/registry/counter/residents/{rid}?done=number-change"
    assert await _number(counter.client, rid) != old
    gone = await counter.client.post("counter/find/number", data={"number": old})
    assert "この番号の住民はいません" in gone.text


async def test_the_stylesheet_and_an_unknown_resident(counter: Registry) -> None:
    """The CSS is served; a resident the register lacks is a 404 page, not a crash."""
    css = await counter.client.get("counter/static/counter.css")
    assert css.headers["content-type"].startswith("text/css")
    await _login(counter.client)
    missing: Any = await counter.client.get("counter/residents/4242")
    assert missing.status_code == 404
    assert "住民が見つかりません" in missing.text
