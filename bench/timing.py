"""Timing that holds up on a busy machine: warm-up, interleaved repeats, the best of them.

Every case of a group is run once untimed (imports, table builds, caches, branch predictors), then
the cases are timed in turn, round after round, the order reversed every other round so that a
slow spell of the machine hurts ours and the baseline alike. The garbage collector is off inside a
timed call, as in ``timeit``. A figure is the best (the minimum) of the rounds: noise on a shared
machine only ever adds time, so the minimum is the closest to what the code costs; the median and
the worst round are kept to show the spread.
"""

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """One thing to time: each call of ``run`` handles ``items`` numbers."""

    name: str
    items: int
    run: Callable[[], object]


@dataclass(frozen=True)
class Measurement:
    """The wall-clock seconds of every timed round of one case."""

    name: str
    items: int
    seconds: tuple[float, ...]

    @property
    def per_item(self) -> float:
        """Return the best round's seconds per item: the figure that is reported."""
        return min(self.seconds) / self.items

    @property
    def median_per_item(self) -> float:
        """Return the median round's seconds per item."""
        return statistics.median(self.seconds) / self.items

    @property
    def worst_per_item(self) -> float:
        """Return the slowest round's seconds per item."""
        return max(self.seconds) / self.items

    @property
    def rate(self) -> float:
        """Return the items per second of the best round."""
        return 1 / self.per_item


def time_call(run: Callable[[], object]) -> float:
    """Return the seconds one call of ``run`` takes, with the garbage collector off."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start
    finally:
        gc.enable()


def interleave(title: str, cases: Sequence[Case], repeats: int) -> dict[str, Measurement]:
    """Warm every case up, then time them in turn for ``repeats`` rounds, printing each round."""
    print(f"{title}: warming up", flush=True)
    for case in cases:
        case.run()
    seconds: dict[str, list[float]] = {case.name: [] for case in cases}
    for round_number in range(1, repeats + 1):
        order = cases if round_number % 2 else list(reversed(cases))
        for case in order:
            seconds[case.name].append(time_call(case.run))
        times = ", ".join(
            f"{case.name} {human_time(seconds[case.name][-1] / case.items)}" for case in cases
        )
        print(f"  round {round_number}/{repeats} (per item): {times}", flush=True)
    return {
        case.name: Measurement(case.name, case.items, tuple(seconds[case.name])) for case in cases
    }


def human_time(seconds: float) -> str:
    """Write a duration with three significant figures in ns, µs, ms or s.

    >>> human_time(4.2e-7), human_time(6.48e-5), human_time(0.1234), human_time(2.5)
    ('420 ns', '64.8 µs', '123 ms', '2.50 s')
    """
    for unit, scale in (("ns", 1e-9), ("µs", 1e-6), ("ms", 1e-3)):
        if seconds < 1000 * scale:
            return f"{_three_figures(seconds / scale)} {unit}"
    return f"{_three_figures(seconds)} s"


def human_rate(per_second: float) -> str:
    """Write a rate of numbers per second with three significant figures.

    >>> human_rate(6_123_456), human_rate(15_432.1), human_rate(812.0)
    ('6.12 M/s', '15.4 k/s', '812 /s')
    """
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if per_second >= scale:
            return f"{_three_figures(per_second / scale)} {unit}/s"
    return f"{_three_figures(per_second)} /s"


def _three_figures(value: float) -> str:
    """Write ``value`` (below 1000) with three significant figures."""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
