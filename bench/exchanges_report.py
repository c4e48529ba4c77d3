"""Figure 8 as the page shows it: the rows, the notes, and where each exchange's CPU goes."""

import os
from typing import TYPE_CHECKING

import exchanges_profile
from exchanges_setup import FIGURE
from figures import Figure, Row, Sizes
from load import Load, percentiles
from timing import Measurement, human_rate, human_time

if TYPE_CHECKING:
    from exchanges_profile import Profile
    from exchanges_setup import Deployed

TITLE = f"{FIGURE}. Exchanges end to end over HTTP on PostgreSQL"
#: The names of the cases ``exchanges`` times, as ``interleave`` keys them.
OURS = "exchanges"
NOOP = "no-op round trips"
#: What the CPU of this process is called in the loads' readings.
LOAD_GENERATOR = "load generator"
#: The issue's target, in exchanges per second.
TARGET = 1_000
#: Functions and origins shown per node in the profile.
SHOWN = 8


def figure(  # noqa: PLR0913 -- the measurements, the loads, the sizes, the setup, the profile
    timed: dict[str, Measurement],
    *,
    ours: Load,
    noops: Load,
    sizes: Sizes,
    deployed: "Deployed",
    profile: "Profile | None",
) -> Figure:
    """Return the figure from its measurements, both loads' latencies and CPU, and the profile."""
    return Figure(
        title=TITLE,
        notes=_notes(timed, ours, sizes, deployed),
        rows=_rows(timed, ours, noops, sizes),
        measurements=tuple(
            Measurement(f"exchanges: {m.name}", m.items, m.seconds) for m in timed.values()
        ),
        details=(*_cpu_table(ours, noops), *_profile_lines(profile)),
    )


def _rows(timed: dict[str, Measurement], ours: Load, noops: Load, sizes: Sizes) -> tuple[Row, ...]:
    """Return the rate against the target, the latencies, and the CPU cost per exchange."""
    exchange, noop = timed[OURS], timed[NOOP]
    ratio = exchange.per_item / noop.per_item
    p50, p99 = percentiles(ours.latencies())
    post50, post99 = percentiles(ours.latencies("post"))
    noop50, noop99 = percentiles(noops.latencies())
    cpu, noop_cpu = sum(ours.cpu_per_item().values()), sum(noops.cpu_per_item().values())
    served = cpu - ours.cpu_per_item()[LOAD_GENERATOR]
    noop_served = noop_cpu - noops.cpu_per_item()[LOAD_GENERATOR]
    cores = os.cpu_count() or 1
    return (
        Row(
            what=(
                f"exchanges per second, end to end over HTTP on PostgreSQL ({sizes.exchanges:,} a "
                f"round, {sizes.exchange_concurrency} in flight), vs no-op round trips per second"
            ),
            ours=human_rate(exchange.rate),
            baseline=human_rate(noop.rate),
            ratio=ratio,
            target=f">= {TARGET:,} exchanges/s",
            passed=exchange.rate >= TARGET,
            slower=True,
        ),
        Row(
            what="one exchange (POST + GET), p50 / p99 latency, vs one no-op round trip",
            ours=f"{human_time(p50)} / {human_time(p99)}",
            baseline=f"{human_time(noop50)} / {human_time(noop99)}",
            ratio=p50 / noop50,
            slower=True,
        ),
        Row(
            what="the POST alone (routed, answered by the provider, logged), p50 / p99",
            ours=f"{human_time(post50)} / {human_time(post99)}",
            baseline=f"{human_time(noop50)} / {human_time(noop99)}",
            ratio=post50 / noop50,
            slower=True,
        ),
        Row(
            what="CPU per exchange, every process (servers, PostgreSQL, load generator)",
            ours=human_time(cpu),
            baseline=human_time(noop_cpu),
            ratio=cpu / noop_cpu,
            slower=True,
        ),
        Row(
            what=(
                f"the most per second {cores} CPUs would allow at the servers' and PostgreSQL's "
                "CPU per item (the load generator left out)"
            ),
            ours=human_rate(cores / served),
            baseline=human_rate(cores / noop_served),
            ratio=served / noop_served,
            slower=True,
        ),
    )


def _notes(
    timed: dict[str, Measurement], ours: Load, sizes: Sizes, deployed: "Deployed"
) -> tuple[str, ...]:
    """Return the notes that say how the figure was measured, and the target's verdict."""
    rate = timed[OURS].rate
    verdict = "met" if rate >= TARGET else "**not met**"
    busy = sum(sum(done.cpu.values()) / done.seconds for done in ours.timed()) / len(ours.timed())
    cores = os.cpu_count() or 1
    return (
        (
            f"Target: >= {TARGET:,} exchanges/s (India's Aadhaar averages about 800 "
            f"authentications per second for the whole country): {verdict} -- "
            f"{human_rate(rate)}, {rate / TARGET:.0%} of it."
        ),
        (
            f"Ours: {sizes.exchanges:,} exchanges a round, {sizes.exchange_concurrency} in flight "
            "(each of as many workers starts its next exchange as soon as the last is done, over "
            "a keep-alive `httpx.AsyncClient` of its own: httpcore's pool costs more the more "
            "connections it holds), as a staff member of the city makes them: `POST "
            "/api/exchanges` at the city's node (API key, `X-Staff`, a fresh `Idempotency-Key`; "
            "the code, the row `child-allowance-income-from-former-city`, the item "
            "`local-tax-income`, the provider), then `GET /api/exchanges/{serial}` there; the "
            "answer checked against the income the former city holds. An exchange is both "
            "requests; the POST alone is timed too."
        ),
        (
            "What that is: five HTTP requests over the loopback (the two above, each passed on "
            "by the city's node to the hub, which asks the provider's node during the POST; "
            "node to node, each request signed and its signature checked) and eight transactions "
            "on three PostgreSQL databases -- the POST: the hub authenticates the key and the "
            "staff member and opens the exchange, the provider reads its copy and records the "
            "provision, the hub appends the ledger entry (under the ledger's advisory lock) and "
            "completes the exchange, the hub reads it back, the city records it; the GET: the "
            "hub authenticates again, reads its state, hands the answer over, the city records "
            "it."
        ),
        (
            "Baseline, in the same run: `GET /` of a FastAPI app whose one `async` route answers "
            "`{}` (`bench/noop_server.py`), served by uvicorn in its own process as `mynumber "
            f"serve` serves a node; the same clients, the same {sizes.exchange_concurrency} in "
            f"flight, {sizes.exchanges:,} round trips a round. Ratio = ours' time per exchange "
            "(or latency) / the baseline's per round trip."
        ),
        (
            f"Setup, untimed: a fresh deployment; the hub, the city office "
            f"(`city-office-shinonomedai`) and the former city (`city-office-kasumigaoka`) each "
            f"with its own database on {deployed.server} (default settings, `fsync` and "
            f"`synchronous_commit` on) and its own `mynumber serve --node ID` process (uvicorn, "
            "one worker, default settings: log level info, an access-log line per request to a "
            f"file); {len(deployed.persons):,} persons, each with a code at both cities and the "
            f"former city's copy of their income ({human_time(deployed.person_seconds)} each), "
            "asked about in turn. Every round adds its exchanges to the databases."
        ),
        (
            f"CPUs: unlike the other figures, nothing is pinned: the three node processes, "
            f"PostgreSQL and this load generator share the machine's {cores} logical CPUs (the "
            "servers must run apart from the load generator, and one CPU would starve them). "
            f"They kept {busy:.2f} of the {cores} CPUs busy on average during ours' rounds; the "
            "load generator's own share is in the table below."
        ),
        (
            "Checked before timing: exchanges answered with the provider's copy, a wrong API key "
            "refused (401), the no-op app answering `{}`. During the rounds: every response's "
            "status and every answer (a single failure stops the run). After: the hub holds "
            "exactly one completed, collected exchange and the ledger one entry per exchange "
            "made, and each city one record per exchange."
        ),
        (
            f"Rounds: {sizes.exchange_rounds} timed, after an untimed warm-up round, ours and "
            "the baseline in turn; p50 and p99 are over every exchange (round trip) of the timed "
            "rounds."
        ),
    )


def _cpu_table(ours: Load, noops: Load) -> tuple[str, ...]:
    """Return the table of CPU per exchange by process, over the timed rounds."""
    lines = [
        "",
        (
            "CPU per item by process over the timed rounds (`/proc/<pid>/stat`, user + system; "
            "PostgreSQL: every `postgres` process on the machine, whichever database it serves, "
            "ended backends included):"
        ),
        "",
        "| Process | CPU per exchange | CPU per no-op round trip |",
        "|---|--:|--:|",
    ]
    ours_cpu, noop_cpu = ours.cpu_per_item(), noops.cpu_per_item()
    names = [*ours_cpu, *(name for name in noop_cpu if name not in ours_cpu)]
    lines += [
        f"| {name} | {_maybe(ours_cpu.get(name))} | {_maybe(noop_cpu.get(name))} |"
        for name in names
    ]
    lines.append(
        f"| **total** | **{human_time(sum(ours_cpu.values()))}** "
        f"| **{human_time(sum(noop_cpu.values()))}** |"
    )
    return tuple(lines)


def _maybe(seconds: float | None) -> str:
    """Write a time, or a dash where the process took no part."""
    return "—" if seconds is None else human_time(seconds)


def _profile_lines(profile: "Profile | None") -> tuple[str, ...]:
    """Return the profile of each node: its parts, where its code comes from, its dearest."""
    if profile is None:
        return ()
    overhead = ", ".join(
        f"{node.node} {human_time(profile.process_cpu.get(node.node, 0.0))}"
        for node in profile.nodes
    )
    lines = [
        "",
        (
            f"Where the CPU goes: {profile.exchanges:,} exchanges more, apart from the timed "
            "rounds, with the three nodes served again under cProfile "
            "(`bench/profiled_serve.py`: every thread, CPU time by `time.thread_time`, start-up "
            "and warm-up taken away), per exchange. The profiler adds a cost to every Python "
            f"call (the nodes' CPU per exchange under it: {overhead}): read the shares, not the "
            "times."
        ),
    ]
    if profile.failures is not None:
        lines += [
            "",
            (
                f"**Under the profiler, {profile.failures.count:,} exchange"
                f"{'s' * (profile.failures.count != 1)} failed** (counted "
                f"in a round, not fatal there); the first: {profile.failures.first[:300]}"
            ),
        ]
    for node in profile.nodes:
        lines += exchanges_profile.markdown(node)
    return tuple(lines)
