"""The counter's modules import on their own, whichever is imported first."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module", ["api", "pages", "notice_pages", "counter", "rendering", "clerks", "schemas"]
)
def test_a_counter_module_imports_first_without_a_cycle(module: str) -> None:
    """mynumber.nodes imports the register's routers; the routers must not need it loaded first."""
    done = subprocess.run(  # noqa: S603 -- this interpreter, importing our own module
        [sys.executable, "-c", f"import mynumber.register.{module}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
