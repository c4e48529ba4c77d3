"""Figure 8: exchanges end to end over real HTTP on PostgreSQL, beside a no-op FastAPI round trip.

Setup, untimed (``exchanges_setup``): a deployment whose requester (a city office), hub and
provider (the former city) each have their own PostgreSQL database and their own ``mynumber serve
--node ID`` process, so every hop is a real HTTP request over the loopback: persons with codes at
both cities and the provider's copy of their income.

Ours, timed, two ways, each with workers that each have a keep-alive ``httpx.AsyncClient`` of
their own (``load``), as a staff member of the city makes them:

* single exchanges: ``count`` a round with ``concurrency`` in flight, each ``POST
  /api/exchanges`` at the city's node (the API key, ``X-Staff``, a fresh ``Idempotency-Key``),
  which passes it to the hub, which routes it to the provider, appends the ledger entry and
  completes it; then ``GET /api/exchanges/{serial}`` at the city's node, which collects the
  answer through the hub;
* batched exchanges: ``exchange_batches`` batches a round of ``exchange_batch`` exchanges each,
  ``exchange_batch_concurrency`` in flight, each ``POST /api/exchange-batches`` at the city's
  node (each item with a fresh ``idempotency_key`` of its own), which the hub routes to the
  provider in one request and logs in one append; then ``POST /api/exchange-answers`` with the
  batch's serial numbers, which collects every answer through the hub.

Every answer is checked against the income the provider holds. Baseline, in the same run and the
same way: ``GET /`` of a FastAPI app whose one route answers ``{}`` (``noop_server``), served by
uvicorn in its own process. No part of this Python process is pinned during the figure: the
servers, PostgreSQL and this load generator share every CPU of the machine.

At the end the hub, the ledger and both institutions' records are counted: exactly one completed,
collected exchange, one ledger entry and one record at each city per exchange made, single and
batched alike.
"""

import functools
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

import exchanges_check
import exchanges_profile
import exchanges_report
import exchanges_setup
import servers
from exchanges_setup import CITY, FORMER_CITY, ITEM, ROW, STAFF, Deployed, Network
from figures import Figure, Sizes
from load import Failures, Load, Step, alternate

#: The baseline server's script, beside this one.
NOOP_SERVER = Path(__file__).with_name("noop_server.py")
#: Seconds of quiet before each round of exchanges, untimed. The nodes call each other with httpx,
#: which reuses a connection idle for up to 5 s (``keepalive_expiry``), and uvicorn closes one idle
#: for 5 s (``timeout_keep_alive``): a request sent on a connection just as its server closes it
#: fails (``ReadError``, a 502 from the city's node). Inside a busy round no connection idles that
#: long; after 6 s of quiet every idle one is closed, and the round opens fresh ones.
SETTLE = 6.0
#: The most exchanges a batch may hold (the nodes' ``MAX_BATCH``).
MAX_BATCH = 1000


class Requests:
    """The requests of the city's staff member; counts every exchange made, for the end check."""

    def __init__(self, deployed: Deployed) -> None:
        """Ask about ``deployed``'s persons in turn, with the city's API key."""
        self._persons = deployed.persons
        self._key = deployed.api_key
        self.made = 0

    def headers(self, *, api_key: str | None = None, idempotent: bool = True) -> dict[str, str]:
        """Return the headers of a staff member's request, with a fresh idempotency key.

        A batch's request has none (``idempotent=False``): each of its items has its own.
        """
        headers = {"Authorization": f"Bearer {api_key or self._key}", "X-Staff": STAFF}
        if idempotent:
            headers["Idempotency-Key"] = _idempotency_key()
        return headers

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

    def batches(self, size: int) -> Step:
        """Return the step that makes batch ``index``: ``size`` exchanges asked and collected."""
        return functools.partial(self.batch, size=size)

    async def batch(
        self, client: httpx.AsyncClient, index: int, failures: Failures, *, size: int
    ) -> dict[str, float] | None:
        """Ask for ``size`` persons' income in one batch, collect every answer, check each.

        The persons are taken in turn from ``index * size`` on; no item may be refused. Returns
        the batch's latencies: the whole (``item``) and the asking alone (``post``).
        """
        first = index * size
        persons = [self._persons[(first + n) % len(self._persons)] for n in range(size)]
        items = [
            {
                "code": person.code,
                "row": ROW,
                "item": ITEM,
                "provider": FORMER_CITY,
                "idempotency_key": _idempotency_key(),
            }
            for person in persons
        ]
        start = time.perf_counter()
        asked = await self._post(
            client, "api/exchange-batches", {"exchanges": items}, failures, 202
        )
        posted = time.perf_counter()
        if asked is None:
            return None
        opened = _batch_items(asked.json())
        serials = [str(item["exchange"]["serial"]) for item in opened if item.get("exchange")]
        self.made += len(serials)
        if len(opened) != size or len(serials) != size:
            failures.add(
                f"POST /api/exchange-batches: {len(serials):,} of {size:,} items accepted", asked
            )
            return None
        collected = await self._post(client, "api/exchange-answers", {"serials": serials}, failures)
        done = time.perf_counter()
        if collected is None:
            return None
        answers = _batch_items(collected.json())
        right = sum(
            _answered(item, serial, person.income)
            for item, serial, person in zip(answers, serials, persons, strict=False)
        )
        if len(answers) != size or right != size:
            failures.add(
                f"{size - right:,} of a batch's {size:,} exchanges answered other than the "
                "provider's copy",
                collected,
            )
            return None
        return {"item": done - start, "post": posted - start}

    async def _post(
        self,
        client: httpx.AsyncClient,
        path: str,
        body: dict[str, Any],
        failures: Failures,
        status: int = 200,
    ) -> httpx.Response | None:
        """POST ``body`` to ``path`` as the staff member; the answer if it has ``status``.

        Else count a failure and return None. No ``Idempotency-Key``: a batch's items have
        their own.
        """
        try:
            answer = await client.post(path, json=body, headers=self.headers(idempotent=False))
        except httpx.HTTPError as exc:
            failures.add(f"POST /{path}: no answer ({exc!r})")
            return None
        if answer.status_code != status:
            failures.add(f"POST /{path}", answer)
            return None
        return answer


def _idempotency_key() -> str:
    """Return a fresh idempotency key (8 to 100 printable characters)."""
    return f"bench-{secrets.token_hex(12)}"


def _batch_items(answer: object) -> list[dict[str, Any]]:
    """Return the items of a batch's answer (``{"exchanges": [...]}``), or none if malformed."""
    items = answer.get("exchanges") if isinstance(answer, dict) else None
    if not isinstance(items, list):
        return []
    return [item if isinstance(item, dict) else {} for item in items]


def _answered(item: dict[str, Any], serial: str, income: dict[str, Any]) -> bool:
    """Tell whether one item of the answers is exchange ``serial`` with the provider's copy."""
    exchange = item.get("exchange")
    return (
        isinstance(exchange, dict)
        and item.get("refusal") is None
        and exchange.get("serial") == serial
        and exchange.get("status") == "completed"
        and exchange.get("answer") == {"held": True, "data": income}
    )


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
    """Figure 8: single and batched exchanges over HTTP on PostgreSQL, beside no-op round trips.

    Then a profile of each, every node under cProfile.
    """
    if not 1 <= sizes.exchange_batch <= MAX_BATCH:
        msg = f"--exchange-batch must be from 1 to {MAX_BATCH:,}, not {sizes.exchange_batch:,}"
        raise SystemExit(msg)
    with (
        _every_cpu(),
        tempfile.TemporaryDirectory(prefix="mynumber-bench-logs-") as directory,
        exchanges_setup.deployed(server_url, sizes.exchange_persons) as deployed,
    ):
        logs, requests = Path(directory), Requests(deployed)
        with exchanges_setup.network(deployed, logs) as network, _noop_server(logs) as baseline:
            exchanges_check.before_timing(deployed, requests, baseline.url)
            ours = _load(deployed, network, requests, sizes)
            batched = _load(deployed, network, requests, sizes, batched=True)
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
                f"in flight; batches of {sizes.exchange_batch:,}, "
                f"{sizes.exchange_batch_concurrency} in flight",
                [ours, batched, noops],
                sizes.exchange_rounds,
            )
        exchanges_check.verify(deployed, requests.made)
        profile = _profile(deployed, requests, sizes, logs)
        batch_profile = _profile(deployed, requests, sizes, logs, batched=True)
    return exchanges_report.figure(
        timed,
        loads=exchanges_report.Loads(ours, batched, noops),
        sizes=sizes,
        deployed=deployed,
        profiles=(profile, batch_profile),
    )


def _load(  # noqa: PLR0913 -- the setup, the requests, the sizes, and this load's own
    deployed: Deployed,
    network: Network,
    requests: Requests,
    sizes: Sizes,
    count: int | None = None,
    *,
    batched: bool = False,
    concurrency: int | None = None,
    strict: bool = True,
) -> Load:
    """Return the load at the city's node, reading every CPU: single exchanges, or batches.

    ``count`` items a round, ``concurrency`` in flight: exchanges, or batches (by default as
    many as the sizes say).
    """
    processes = {server.name: _cpu_of(server.pid) for server in network.servers}
    processes |= {"PostgreSQL": servers.postgres_cpu_seconds, **_client()}
    if batched:
        return Load(
            exchanges_report.BATCHED,
            deployed.base_url(CITY),
            sizes.exchange_batches if count is None else count,
            concurrency or sizes.exchange_batch_concurrency,
            requests.batches(sizes.exchange_batch),
            processes,
            settle=SETTLE,
            strict=strict,
            unit=sizes.exchange_batch,
        )
    return Load(
        exchanges_report.OURS,
        deployed.base_url(CITY),
        sizes.exchanges if count is None else count,
        concurrency or sizes.exchange_concurrency,
        requests.exchange,
        processes,
        settle=SETTLE,
        strict=strict,
    )


def _profile(
    deployed: Deployed, requests: Requests, sizes: Sizes, logs: Path, *, batched: bool = False
) -> exchanges_profile.Profile | None:
    """Serve the three nodes again under cProfile, make the profile's exchanges, read the stats.

    Single exchanges, as many in flight as timed, after a warm-up of twice as many as are in
    flight; or (``batched``) batches one at a time, after one: slowed down by the profiler,
    several batches in flight outlast the nodes' timeout for a call to another node.
    """
    if batched:
        count, warm_count, concurrency = sizes.profile_exchange_batches, 1, 1
        what = f"{count:,} batches of {sizes.exchange_batch:,}, one at a time"
    else:
        count, warm_count = sizes.profile_exchanges, 2 * sizes.exchange_concurrency
        concurrency = sizes.exchange_concurrency
        what = f"{count:,} exchanges, {concurrency} in flight"
    if not count:
        return None
    print(f"[{exchanges_setup.FIGURE}] profile: {what}, every node under cProfile", flush=True)
    out = logs / ("profiles-batched" if batched else "profiles")
    out.mkdir()
    with exchanges_setup.network(deployed, logs, profiles=out) as network:
        # Not strict: a failure under the profiler is reported with the profile, not fatal.
        profiled = functools.partial(
            _load, deployed, network, requests, sizes, batched=batched, concurrency=concurrency
        )
        warm = profiled(warm_count, strict=False)
        warm()
        for server in network.servers:  # what the nodes did so far, to take away
            os.kill(server.pid, signal.SIGUSR1)
        for server in network.servers:
            _wait_for(out / f"{server.name}.start.prof")
        load = profiled(count, strict=False)
        load()
    failed = [done.failures for done in (*warm.rounds, *load.rounds) if done.failures.count]
    failures = Failures(sum(f.count for f in failed), failed[0].first) if failed else None
    if failures is None:
        exchanges_check.verify(deployed, requests.made)
    return exchanges_profile.read(
        out, count * load.unit, load.cpu_per_item(), failures, batch=load.unit if batched else 0
    )


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
