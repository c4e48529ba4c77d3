"""A clerk at the counter, in a real browser: Debian's Chromium driven by Playwright.

`mynumber serve` runs a fresh deployment (`mynumber init`, `db upgrade`) in a subprocess; the clerk
logs in, switches the language, registers a resident, finds them by name and by number, records
an address change and a name change, files an alternate notice address and prints the notice,
changes the number (and sees the old one refused by find), records the death and logs out.

The browser is Debian's ``chromium`` package (``apt-get install chromium``), never one downloaded
by ``playwright install``. Without it the test is skipped, or fails when CI=true.
"""

import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .browsers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MYNUMBER,
    environment,
    need_the_browser,
    served,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

#: How long the browser waits for any one page or element.
STEP_MILLISECONDS = 15_000
CLERK = "窓口 花子"
DIGITS = re.compile(r"^\d{4} \d{4} \d{4}$")


def _mynumber(*args: str | Path) -> None:
    """Run a short ``mynumber`` command to completion."""
    done = subprocess.run(  # noqa: S603 -- our own console script, with our own arguments
        [MYNUMBER, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment(),
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Yield the URL of `mynumber serve` on a fresh, migrated deployment, and its directory."""
    need_the_browser("the counter's browser test")
    home = tmp_path / "town"
    _mynumber("init", home)
    _mynumber("db", "upgrade", "--dir", home)
    with served(home) as url:
        yield url, home


def test_a_clerk_walks_every_counter_action(registry: tuple[str, Path]) -> None:
    """Log in, register, find, move, rename, notice, change the number, death, log out."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 -- only once it is known to exist

    url, home = registry
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(accept_downloads=True)
            page.set_default_timeout(STEP_MILLISECONDS)
            counter = f"{url}/registry/counter"
            _log_in_and_switch_language(page, counter)
            resident = _register(page, counter)
            old_number = _reveal(page)
            _find(page, counter, resident, old_number)
            _move_and_rename(page)
            _notice(page, home)
            _change_number(page, counter, resident, old_number)
            _record_death(page, resident)
            _log_out(page, counter)
        finally:
            browser.close()


def _log_in_and_switch_language(page: "Page", counter: str) -> None:
    """Log in with a name at the start page; switch the counter to English and back."""
    page.goto(f"{counter}/")
    assert page.inner_text("h1") == "窓口業務の開始"
    page.fill("#name", CLERK)
    page.click("button[type=submit]")
    page.wait_for_url(f"{counter}/find")
    assert CLERK in page.inner_text("#clerk")
    page.click("#language")
    page.wait_for_url(f"{counter}/find?lang=en")
    assert page.inner_text("h1") == "Find a resident"
    assert page.get_attribute("html", "lang") == "en"
    page.click("#language")
    assert page.inner_text("h1") == "住民を探す"


def _register(page: "Page", counter: str) -> str:
    """Register a resident through the form; return the URL of their record."""
    page.click("nav >> text=住民を登録する")
    page.select_option("#event", "move-in")
    page.fill("#date", "2025-01-06")
    for field, value in {
        "family_name": "渡邊",
        "given_name": "太郎",
        "family_name_kana": "ワタナベ",
        "given_name_kana": "タロウ",
        "date_of_birth": "昭和60年1月2日",
        "municipality_code": "131016",
        "postal_code": "100-0001",
        "address": "東京都千代田区千代田1番1号",
    }.items():
        page.fill(f"#{field}", value)
    page.check("#sex-male")
    page.check("#household_head")
    page.click("#submit")
    page.wait_for_url(re.compile(r".*/residents/\d+\?done=registered$"))
    assert page.inner_text("p.notice") == "住民を登録しました。"
    assert re.fullmatch(r"\*{4} \*{4} \d{4}", page.inner_text("#number"))
    return f"{counter}/residents/{page.url.split('/')[-1].split('?')[0]}"


def _reveal(page: "Page") -> str:
    """Press the reveal button; return the whole number it shows, without spaces."""
    page.click("#reveal")
    shown = page.inner_text("#number")
    assert DIGITS.match(shown), shown
    return shown.replace(" ", "")


def _find(page: "Page", counter: str, resident: str, number: str) -> None:
    """Find the resident by name and birthday, then by number."""
    page.click("nav >> text=住民を探す")
    page.fill("#name", "渡辺 太郎")
    page.fill("#date_of_birth", "1985-01-02")
    page.click("#find-name")
    assert "検索結果: 1件" in page.inner_text("#results")
    assert number[-4:] not in page.content()
    page.click("table >> text=渡邊 太郎")
    page.wait_for_url(resident)
    page.goto(f"{counter}/find")
    page.fill("#number", f"{number[:4]} {number[4:8]} {number[8:]}")
    page.click("#find-number")
    page.wait_for_url(resident)


def _move_and_rename(page: "Page") -> None:
    """Record an address change and a name change from the resident's record."""
    page.click("#action-address-change")
    page.fill("#postal_code", "1000002")
    page.fill("#address", "東京都千代田区皇居外苑1番")
    page.click("#submit")
    assert page.inner_text("p.notice") == "住所の変更を記録しました。"
    assert "東京都千代田区皇居外苑1番" in page.inner_text("#address")
    page.click("#action-name-change")
    for field, value in {
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "タロウ",
    }.items():
        page.fill(f"#{field}", value)
    page.click("#submit")
    assert page.inner_text("h1").startswith("山田 太郎")
    assert "氏名の変更" in page.inner_text("#history")


def _notice(page: "Page", home: Path) -> None:
    """Open a notice batch, file an alternate address, print the household's notice."""
    deadline = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    _mynumber("notices", "open-batch", "--deadline", deadline, "--dir", home)
    page.click("#notice")
    page.fill("#postal_code", "1000002")
    page.fill("#address", "東京都千代田区皇居外苑1番 避難所")
    page.check("#reason_kind-disaster")
    page.click("#file-alternate")
    assert page.inner_text("p.notice").startswith("居所情報を登録しました")
    assert "避難所" in page.inner_text("#sent-to")
    with page.expect_download() as download:
        page.click("#print")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    page.reload()
    assert page.inner_text("#printed") != "未印刷"
    page.click(".subject >> a")


def _change_number(page: "Page", counter: str, resident: str, old: str) -> None:
    """Change the number (a reason is required); the old number then finds no one."""
    page.click("#action-number-change")
    page.click("#submit")
    assert "「変更の理由」を入力してください。" in page.inner_text(".error-summary")
    page.fill("#reason", "番号が記載された書類を紛失し、不正利用のおそれがある")
    page.check("#on_request-true")
    page.click("#submit")
    assert page.inner_text("p.notice").startswith("個人番号を変更しました")
    assert _reveal(page) != old
    page.goto(f"{counter}/find")
    page.fill("#number", old)
    page.click("#find-number")
    assert "この番号の住民はいません" in page.inner_text(".error-summary")
    page.goto(resident)


def _record_death(page: "Page", resident: str) -> None:
    """Record the death: the record stays, and no further event can be recorded."""
    page.click("#action-death")
    page.click("#submit")
    page.wait_for_url(f"{resident}?done=death")
    assert page.inner_text("#state") == "状態: 死亡"
    assert page.locator("#action-address-change").count() == 0


def _log_out(page: "Page", counter: str) -> None:
    """Log out: the session ends and the counter asks for a name again."""
    page.click("#logout")
    page.wait_for_url(f"{counter}/login?out=true")
    assert page.inner_text("p.notice") == "ログアウトしました。"
    page.goto(f"{counter}/find")
    page.wait_for_url(f"{counter}/login")
