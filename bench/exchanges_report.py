"""Figure 8 as the page shows it: the rows, the notes, and where each exchange's CPU goes."""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import exchanges_profile
from exchanges_setup import FIGURE, HUB
from figures import Figure, Row, Sizes
from load import Load, percentiles
from timing import Measurement, human_rate, human_time

if TYPE_CHECKING:
    from exchanges_profile import Profile
    from exchanges_setup import Deployed

TITLE = f"{FIGURE}. Exchanges end to end over HTTP on PostgreSQL"
#: The names of the cases ``exchanges`` times, as ``alternate`` keys them.
OURS = "exchanges"
BATCHED = "batched exchanges"
NOOP = "no-op round trips"
#: What the CPU of this process is called in the loads' readings.
LOAD_GENERATOR = "load generator"
#: The issue's target, in exchanges per second.
TARGET = 1_000
#: Functions and origins shown per node in the profile.
SHOWN = 8


@dataclass(frozen=True)
class Loads:
    """The figure's three loads, their rounds done: single exchanges, batches, no-op trips."""

    single: Load
    batched: Load
    noops: Load


def figure(
    timed: dict[str, Measurement],
    *,
    loads: Loads,
    sizes: Sizes,
    deployed: "Deployed",
    profiles: tuple["Profile | None", "Profile | None"],
) -> Figure:
    """Return the figure from its measurements, the loads' latencies and CPU, and the profiles.

    ``profiles`` are those of the single exchanges and of the batches.
    """
    return Figure(
        title=TITLE,
        notes=_notes(timed, loads, sizes, deployed),
        rows=_rows(timed, loads, sizes),
        measurements=tuple(
            Measurement(f"exchanges: {m.name}", m.items, m.seconds) for m in timed.values()
        ),
        details=(
            *_cpu_table(loads, sizes),
            *(line for profile in profiles for line in _profile_lines(profile)),
        ),
    )


def _rows(timed: dict[str, Measurement], loads: Loads, sizes: Sizes) -> tuple[Row, ...]:
    """Return both rates against the target, the latencies, and the CPU cost per exchange."""
    single, batched, noop = timed[OURS], timed[BATCHED], timed[NOOP]
    noop50, noop99 = percentiles(loads.noops.latencies())
    noop_latency = f"{human_time(noop50)} / {human_time(noop99)}"
    noop_cpu = sum(loads.noops.cpu_per_item().values())
    noop_served = noop_cpu - loads.noops.cpu_per_item()[LOAD_GENERATOR]
    cores = os.cpu_count() or 1
    batch = f"batches of {sizes.exchange_batch:,}"
    rows = [
        Row(
            what=(
                f"single exchanges per second, end to end over HTTP on PostgreSQL "
                f"({sizes.exchanges:,} a round, {sizes.exchange_concurrency} in flight), vs "
                "no-op round trips per second"
            ),
            ours=human_rate(single.rate),
            baseline=human_rate(noop.rate),
            ratio=single.per_item / noop.per_item,
            target=f">= {TARGET:,} exchanges/s",
            passed=single.rate >= TARGET,
            slower=True,
        ),
        Row(
            what=(
                f"batched exchanges per second, end to end over HTTP on PostgreSQL ({batch}, "
                f"{sizes.exchange_batches:,} a round, {sizes.exchange_batch_concurrency} in "
                "flight), vs no-op round trips per second"
            ),
            ours=human_rate(batched.rate),
            baseline=human_rate(noop.rate),
            ratio=batched.per_item / noop.per_item,
            target=f">= {TARGET:,} exchanges/s",
            passed=batched.rate >= TARGET,
            slower=True,
        ),
    ]
    for load, what in (
        (loads.single, "one exchange (POST + GET)"),
        (loads.batched, f"one batch of {sizes.exchange_batch:,} (asked + collected)"),
    ):
        p50, p99 = percentiles(load.latencies())
        post50, post99 = percentiles(load.latencies("post"))
        asked = (
            "the POST alone (routed, answered by the provider, logged)"
            if load is loads.single
            else "the batch's asking alone (`POST /api/exchange-batches`: routed, answered, logged)"
        )
        rows += [
            Row(
                what=f"{what}, p50 / p99 latency, vs one no-op round trip",
                ours=f"{human_time(p50)} / {human_time(p99)}",
                baseline=noop_latency,
                ratio=p50 / noop50,
                slower=True,
            ),
            Row(
                what=f"{asked}, p50 / p99",
                ours=f"{human_time(post50)} / {human_time(post99)}",
                baseline=noop_latency,
                ratio=post50 / noop50,
                slower=True,
            ),
        ]
    for load, mode in ((loads.single, "single"), (loads.batched, f"in {batch}")):
        cpu = sum(load.cpu_per_item().values())
        served = cpu - load.cpu_per_item()[LOAD_GENERATOR]
        rows += [
            Row(
                what=(
                    f"CPU per exchange ({mode}), every process (servers, PostgreSQL, load "
                    "generator), vs per no-op round trip"
                ),
                ours=human_time(cpu),
                baseline=human_time(noop_cpu),
                ratio=cpu / noop_cpu,
                slower=True,
            ),
            Row(
                what=(
                    f"the most exchanges ({mode}) per second {cores} CPUs would allow at the "
                    "servers' and PostgreSQL's CPU per exchange (the load generator left out), "
                    "vs no-op round trips at the no-op server's"
                ),
                ours=human_rate(cores / served),
                baseline=human_rate(cores / noop_served),
                ratio=served / noop_served,
                slower=True,
            ),
            Row(
                what=(
                    f"the most exchanges ({mode}) per second the hub's one process (one CPU at "
                    "most: one uvicorn worker) would allow at its CPU per exchange, vs the no-op "
                    "server's round trips at its own"
                ),
                ours=human_rate(1 / load.cpu_per_item()[HUB]),
                baseline=human_rate(1 / noop_served),
                ratio=load.cpu_per_item()[HUB] / noop_served,
                slower=True,
            ),
        ]
    return tuple(rows)


def _verdict(timed: dict[str, Measurement], sizes: Sizes) -> str:
    """Return the target's verdict: met or not, by which mode, on which machine."""
    single, batched = timed[OURS].rate, timed[BATCHED].rate
    modes = (
        (f"batched exchanges (batches of {sizes.exchange_batch:,})", batched),
        ("single exchanges", single),
    )
    met = [
        f"{name}, {human_rate(rate)} ({rate / TARGET:.0%} of it)"
        for name, rate in modes
        if rate >= TARGET
    ]
    missed = [
        f"{name}, {human_rate(rate)} ({rate / TARGET:.0%} of it)"
        for name, rate in modes
        if rate < TARGET
    ]
    machine = f"on this machine ({os.cpu_count() or 1} logical CPUs, {cpu_model()})"
    if met:
        verdict = f"met {machine} by " + " and by ".join(met)
        if missed:
            verdict += "; not by " + " nor by ".join(missed)
    else:
        verdict = f"**not met** {machine}, in either mode: " + "; ".join(missed)
    return (
        f"Target: >= {TARGET:,} exchanges/s end to end (India's Aadhaar averages about 800 "
        f"authentications per second for the whole country): {verdict}."
    )


def _notes(
    timed: dict[str, Measurement], loads: Loads, sizes: Sizes, deployed: "Deployed"
) -> tuple[str, ...]:
    """Return the notes that say how the figure was measured, and the target's verdict."""
    cores = os.cpu_count() or 1
    busy = {
        name: sum(sum(done.cpu.values()) / done.seconds for done in load.timed())
        / len(load.timed())
        for name, load in (("single", loads.single), ("batched", loads.batched))
    }
    return (
        _verdict(timed, sizes),
        (
            f"Ours, single: {sizes.exchanges:,} exchanges a round, {sizes.exchange_concurrency} in "
            "flight (each of as many workers starts its next exchange as soon as the last is "
            "done, over a keep-alive `httpx.AsyncClient` of its own: httpcore's pool costs more "
            "the more connections it holds), as a staff member of the city makes them: `POST "
            "/api/exchanges` at the city's node (API key, `X-Staff`, a fresh `Idempotency-Key`; "
            "the code, the row `child-allowance-income-from-former-city`, the item "
            "`local-tax-income`, the provider), then `GET /api/exchanges/{serial}` there; the "
            "answer checked against the income the former city holds. An exchange is both "
            "requests; the POST alone is timed too."
        ),
        (
            "What that is: five HTTP requests over the loopback (the two above, each passed on "
            "by the city's node to the hub, which asks the provider's node during the POST; "
            "node to node, each request signed and its signature checked) and transactions on "
            "three PostgreSQL databases -- the POST: the hub authenticates the key and the "
            "staff member and opens the exchange, the provider reads its copy and records the "
            "provision, the hub appends the ledger entry (under the ledger's advisory lock), "
            "completes the exchange and reads it back, the city records it; the GET: the hub "
            "authenticates again and hands the answer over, the city records it."
        ),
        (
            f"Ours, batched: {sizes.exchange_batches:,} batches a round of "
            f"{sizes.exchange_batch:,} exchanges each, {sizes.exchange_batch_concurrency} in "
            "flight (workers and clients as above), the same staff member asking about as many "
            "persons in turn: `POST /api/exchange-batches` at the city's node (API key, "
            "`X-Staff`, no `Idempotency-Key` header; each item the form above with a fresh "
            "`idempotency_key` of its own), then `POST /api/exchange-answers` there with the "
            "batch's serial numbers. Every item must be accepted (no refusal) and every answer "
            "is checked against the former city's copy, in order. A batch is both requests: its "
            "latency is the whole batch's; the rate is exchanges per second (the batch's size "
            "times batches per second). The same five HTTP requests per batch as per single "
            "exchange: the hub authenticates once per request, opens every exchange of the "
            "batch in one transaction, asks the provider for all its items in one `POST "
            "/api/provisions`, appends all their ledger entries in one append, and hands every "
            "answer over in one transaction; each city records them all in one transaction."
        ),
        (
            "Baseline, in the same run: `GET /` of a FastAPI app whose one `async` route answers "
            "`{}` (`bench/noop_server.py`), served by uvicorn in its own process as `mynumber "
            f"serve` serves a node; the same clients, {sizes.exchange_concurrency} in flight, "
            f"{sizes.exchanges:,} round trips a round. Ratio = ours' time per exchange (or "
            "latency of an exchange or a batch) / the baseline's per round trip."
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
            f"They kept {busy['single']:.2f} of the {cores} CPUs busy on average during the "
            f"single exchanges' rounds, {busy['batched']:.2f} during the batches'; the load "
            "generator's own share is in the table below."
        ),
        (
            "Checked before timing: exchanges answered with the provider's copy, singly and in "
            "a batch, a wrong API key refused (401), the no-op app answering `{}`. During the "
            "rounds: every response's status and every answer (a single failure stops the "
            "run). After: the hub holds exactly one completed, collected exchange and the "
            "ledger one entry per exchange made, single or batched, and each city one record "
            "per exchange."
        ),
        (
            f"Rounds: {sizes.exchange_rounds} timed, after an untimed warm-up round, the single "
            "exchanges, the batches and the baseline in turn (the order reversed every other "
            "round); p50 and p99 are over every exchange, batch or round trip of the timed "
            "rounds."
        ),
    )


def cpu_model() -> str:
    """Return the CPU's model name from /proc/cpuinfo, or "unknown CPU"."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return "unknown CPU"
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            return value.strip()
    return "unknown CPU"


def _cpu_table(loads: Loads, sizes: Sizes) -> tuple[str, ...]:
    """Return the table of CPU per exchange by process, over the timed rounds."""
    lines = [
        "",
        (
            "CPU per item by process over the timed rounds (`/proc/<pid>/stat`, user + system; "
            "PostgreSQL: every `postgres` process on the machine, whichever database it serves, "
            "ended backends included):"
        ),
        "",
        (
            "| Process | CPU per single exchange | CPU per exchange in batches of "
            f"{sizes.exchange_batch:,} | CPU per no-op round trip |"
        ),
        "|---|--:|--:|--:|",
    ]
    readings = [load.cpu_per_item() for load in (loads.single, loads.batched, loads.noops)]
    names = list(dict.fromkeys(name for cpu in readings for name in cpu))
    lines += [
        f"| {name} | " + " | ".join(_maybe(cpu.get(name)) for cpu in readings) + " |"
        for name in names
    ]
    lines.append(
        "| **total** | "
        + " | ".join(f"**{human_time(sum(cpu.values()))}**" for cpu in readings)
        + " |"
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
    made = (
        f"{profile.exchanges:,} exchanges more in batches of {profile.batch:,}, one batch at a "
        "time (slowed down by the profiler, several in flight outlast the nodes' timeout for a "
        "call to another node)"
        if profile.batch
        else f"{profile.exchanges:,} single exchanges more"
    )
    lines = [
        "",
        (
            f"Where the CPU goes, {'batched' if profile.batch else 'single'} exchanges: {made}, "
            "apart from the timed rounds, with the three nodes served again under cProfile "
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
                f"**Under the profiler, {profile.failures.count:,} item"
                f"{'s' * (profile.failures.count != 1)} failed** (counted "
                f"in a round, not fatal there); the first: {profile.failures.first[:300]}"
            ),
        ]
    for node in profile.nodes:
        lines += exchanges_profile.markdown(node, profile.batch)
    return tuple(lines)
