"""A clerk at the counter, in a real browser: Debian's Chromium driven by Playwright.

`mynumber serve` runs a fresh deployment (`mynumber init`, `db upgrade`) in a subprocess; the clerk
logs in, switches the language, registers a resident, finds them by name and by number, records
an address change and a name change, files an alternate notice address and prints the notice,
changes the number (and sees the old one refused by find), records the death and logs out.

The browser is Debian's ``chromium`` package (``apt-get install chromium``), never one downloaded
by ``playwright install``. Without it the test is skipped, or fails when CI=true.
"""

import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.slow

MYNUMBER = str(Path(sys.executable).with_name("mynumber"))
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STARTUP_SECONDS = 30.0
#: How long the browser waits for any one page or element.
STEP_MILLISECONDS = 15_000
CLERK = "窓口 花子"
DIGITS = re.compile(r"^\d{4} \d{4} \d{4}$")


def _need_the_browser() -> None:
    """Skip without Playwright or Debian's Chromium; with CI=true, fail instead."""
    missing = None
    if importlib.util.find_spec("playwright") is None:
        missing = "the playwright package (pip install playwright, in the dev extra)"
    elif not CHROMIUM.is_file():
        missing = "Debian's chromium package at /usr/bin/chromium (apt-get install chromium)"
    if missing is None:
        return
    message = f"the counter's browser test needs {missing}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _environment() -> dict[str, str]:
    """Return the environment of a child ``mynumber``: no MYNUMBER_ variables from outside."""
    return {name: value for name, value in os.environ.items() if not name.startswith("MYNUMBER_")}


def _mynumber(*args: str | Path) -> None:
    """Run a short ``mynumber`` command to completion."""
    done = subprocess.run(  # noqa: S603 -- our own console script, with our own arguments
        [MYNUMBER, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env=_environment(),
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _free_port() -> int:
    """Return a 127.0.0.1 port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_ready(url: str, process: subprocess.Popen[str]) -> bool:
    """Poll the registry's /health until it answers 200, the process dies, or time runs out."""
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(trust_env=False, timeout=2) as client:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.get(f"{url}/registry/health").status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    return False


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Yield the URL of `mynumber serve` on a fresh, migrated deployment, and its directory."""
    _need_the_browser()
    home = tmp_path / "town"
    _mynumber("init", home)
    _mynumber("db", "upgrade", "--dir", home)
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 -- our own console script, with our own arguments
        [MYNUMBER, "serve", "--dir", str(home), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_environment(),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not _wait_until_ready(url, process):
            pytest.fail(f"`mynumber serve` did not answer within {STARTUP_SECONDS}s")
        yield url, home
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_a_clerk_walks_every_counter_action(served: tuple[str, Path]) -> None:
    """Log in, register, find, move, rename, notice, change the number, death, log out."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 -- only once it is known to exist

    url, home = served
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
