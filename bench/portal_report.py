"""Figure 9 as the page shows it: rows, notes, CPU by process, the plans and the profiles."""

import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import exchanges_profile
from exchanges_profile import Part
from exchanges_report import cpu_model
from figures import Figure, Row
from load import Round
from portal_setup import BATCH, ENTRIES_PER_OTHER, FIGURE, HUB, PORTAL, REGISTRY
from timing import Measurement, human_time

if TYPE_CHECKING:
    from exchanges_profile import Profile
    from portal_setup import Deployed

TITLE = f"{FIGURE}. The portal's records page of a person with many records, over HTTP"
#: The names of the cases, before the page's number.
OURS = "records page"
RAW = "raw query, page"
#: What the CPU of this process is called: driving the browser's requests, or the raw queries.
LOAD_GENERATOR = "load generator (this process)"
CLIENT = "psycopg client (this process)"
#: The issue's target: the page's p95 latency, in seconds.
TARGET = 0.150
#: The nodes shown in the profiles, in the order a page's work goes through them.
PROFILED = (PORTAL, REGISTRY, HUB)
#: The parts of each profiled node's work (cumulative, so parts may nest). A part the code does
#: not have (yet, or any more) is left out of the tables.
PARTS: dict[str, tuple[Part, ...]] = {
    PORTAL: (
        (
            (
                "looking the session up and marking it seen (`_current`: "
                "`PortalSessions.current`, the commit)"
            ),
            (("portal/visits.py", "_current"),),
        ),
        (
            "asking the registry, then the hub for the page, reading its answer (`_entries`)",
            (("portal/record_pages.py", "_entries"),),
        ),
        (
            "asking the registry whether the card that logged in is still in use (`_card_refused`)",
            (("portal/visits.py", "card_refused"),),
        ),
        ("reading the entries as records (`read_record`)", (("portal/records.py", "read_record"),)),
        (
            "rendering the page (`Visit.render`: Jinja2, the translations)",
            (("portal/visits.py", "render"),),
        ),
        ("writing the records' times (`i18n.when`)", (("portal/i18n.py", "when"),)),
        ("committing transactions (SQLAlchemy)", (("sqlalchemy/orm/session.py", "commit"),)),
    ),
    REGISTRY: (
        (
            "answering whether the login still holds (`current_grant`)",
            (("register/portal_api.py", "current_grant"),),
        ),
        (
            "reading the card's certificate in the database (`_check`)",
            (("register/portal_api.py", "_check"),),
        ),
        ("checking the grant's signature (`read_grant`)", (("mynumber/grants.py", "read_grant"),)),
        ("committing transactions (SQLAlchemy)", (("sqlalchemy/orm/session.py", "commit"),)),
    ),
    HUB: (
        (
            "checking the portal's signature and the grant (`_resident`)",
            (("ledger/person_api.py", "_resident"),),
        ),
        ("checking the grant's signature (`read_grant`)", (("mynumber/grants.py", "read_grant"),)),
        (
            "reading the page and making its views (`_page`)",
            (("ledger/person_api.py", "_page"),),
        ),
        (
            "the count and the select (`LedgerService.entries_page`)",
            (("ledger/services.py", "entries_page"),),
        ),
        (
            "validating and serialising the answer (FastAPI `serialize_response`)",
            (("fastapi/routing.py", "serialize_response"),),
        ),
        ("committing transactions (SQLAlchemy)", (("sqlalchemy/orm/session.py", "commit"),)),
    ),
}


class Case(Protocol):
    """A timed case: its name, requests (or queries) per round, rounds and what they read."""

    name: str
    count: int
    rounds: list[Round]

    def timed(self) -> list[Round]:
        """Return the timed rounds."""

    def latencies(self, name: str = "item") -> list[float]:
        """Return every latency of the timed rounds."""

    def cpu_per_item(self) -> dict[str, float]:
        """Return each process's CPU seconds per request over the timed rounds."""

    def measurement(self) -> Measurement:
        """Return the timed rounds' seconds."""


@dataclass(frozen=True)
class Timings:
    """The figure's cases, their rounds done: the two pages over HTTP and their raw queries.

    ``html`` is each page's size in bytes.
    """

    pages: tuple[Case, Case]
    raw: tuple[Case, Case]
    html: tuple[int, ...]
    #: The times per page the portal asked the registry whether the login still holds.
    registry_checks: float


def percentiles(values: Sequence[float]) -> tuple[float, float, float]:
    """Return the p50, p95 and p99 of ``values`` (the value itself when there is only one)."""
    if len(values) < 2:
        return (values[0],) * 3 if values else (0.0, 0.0, 0.0)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def figure(
    timings: Timings,
    *,
    deployed: "Deployed",
    deep_page: int,
    plans: tuple[str, ...],
    profiles: tuple["Profile | None", ...],
) -> Figure:
    """Return the figure from its timings, the database's plans and the profiles."""
    labels = _labels(deployed, deep_page)
    return Figure(
        title=TITLE,
        notes=_notes(timings, deployed, labels),
        rows=_rows(timings, labels),
        measurements=tuple(
            Measurement(f"portal: {m.name}", m.items, m.seconds)
            for case in (*timings.pages, *timings.raw)
            for m in (case.measurement(),)
        ),
        details=(
            *_cpu_table(timings, labels),
            *_plan_lines(plans, labels),
            *(
                line
                for profile, label in zip(profiles, labels, strict=True)
                for line in _profile_lines(profile, label)
            ),
        ),
    )


def _labels(deployed: "Deployed", deep_page: int) -> tuple[str, str]:
    """Return what each page shows: the newest fifty, and the deep page's records."""
    first = (deep_page - 1) * 50 + 1
    return (
        f"page 1 (the newest 50 of {deployed.records:,} records)",
        f"page {deep_page} (records {first:,} to {first + 49:,} from the newest)",
    )


def _rows(timings: Timings, labels: tuple[str, str]) -> tuple[Row, ...]:
    """Return, per page: the p95 against the target, then p50 / p95 / p99; then the CPU."""
    rows = []
    for page, raw, label in zip(timings.pages, timings.raw, labels, strict=True):
        ours, base = percentiles(page.latencies()), percentiles(raw.latencies())
        rows += [
            Row(
                what=(
                    f"`GET /portal/records`, {label}: p95 latency over HTTP, one request in "
                    "flight, vs the raw query's p95 (the same count and select by psycopg)"
                ),
                ours=human_time(ours[1]),
                baseline=human_time(base[1]),
                ratio=ours[1] / base[1],
                target=f"p95 < {TARGET * 1000:.0f} ms",
                passed=ours[1] < TARGET,
                slower=True,
            ),
            Row(
                what=f"{label}: p50 / p95 / p99, vs the raw query's",
                ours=" / ".join(human_time(value) for value in ours),
                baseline=" / ".join(human_time(value) for value in base),
                ratio=ours[0] / base[0],
                slower=True,
            ),
        ]
    for page, raw, label in zip(timings.pages, timings.raw, labels, strict=True):
        ours_cpu, base_cpu = sum(page.cpu_per_item().values()), sum(raw.cpu_per_item().values())
        rows.append(
            Row(
                what=(
                    f"{label}: CPU per page, every process (portal, hub, registry, PostgreSQL, "
                    "load generator), vs per raw query (PostgreSQL, the psycopg client)"
                ),
                ours=human_time(ours_cpu),
                baseline=human_time(base_cpu),
                ratio=ours_cpu / base_cpu,
                slower=True,
            )
        )
    return tuple(rows)


def _verdict(timings: Timings, labels: tuple[str, str], deployed: "Deployed") -> str:
    """Return the target's verdict: met or not, by which page, on which machine."""
    results = []
    for page, label in zip(timings.pages, labels, strict=True):
        p95 = percentiles(page.latencies())[1]
        results.append((label, p95, p95 < TARGET))
    machine = f"on this machine ({os.cpu_count() or 1} logical CPUs, {cpu_model()})"
    said = "; ".join(
        f"{label}: p95 {human_time(p95)} ({'met' if met else '**missed**'}, "
        f"{p95 / TARGET:.0%} of the budget)"
        for label, p95, met in results
    )
    every = all(met for _, _, met in results)
    return (
        f"Target: the records page of a person with {deployed.records:,} records, p95 under "
        f"{TARGET * 1000:.0f} ms: {'met' if every else '**not met**'} {machine}. {said}."
    )


def _notes(timings: Timings, deployed: "Deployed", labels: tuple[str, str]) -> tuple[str, ...]:
    """Return the notes that say how the figure was measured, and the target's verdict."""
    cores = os.cpu_count() or 1
    per_case = timings.pages[0].count
    rounds = len(timings.pages[0].timed())
    busy = [
        sum(sum(done.cpu.values()) / done.seconds for done in page.timed()) / len(page.timed())
        for page in timings.pages
    ]
    html = " and ".join(f"{size / 1024:.0f} KiB" for size in timings.html)
    return (
        _verdict(timings, labels, deployed),
        (
            f"Ours: `GET /portal/records` (the first page) and `GET /portal/records?page=N` (the "
            f"deep page) at the portal's node, with the session's cookie and `Accept-Language: "
            f"ja`, as the resident's browser asks; one request in flight (a latency, not a "
            f"throughput), over one keep-alive `httpx.AsyncClient`; {per_case:,} requests a "
            f"round per page. Each answer must be 200 and show 50 records (`data-verify-index`): "
            f"a single failure stops the run. The pages are {html} of HTML."
        ),
        _what(timings.registry_checks),
        (
            "Baseline, in the same run: the raw query -- the same two statements, as SQLAlchemy "
            "sends them, with the same disclosure code, offset and limit, run by psycopg from "
            "this process on the hub's database over one kept connection (psycopg's defaults, "
            "as in the hub: each statement prepared from its fifth run on), in one transaction "
            "per page as the hub's unit of work runs them, every row fetched; timed from the "
            "first statement to the commit. Ratio = the page's latency / the raw query's."
        ),
        (
            f"Setup, untimed: a fresh deployment; the registry, the hub and the portal each with "
            f"its own database on {deployed.server} (default settings, `fsync` and "
            f"`synchronous_commit` on) and its own `mynumber serve --node ID` process (uvicorn, "
            "one worker, default settings: log level info, an access-log line per request to a "
            "file); one resident registered and their card handed over, logged in through the "
            "portal's pages with the card (`GET /portal/login`'s challenge signed by the card "
            "app, `POST /portal/login`). The hub's ledger holds "
            f"{deployed.records + deployed.others:,} entries: the resident's {deployed.records:,} "
            f"spread at random among {deployed.others:,} about "
            f"{max(1, deployed.others // ENTRIES_PER_OTHER):,} other persons, so that the "
            f"resident's are {deployed.records / (deployed.records + deployed.others):.0%} of the "
            "table and the query must find them (by the index on `disclosure_code`, the only "
            "one besides the primary key). A realistic mix for "
            "everyone: 70% exchanges (the demo's rows of the table of permitted exchanges, 5% "
            "of them not held), 18% collections of the number by a body, 5% refused exchanges, "
            "4% refused collections, 3% holdings deleted. Appended with "
            f"`LedgerService.append_many`, {BATCH:,} a transaction, then `VACUUM ANALYZE` (as "
            f"autovacuum would do after so many inserts): {deployed.fill_seconds:.1f} s."
        ),
        (
            f"CPUs: as in figure 8, nothing is pinned: the three node processes, PostgreSQL and "
            f"this process share the machine's {cores} logical CPUs. With one request in flight "
            f"they kept {busy[0]:.2f} and {busy[1]:.2f} of the {cores} CPUs busy on average "
            "(page 1, deep page): the latency is a chain of work, one process after another."
        ),
        (
            "Checked before timing: each page shows exactly the records the raw query returns, "
            "in the same order, and the same total."
        ),
        (
            f"Rounds: {rounds} timed, after an untimed warm-up round, page 1, its raw query, the "
            "deep page and its raw query in turn (the order reversed every other round); p50, "
            f"p95 and p99 are over every request of the timed rounds ({per_case * rounds:,} per "
            "case)."
        ),
    )


def _what(registry_checks: float) -> str:
    """Return what one page is made of, with the registry's check if the portal made it."""
    registry = (
        f"asks the registry whether the card that logged in is still in use (`GET "
        f"/registry/api/portal/grants/current`, {registry_checks:.2f} times a page in its "
        "access log), then "
        if registry_checks > 0
        else ""
    )
    hops = "Three" if registry_checks > 0 else "Two"
    return (
        "What that is: the portal looks the session up in its database and marks it seen (a "
        f"committed write), {registry}asks the hub for the page -- `GET /hub/api/ledger/mine?"
        "offset&limit=50` -- each request signed with the portal's node key and carrying the "
        "grant the registry signed at login, and renders `records.html` (names of tasks, items "
        "and legal bases, times in the resident's language, a verify button per record); the "
        "hub checks the portal's signature and the grant, runs `LedgerService.entries_page` (a "
        "`COUNT` and a `SELECT ... WHERE disclosure_code = ? ORDER BY index DESC OFFSET ? "
        "LIMIT 50` in one transaction), parses each entry's JSON and answers the page as JSON. "
        f"{hops} HTTP requests over the loopback, one after another, and as many databases."
    )


def _cpu_table(timings: Timings, labels: tuple[str, str]) -> tuple[str, ...]:
    """Return the table of CPU per page (or per raw query) by process, over the timed rounds."""
    short = ("page 1", labels[1].split(" (", 1)[0])
    lines = [
        "",
        (
            "CPU per request by process over the timed rounds (`/proc/<pid>/stat`, user + "
            "system; PostgreSQL: every `postgres` process on the machine, whichever database "
            "it serves, ended backends included -- other work on the server counts too):"
        ),
        "",
        (f"| Process | {short[0]} | {short[1]} | raw query, {short[0]} | raw query, {short[1]} |"),
        "|---|--:|--:|--:|--:|",
    ]
    readings = [case.cpu_per_item() for case in (*timings.pages, *timings.raw)]
    names = list(dict.fromkeys(name for cpu in readings for name in cpu))
    lines += [
        f"| {name} | "
        + " | ".join("—" if name not in cpu else human_time(cpu[name]) for cpu in readings)
        + " |"
        for name in names
    ]
    lines.append(
        "| **total** | "
        + " | ".join(f"**{human_time(sum(cpu.values()))}**" for cpu in readings)
        + " |"
    )
    return tuple(lines)


def _plan_lines(plans: tuple[str, ...], labels: tuple[str, str]) -> tuple[str, ...]:
    """Return PostgreSQL's plans of each page's statements, run once more after the rounds."""
    lines = [
        "",
        (
            "PostgreSQL's plans of the statements, run once more after the rounds (`EXPLAIN "
            "(ANALYZE, BUFFERS, COSTS OFF)`). psycopg prepares a statement the fifth time a "
            "connection runs it (`prepare_threshold`, which neither SQLAlchemy nor mynumber "
            "changes), in the hub as in the baseline, and PostgreSQL may then run it by its "
            "generic plan, made for any disclosure code: so each statement is shown prepared "
            "and run five times first, as the rounds ran it, and the select also as a statement "
            "run once, planned for its parameters:"
        ),
    ]
    for plan, label in zip(plans, labels, strict=True):
        lines += ["", f"{label}:", "", "```text", *plan.splitlines(), "```"]
    return tuple(lines)


def _profile_lines(profile: "Profile | None", label: str) -> tuple[str, ...]:
    """Return where a page's CPU goes in the portal and the hub, from their profiles."""
    if profile is None:
        return ()
    overhead = ", ".join(
        f"{node.node} {human_time(profile.process_cpu.get(node.node, 0.0))}"
        for node in profile.nodes
    )
    lines = [
        "",
        (
            f"Where the CPU goes, {label}: {profile.exchanges:,} requests more, one in flight, "
            "apart from the timed rounds, with the three nodes served again under "
            "cProfile (`bench/profiled_serve.py`: every thread, CPU time by "
            "`time.thread_time`, start-up, login and warm-up taken away), per page. The "
            "profiler adds a cost to every Python call (the nodes' CPU per page under it: "
            f"{overhead}): read the shares, not the times."
        ),
    ]
    if profile.failures is not None:
        lines += [
            "",
            (
                f"**Under the profiler, {profile.failures.count:,} request"
                f"{'s' * (profile.failures.count != 1)} failed**; the first: "
                f"{profile.failures.first[:300]}"
            ),
        ]
    for node in profile.nodes:
        if node.total > 0:
            lines += exchanges_profile.markdown(node, item="page")
        else:
            lines += ["", f"**{node.node}**: no CPU seen under the profiler: it took no part."]
    return tuple(lines)
