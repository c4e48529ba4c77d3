"""The project's performance figures, each measured beside its baseline in the same run.

1. Scalar validation: ``individual.is_valid`` against ``stdnum.jp.in_.is_valid`` per call (target:
   at least 4x), and ``corporate.is_valid`` against ``stdnum.jp.cn.is_valid`` (no target).
2. Bulk validation: ``bulk.individual_is_valid`` over a NumPy array against stdnum per item (target:
   at least 100x, carried by the bytes array; the str and uint64 arrays are reported beside it).
3. Number generation: ``NumberGenerator.numbers_for`` on one core (targets: at least 5,000,000
   numbers per second, and at least 200x the ``ff3`` package's FF3-1 per number), with the raw FF1
   batch and the scalar FF1 against ff3 for context.

Figures 4 (issuing residents end to end, against a plain bulk load of the same rows), 5 (notice
PDFs) and 6 (identity confirmations over HTTP, against raw RSA-2048 verification) are measured by
``issuance``, ``notice_pdfs`` and ``identity``; this module holds what every figure shares: the
sizes, rows and figures.

Figure 7 (the hub's exchange ledger at 10**6 and 10**7 entries: appends against plain inserts of
the same rows, proofs against a primary-key lookup; no target, the issue asks only for the
figures) is measured by ``ledger``.

Figure 8 (exchanges end to end over HTTP on PostgreSQL, requester, hub and provider each in its
own server process, single and batched, against a no-op FastAPI round trip; target: at least
1,000 exchanges per second) is measured by ``exchanges``.

Figure 9 (the portal's records page of a person with 10,000 records, over HTTP on PostgreSQL,
at page 1 and a deep page, against the raw count and select on the hub's database; target: p95
under 150 ms) is measured by ``portal``.

Before timing anything each figure checks that ours and the baseline give the same answers where
they should, so that a fast wrong answer cannot pass for a fast right one.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ff3 import FF3Cipher
from stdnum.jp import cn as stdnum_cn
from stdnum.jp import in_ as stdnum_in

import inputs
from mynumber.numbers import bulk, corporate, individual
from mynumber.numbers.ff1 import FF1
from mynumber.numbers.generator import NumberGenerator
from timing import Case, Measurement, human_rate, human_time, interleave

_Validator = Callable[[str], bool]


@dataclass(frozen=True)
class Sizes:
    """How many numbers each figure works on."""

    scalar: int = 200_000
    bulk: int = 1_000_000
    bulk_sample: int = 100_000
    generation: int = 1_000_000
    ff3: int = 20_000
    #: Residents issued end to end per timed round, on each backend (figure 4).
    sqlite_residents: int = 1_000_000
    postgres_residents: int = 1_000_000
    #: Residents issued under cProfile, apart from the timed rounds, to say where the time goes.
    profile_residents: int = 20_000
    #: Household notices rendered per timed round (figure 5).
    notices: int = 200
    #: Identity confirmations over HTTP per timed round, and the cards they use in turn (figure 6).
    confirmations: int = 500
    identity_cards: int = 50
    #: Exchanges over HTTP per timed round (and no-op round trips), how many are in flight, the
    #: timed rounds, the persons asked about in turn, and the exchanges made under cProfile.
    exchanges: int = 1_000
    exchange_concurrency: int = 16
    exchange_rounds: int = 3
    exchange_persons: int = 2_000
    profile_exchanges: int = 300
    #: Batched exchanges (figure 8): exchanges per batch, batches in flight, batches per timed
    #: round, and the batches made under cProfile.
    exchange_batch: int = 500
    exchange_batch_concurrency: int = 4
    exchange_batches: int = 16
    profile_exchange_batches: int = 4
    #: Entries of the exchange ledgers measured (figure 7), the appends timed a side at each size
    #: (over all the rounds), and the calls of each proof and of the lookup.
    ledger_sizes: tuple[int, ...] = (1_000_000, 10_000_000)
    ledger_appends: int = 3_000
    ledger_proofs: int = 2_000
    #: The portal's records page (figure 9): the resident's entries in the hub's ledger and the
    #: other persons' among them, the requests timed per page over all the rounds (one in
    #: flight), the timed rounds, the deep page asked for beside page 1, and the requests of
    #: each page made under cProfile.
    portal_records: int = 10_000
    portal_others: int = 100_000
    portal_requests: int = 300
    portal_rounds: int = 3
    portal_deep_page: int = 150
    profile_portal_requests: int = 200


@dataclass(frozen=True)
class Row:
    """One line of the results: ours, the baseline, how many times faster, the target.

    ``ratio`` is the baseline's time / ours (how many times faster ours is), or, for a row marked
    ``slower``, ours / the baseline's (how many times longer ours takes: where ours does work the
    baseline leaves out). None where there is nothing to compare with.
    """

    what: str
    ours: str
    baseline: str
    ratio: float | None
    target: str = "none (context)"
    passed: bool | None = None
    slower: bool = False

    @property
    def ratio_text(self) -> str:
        """Return the ratio as the results table shows it."""
        if self.ratio is None:
            return "—"
        return f"{self.ratio:,.1f}x" + (" slower" if self.slower else "")


@dataclass(frozen=True)
class Figure:
    """A titled group of rows, the notes that say how to read them, and their measurements.

    ``details`` are Markdown lines shown under the notes (a profile of where the time goes).
    """

    title: str
    notes: tuple[str, ...]
    rows: tuple[Row, ...]
    measurements: tuple[Measurement, ...]
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Pair:
    """One line of figure 1: our validator and stdnum's on the same numbers."""

    what: str
    ours: _Validator
    stdnum: _Validator
    numbers: list[str]
    #: The least ratio the project sets as its target, or None where the line is only reported.
    target: float | None


def scalar_validation(sizes: Sizes, repeats: int) -> Figure:
    """Figure 1: one call per number, ours against python-stdnum on the same list."""
    rng = inputs.generator()
    plain = inputs.as_text(inputs.random_numbers(rng, sizes.scalar, 12), 12)
    corporate_numbers = inputs.as_text(inputs.random_numbers(rng, sizes.scalar, 13), 13)
    pairs = (
        _Pair(
            "Individual Number, plain `621498320257`",
            individual.is_valid,
            stdnum_in.is_valid,
            plain,
            4,
        ),
        _Pair(
            "Individual Number, printed `6214 9832 0257`",
            individual.is_valid,
            stdnum_in.is_valid,
            inputs.as_printed(plain),
            4,
        ),
        _Pair(
            "Corporate Number, plain 13 digits",
            corporate.is_valid,
            stdnum_cn.is_valid,
            corporate_numbers,
            None,
        ),
    )
    rows, measurements = [], []
    for pair in pairs:
        _check_same_answers(
            pair.what, list(map(pair.ours, pair.numbers)), list(map(pair.stdnum, pair.numbers))
        )
        cases = [
            _calls("ours", pair.ours, pair.numbers),
            _calls("stdnum", pair.stdnum, pair.numbers),
        ]
        timed = interleave(f"[1] {pair.what}", cases, repeats)
        rows.append(
            _ratio_row(f"{pair.what}: per call", timed["ours"], timed["stdnum"], pair.target)
        )
        measurements += [_labelled(timed[name], pair.what) for name in ("ours", "stdnum")]
    valid = sum(map(individual.is_valid, plain)) / len(plain)
    notes = (
        (
            f"The same {sizes.scalar:,} random numbers for ours and stdnum ({valid:.1%} of them "
            "valid), plain and printed; the corporate line has its own random 13-digit strings."
        ),
        (
            "Each round is one `sum(map(is_valid, numbers))` over the whole list, so both sides "
            "carry the same small loop overhead."
        ),
        (
            "A plain 12-digit string is checked by table at once; the printed form is cleaned "
            "first (separators removed, full-width digits made ASCII). The 4x target holds for "
            "both forms, so both Individual Number lines are judged."
        ),
    )
    return Figure("1. Scalar validation", notes, tuple(rows), tuple(measurements))


def _ratio_row(what: str, ours: Measurement, baseline: Measurement, target: float | None) -> Row:
    """Return a row comparing time per item, judged against ``target`` (a least ratio) if any."""
    ratio = baseline.per_item / ours.per_item
    return Row(
        what=what,
        ours=human_time(ours.per_item),
        baseline=human_time(baseline.per_item),
        ratio=ratio,
        target="none (reported)" if target is None else f">= {target:g}x",
        passed=None if target is None else ratio >= target,
    )


def bulk_validation(sizes: Sizes, repeats: int) -> Figure:
    """Figure 2: one call over a NumPy array of numbers, against stdnum per item."""
    values = inputs.random_numbers(inputs.generator(), sizes.bulk, 12)
    text = inputs.as_text(values, 12)
    arrays = {
        "bytes array (S12)": np.array(text, dtype="S12"),
        "str array (U12)": np.array(text, dtype="U12"),
        "uint64 array": values,
    }
    sample = text[: sizes.bulk_sample]
    expected = [stdnum_in.is_valid(number) for number in sample]
    for name, array in arrays.items():
        answers = bulk.individual_is_valid(array)
        _check_same_answers(name, answers[: sizes.bulk_sample].tolist(), expected)
    cases = [_array_call(name, array) for name, array in arrays.items()]
    timed = interleave(
        "[2] bulk validation",
        [*cases, _calls("stdnum", stdnum_in.is_valid, sample)],
        repeats,
    )
    rows = tuple(
        _ratio_row(
            f"`bulk.individual_is_valid`, {name}: per item",
            timed[name],
            timed["stdnum"],
            100 if name.startswith("bytes") else None,
        )
        for name in arrays
    )
    notes = (
        (
            f"Ours: one call over {sizes.bulk:,} random 12-digit numbers; stdnum: `is_valid` "
            f"called on the first {sizes.bulk_sample:,} of the same numbers as text, time scaled "
            "per item."
        ),
        (
            "The target is carried by the bytes array (dtype S12), the form numbers come in from "
            "files and databases; the str and uint64 arrays are reported beside it."
        ),
    )
    measurements = tuple(_labelled(timed[name], "bulk") for name in [*arrays, "stdnum"])
    return Figure("2. Bulk validation", notes, rows, measurements)


def generation(sizes: Sizes, repeats: int) -> Figure:
    """Figure 3: FF1 batch generation on one core, against the ff3 package's FF3-1 per number."""
    rng = inputs.generator()
    key, tweak = rng.bytes(32), rng.bytes(7)
    codes = inputs.resident_codes(rng, sizes.generation)
    # What FF1 permutes: the 10 random digits of the code and generation digit 0.
    base_inputs = codes - codes % np.uint64(10)
    texts = inputs.as_text(base_inputs[: sizes.ff3], 11)
    numbers_generator, ff1, ff3 = NumberGenerator(key), FF1(key), FF3Cipher(key.hex(), tweak.hex())
    _check_generated(numbers_generator.numbers_for(codes))
    timed = interleave(
        "[3] number generation",
        [
            Case("numbers_for", codes.size, lambda: numbers_generator.numbers_for(codes)),
            Case("encrypt_array", codes.size, lambda: ff1.encrypt_array(base_inputs, 11)),
            Case("FF1.encrypt", len(texts), lambda: [ff1.encrypt(text) for text in texts]),
            Case("ff3", len(texts), lambda: [ff3.encrypt(text) for text in texts]),
        ],
        repeats,
    )
    return Figure(
        "3. Number generation (FF1)",
        _generation_notes(sizes),
        _generation_rows(timed),
        tuple(_labelled(measurement, "generation") for measurement in timed.values()),
    )


def _generation_rows(timed: dict[str, Measurement]) -> tuple[Row, ...]:
    """Return the rows of figure 3 from its measurements."""
    ours, raw, scalar, ff3 = (
        timed[name] for name in ("numbers_for", "encrypt_array", "FF1.encrypt", "ff3")
    )
    return (
        Row(
            what="`NumberGenerator.numbers_for`: numbers per second, one core",
            ours=human_rate(ours.rate),
            baseline=human_rate(ff3.rate),
            ratio=ff3.per_item / ours.per_item,
            target=">= 5,000,000/s",
            passed=ours.rate >= 5_000_000,
        ),
        Row(
            what="`NumberGenerator.numbers_for` per number vs `FF3Cipher.encrypt`",
            ours=human_time(ours.per_item),
            baseline=human_time(ff3.per_item),
            ratio=ff3.per_item / ours.per_item,
            target=">= 200x",
            passed=ff3.per_item / ours.per_item >= 200,
        ),
        Row(
            what="raw `FF1.encrypt_array` (11 digits, no check digit, no code validation)",
            ours=f"{human_time(raw.per_item)} ({human_rate(raw.rate)})",
            baseline=human_time(ff3.per_item),
            ratio=ff3.per_item / raw.per_item,
        ),
        Row(
            what="scalar `FF1.encrypt` per call vs `FF3Cipher.encrypt`",
            ours=human_time(scalar.per_item),
            baseline=human_time(ff3.per_item),
            ratio=ff3.per_item / scalar.per_item,
        ),
    )


def _generation_notes(sizes: Sizes) -> tuple[str, ...]:
    """Return the notes that say how figure 3 was measured."""
    return (
        (
            f"Ours: {sizes.generation:,} distinct valid resident record codes in one `numbers_for` "
            "call (code validation, FF1 over 11 digits, check digit), AES-256 key."
        ),
        (
            f"Baseline: the `ff3` package (FF3-1, Python rounds over pycryptodome's AES) "
            f"`FF3Cipher(key_hex, tweak_hex, radix=10).encrypt` on {sizes.ff3:,} of the same "
            "11-digit inputs as strings, same AES-256 key, a 56-bit tweak; timed per number."
        ),
        "FF3-1 has 8 rounds to FF1's 10, so the baseline does slightly less work per number.",
    )


def _calls(name: str, validator: _Validator, numbers: Sequence[str]) -> Case:
    """Return a case that calls ``validator`` once per number of ``numbers``."""
    return Case(name, len(numbers), lambda: sum(map(validator, numbers)))


def _array_call(name: str, array: np.ndarray) -> Case:
    """Return a case that validates the whole ``array`` in one bulk call."""
    return Case(name, array.size, lambda: bulk.individual_is_valid(array))


def _labelled(measurement: Measurement, context: str) -> Measurement:
    """Return ``measurement`` named after what it measured, for the table of spreads."""
    return Measurement(f"{context}: {measurement.name}", measurement.items, measurement.seconds)


def _check_same_answers(what: str, ours: Sequence[bool], baseline: Sequence[bool]) -> None:
    """Stop the run if ours and the baseline disagree on any input."""
    if list(ours) != list(baseline):
        wrong = sum(mine != theirs for mine, theirs in zip(ours, baseline, strict=True))
        msg = f"{what}: ours and the baseline disagree on {wrong} inputs; fix that before timing"
        raise SystemExit(msg)


def _check_generated(numbers: np.ndarray) -> None:
    """Stop the run unless every generated number is distinct and valid."""
    if np.unique(numbers).size != numbers.size or not bulk.individual_is_valid(numbers).all():
        msg = "the generator gave a duplicate or invalid number; fix that before timing"
        raise SystemExit(msg)
