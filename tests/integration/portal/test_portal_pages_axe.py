"""Pages only a fixture reaches, checked by axe-core in Chromium.

The served demo's sealed record opens in a year, so the records page showing one in full is
rendered here, from the portal of the fixture; and the page the portal gives when a node it reads
from does not answer is rendered as the portal renders it. Each is loaded into Debian's Chromium
with the portal's stylesheet inlined (as the page would have it), for axe-core's WCAG 2.2 AA
rules.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib.resources import files

import anyio.to_thread
import pytest
from starlette.requests import Request
from tests.e2e.browsers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    axe_violations,
    need_axe,
    need_the_browser,
)

from mynumber.ledger.sealing import UNSEALING_ZONE
from mynumber.portal.visits import Visit, unavailable

from .conftest import PORTAL, Portal

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

_STYLESHEET = f'<link rel="stylesheet" href="{PORTAL}/static/portal.css">'


def _violations(pages: dict[str, str]) -> list[str]:
    """Load each page's HTML into Chromium and return what axe-core finds, page by page."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 -- only once it is known to exist

    css = (files("mynumber.portal") / "static" / "portal.css").read_text(encoding="utf-8")
    found: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for where, html in pages.items():
                assert _STYLESHEET in html
                page = browser.new_page()
                page.set_content(html.replace(_STYLESHEET, f"<style>{css}</style>"))
                found += axe_violations(page, where)
                page.close()
        finally:
            browser.close()
    return found


async def test_an_unsealed_police_record_passes_axe_in_japanese_and_english(
    portal: Portal,
) -> None:
    """The records page with a police record shown in full, and one still sealed, in ja and en."""
    need_the_browser("the unsealed record's accessibility test")
    need_axe()
    holder = portal.holder()
    today = datetime.now(UNSEALING_ZONE).date()
    portal.sealed(holder, unseal_on=today - timedelta(days=1), case="R7-12")
    portal.sealed(holder, unseal_on=today + timedelta(days=365), case="R9-99")
    portal.record(holder)
    pages: dict[str, str] = {}
    for language in ("ja", "en"):
        async with portal.browser(language=language) as browser:
            await portal.log_in(browser, holder)
            shown = await browser.get(f"{PORTAL}/records")
            assert "R7-12" in shown.text
            assert "R9-99" not in shown.text
            pages[f"{language} records, a police record unsealed"] = shown.text
    violations = await anyio.to_thread.run_sync(_violations, pages)
    assert not violations, "axe-core found violations:\n" + "\n".join(violations)


def _unavailable_page(portal: Portal, language: str) -> str:
    """Return the page the portal gives a logged-out visitor when a node does not answer."""
    request = Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("127.0.0.1", 8000),
            "root_path": PORTAL,
            "path": f"{PORTAL}/records",
            "query_string": b"",
            "headers": [],
        }
    )
    visit = Visit(request, portal.node("portal"), language, None, None)
    return bytes(unavailable(visit).body).decode("utf-8")


async def test_the_page_of_a_node_not_answering_passes_axe(portal: Portal) -> None:
    """The page saying a service is not available just now, in Japanese and English."""
    need_the_browser("the unavailable page's accessibility test")
    need_axe()
    pages = {
        f"{language} a node not answering": _unavailable_page(portal, language)
        for language in ("ja", "en")
    }
    assert "Not available just now" in pages["en a node not answering"]
    violations = await anyio.to_thread.run_sync(_violations, pages)
    assert not violations, "axe-core found violations:\n" + "\n".join(violations)
