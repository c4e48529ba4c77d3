"""The counter's notice pages: an alternate notice address before the deadline, printing."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from tests.integration.counter.conftest import CHIYODA, Registry

from mynumber.register.models import AlternateAddressRequest, NoticeBatch
from mynumber.register.notices import JAPAN, NoticeService
from mynumber.storage import unit_of_work

pytestmark = pytest.mark.anyio

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
    "postal_code": "1000001",
    "address": "東京都千代田区千代田1番1号",
    "household_head": "true",
}
SHELTER = {"postal_code": "1000002", "address": "東京都千代田区皇居外苑1番 避難所"}


async def _resident(client: httpx.AsyncClient) -> int:
    """Log a clerk in and register a resident through the counter; return their id."""
    await client.post("counter/login", data={"name": "窓口 花子"})
    response = await client.post("counter/register", data=FORM)
    return int(response.headers["location"].split("/")[-1].split("?")[0])


def _open_batch(counter: Registry, *, days_left: int) -> int:
    """Open a notice batch for 千代田区 whose deadline is ``days_left`` days away (may be past)."""
    today = datetime.now(JAPAN).date()
    with unit_of_work(counter.sessions) as session:
        batch = NoticeService(session).open_batch(CHIYODA, today + timedelta(days=30), "test")
        session.flush()
        batch_id = batch.id
    if days_left < 30:
        with unit_of_work(counter.sessions) as session:
            session.execute(
                update(NoticeBatch)
                .where(NoticeBatch.id == batch_id)
                .values(alternate_address_deadline=today + timedelta(days=days_left))
            )
    return batch_id


async def test_a_resident_without_a_notice_is_told_how_notices_are_issued(
    counter: Registry,
) -> None:
    """Before any batch the notice page says so and offers neither form nor printing."""
    rid = await _resident(counter.client)
    page = await counter.client.get(f"counter/residents/{rid}/notice")
    assert page.status_code == 200
    assert "mynumber notices open-batch" in page.text
    assert 'id="print"' not in page.text
    printed = await counter.client.post(f"counter/residents/{rid}/notice/print")
    assert printed.status_code == 422
    assert "通知書はまだ発行されていません" in printed.text


async def test_an_alternate_address_before_the_deadline_then_printing(counter: Registry) -> None:
    """Filed in time, the notice goes to the shelter; once printed, where it goes is fixed."""
    rid = await _resident(counter.client)
    _open_batch(counter, days_left=10)
    page = await counter.client.get(f"counter/residents/{rid}/notice")
    assert 'id="file-alternate"' in page.text
    incomplete = await counter.client.post(
        f"counter/residents/{rid}/notice/alternate-address", data=SHELTER | {"reason_kind": "other"}
    )
    assert incomplete.status_code == 422
    assert "理由の詳細を記入してください" in incomplete.text
    filed = await counter.client.post(
        f"counter/residents/{rid}/notice/alternate-address",
        data=SHELTER | {"reason_kind": "disaster"},
    )
    assert filed.headers["location"].endswith(f"/residents/{rid}/notice?done=alternate-address")
    page = await counter.client.get(filed.headers["location"].removeprefix("/registry/"))
    assert "居所情報を登録しました" in page.text
    assert "〒100-0002 東京都千代田区皇居外苑1番 避難所" in page.text
    printed = await counter.client.post(f"counter/residents/{rid}/notice/print")
    assert printed.status_code == 200
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.headers["cache-control"] == "no-store"
    assert printed.content.startswith(b"%PDF")
    after = await counter.client.get(f"counter/residents/{rid}/notice")
    assert datetime.now(UTC).date().isoformat() in after.text.split('id="printed"')[1]
    late = await counter.client.post(
        f"counter/residents/{rid}/notice/alternate-address",
        data=SHELTER | {"reason_kind": "disaster"},
    )
    assert late.status_code == 422
    assert "印刷済みのため" in late.text


async def test_after_the_deadline_an_alternate_address_is_refused_in_plain_words(
    counter: Registry,
) -> None:
    """Past the deadline the page says the notice goes home; a POST anyway changes nothing."""
    rid = await _resident(counter.client)
    _open_batch(counter, days_left=-1)
    page = await counter.client.get(f"counter/residents/{rid}/notice", params={"lang": "en"})
    assert 'id="deadline-passed"' in page.text
    assert "the notice goes to the registered address" in page.text
    refused = await counter.client.post(
        f"counter/residents/{rid}/notice/alternate-address",
        data=SHELTER | {"reason_kind": "hospital-or-care"},
    )
    assert refused.status_code == 422
    assert "The deadline for alternate addresses" in refused.text
    assert counter.count(AlternateAddressRequest) == 0
