"""A closed-loop HTTP load: a fixed number of requests in flight, over keep-alive connections.

One call of :class:`Load` is one round: ``count`` items, each made by ``step`` (one or more
requests; an item may stand for ``unit`` things, as a batch for its exchanges), by ``concurrency``
workers that each start the next item as soon as theirs is done,
each over an ``httpx.AsyncClient`` of its own with one keep-alive connection. Every item's
latencies are kept, and the CPU seconds each process of interest spent during the round. A step
that gets an answer it did not expect counts it in :class:`Failures`; a round with any failure
stops the run (unless the load is not ``strict``), naming the first: a fast round of errors is no
figure.
"""

import asyncio
import contextlib
import gc
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import httpx

from timing import Measurement, human_rate, human_time

#: One item of a round: make its requests over the client, return its latencies by name (at
#: least ``"item"``, the whole item), or None after counting a failure.
Step = Callable[[httpx.AsyncClient, int, "Failures"], Awaitable[dict[str, float] | None]]


@dataclass
class Failures:
    """The answers of a round that were not what the step expects, and the first of them."""

    count: int = 0
    first: str = ""

    def add(self, what: str, response: httpx.Response | None = None) -> None:
        """Count a failure; keep the first one's description."""
        self.count += 1
        if not self.first:
            answer = "" if response is None else f" ({response.status_code}): {response.text[:300]}"
            self.first = what + answer


@dataclass(frozen=True)
class Round:
    """One round: its wall-clock seconds, every item's latencies, each process's CPU seconds."""

    seconds: float
    latencies: dict[str, list[float]]
    cpu: dict[str, float]
    #: The items that failed, and what the first one got (only a load that is not ``strict``).
    failures: Failures = field(default_factory=Failures)


@dataclass
class Load:
    """The timed side of a figure: one call runs one round of ``count`` items (see the module)."""

    name: str
    base_url: str
    count: int
    concurrency: int
    step: Step
    #: The processes whose CPU time is read before and after each round, by name.
    processes: Mapping[str, Callable[[], float]]
    #: Seconds to wait, with nothing in flight, before each round (untimed).
    settle: float = 0.0
    #: Stop the run at a round with any failed item; else keep the failures with the round.
    strict: bool = True
    #: What one item stands for in the rates and the CPU per item: 1, or a batch's exchanges.
    unit: int = 1
    #: Every round, the first being the untimed warm-up of :func:`alternate`.
    rounds: list[Round] = field(default_factory=list)

    def __call__(self) -> None:
        """Run one round, garbage collection off; stop the run if any item failed (strict)."""
        time.sleep(self.settle)
        gc.collect()
        gc.disable()
        try:
            failures = Failures()
            seconds, latencies, cpu = asyncio.run(self._round(failures))
        finally:
            gc.enable()
        if failures.count and self.strict:
            msg = (
                f"{self.name}: {failures.count:,} of {self.count:,} items failed; the first: "
                f"{failures.first}"
            )
            raise SystemExit(msg)
        self.rounds.append(Round(seconds, latencies, cpu, failures))
        items = latencies["item"]
        p50, p99 = percentiles(items)
        units = self.count * self.unit
        print(
            f"    {self.name}: {units:,} in {seconds:.2f} s, "
            f"{human_rate(units / seconds)}, p50 {human_time(p50)}, p99 {human_time(p99)}"
            + (f"; {failures.count:,} FAILED, the first: {failures.first}" * bool(failures.count)),
            flush=True,
        )

    def measurement(self) -> Measurement:
        """Return the timed rounds' seconds, each from its first request to its last answer.

        Its items are the units (a batch's exchanges), not the items of the load.
        """
        units = self.count * self.unit
        return Measurement(self.name, units, tuple(done.seconds for done in self.timed()))

    def timed(self) -> list[Round]:
        """Return the timed rounds (every round but the warm-up, if there was more than one)."""
        return self.rounds[1:] or self.rounds

    def latencies(self, name: str = "item") -> list[float]:
        """Return the latencies ``name`` of every item of the timed rounds."""
        return [value for done in self.timed() for value in done.latencies[name]]

    def cpu_per_item(self) -> dict[str, float]:
        """Return each process's CPU seconds per unit (a batch's exchange) over the timed rounds."""
        items = self.count * self.unit * len(self.timed())
        return {
            name: sum(done.cpu[name] for done in self.timed()) / items for name in self.processes
        }

    async def _round(
        self, failures: Failures
    ) -> tuple[float, dict[str, list[float]], dict[str, float]]:
        """Make ``count`` items with ``concurrency`` in flight; return the seconds, latencies, CPU.

        The seconds and each process's CPU seconds are read from the first request to the last
        answer (the clients are made and closed outside).

        Each worker has a client of its own with one keep-alive connection: httpcore's pool does
        work in the square of its connections at every request (it scans them all, and polls
        every idle socket), which over one shared pool of 16 cost this process more CPU per
        request than the no-op server spends answering it.
        """
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        latencies: dict[str, list[float]] = {}
        indexes = itertools.count()

        async def worker(client: httpx.AsyncClient) -> None:
            for index in indexes:
                if index >= self.count:
                    return
                times = await self.step(client, index, failures)
                for name, value in (times or {}).items():
                    latencies.setdefault(name, []).append(value)

        async with contextlib.AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        base_url=self.base_url, limits=limits, timeout=60, trust_env=False
                    )
                )
                for _ in range(self.concurrency)
            ]
            before = {name: read() for name, read in self.processes.items()}
            start = time.perf_counter()
            await asyncio.gather(*(worker(client) for client in clients))
            seconds = time.perf_counter() - start
            cpu = {name: read() - before[name] for name, read in self.processes.items()}
        latencies.setdefault("item", [])
        return seconds, latencies, cpu


def alternate(title: str, loads: Sequence[Load], rounds: int) -> dict[str, Measurement]:
    """Run every load once untimed, then in turn for ``rounds`` rounds; return their timings.

    As :func:`timing.interleave` does, the order reversed every other round, but each round timed
    by the load itself, so that its settling time stays out of the figure.
    """
    print(f"{title}: warming up", flush=True)
    for load in loads:
        load()
    for number in range(1, rounds + 1):
        print(f"  round {number}/{rounds}", flush=True)
        for load in loads if number % 2 else list(reversed(loads)):
            load()
    return {load.name: load.measurement() for load in loads}


def percentiles(values: list[float]) -> tuple[float, float]:
    """Return the p50 and p99 of ``values`` (the value itself when there is only one)."""
    if len(values) < 2:
        return (values[0], values[0]) if values else (0.0, 0.0)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[98]
