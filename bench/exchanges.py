"""Figure 8: exchanges end to end over real HTTP on PostgreSQL, beside a no-op FastAPI round trip.

Setup, untimed (``exchanges_setup``): a deployment whose requester (a city office), hub and
provider (the former city) each have their own PostgreSQL database and their own ``mynumber serve
--node ID`` process, so every hop is a real HTTP request over the loopback: persons with codes at
both cities and the provider's copy of their income.

Ours, timed: ``count`` exchanges a round with ``concurrency`` in flight, each worker with a
keep-alive ``httpx.AsyncClient`` of its own (``load``), each exchange as a staff member of the city
makes it: ``POST /api/exchanges`` at
the city's node (the API key, ``X-Staff``, a fresh ``Idempotency-Key``), which passes it to the
hub, which routes it to the provider, appends the ledger entry and completes it; then ``GET
/api/exchanges/{serial}`` at the city's node, which collects the answer through the hub. The
answer is checked against the income the provider holds. Baseline, in the same run and the same
way: ``GET /`` of a FastAPI app whose one route answers ``{}`` (``noop_server``), served by
uvicorn in its own process. No part of this Python process is pinned during the figure: the
servers, PostgreSQL and this load generator share every CPU of the machine.

At the end the hub, the ledger and both institutions' records are counted: exactly one completed,
collected exchange, one ledger entry and one record at each city per exchange made.
"""

import importlib.util
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

import exchanges_check
import exchanges_profile
import exchanges_report
import exchanges_setup
import servers
from exchanges_setup import CITY, FORMER_CITY, ITEM, ROW, STAFF, Deployed, Network
from figures import Figure, Sizes
from load import Failures, Load, alternate

#: The baseline server's script, beside this one.
NOOP_SERVER = Path(__file__).with_name("noop_server.py")
#: Seconds of quiet before each round of exchanges, untimed. The nodes call each other with httpx,
#: which reuses a connection idle for up to 5 s (``keepalive_expiry``), and uvicorn closes one idle
#: for 5 s (``timeout_keep_alive``): a request sent on a connection just as its server closes it
#: fails (``ReadError``, a 502 from the city's node). Inside a busy round no connection idles that
#: long; after 6 s of quiet every idle one is closed, and the round opens fresh ones.
SETTLE = 6.0


class Requests:
    """The requests of the city's staff member; counts every exchange made, for the end check."""

    def __init__(self, deployed: Deployed) -> None:
        """Ask about ``deployed``'s persons in turn, with the city's API key."""
        self._persons = deployed.persons
        self._key = deployed.api_key
        self.made = 0

    def headers(self, *, api_key: str | None = None) -> dict[str, str]:
        """Return the headers of a staff member's request, with a fresh idempotency key."""
        return {
            "Authorization": f"Bearer {api_key or self._key}",
            "X-Staff": STAFF,
            "Idempotency-Key": f"bench-{secrets.token_hex(12)}",
        }

    async def exchange(
        self, client: httpx.AsyncClient, index: int, failures: Failures
    ) -> dict[str, float] | None:
        """Ask for person ``index``'s income, collect it and check it; return the latencies."""
        person = self._persons[index % len(self._persons)]
        form = {"code": person.code, "row": ROW, "item": ITEM, "provider": FORMER_CITY}
        start = time.perf_counter()
        try:
            asked = await client.post("api/exchanges", json=form, headers=self.headers())
        except httpx.HTTPError as exc:
            failures.add(f"POST /api/exchanges: no answer ({exc!r})")
            return None
        posted = time.perf_counter()
        if asked.status_code != 202:
            failures.add("POST /api/exchanges", asked)
            return None
        self.made += 1
        serial = asked.json()["serial"]
        try:
            collected = await client.get(f"api/exchanges/{serial}", headers=self.headers())
        except httpx.HTTPError as exc:
            failures.add(f"GET /api/exchanges/{serial}: no answer ({exc!r})")
            return None
        done = time.perf_counter()
        if collected.status_code != 200:
            failures.add(f"GET /api/exchanges/{serial}", collected)
            return None
        if collected.json().get("answer") != {"held": True, "data": person.income}:
            failures.add(f"exchange {serial} answered other than the provider's copy", collected)
            return None
        return {"item": done - start, "post": posted - start}


async def noop(
    client: httpx.AsyncClient, _index: int, failures: Failures
) -> dict[str, float] | None:
    """Make one round trip to the no-op app; return its latency."""
    start = time.perf_counter()
    try:
        answer = await client.get("")
    except httpx.HTTPError as exc:
        failures.add(f"GET / of the no-op app: no answer ({exc!r})")
        return None
    seconds = time.perf_counter() - start
    if answer.status_code != 200 or answer.json() != {}:
        failures.add("GET / of the no-op app", answer)
    return {"item": seconds}


def exchanges(sizes: Sizes, server_url: str) -> Figure:
    """Figure 8: exchanges over HTTP on PostgreSQL, beside no-op round trips; then a profile."""
    with (
        _every_cpu(),
        _sniffio_absent(),
        tempfile.TemporaryDirectory(prefix="mynumber-bench-logs-") as directory,
        exchanges_setup.deployed(server_url, sizes.exchange_persons) as deployed,
    ):
        logs, requests = Path(directory), Requests(deployed)
        with exchanges_setup.network(deployed, logs) as network, _noop_server(logs) as baseline:
            exchanges_check.before_timing(deployed, requests, baseline.url)
            ours = _load(deployed, network, requests, sizes, sizes.exchanges)
            noops = Load(
                exchanges_report.NOOP,
                baseline.url,
                sizes.exchanges,
                sizes.exchange_concurrency,
                noop,
                {"no-op server": lambda: servers.cpu_seconds(baseline.pid), **_client()},
            )
            timed = alternate(
                f"[{exchanges_setup.FIGURE}] exchanges over HTTP, {sizes.exchange_concurrency} "
                "in flight",
                [ours, noops],
                sizes.exchange_rounds,
            )
        exchanges_check.verify(deployed, requests.made)
        profile = _profile(deployed, requests, sizes, logs)
    return exchanges_report.figure(
        timed, ours=ours, noops=noops, sizes=sizes, deployed=deployed, profile=profile
    )


def _load(  # noqa: PLR0913 -- the setup, the requests, the sizes, and this load's own
    deployed: Deployed,
    network: Network,
    requests: Requests,
    sizes: Sizes,
    count: int,
    *,
    strict: bool = True,
) -> Load:
    """Return the load of ``count`` exchanges a round at the city's node, reading every CPU."""
    processes = {server.name: _cpu_of(server.pid) for server in network.servers}
    processes |= {"PostgreSQL": servers.postgres_cpu_seconds, **_client()}
    return Load(
        exchanges_report.OURS,
        deployed.base_url(CITY),
        count,
        sizes.exchange_concurrency,
        requests.exchange,
        processes,
        settle=SETTLE,
        strict=strict,
    )


def _profile(
    deployed: Deployed, requests: Requests, sizes: Sizes, logs: Path
) -> exchanges_profile.Profile | None:
    """Serve the three nodes again under cProfile, make the profile's exchanges, read the stats."""
    if not sizes.profile_exchanges:
        return None
    print(
        f"[{exchanges_setup.FIGURE}] profile: {sizes.profile_exchanges:,} exchanges, "
        "every node under cProfile",
        flush=True,
    )
    out = logs / "profiles"
    out.mkdir()
    with exchanges_setup.network(deployed, logs, profiles=out) as network:
        # Not strict: a failure under the profiler is reported with the profile, not fatal.
        warm = _load(
            deployed, network, requests, sizes, 2 * sizes.exchange_concurrency, strict=False
        )
        warm()
        for server in network.servers:  # what the nodes did so far, to take away
            os.kill(server.pid, signal.SIGUSR1)
        for server in network.servers:
            _wait_for(out / f"{server.name}.start.prof")
        load = _load(deployed, network, requests, sizes, sizes.profile_exchanges, strict=False)
        load()
    failed = [done.failures for done in (*warm.rounds, *load.rounds) if done.failures.count]
    failures = Failures(sum(f.count for f in failed), failed[0].first) if failed else None
    if failures is None:
        exchanges_check.verify(deployed, requests.made)
    return exchanges_profile.read(out, sizes.profile_exchanges, load.cpu_per_item(), failures)


def _wait_for(path: Path) -> None:
    """Wait (bounded) until ``path`` exists: the node renames it into place once written."""
    deadline = time.monotonic() + servers.STARTUP_SECONDS
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not path.exists():
        msg = f"the profiled node did not write {path.name}; see its log beside it"
        raise SystemExit(msg)


@contextmanager
def _noop_server(logs: Path) -> Iterator[servers.Server]:
    """Serve the no-op app in its own process, as ``mynumber serve`` serves a node."""
    port = servers.free_port()
    command = (sys.executable, str(NOOP_SERVER), "--port", str(port))
    url = f"http://127.0.0.1:{port}/"
    with servers.served("no-op server", command, url, logs / "noop.log") as server:
        yield server


@contextmanager
def _sniffio_absent() -> Iterator[None]:
    """Make this process's failed imports of ``sniffio`` cheap while the figure runs.

    httpcore 1.0 imports ``sniffio`` inside the function it calls whenever it sets up a lock,
    an event or a semaphore -- several times per request -- and this environment has no sniffio
    (anyio stopped depending on it), so each import fails after searching every directory of
    ``sys.path`` again: most of the load generator's CPU (encode/httpcore#1103). ``None`` in
    ``sys.modules`` makes it fail at once, and httpcore then assumes asyncio, which it is. Only
    this process, the load generator, is changed: the servers run as they are, and pay it.
    """
    if importlib.util.find_spec("sniffio") is not None:
        yield
        return
    sys.modules["sniffio"] = None  # type: ignore[assignment]  # None halts the import at once
    try:
        yield
    finally:
        del sys.modules["sniffio"]


@contextmanager
def _every_cpu() -> Iterator[None]:
    """Let this process run on every CPU during the figure; pin it back as it was after."""
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, range(os.cpu_count() or 1))
    try:
        yield
    finally:
        os.sched_setaffinity(0, pinned)


def _client() -> dict[str, "servers.Reader"]:
    """Return the CPU reading of this process, the load generator."""
    return {exchanges_report.LOAD_GENERATOR: time.process_time}


def _cpu_of(pid: int) -> "servers.Reader":
    """Return a reading of process ``pid``'s CPU seconds."""
    return lambda: servers.cpu_seconds(pid)
