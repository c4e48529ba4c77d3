"""Who holds my number: a deleted holding's signed receipt, downloaded from the portal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus

import pytest

from mynumber.holdings.models import NumberHolding
from mynumber.holdings.receipts import Deletion, sign_deletion, verify_deletion

from .conftest import PORTAL, Holder, Portal

pytestmark = pytest.mark.anyio


def _holding(
    portal: Portal, holder: Holder, *, deleted: bool, body: str = "employer-kasumi-seiki"
) -> int:
    """Give ``holder`` a holding at an employer, deleted with a signed receipt or not; its id."""
    jpki = portal.opened.keys["registry"].jpki
    assert jpki is not None
    collected = datetime.now(UTC) - timedelta(days=3000)
    with portal.session("registry") as session:
        holding = NumberHolding(
            resident_id=holder.id,
            body_id=body,
            body_name_en="Kasumi Seiki Co., Ltd.",
            body_name_ja="霞精機株式会社",
            body_kind="employer",
            task="employer:withholding-slip",
            staff="clerk-1",
            method="card",
            collected_at=collected,
            retention_until=date(2025, 1, 31),
            receipt_id=f"00000000-0000-4000-{len(body):04d}-{holder.id:012d}",
            code="0" * 26,
            ledger_index=0,
        )
        session.add(holding)
        session.flush()
        if deleted:
            now = datetime.now(UTC)
            holding.deleted_at = now
            holding.deletion_receipt = sign_deletion(
                Deletion(
                    receipt_id="ab" * 16,
                    issuer="registry",
                    holding=holding.id,
                    body=holding.body_id,
                    task=holding.task,
                    collected_at=collected,
                    retention_until=holding.retention_until,
                    deleted_at=now,
                    collection_receipt="",
                ),
                jpki.receipt_signing,
            )
        return holding.id


async def test_a_deletion_receipt_downloads_and_verifies_with_the_registrys_key(
    portal: Portal,
) -> None:
    """The holder list links the receipt; it is the registry's signature, over that holding."""
    holder, other = portal.holder(), portal.holder()
    deleted = _holding(portal, holder, deleted=True)
    live = _holding(portal, other, deleted=False)
    theirs = _holding(portal, other, deleted=True, body="employer-aoba")
    jpki = portal.opened.keys["registry"].jpki
    assert jpki is not None
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        home = await browser.get(f"{PORTAL}/")
        link = f"{PORTAL}/holders/{deleted}/deletion-receipt.json"
        assert f'href="{link}"' in home.text
        downloaded = await browser.get(link)
        assert downloaded.status_code == HTTPStatus.OK
        assert downloaded.headers["content-disposition"].startswith("attachment")
        content = verify_deletion(downloaded.json(), jpki.receipt_signing.public_key())
        assert (content["holding"], content["task"]) == (deleted, "employer:withholding-slip")
        for not_mine in (live, theirs):
            refused = await browser.get(f"{PORTAL}/holders/{not_mine}/deletion-receipt.json")
            assert refused.status_code == HTTPStatus.NOT_FOUND
            assert "Kasumi" not in refused.text
