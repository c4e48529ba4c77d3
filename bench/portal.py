"""Figure 9: the portal's records page of a person with many records, beside the raw query.

Setup, untimed (``portal_setup``): a deployment whose registry, hub and portal each have their own
PostgreSQL database and their own ``mynumber serve --node ID`` process; one resident with a card,
``portal_records`` entries about them in the hub's ledger among ``portal_others`` about other
persons; the resident logged in through the portal's pages with the card, as a browser does.

Ours, timed: ``GET /portal/records`` with the session's cookie -- page 1 (the newest fifty) and a
deep page (``portal_deep_page``) -- one request in flight (a latency, not a throughput), each
checked: status 200 and fifty records (``data-verify-index``). The portal looks the session up in
its database, asks the hub for the page with the registry's signed grant (``GET
/hub/api/ledger/mine``: the portal's signature and the grant checked, then a ``COUNT`` and a
``SELECT ... WHERE disclosure_code = ? ORDER BY index DESC OFFSET LIMIT``) and renders it.

Baseline, in the same run: the raw query time -- the same two SQL statements, with the same
parameters, run by psycopg in this process on the hub's database over one kept connection, in
one transaction per page as the hub's unit of work runs them, every row fetched.

The cases are taken in turn (``interleaved``): an untimed warm-up round each, then ``rounds``
rounds, the order reversed every other round, ``portal_requests`` requests (or queries) per case
in all. Latencies are p50, p95 and p99 over every timed request. Before timing, the pages are
checked against the raw query: the same records, in the same order, and the same total.
Afterwards, if asked, the three nodes are served again under cProfile, for each page in turn.
"""

import gc
import os
import re
import signal
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx
import psycopg
from psycopg import sql

import exchanges_profile
import portal_report
import portal_setup
import servers
from figures import Figure, Sizes
from load import Failures, Load, Round
from portal_setup import FIGURE, PORTAL, SERVED, SESSION_COOKIE, Deployed, conninfo
from timing import Measurement, human_time

#: Records on one page of the portal (``mynumber.portal.record_pages.PAGE_SIZE``).
PAGE_SIZE = 50
#: The language the resident's browser asks for.
LANGUAGE = "ja"
#: The two statements ``LedgerService.entries_page`` has SQLAlchemy send, as PostgreSQL gets them.
COUNT = "SELECT count(*) AS count_1 FROM ledger_entries WHERE ledger_entries.disclosure_code = %s"
PAGE = (
    "SELECT ledger_entries.index, ledger_entries.entry, ledger_entries.leaf_hash, "
    "ledger_entries.disclosure_code, ledger_entries.kind, ledger_entries.appended_at "
    "FROM ledger_entries WHERE ledger_entries.disclosure_code = %s "
    "ORDER BY ledger_entries.index DESC LIMIT %s OFFSET %s"
)
#: The executions after which psycopg prepares a statement on its connection (its default
#: ``prepare_threshold``, which neither SQLAlchemy nor mynumber changes).
PREPARE_THRESHOLD = 5
#: Requests made under the profiler before its stats are taken, to warm the nodes up.
PROFILE_WARM_UP = 20
_SHOWN = re.compile(r'data-verify-index="(\d+)"')


class Timed(Protocol):
    """A case of the figure: one call runs one round; its rounds are kept."""

    name: str
    rounds: list[Round]

    def __call__(self) -> None:
        """Run one round."""


@dataclass(frozen=True)
class Page:
    """A page of the records: its number, and the offset of its first record."""

    number: int

    @property
    def offset(self) -> int:
        """Return how many newer records come before the page's first."""
        return (self.number - 1) * PAGE_SIZE


class PageRequests:
    """The resident's browser asking for one page of their records, with the session's cookie."""

    def __init__(self, token: str, page: Page) -> None:
        """Ask for ``page`` in the session of cookie ``token``."""
        self._headers = {"Cookie": f"{SESSION_COOKIE}={token}", "Accept-Language": LANGUAGE}
        self._params = {"page": str(page.number)}
        self.page = page

    async def __call__(
        self, client: httpx.AsyncClient, _index: int, failures: Failures
    ) -> dict[str, float] | None:
        """Ask for the page once; check it holds fifty records; return its latency."""
        start = time.perf_counter()
        try:
            answer = await client.get("records", params=self._params, headers=self._headers)
        except httpx.HTTPError as exc:
            failures.add(f"GET /portal/records?page={self.page.number}: no answer ({exc!r})")
            return None
        seconds = time.perf_counter() - start
        if answer.status_code != 200:
            failures.add(f"GET /portal/records?page={self.page.number}", answer)
            return None
        shown = answer.text.count('data-verify-index="')
        if shown != PAGE_SIZE:
            failures.add(f"page {self.page.number} showed {shown} records, not {PAGE_SIZE}")
            return None
        return {"item": seconds}


@dataclass
class RawQueries:
    """The baseline: the hub's two statements for one page, run by psycopg on its database."""

    name: str
    connection: psycopg.Connection[tuple[object, ...]]
    code: str
    page: Page
    count: int
    processes: dict[str, Callable[[], float]]
    rounds: list[Round] = field(default_factory=list)

    def query(self) -> tuple[int, list[tuple[object, ...]]]:
        """Run the count and the page's select in one transaction; return the total and rows."""
        with self.connection.cursor() as cursor:
            counted = cursor.execute(COUNT, (self.code,)).fetchone()
            rows = cursor.execute(PAGE, (self.code, PAGE_SIZE, self.page.offset)).fetchall()
        self.connection.commit()
        return (int(str(counted[0])) if counted else 0), rows

    def __call__(self) -> None:
        """Run one round of ``count`` queries, garbage collection off; keep their latencies."""
        gc.collect()
        gc.disable()
        try:
            latencies = []
            before = {name: read() for name, read in self.processes.items()}
            begun = time.perf_counter()
            for _ in range(self.count):
                start = time.perf_counter()
                total, rows = self.query()
                latencies.append(time.perf_counter() - start)
                if len(rows) != PAGE_SIZE or not total:
                    msg = f"{self.name}: {len(rows)} rows of {total:,}, not {PAGE_SIZE}"
                    raise SystemExit(msg)
            seconds = time.perf_counter() - begun
            cpu = {name: read() - before[name] for name, read in self.processes.items()}
        finally:
            gc.enable()
        self.rounds.append(Round(seconds, {"item": latencies}, cpu))
        print(f"    {self.name}: {_summary(latencies)}", flush=True)

    def timed(self) -> list[Round]:
        """Return the timed rounds (every round but the warm-up, if there was more than one)."""
        return self.rounds[1:] or self.rounds

    def latencies(self, name: str = "item") -> list[float]:
        """Return the latencies ``name`` of every query of the timed rounds."""
        return [value for done in self.timed() for value in done.latencies[name]]

    def cpu_per_item(self) -> dict[str, float]:
        """Return each process's CPU seconds per query over the timed rounds."""
        items = self.count * len(self.timed())
        return {
            name: sum(done.cpu[name] for done in self.timed()) / items for name in self.processes
        }

    def measurement(self) -> Measurement:
        """Return the timed rounds' seconds, each from its first query to its last."""
        return Measurement(self.name, self.count, tuple(done.seconds for done in self.timed()))


def _summary(latencies: Sequence[float]) -> str:
    """Return a progress line's latencies: p50 and p95."""
    p50, p95, _ = portal_report.percentiles(latencies)
    return f"{len(latencies):,} in a row, p50 {human_time(p50)}, p95 {human_time(p95)}"


def portal(sizes: Sizes, server_url: str) -> Figure:
    """Figure 9: the records page over HTTP at two depths, beside the raw query; then profiles."""
    deep = Page(_deep_page(sizes))
    pages = (Page(1), deep)
    rounds = max(1, sizes.portal_rounds)
    per_round = max(1, sizes.portal_requests // rounds)
    with (
        _every_cpu(),
        tempfile.TemporaryDirectory(prefix="mynumber-bench-logs-") as directory,
        portal_setup.deployed(server_url, sizes.portal_records, sizes.portal_others) as deployed,
        psycopg.connect(conninfo(deployed.hub_database)) as connection,
    ):
        logs = Path(directory)
        raw = [
            RawQueries(
                f"{portal_report.RAW} {page.number}",
                connection,
                deployed.code,
                page,
                per_round,
                {
                    "PostgreSQL": servers.postgres_cpu_seconds,
                    portal_report.CLIENT: time.process_time,
                },
            )
            for page in pages
        ]
        with portal_setup.network(deployed, logs) as network:
            token = portal_setup.log_in(deployed)
            html = _check(deployed, token, raw)
            loads = [_load(deployed, network, token, page, per_round) for page in pages]
            cases: list[Timed] = [loads[0], raw[0], loads[1], raw[1]]
            interleaved(
                f"[{FIGURE}] records page of {sizes.portal_records:,} records over HTTP, one "
                f"request in flight, pages 1 and {deep.number}, beside the raw query",
                cases,
                rounds,
            )
            asked = len(pages) + sum(len(load.rounds) * load.count for load in loads)
        checks = _registry_checks(logs) / asked
        plans = tuple(_plan(raw_queries) for raw_queries in raw)
        profiles = tuple(
            _profile(deployed, page, sizes.profile_portal_requests, logs) for page in pages
        )
    return portal_report.figure(
        portal_report.Timings(
            pages=(loads[0], loads[1]), raw=(raw[0], raw[1]), html=html, registry_checks=checks
        ),
        deployed=deployed,
        deep_page=deep.number,
        plans=plans,
        profiles=profiles,
    )


def _deep_page(sizes: Sizes) -> int:
    """Return the deep page asked for, or the last full page if the resident has fewer."""
    full_pages = sizes.portal_records // PAGE_SIZE
    if full_pages < 1:
        msg = f"--portal-records must be at least {PAGE_SIZE} (one full page)"
        raise SystemExit(msg)
    return max(1, min(sizes.portal_deep_page, full_pages))


def interleaved(title: str, cases: Sequence[Timed], rounds: int) -> None:
    """Run every case once untimed, then in turn for ``rounds`` rounds, reversed every other."""
    print(f"{title}: warming up", flush=True)
    for case in cases:
        case()
    for number in range(1, rounds + 1):
        print(f"  round {number}/{rounds}", flush=True)
        for case in cases if number % 2 else list(reversed(cases)):
            case()


def _load(  # noqa: PLR0913 -- the setup, the session, and this load's own
    deployed: Deployed,
    network: dict[str, servers.Server],
    token: str,
    page: Page,
    count: int,
    *,
    strict: bool = True,
) -> Load:
    """Return the resident's requests for ``page``, one in flight, reading every process's CPU."""
    processes: dict[str, Callable[[], float]] = {
        name: _cpu_of(server.pid) for name, server in network.items()
    }
    processes |= {
        "PostgreSQL": servers.postgres_cpu_seconds,
        portal_report.LOAD_GENERATOR: time.process_time,
    }
    return Load(
        f"{portal_report.OURS} {page.number}",
        f"{deployed.base_url(PORTAL)}/",
        count,
        1,
        PageRequests(token, page),
        processes,
        strict=strict,
    )


def _check(deployed: Deployed, token: str, raw: Sequence[RawQueries]) -> tuple[int, ...]:
    """Stop the run unless each page shows the raw query's records, in order, and its total.

    Return each page's size, in bytes of HTML.
    """
    sizes = []
    with httpx.Client(base_url=f"{deployed.base_url(PORTAL)}/", trust_env=False) as browser:
        for queries in raw:
            answer = browser.get(
                "records",
                params={"page": str(queries.page.number)},
                headers={"Cookie": f"{SESSION_COOKIE}={token}", "Accept-Language": LANGUAGE},
            )
            total, rows = queries.query()
            shown = [int(index) for index in _SHOWN.findall(answer.text)]
            expected = [int(str(row[0])) for row in rows]
            if answer.status_code != 200 or shown != expected or total != deployed.records:
                msg = (
                    f"page {queries.page.number}: the portal showed {shown[:3]}... "
                    f"({answer.status_code}), the raw query found {expected[:3]}... of "
                    f"{total:,} (expected {deployed.records:,}); fix that before timing"
                )
                raise SystemExit(msg)
            if f"{total}" not in answer.text:
                msg = f"page {queries.page.number} does not show the total, {total}"
                raise SystemExit(msg)
            sizes.append(len(answer.content))
    return tuple(sizes)


def _plan(queries: RawQueries) -> str:
    """Return PostgreSQL's plans of the page's statements, each run once more (``EXPLAIN``).

    First as the timed rounds ran them: psycopg prepares a statement the ``PREPARE_THRESHOLD``-th
    time a connection runs it, and PostgreSQL may then plan it once for any parameters (its
    generic plan); so each is prepared here and run as many times before it is explained. Then
    the select alone as a statement run once is planned (a custom plan, for its parameters).
    """
    code, offset = queries.code, queries.page.offset
    statements = (
        ("count, prepared", "bench_count", COUNT, (code,)),
        ("select, prepared", "bench_page", PAGE, (code, PAGE_SIZE, offset)),
    )
    lines = []
    with queries.connection.cursor() as cursor:
        for what, name, statement, values in statements:
            numbered = statement
            for number in range(1, len(values) + 1):
                numbered = numbered.replace("%s", f"${number}", 1)
            cursor.execute(
                sql.SQL("PREPARE {} AS {}").format(sql.Identifier(name), sql.SQL(numbered))
            )
            execute = sql.SQL("EXECUTE {}({})").format(
                sql.Identifier(name), sql.SQL(", ").join(map(sql.Literal, values))
            )
            for _ in range(PREPARE_THRESHOLD):
                cursor.execute(execute)
            cursor.execute(sql.SQL("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {}").format(execute))
            lines += [f"-- {what} (as timed)", *(str(row[0]) for row in cursor.fetchall())]
            cursor.execute(sql.SQL("DEALLOCATE {}").format(sql.Identifier(name)))
        cursor.execute(
            f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {PAGE}",
            (code, PAGE_SIZE, offset),
            prepare=False,
        )
        lines += ["-- select, run once (not prepared)", *(str(row[0]) for row in cursor.fetchall())]
    queries.connection.commit()
    return "\n".join(lines)


def _profile(
    deployed: Deployed, page: Page, count: int, logs: Path
) -> exchanges_profile.Profile | None:
    """Serve the three nodes again under cProfile; ask for ``page``; read where the CPU went.

    A fresh login, a warm-up of ``PROFILE_WARM_UP`` requests, then ``count`` requests, one in
    flight, as timed.
    """
    if not count:
        return None
    print(
        f"[{FIGURE}] profile: {count:,} requests of page {page.number} under cProfile", flush=True
    )
    out = logs / f"profiles-page-{page.number}"
    out.mkdir()
    with portal_setup.network(deployed, logs, profiles=out) as network:
        token = portal_setup.log_in(deployed)
        warm = _load(deployed, network, token, page, PROFILE_WARM_UP, strict=False)
        warm()
        for node in SERVED:
            os.kill(network[node].pid, signal.SIGUSR1)
        for node in SERVED:
            _wait_for(out / f"{node}.start.prof")
        load = _load(deployed, network, token, page, count, strict=False)
        load()
    failed = [done.failures for done in (*warm.rounds, *load.rounds) if done.failures.count]
    failures = Failures(sum(f.count for f in failed), failed[0].first) if failed else None
    return exchanges_profile.read(
        out,
        count,
        load.cpu_per_item(),
        failures,
        served=portal_report.PROFILED,
        node_parts=portal_report.PARTS,
    )


def _registry_checks(logs: Path) -> int:
    """Return how many times the portal asked the registry whether the login still holds.

    Read from the registry's access log: the records page asks it first, if the portal's code
    does (``GET /registry/api/portal/grants/current``).
    """
    log = (logs / "registry.log").read_text(encoding="utf-8")
    return log.count("/api/portal/grants/current ")


def _wait_for(path: Path) -> None:
    """Wait (bounded) until ``path`` exists: the node renames it into place once written."""
    deadline = time.monotonic() + servers.STARTUP_SECONDS
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not path.exists():
        msg = f"the profiled node did not write {path.name}; see its log beside it"
        raise SystemExit(msg)


def _cpu_of(pid: int) -> Callable[[], float]:
    """Return a reading of process ``pid``'s CPU seconds."""
    return lambda: servers.cpu_seconds(pid)


@contextmanager
def _every_cpu() -> Iterator[None]:
    """Let this process run on every CPU during the figure, as figure 8 does; pin it back after."""
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, range(os.cpu_count() or 1))
    try:
        yield
    finally:
        os.sched_setaffinity(0, pinned)
