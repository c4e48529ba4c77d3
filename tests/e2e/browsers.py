"""What the browser tests share: Debian's Chromium, and `mynumber serve` in a child process.

The browser is Debian's ``chromium`` package (``apt-get install chromium``), never one downloaded
by ``playwright install``. Without it a browser test is skipped, or fails when CI=true.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Page

MYNUMBER = str(Path(sys.executable).with_name("mynumber"))
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STARTUP_SECONDS = 30.0


def skip_or_fail(message: str) -> None:
    """Skip the test with ``message``; with CI=true, fail it."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def need_the_browser(test: str) -> None:
    """Skip ``test`` without Playwright or Debian's Chromium; with CI=true, fail instead."""
    missing = None
    if importlib.util.find_spec("playwright") is None:
        missing = "the playwright package (pip install playwright, in the dev extra)"
    elif not CHROMIUM.is_file():
        missing = "Debian's chromium package at /usr/bin/chromium (apt-get install chromium)"
    if missing is not None:
        skip_or_fail(f"{test} needs {missing}")


def environment(**extra: str) -> dict[str, str]:
    """Return the environment of a child ``mynumber``: no MYNUMBER_ variables from outside."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("MYNUMBER_")}
    return {**kept, **extra}


def _free_port() -> int:
    """Return a 127.0.0.1 port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ready(url: str, process: subprocess.Popen[str]) -> bool:
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


@contextmanager
def served(home: Path, **extra_environment: str) -> Iterator[str]:
    """Serve the deployment at ``home`` with `mynumber serve` on a free port; yield its URL."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 -- our own console script, with our own arguments
        [MYNUMBER, "serve", "--dir", str(home), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment(**extra_environment),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not _ready(url, process):
            pytest.fail(f"`mynumber serve` did not answer within {STARTUP_SECONDS}s")
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


#: axe-core, installed from npm by ``make test`` (``package.json``).
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: axe-core's tags for WCAG 2.2 level AA (each level's new rules are tagged by their version).
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def need_axe() -> None:
    """Skip the test (fail it under CI) when axe-core is not installed."""
    if not AXE.is_file():
        skip_or_fail(f"the accessibility test needs axe-core at {AXE}: run `npm ci` (make test)")


def axe_violations(page: Page, where: str) -> list[str]:
    """Run axe-core's WCAG 2.2 AA rules on the page; return each violation, described."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA
    )
    assert found["passes"], f"axe checked nothing on {where}"
    return [
        f"{where} ({page.url}): {violation['id']} [{violation['impact']}] {violation['help']}; "
        f"{[node['target'] for node in violation['nodes']]}"
        for violation in found["violations"]
    ]
