"""A resident on the portal, in a real browser: Debian's Chromium driven by Playwright.

``mynumber demo --no-serve`` builds a small town (its cards in ``cards/``, PIN 1234 for
authentication) and runs the demo's flows once; ``mynumber serve`` then serves every node of it in
a subprocess. The residents log in with their virtual cards the way the login page asks -- read
the challenge off the page, sign it with the card app, paste the answer -- and look at what the
flows left them: their information, their records of use, the proofs their browser checks.

What a resident would notice is checked: the number is masked until asked for; the records name
the employer, the exchanges, the refusal and the police request (sealed until a date); every proof
verifies in the page, and a tampered one does not; the language switches; after logging out, or
finishing at a shared terminal, nothing of the person is left in the browser, not even behind the
back button; forged logins and other people's records are refused. Every page passes axe-core's
WCAG 2.2 AA rules in Japanese and in English, and the way through is usable by keyboard alone.

What a resident does: locks the number, and the employer who comes to record it (over HTTP, as its
systems would) is refused, the refusal showing in the records, until the card unlocks it; registers
a benefit account, which must be in the resident's own name; reports a record they do not
recognise to the oversight commission, and gets a case number. At a shared terminal, such a task
ends the session.

The browser is Debian's ``chromium`` package (``apt-get install chromium``), never one downloaded
by ``playwright install``; axe-core comes from npm (``package.json``, installed by ``make test``).
Without either the tests that need it are skipped, or fail when CI=true.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import jaconv
import pytest

from mynumber.cards.app import answer_login
from mynumber.cards.virtual import VirtualCard
from mynumber.cli.demo_bodies import DEMO_STAFF
from mynumber.cli.demo_flows import DOCUMENTS, EMPLOYER, people
from mynumber.nodes.directory import open_deployment
from mynumber.portal import i18n
from mynumber.portal.sessions import KIOSK_IDLE
from mynumber.settings import load_settings

from .browsers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MYNUMBER,
    axe_violations,
    environment,
    need_axe,
    need_the_browser,
    served,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from playwright.sync_api import Browser, Page, Response, Route

pytestmark = pytest.mark.slow

#: A small town: the flows need only the first few adults.
RESIDENTS = 40
#: The demo cards' authentication PIN.
PIN = "1234"
DEMO_SECONDS = 120
#: How long the browser waits for any one page or element.
STEP_MILLISECONDS = 15_000
SESSION_COOKIE = "mynumber_portal_session"
MASKED = re.compile(r"^\*{4} \*{4} \d{4}$")
DIGITS = re.compile(r"^\d{4} \d{4} \d{4}$")
#: The employer's task when it records a new hire's number, and its name on the portal.
WITHHOLDING = "employer:withholding-slip"
EMPLOYER_NAME = "Kasumi Seiki Co., Ltd."
#: The commission's case numbers, as the Reported page gives them.
CASE = re.compile(r"\bC-\d{6}\b")


@dataclass(frozen=True)
class Holder:
    """A demo card holder: the card file and the number the register gave them."""

    card: Path
    number: str


@dataclass(frozen=True)
class Portal:
    """The served demo: the portal's address and the demo's three card holders."""

    url: str
    #: Where ``mynumber serve`` answers: the registry's API is under ``/registry``.
    root: str
    #: The demo's directory: the bodies' API keys are in ``bodies/``.
    home: Path
    #: Collected by the employer; one collection by the city; one exchange refused.
    employee: Holder
    #: Collections, two exchanges, the video shop's refused collection, the sealed police entry.
    applicant: Holder
    #: The third card: no flow used it, so no record is about them.
    bystander: Holder


def _holders(home: Path) -> tuple[Holder, Holder, Holder]:
    """Return the employee, the applicant and the third card holder of the demo at ``home``."""
    opened = open_deployment(load_settings(home=home, demo=True), ["registry"])
    employee, applicant, _ = people(opened, home)
    assert employee.card is not None
    assert applicant.card is not None
    [third] = set((home / "cards").glob("*.json")) - {employee.card, applicant.card}
    return (
        Holder(employee.card, employee.number),
        Holder(applicant.card, applicant.number),
        Holder(third, ""),
    )


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """Yield the demo town, its flows run, served by `mynumber serve` on a free port."""
    need_the_browser("the portal's browser test")
    home = tmp_path_factory.mktemp("portal") / "town"
    built = subprocess.run(  # noqa: S603 -- our own console script, with our own arguments
        [MYNUMBER, "demo", "--dir", str(home), "--residents", str(RESIDENTS), "--no-serve"],
        capture_output=True,
        text=True,
        timeout=DEMO_SECONDS,
        env=environment(),
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    employee, applicant, bystander = _holders(home)
    # The demo's keys are refused outside demo mode, which `mynumber demo` sets itself.
    with served(home, MYNUMBER_DEMO="true") as url:
        yield Portal(f"{url}/portal", url, home, employee, applicant, bystander)


@pytest.fixture(scope="module")
def browser(portal: Portal) -> Iterator[Browser]:
    """Yield Debian's Chromium, headless, for the module's tests (each in its own context)."""
    del portal  # only for its order: no browser is started when the demo cannot be served
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 -- only once it is known to exist

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def _page(browser: Browser, locale: str = "en-US", **options: Any) -> Iterator[Page]:
    """Yield a page in a new browser context (fresh cookies), closed afterwards."""
    context = browser.new_context(locale=locale, accept_downloads=True, **options)
    context.set_default_timeout(STEP_MILLISECONDS)
    try:
        yield context.new_page()
    finally:
        context.close()


# --- what a resident does --------------------------------------------------------------------


def _signed_answer(card: Path, challenge: str) -> dict[str, object]:
    """Return the card app's answer to ``challenge``, as the resident pastes it."""
    return answer_login(VirtualCard.open(card), challenge, authentication_pin=PIN).to_json()


def _challenge(page: Page) -> str:
    """Return the challenge the login page shows."""
    return page.inner_text("#challenge").strip()


def _submit_answer(page: Page, answer: str) -> Response:
    """Type ``answer`` into the login form and send it; return the answer to the POST."""
    page.fill("#answer", answer)
    with page.expect_response(
        lambda response: response.request.method == "POST" and response.url.endswith("/login")
    ) as posted:
        page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return posted.value


def _log_in(page: Page, portal: Portal, holder: Holder, *, kiosk: bool = False) -> None:
    """Open the login page, sign its challenge with the holder's card and land on my information."""
    page.goto(f"{portal.url}/login{'?kiosk=1' if kiosk else ''}")
    answer = _signed_answer(holder.card, _challenge(page))
    _submit_answer(page, json.dumps(answer))
    page.wait_for_url(f"{portal.url}/")


def _name(page: Page) -> str:
    """Return the name on my information."""
    name = page.inner_text("dl.facts dd").strip()
    assert name
    return name


def _session_cookies(page: Page) -> list[str]:
    """Return the values of the portal's session cookie in the page's context."""
    return [c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE]


def _rows(page: Page) -> list[list[str]]:
    """Return the cells' text of each record on the records page."""
    return [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in page.locator("table.records tbody tr").all()
    ]


def _indices(page: Page) -> list[int]:
    """Return the ledger indices of the records on the page, as its Verify buttons name them."""
    buttons = page.locator("button[data-verify-index]")
    return [
        int(index) for index in buttons.evaluate_all("bs => bs.map(b => b.dataset.verifyIndex)")
    ]


def _verify(page: Page, index: int) -> tuple[str | None, str | None]:
    """Press the Verify button of record ``index``; return the result's state and reason."""
    page.click(f"button[data-verify-index='{index}']")
    result = page.locator(f"#proof-{index}[data-state]")
    result.wait_for()
    return result.get_attribute("data-state"), result.get_attribute("data-reason")


def _shows_nothing_of(page: Page, *secrets: str) -> None:
    """Assert the page is the login page and shows none of ``secrets``."""
    assert re.search(r"/portal/login(\?|$)", page.url), page.url
    assert page.locator("#challenge").count() == 1
    content = page.content()
    for secret in secrets:
        assert secret not in content


# --- the tests -------------------------------------------------------------------------------


def test_a_resident_logs_in_with_the_card_and_sees_the_number(
    portal: Portal, browser: Browser
) -> None:
    """Sign the page's challenge with the card; the number is masked until asked for."""
    with _page(browser) as page:
        page.goto(f"{portal.url}/")
        page.wait_for_url(f"{portal.url}/login")
        assert page.inner_text("h1") == "Log in with your card"
        challenge = _challenge(page)
        assert re.fullmatch(r"[0-9a-f]{32,}", challenge), challenge
        assert challenge in page.inner_text("p.hint code")  # the command-line card app's line
        assert page.locator(".qr svg").count() == 1
        answer = json.dumps(_signed_answer(portal.applicant.card, challenge))
        assert portal.applicant.number not in answer  # logging in never reads the number
        page.click("#answer")
        page.keyboard.insert_text(answer)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{portal.url}/")
        assert page.inner_text("h1") == "My information"
        assert page.title().startswith("My information")
        masked = page.inner_text(".number")
        assert MASKED.match(masked), masked
        assert masked.endswith(portal.applicant.number[-4:])
        assert portal.applicant.number not in page.content()
        assert _session_cookies(page)
        page.click("text=Show my number")
        page.wait_for_url(f"{portal.url}/?reveal=true")
        shown = page.inner_text(".number")
        assert DIGITS.match(shown), shown
        assert shown.replace(" ", "") == portal.applicant.number
        page.click("text=Hide my number")
        page.wait_for_url(f"{portal.url}/")
        assert MASKED.match(page.inner_text(".number"))


def test_the_records_of_use_show_what_the_flows_did(portal: Portal, browser: Browser) -> None:
    """The applicant sees exchanges, the video shop's refusal and the sealed police request."""
    with _page(browser) as page:
        _log_in(page, portal, portal.applicant)
        page.click("nav.menu >> text=Records of use")
        page.wait_for_url(f"{portal.url}/records")
        assert page.inner_text("h1") == "Records of use"
        rows = _rows(page)
        assert page.inner_text("main p[role=status]") == f"{len(rows)} records"
        what = [row[1] for row in rows]
        assert sum(w.startswith("Data exchanged between bodies") for w in what) == 2
        exchange = next(row for row in rows if row[1].startswith("Data exchanged"))
        assert exchange[4] == "Provided"
        assert "from city-office-" in exchange[2]
        refused = next(row for row in rows if row[2] == "video-rental-shop-tsukiyo")
        assert refused[1] == "Collection of the number refused"
        assert refused[4] == "Refused"
        sealed = next(row for row in rows if row[1] == "Police access (sealed)")
        assert sealed[2] == "police-shinonomedai"
        assert sealed[4] == "Sealed"
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        days = [today + timedelta(days=180), today + timedelta(days=179)]  # the flows ran today
        until = {shown for day in days for shown in (day.date().isoformat(), i18n.day(day, "en"))}
        assert any(f"Sealed until {day}:" in sealed[3] for day in until), sealed[3]
        assert "SDP-2026-0042" not in page.content()  # the case stays with the commission
        assert "Number collected by a body" in what
        assert _indices(page) == sorted(_indices(page), reverse=True)  # newest first


def test_the_records_filter_by_kind(portal: Portal, browser: Browser) -> None:
    """The filter shows the records of one kind, and says when there are none."""
    with _page(browser) as page:
        _log_in(page, portal, portal.applicant)
        page.goto(f"{portal.url}/records")
        page.select_option("#kind", "exchange")
        page.click("form.filter button")
        page.wait_for_url(f"{portal.url}/records?kind=exchange")
        filtered = _rows(page)
        assert len(filtered) == 2
        assert all(row[1].startswith("Data exchanged between bodies") for row in filtered)
        assert page.inner_text("main p[role=status]") == "2 records"
        assert page.locator("#kind option[selected]").get_attribute("value") == "exchange"
        page.select_option("#kind", "sealed")
        page.click("form.filter button")
        page.wait_for_url(f"{portal.url}/records?kind=sealed")
        assert [row[1] for row in _rows(page)] == ["Police access (sealed)"]
        page.select_option("#kind", "holding-deleted")
        page.click("form.filter button")
        page.wait_for_url(f"{portal.url}/records?kind=holding-deleted")
        assert page.locator("table.records").count() == 0
        assert "There are no records." in page.inner_text("main")


def test_each_holder_sees_only_their_own_records(portal: Portal, browser: Browser) -> None:
    """The employee sees the employer's collection and a refused exchange; the third holder none."""
    with _page(browser) as page:
        _log_in(page, portal, portal.employee)
        page.goto(f"{portal.url}/records")
        rows = _rows(page)
        hired = next(row for row in rows if row[2] == "employer-kasumi-seiki")
        assert hired[1] == "Number collected by a body"
        assert hired[3].startswith("withholding slip")
        refused = next(row for row in rows if row[1].startswith("Exchange refused"))
        assert refused[4] == "Refused"
        assert refused[2].startswith("city-office-shinonomedai")
        assert not {"police-shinonomedai", "video-rental-shop-tsukiyo"} & {row[2] for row in rows}

    with _page(browser) as page:
        _log_in(page, portal, portal.bystander)
        page.goto(f"{portal.url}/records")
        assert page.inner_text("main p[role=status]") == "0 records"
        assert "There are no records." in page.inner_text("main")


def _flip_entry(body: dict[str, Any]) -> None:
    """Flip one bit of the entry's bytes."""
    entry = bytearray(base64.b64decode(body["entry"]))
    entry[len(entry) // 2] ^= 0x01
    body["entry"] = base64.b64encode(bytes(entry)).decode("ascii")


def _forge_root(body: dict[str, Any]) -> None:
    """Change one bit of the checkpoint's root hash: the hub's signature no longer holds."""
    origin, size, root, rest = body["checkpoint"].split("\n", 3)
    forged = bytearray(base64.b64decode(root))
    forged[0] ^= 0x01
    body["checkpoint"] = "\n".join([origin, size, base64.b64encode(bytes(forged)).decode(), rest])


def _tampering(change: Callable[[dict[str, Any]], None]) -> Callable[[Route], None]:
    """Return a route handler that passes the portal's proof on, changed by ``change``."""

    def handle(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        change(body)
        route.fulfill(response=response, json=body)

    return handle


def test_every_proof_verifies_in_the_page_and_a_tampered_one_fails(
    portal: Portal, browser: Browser
) -> None:
    """The page's script checks each record's proof; a changed entry or checkpoint fails."""
    with _page(browser) as page:
        _log_in(page, portal, portal.applicant)
        page.goto(f"{portal.url}/records")
        indices = _indices(page)
        assert indices
        for index in indices:
            assert _verify(page, index) == ("ok", None), index
            assert page.inner_text(f"#proof-{index}").startswith("In the ledger: root ")
        chosen = indices[0]
        for change, reason in ((_flip_entry, "root-mismatch"), (_forge_root, "bad-signature")):
            handler = _tampering(change)
            page.route("**/records/*/proof", handler)
            assert _verify(page, chosen) == ("failed", reason)
            shown = page.inner_text(f"#proof-{chosen}")
            assert shown == "Not proven: do not trust this record"
            page.unroute("**/records/*/proof", handler)
        assert _verify(page, chosen) == ("ok", None)


def test_the_language_switches_on_every_page(portal: Portal, browser: Browser) -> None:
    """English, then 日本語: the page's language and its words follow the resident's choice."""
    in_japanese = i18n.translations("ja").gettext("Records of use")
    with _page(browser, locale="ja-JP") as page:
        _log_in(page, portal, portal.applicant)
        page.goto(f"{portal.url}/records")
        assert page.get_attribute("html", "lang") == "ja"  # the browser's language, first
        assert page.inner_text("h1") == in_japanese
        page.click("nav.languages a[hreflang=en]")
        page.wait_for_function("document.documentElement.lang === 'en'")
        assert page.url == f"{portal.url}/records"  # back on the page it was chosen on
        assert page.inner_text("h1") == "Records of use"
        assert page.get_attribute("nav.languages a[hreflang=en]", "aria-current") == "true"
        page.goto(f"{portal.url}/")
        assert page.get_attribute("html", "lang") == "en"  # the choice is kept
        page.goto(f"{portal.url}/records")
        page.click("nav.languages a[hreflang=ja]")
        page.wait_for_function("document.documentElement.lang === 'ja'")
        assert page.inner_text("h1") == in_japanese
        assert page.get_attribute("nav.languages a[hreflang=ja]", "aria-current") == "true"
        assert page.inner_text("nav.languages a[hreflang=ja]") == "日本語"


def test_after_logging_out_nothing_of_the_person_is_left(portal: Portal, browser: Browser) -> None:
    """Log out: the cookie is gone, and back or a bookmarked page shows only the login page."""
    with _page(browser) as page:
        _log_in(page, portal, portal.applicant)
        name = _name(page)
        page.click("text=Show my number")
        page.goto(f"{portal.url}/records")
        assert page.locator("form.logout").get_attribute("action") == "/portal/logout"
        page.click("form.logout button")
        page.wait_for_url(f"{portal.url}/login?ended=1")
        assert "Your session has ended." in page.inner_text("p.notice")
        assert _session_cookies(page) == []
        _shows_nothing_of(page, name, portal.applicant.number)
        page.go_back()
        page.wait_for_load_state()
        _shows_nothing_of(page, name, portal.applicant.number, "police-shinonomedai")
        page.go_back()
        page.wait_for_load_state()
        _shows_nothing_of(page, name, portal.applicant.number)
        for path in ("/records", "/", "/?reveal=true", "/records/download.csv"):
            page.goto(f"{portal.url}{path}")
            _shows_nothing_of(page, name, portal.applicant.number, "police-shinonomedai")


def test_a_kiosk_session_ends_at_finish_and_at_a_download(portal: Portal, browser: Browser) -> None:
    """At a shared terminal, "Finish" or a download ends the session; the next visitor sees none."""
    with _page(browser) as page:
        _log_in(page, portal, portal.employee, kiosk=True)
        name = _name(page)
        assert "shared terminal" in page.inner_text("p.kiosk")
        page.goto(f"{portal.url}/records")
        assert "employer-kasumi-seiki" in page.inner_text("table.records")
        assert page.inner_text("form.logout button") == "Finish and log out"
        page.click("form.logout button")
        page.wait_for_url(f"{portal.url}/login?kiosk=1&ended=1")
        assert _session_cookies(page) == []
        assert page.locator("p.kiosk").count() == 1  # ready for the next person, as a kiosk
        page.goto(f"{portal.url}/")
        _shows_nothing_of(page, name, "employer-kasumi-seiki")
        page.go_back()
        page.wait_for_load_state()
        _shows_nothing_of(page, name, "employer-kasumi-seiki")
        page.go_back()
        page.wait_for_load_state()
        _shows_nothing_of(page, name, "employer-kasumi-seiki")

        _log_in(page, portal, portal.employee, kiosk=True)
        page.goto(f"{portal.url}/records")
        with page.expect_download() as downloading:
            page.click("a[href$='/records/download.csv']")
        csv = Path(downloading.value.path()).read_text(encoding="utf-8-sig")
        assert csv.startswith("index,at,kind,body")
        assert "employer-kasumi-seiki" in csv
        assert _session_cookies(page) == []
        page.goto(f"{portal.url}/")
        _shows_nothing_of(page, name, "employer-kasumi-seiki")
        page.go_back()
        page.wait_for_load_state()
        _shows_nothing_of(page, name, "employer-kasumi-seiki")


def _refused_login(page: Page, answer: str, status: int) -> None:
    """Send ``answer``: the login page comes back with an error, a new challenge, no session."""
    before = _challenge(page)
    posted = _submit_answer(page, answer)
    assert posted.status == status
    assert page.locator(".error[role=alert]").count() == 1
    assert page.inner_text("h1") == "Log in with your card"
    assert _challenge(page) != before
    assert _session_cookies(page) == []


def test_forged_logins_are_refused(portal: Portal, browser: Browser) -> None:
    """Another challenge's answer, a borrowed signature, a changed signature: no session."""
    card = portal.applicant.card
    with _page(browser) as page:
        page.goto(f"{portal.url}/login")
        old = _signed_answer(card, _challenge(page))
        page.reload()
        challenge = _challenge(page)
        assert challenge != old["challenge"]
        _refused_login(page, json.dumps(old), 400)  # the portal sees the challenge is not its own

        challenge = _challenge(page)
        borrowed = {**old, "challenge": challenge}  # a signature of another challenge
        _refused_login(page, json.dumps(borrowed), 401)  # the registry checks the signature

        challenge = _challenge(page)
        answer = _signed_answer(card, challenge)
        signature = bytearray(base64.b64decode(str(answer["signature"])))
        signature[-1] ^= 0x01
        changed = {**answer, "signature": base64.b64encode(bytes(signature)).decode()}
        _refused_login(page, json.dumps(changed), 401)

        _refused_login(page, "not the card app's answer", 400)

        page.goto(f"{portal.url}/")
        _shows_nothing_of(page)


def test_another_persons_record_is_not_found(portal: Portal, browser: Browser) -> None:
    """Changing the index of a proof to someone else's record answers 404 and shows nothing."""
    with _page(browser) as page:
        _log_in(page, portal, portal.applicant)
        page.goto(f"{portal.url}/records")
        theirs = _indices(page)
    with _page(browser) as page:
        _log_in(page, portal, portal.employee)
        page.goto(f"{portal.url}/records")
        mine = _indices(page)
        assert not set(mine) & set(theirs)
        own = page.goto(f"{portal.url}/records/{mine[0]}/proof")
        assert own is not None
        assert own.status == 200
        assert json.loads(page.inner_text("body"))["index"] == mine[0]
        for index in [*theirs, 10_000]:
            answer = page.goto(f"{portal.url}/records/{index}/proof")
            assert answer is not None
            assert answer.status == 404, index
            assert json.loads(page.inner_text("body")) == {
                "detail": "there is no such record of yours"
            }


def test_every_page_passes_axe_in_japanese_and_english(portal: Portal, browser: Browser) -> None:
    """Every page a resident sees, in both languages, has no WCAG 2.2 AA violation axe finds."""
    need_axe()
    violations: list[str] = []
    for language, locale in (("ja", "ja-JP"), ("en", "en-US")):
        # The portal allows only its own scripts; axe is injected inline, past that policy.
        with _page(browser, locale=locale, bypass_csp=True) as page:
            page.goto(f"{portal.url}/login")
            assert page.get_attribute("html", "lang") == language
            violations += axe_violations(page, f"{language} login")
            page.goto(f"{portal.url}/login?kiosk=1")
            violations += axe_violations(page, f"{language} kiosk login")
            _submit_answer(page, "not an answer")
            violations += axe_violations(page, f"{language} login with an error")
            _log_in(page, portal, portal.applicant)
            violations += axe_violations(page, f"{language} my information")
            page.goto(f"{portal.url}/?reveal=true")
            violations += axe_violations(page, f"{language} my information, number shown")
            page.goto(f"{portal.url}/records")
            index = _indices(page)[0]
            _verify(page, index)
            page.route("**/records/*/proof", _tampering(_flip_entry))
            _verify(page, _indices(page)[1])  # a failed proof's text is checked too
            page.unroute("**/records/*/proof")
            violations += axe_violations(page, f"{language} records")
            page.goto(f"{portal.url}/records?kind=exchange")
            violations += axe_violations(page, f"{language} records filtered")
            page.click("form.logout button")
            page.wait_for_url(f"{portal.url}/login?ended=1")
            violations += axe_violations(page, f"{language} after logout")
    assert not violations, "axe-core found violations:\n" + "\n".join(violations)


def _tab_to(page: Page, selector: str, limit: int = 40, key: str = "Tab") -> int:
    """Press Tab (or ``key``) until the focus is on ``selector``; return how many presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return presses
    pytest.fail(f"{limit} presses of Tab did not reach {selector} on {page.url}")


def test_the_portal_works_by_keyboard_alone(portal: Portal, browser: Browser) -> None:
    """Skip link first; log in, open the records and verify one, by keyboard alone."""
    with _page(browser) as page:
        page.goto(f"{portal.url}/login")
        assert _tab_to(page, "a.skip", limit=1) == 1
        page.keyboard.press("Enter")
        page.wait_for_function("document.activeElement?.id === 'main'")
        answer = json.dumps(_signed_answer(portal.applicant.card, _challenge(page)))
        _tab_to(page, "#answer")
        page.keyboard.insert_text(answer)
        _tab_to(page, "main form button[type=submit]", limit=1)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{portal.url}/")

        assert _tab_to(page, "a.skip", limit=1) == 1
        _tab_to(page, "nav.menu a[href$='/records']")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{portal.url}/records")
        assert _tab_to(page, "a.skip", limit=1) == 1
        _tab_to(page, "button[data-verify-index]")
        index = page.evaluate("document.activeElement.dataset.verifyIndex")
        page.keyboard.press("Enter")
        result = page.locator(f"#proof-{index}[data-state]")
        result.wait_for()
        assert result.get_attribute("data-state") == "ok"

        _tab_to(page, "form.logout button", key="Shift+Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{portal.url}/login?ended=1")
        assert _session_cookies(page) == []


# --- protecting the number, the benefit account, reporting a record --------------------------


def _employer_collects(portal: Portal, holder: Holder) -> httpx.Response:
    """Have the employer's staff check the holder's documents and record the number, over HTTP.

    As the employer's own systems would: an identity receipt from the registry's counter API,
    then the collection with the body's API key (the demo wrote it in ``bodies/``) and its staff.
    """
    key = (portal.home / "bodies" / f"{EMPLOYER}.key").read_text(encoding="utf-8").strip()
    with httpx.Client(base_url=portal.root, trust_env=False, timeout=10) as client:
        confirmed = client.post(
            "/registry/api/identity/document-confirmations",
            json={
                "body": EMPLOYER,
                "staff": DEMO_STAFF,
                "task": WITHHOLDING,
                "number": holder.number,
                "documents": list(DOCUMENTS),
            },
        )
        assert confirmed.status_code == 200, confirmed.text
        receipt = confirmed.json()["receipt"]["receipt_id"]
        return client.post(
            "/registry/api/holdings",
            json={"number": holder.number, "receipt_id": receipt, "task": WITHHOLDING},
            headers={"Authorization": f"Bearer {key}", "X-Staff": DEMO_STAFF},
        )


def _post(page: Page, path: str, click: Callable[[], None]) -> Response:
    """Do ``click``, which posts a form to ``path``; return the answer to the POST."""
    with page.expect_response(
        lambda response: response.request.method == "POST" and response.url.endswith(path)
    ) as posted:
        click()
    page.wait_for_load_state()
    return posted.value


def _lock(page: Page, portal: Portal) -> None:
    """Press "Lock my number" on my information; land on its locked state."""
    page.goto(f"{portal.url}/")
    _post(page, "/lock", lambda: page.click("#protect form[action$='/lock'] button"))
    page.wait_for_url(f"{portal.url}/?done=locked#protect")
    assert page.locator("#unlock-challenge").count() == 1


def _unlock(page: Page, holder: Holder, answer: dict[str, object] | None = None) -> Response:
    """Sign the page's challenge with the holder's card (or send ``answer``); press Unlock."""
    if answer is None:
        answer = _signed_answer(holder.card, page.inner_text("#unlock-challenge").strip())
    page.fill("#unlock-answer", json.dumps(answer))
    return _post(page, "/unlock", lambda: page.click("#protect form[action$='/unlock'] button"))


def _holders_shown(page: Page) -> list[str]:
    """Return the bodies "Who holds my number" lists on my information."""
    return [
        cells[0].strip()
        for cells in (
            row.locator("td").all_inner_texts()
            for row in page.locator("table.holders tbody tr").all()
        )
    ]


def test_a_locked_number_cannot_be_collected_until_the_card_unlocks_it(
    portal: Portal, browser: Browser
) -> None:
    """Lock the number: the employer is refused (403), the records show it; unlock: it collects."""
    holder = portal.applicant
    with _page(browser) as page:
        _log_in(page, portal, holder)
        assert EMPLOYER_NAME not in _holders_shown(page)
        assert page.locator("#unlock-challenge").count() == 0
        _lock(page, portal)
        assert page.inner_text("#lock-state").startswith("Your number is locked:")
        assert page.locator("#protect form[action$='/lock']").count() == 0

        refused = _employer_collects(portal, holder)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith(":number-locked"), refused.text
        assert holder.number not in refused.text

        page.click("nav.menu >> text=Records of use")
        page.wait_for_url(f"{portal.url}/records")
        newest = _rows(page)[0]
        assert newest[1:3] == ["Collection of the number refused", EMPLOYER]
        assert newest[4] == "Refused"
        assert _verify(page, _indices(page)[0]) == ("ok", None)

        # A changed signature does not unlock it; the card's own answer does.
        page.goto(f"{portal.url}/")
        answer = _signed_answer(holder.card, page.inner_text("#unlock-challenge").strip())
        signature = bytearray(base64.b64decode(str(answer["signature"])))
        signature[-1] ^= 0x01
        changed = {**answer, "signature": base64.b64encode(bytes(signature)).decode()}
        _unlock(page, holder, changed)
        page.wait_for_url(f"{portal.url}/?done=unlock-refused#protect")
        assert "your number stays locked" in page.inner_text("#protect .error[role=alert]")
        assert page.inner_text("#lock-state").startswith("Your number is locked:")
        assert _employer_collects(portal, holder).status_code == 403

        _unlock(page, holder)
        page.wait_for_url(f"{portal.url}/?done=unlocked#protect")
        assert page.inner_text("#protect p[role=status]") == "Your number is unlocked."
        assert page.locator("#unlock-challenge").count() == 0
        assert page.locator("#protect form[action$='/lock'] button").is_visible()

        collected = _employer_collects(portal, holder)
        assert collected.status_code == 201, collected.text
        page.goto(f"{portal.url}/")
        assert EMPLOYER_NAME in _holders_shown(page)
        page.goto(f"{portal.url}/records")
        assert _rows(page)[0][1:3] == ["Number collected by a body", EMPLOYER]


def _reading(page: Page) -> str:
    """Return the resident's reading of their name, as the account page's hint shows it."""
    reading = page.inner_text("#kana-hint span[lang=ja]").strip()
    assert reading
    return reading


def _someone_else(reading: str) -> str:
    """Return a relative's name in kana: the resident's family name, another given name."""
    family, _, given = reading.partition(" ")
    return f"{family} {'タロウ' if given == 'ハナコ' else 'ハナコ'}"


def _fill_account(page: Page, holder_kana: str) -> None:
    """Fill the benefit account form: a bank, a branch, an ordinary account, the holder's name."""
    page.fill("#bank", "0001")
    page.fill("#branch", "123")
    page.select_option("#kind", "ordinary")
    page.fill("#number", "1234567")
    page.fill("#holder_kana", holder_kana)


def _register_account(page: Page) -> Response:
    """Press the account form's button; return the answer to the POST."""
    return _post(page, "/account", lambda: page.click("main form button[type=submit]"))


def _link_deposit(page: Page, holder_kana: str) -> Response:
    """Fill the deposit-link form with a savings account and send it; return the POST's answer."""
    page.fill("#link-bank", "0009")
    page.fill("#link-branch", "456")
    page.select_option("#link-kind", "savings")
    page.fill("#link-number", "7654321")
    page.fill("#link-holder-kana", holder_kana)
    return _post(
        page,
        "/account/deposit-links",
        lambda: page.click("form[action$='/deposit-links'] button[type=submit]"),
    )


def _deposits_shown(page: Page) -> list[list[str]]:
    """Return the cells of each linked deposit account the money page lists."""
    return [
        [cell.strip() for cell in row.locator("td").all_inner_texts()[:4]]
        for row in page.locator("#deposit-links ~ table tbody tr").all()
    ]


def _account_shown(page: Page) -> list[str]:
    """Return the registered account's bank, branch and masked number, as the page lists them."""
    return [dd.strip() for dd in page.locator("main dl.facts dd").all_inner_texts()]


def _type_account(page: Page, holder_kana: str) -> None:
    """Fill the account form by keyboard alone, from the skip link on; send it with Enter."""
    assert _tab_to(page, "a.skip", limit=1) == 1
    for field, typed in (("#bank", "0005"), ("#branch", "321")):
        _tab_to(page, field)
        page.keyboard.press("ControlOrMeta+A")  # what the refused form kept is typed over
        page.keyboard.type(typed)
    _tab_to(page, "#kind", limit=1)
    page.keyboard.press("ArrowDown")
    assert page.input_value("#kind") == "current"
    for field, typed in (("#number", "7654321"), ("#holder_kana", holder_kana)):
        _tab_to(page, field, limit=1)
        page.keyboard.press("ControlOrMeta+A")
        page.keyboard.type(typed)
    _tab_to(page, "main form button[type=submit]", limit=1)
    page.keyboard.press("Enter")


def test_a_benefit_account_must_be_in_the_residents_own_name(
    portal: Portal, browser: Browser
) -> None:
    """A relative's name is refused with the reason; the resident's own reading is registered.

    The second time, the form is filled and sent by keyboard alone.
    """
    with _page(browser) as page:
        _log_in(page, portal, portal.bystander)
        page.click("nav.menu >> text=Bank accounts")
        page.wait_for_url(f"{portal.url}/account")
        assert page.inner_text("h1") == "Bank accounts"
        assert page.title().startswith("Bank accounts")
        assert page.inner_text("#benefit-account") == "Benefit account"
        assert "You have not registered a benefit account." in page.inner_text("main")
        reading = _reading(page)

        relative = _someone_else(reading)
        _fill_account(page, relative)
        refused = _register_account(page)
        assert refused.status == 422
        error = page.locator("main .error[role=alert]")
        assert error.count() == 1
        assert "The account was not registered" in error.inner_text()
        assert "must be in your own name" in error.inner_text()
        assert "You have not registered a benefit account." in page.inner_text("main")
        # What was typed is kept, to be corrected.
        assert page.input_value("#bank") == "0001"
        assert page.input_value("#number") == "1234567"
        assert page.input_value("#holder_kana") == relative

        with page.expect_response(
            lambda response: response.request.method == "POST" and response.url.endswith("/account")
        ) as posted:
            _type_account(page, jaconv.z2h(reading, kana=True))  # as the bank writes it
        assert posted.value.status == 303
        page.wait_for_url(f"{portal.url}/account?done=1")
        assert page.inner_text("main p[role=status]") == "Your benefit account is registered."
        assert _account_shown(page) == ["0005", "321", "****321"]
        assert page.locator("main .error").count() == 0
        assert "7654321" not in page.content()


def _report(page: Page, row: int, statement: str) -> Response:
    """Open "I don't recognise this" on the row, write the statement, send it; return the POST."""
    details = page.locator("table.records tbody tr").nth(row).locator("details.report")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    details.locator("textarea").fill(statement)
    return _post(page, "/report", lambda: details.locator("button[type=submit]").click())


def test_a_record_reported_to_the_commission_gets_a_case_number(
    portal: Portal, browser: Browser
) -> None:
    """Report a record: the Reported page gives the commission's case number."""
    with _page(browser) as page:
        _log_in(page, portal, portal.employee)
        page.goto(f"{portal.url}/records")
        index = _indices(page)[0]
        details = page.locator("table.records tbody tr").first.locator("details.report")
        assert details.get_attribute("open") is None
        assert not details.locator("textarea").is_visible()
        reported = _report(page, 0, "I never worked there.")
        assert reported.status == 303  # then the Reported page: a reload opens no other case
        assert reported.url == f"{portal.url}/records/{index}/report"
        page.wait_for_url(re.compile(r".*/reported\?case=C-\d{6}$"))
        assert page.inner_text("h1") == "Reported"
        assert page.title().startswith("Reported")
        said = page.inner_text("main p[role=status]")
        first = CASE.search(said)
        assert first is not None, said
        page.click("main >> text=Back to the records of use")
        page.wait_for_url(f"{portal.url}/records")
        assert _session_cookies(page)  # away from a kiosk, the session goes on
        assert _report(page, 0, "").status == 303
        page.wait_for_url(re.compile(r".*/reported\?case=C-\d{6}$"))
        second = CASE.search(page.inner_text("main p[role=status]"))
        assert second is not None
        assert second.group() != first.group()  # each report is a case of its own


def test_at_a_kiosk_each_task_ends_the_session(portal: Portal, browser: Browser) -> None:
    """At a shared terminal, a report, a lock and an unlock each end the session when done."""
    idle = int(KIOSK_IDLE.total_seconds())
    with _page(browser) as page:
        _log_in(page, portal, portal.employee, kiosk=True)
        name = _name(page)
        page.goto(f"{portal.url}/records")
        refresh = page.get_attribute("meta[http-equiv=refresh]", "content")
        assert refresh == f"{idle};url=/portal/login?kiosk=1&ended=1"  # left idle, it ends too
        assert _report(page, 0, "").status == 303
        page.wait_for_url(re.compile(r".*/reported\?case=C-\d{6}$"))
        assert CASE.search(page.inner_text("main p[role=status]"))
        assert _session_cookies(page) == []
        assert page.locator("form[action$='/logout'], form[action$='/finish']").count() == 0
        page.goto(f"{portal.url}/records")
        _shows_nothing_of(page, name, "employer-kasumi-seiki")

        _log_in(page, portal, portal.bystander, kiosk=True)
        name = _name(page)
        _post(page, "/lock", lambda: page.click("#protect form[action$='/lock'] button"))
        page.wait_for_url(f"{portal.url}/login?kiosk=1&ended=1")
        assert _session_cookies(page) == []
        _shows_nothing_of(page, name)
        _log_in(page, portal, portal.bystander, kiosk=True)
        assert page.inner_text("#lock-state").startswith("Your number is locked:")
        _unlock(page, portal.bystander)
        page.wait_for_url(f"{portal.url}/login?kiosk=1&ended=1")
        assert _session_cookies(page) == []
        _shows_nothing_of(page, name)
    with _page(browser) as page:
        _log_in(page, portal, portal.bystander)
        assert page.locator("#protect form[action$='/lock'] button").is_visible()  # unlocked
        assert page.locator("meta[http-equiv=refresh]").count() == 0  # not a kiosk


def test_account_protection_and_report_pages_pass_axe(portal: Portal, browser: Browser) -> None:
    """The account page, my number locked, the report form and Reported pass axe in ja and en."""
    need_axe()
    violations: list[str] = []
    # Each holder's account is registered here once; the bystander's is the account test's.
    for language, locale, holder in (
        ("ja", "ja-JP", portal.employee),
        ("en", "en-US", portal.applicant),
    ):
        with _page(browser, locale=locale, bypass_csp=True) as page:
            _log_in(page, portal, holder)
            assert page.get_attribute("html", "lang") == language
            page.goto(f"{portal.url}/account")
            assert page.locator("main dl.facts").count() == 0  # none registered yet
            violations += axe_violations(page, f"{language} benefit account")
            reading = _reading(page)
            _fill_account(page, _someone_else(reading))
            assert _register_account(page).status == 422
            assert page.locator("main .error[role=alert]").count() == 1
            violations += axe_violations(page, f"{language} benefit account refused")
            _fill_account(page, reading)
            _register_account(page)
            page.wait_for_url(f"{portal.url}/account?done=1")
            violations += axe_violations(page, f"{language} benefit account registered")
            assert _link_deposit(page, _someone_else(reading)).status == 422
            assert _deposits_shown(page) == []
            violations += axe_violations(page, f"{language} deposit link refused")
            _link_deposit(page, reading)
            page.wait_for_url(f"{portal.url}/account?done=linked#deposit-links")
            assert len(_deposits_shown(page)) == 1
            assert _deposits_shown(page)[0][3] == "****321"
            violations += axe_violations(page, f"{language} deposit account linked")
            _post(page, "/unlink", lambda: page.click("form[action$='/unlink'] button"))
            page.wait_for_url(f"{portal.url}/account?done=unlinked#deposit-links")
            assert _deposits_shown(page) == []
            violations += axe_violations(page, f"{language} deposit account unlinked")

            _lock(page, portal)
            violations += axe_violations(page, f"{language} my information, number locked")
            _unlock(page, holder, {"challenge": "", "certificate": "", "signature": ""})
            page.wait_for_url(f"{portal.url}/?done=unlock-refused#protect")
            violations += axe_violations(page, f"{language} my information, unlock refused")
            _unlock(page, holder)
            page.wait_for_url(f"{portal.url}/?done=unlocked#protect")
            violations += axe_violations(page, f"{language} my information, number unlocked")

            page.goto(f"{portal.url}/records")
            page.locator("details.report summary").first.click()
            violations += axe_violations(page, f"{language} records, report form open")
            assert _report(page, 0, "").status == 303
            page.wait_for_url(re.compile(r".*/reported\?case=C-\d{6}$"))
            violations += axe_violations(page, f"{language} reported")
    assert not violations, "axe-core found violations:\n" + "\n".join(violations)


def _appoint(page: Page) -> str:
    """Ask for a voluntary proxy on the proxies page; return the one-time code it shows."""
    page.click("nav.menu >> css=a[href$='/proxies']")
    page.check("#kind-voluntary")
    _post(page, "/proxies", lambda: page.click("form[action$='/proxies'] button"))
    return page.inner_text("#invitation-code").strip()


def _accept(page: Page, code: str) -> None:
    """Enter the person's code on the proxies page, by keyboard, and act for them."""
    page.goto(page.url.split("/portal/")[0] + "/portal/proxies")
    page.focus("#code")
    page.keyboard.type(code)
    _post(page, "/proxies/accept", lambda: page.keyboard.press("Enter"))
    _post(page, "/act", lambda: page.click("form[action$='/act'] button"))


def _form_token_of(page: Page) -> str:
    """Return the form token the page's forms carry."""
    token = page.locator("input[name=form_token]").first.get_attribute("value")
    assert token
    return token


def _post_by_script(page: Page, path: str, form_token: str, **fields: str) -> None:
    """Post a form the page does not offer (as a crafted page would); wait for the answer."""
    with page.expect_navigation():
        page.evaluate(
            """([action, values]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                for (const [name, value] of Object.entries(values)) {
                    const input = document.createElement("input");
                    input.type = "hidden";
                    input.name = name;
                    input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            [
                page.url.split("/portal/")[0] + "/portal" + path,
                {"form_token": form_token, **fields},
            ],
        )


def test_a_proxy_acts_for_the_person_until_the_person_revokes(
    portal: Portal, browser: Browser
) -> None:
    """Appoint by code, accept with the proxy's own card, act, revoke; axe on each page."""
    need_axe()
    violations: list[str] = []
    for language, locale in (("ja", "ja-JP"), ("en", "en-US")):
        with (
            _page(browser, locale=locale, bypass_csp=True) as person,
            _page(browser, locale=locale, bypass_csp=True) as proxy,
        ):
            _log_in(person, portal, portal.applicant)
            name = _name(person)
            person.goto(f"{portal.url}/proxies")
            violations += axe_violations(person, f"{language} proxies, none yet")
            code = _appoint(person)
            violations += axe_violations(person, f"{language} proxies, code shown")
            _log_in(proxy, portal, portal.bystander)
            _accept(proxy, code)
            proxy.wait_for_url(f"{portal.url}/")
            assert _name(proxy) == name
            banner = proxy.locator(".acting p").inner_text()
            assert name in banner
            assert proxy.locator("a[href$='reveal=true']").count() == 0
            violations += axe_violations(proxy, f"{language} my information, acting for someone")
            proxy.goto(f"{portal.url}/records")
            assert _indices(proxy)  # the person's records, not the proxy's (who has none)
            violations += axe_violations(proxy, f"{language} records, acting for someone")
            proxy.goto(f"{portal.url}/proxies")
            violations += axe_violations(proxy, f"{language} proxies, acting for someone")
            _post_by_script(proxy, "/lost-card", _form_token_of(proxy))
            assert proxy.locator("h1").count() == 1
            violations += axe_violations(proxy, f"{language} only the person may")

            person.goto(f"{portal.url}/proxies")
            violations += axe_violations(person, f"{language} proxies, one active")
            _post_by_script(person, "/proxies/accept", _form_token_of(person), code="0000-0000")
            assert person.locator("main .error[role=alert]").count() == 1
            violations += axe_violations(person, f"{language} proxies, a code refused")
            _post_by_script(person, "/logout", "not this session's")
            violations += axe_violations(person, f"{language} a form from elsewhere refused")
            person.goto(f"{portal.url}/reported?case=nothing")
            violations += axe_violations(person, f"{language} not found")
            person.goto(f"{portal.url}/proxies")
            _post(person, "/revoke", lambda: person.click("form[action$='/revoke'] button"))
            person.wait_for_url(f"{portal.url}/proxies?done=revoked")
            violations += axe_violations(person, f"{language} proxies, revoked")
            proxy.goto(f"{portal.url}/records")
            _shows_nothing_of(proxy, name, portal.applicant.number)
    assert not violations, "axe-core found violations:\n" + "\n".join(violations)
