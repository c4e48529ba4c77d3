"""`mynumber serve` and `mynumber demo` as operators run them: a real uvicorn, real HTTP."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

#: The console script installed next to the interpreter running the tests.
MYNUMBER = str(Path(sys.executable).with_name("mynumber"))
#: How long a server may take to answer its first request.
STARTUP_SECONDS = 30.0
NODE_PATHS = {
    "registry": "/registry",
    "hub": "/hub",
    "portal": "/portal",
    "oversight": "/oversight",
    "city-office": "/institutions/city-office",
    "tax-office": "/institutions/tax-office",
}


def _environment() -> dict[str, str]:
    """Return the environment for a child ``mynumber``: no MYNUMBER_ variables from outside."""
    return {name: value for name, value in os.environ.items() if not name.startswith("MYNUMBER_")}


def _free_port() -> int:
    """Return a 127.0.0.1 port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mynumber(*args: str | Path) -> str:
    """Run a short ``mynumber`` command to completion and return its output."""
    done = subprocess.run(  # noqa: S603 -- our own console script, with our own arguments
        [MYNUMBER, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env=_environment(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Server:
    """A ``mynumber`` server process and the base URL it answers at."""

    def __init__(self, url: str, process: subprocess.Popen[str]) -> None:
        """Keep the process and its URL."""
        self.url, self.process = url, process

    def stop(self) -> str:
        """Interrupt the server as Ctrl-C does, wait (bounded) for it, and return its output."""
        self.process.send_signal(signal.SIGINT)
        try:
            output, _ = self.process.communicate(timeout=STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
        return output


def _start(*args: str | Path, port: int, ready_path: str) -> Server:
    """Start ``mynumber ARGS`` and wait (bounded) until ``ready_path`` answers 200."""
    process = subprocess.Popen(  # noqa: S603 -- our own console script, with our own arguments
        [MYNUMBER, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_environment(),
    )
    server = Server(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(trust_env=False, timeout=2) as client:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.get(f"{server.url}{ready_path}").status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    output = server.stop()
    pytest.fail(f"the server did not answer within {STARTUP_SECONDS}s:\n{output}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Yield `mynumber serve` running every node of a fresh, migrated deployment."""
    home = tmp_path_factory.mktemp("serve") / "town"
    _mynumber("init", home)
    _mynumber("db", "upgrade", "--dir", home)
    port = _free_port()
    server = _start(
        "serve", "--dir", home, "--port", str(port), port=port, ready_path="/hub/health"
    )
    yield server
    server.stop()


def test_serve_answers_every_node_over_real_http(served: Server) -> None:
    """Every node's /health and /version answer over HTTP at the path of its base_url."""
    with httpx.Client(base_url=served.url, trust_env=False) as client:
        for node_id, path in NODE_PATHS.items():
            health = client.get(f"{path}/health")
            assert health.status_code == 200, health.text
            assert health.json()["node"] == node_id
            assert client.get(f"{path}/version").json()["node"] == node_id
        missing = client.get("/registry/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_oversight_sees_every_node_of_a_running_server(served: Server) -> None:
    """GET /oversight/nodes over real HTTP reports every node healthy, called in-process."""
    with httpx.Client(base_url=served.url, trust_env=False) as client:
        report = client.get("/oversight/nodes").json()
    assert report["healthy"] is True
    assert [node["id"] for node in report["nodes"]] == list(NODE_PATHS)
    assert all(node["in_process"] for node in report["nodes"])


def test_a_single_node_serves_its_paths_and_stops_cleanly(tmp_path: Path) -> None:
    """`serve --node hub` answers only the hub's paths; Ctrl-C runs its shutdown and exits 0."""
    home = tmp_path / "town"
    _mynumber("init", home)
    _mynumber("db", "upgrade", "--dir", home, "--node", "hub")
    port = _free_port()
    server = _start(
        "serve",
        "--dir",
        home,
        "--node",
        "hub",
        "--port",
        str(port),
        port=port,
        ready_path="/hub/health",
    )
    try:
        with httpx.Client(base_url=server.url, trust_env=False) as client:
            assert client.get("/hub/version").json()["node"] == "hub"
            assert client.get("/registry/health").status_code == 404
    finally:
        output = server.stop()
    assert server.process.returncode == 0, output
    assert "Application shutdown complete" in output
    assert f"hub (hub): {server.url}/hub/" in output
    assert "registry (registry)" not in output


def test_the_demo_creates_migrates_and_serves(tmp_path: Path) -> None:
    """`mynumber demo --dir DIR` makes a demo deployment on first run and serves all of it."""
    home = tmp_path / "demo"
    port = _free_port()
    server = _start(
        "demo", "--dir", home, "--port", str(port), port=port, ready_path="/oversight/nodes"
    )
    cards = sorted((home / "cards").glob("*.json"))
    try:
        with httpx.Client(base_url=server.url, trust_env=False) as client:
            assert client.get("/oversight/nodes").json()["healthy"] is True
            states = [client.get(f"/registry/api/cards/{card.stem}").json() for card in cards]
            bodies = [
                client.get(f"/hub/api/bodies/{key.stem}").json()
                for key in sorted((home / "bodies").glob("*.key"))
            ]
    finally:
        output = server.stop()
    assert f"created the demo deployment {home}" in output
    assert (home / "keys" / "registry" / "DEMO").is_file()
    assert f"3 demo cards in {home / 'cards'}" in output
    assert [state["state"] for state in states] == ["active"] * 3
    assert all(len(state["certificates"]) == 2 for state in states)
    assert f"10 bodies on the hub; their API keys in {home / 'bodies'}" in output
    assert {body["kind"] for body in bodies} >= {"city-office", "employer", "video-rental-shop"}
