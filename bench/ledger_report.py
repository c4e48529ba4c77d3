"""Figure 7 as the page shows it: the rows, the notes and the table of how each ledger was made."""

import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING

from figures import Figure, Row, Sizes
from ledger_fill import CHUNK
from timing import human_rate, human_time

if TYPE_CHECKING:  # ledger imports this module
    from ledger import SizeResult

#: The sizes the issue asks for: "ledger appends per second and proof time at 10^6 and 10^7".
ASKED = (1_000_000, 10_000_000)
TARGET = "none (reported)"
#: Untimed appends a side, and untimed rounds of proofs, before the timed ones.
WARM = 20
#: Inclusion and consistency proofs verified before timing, at each size.
CHECKED_PROOFS = 50


def figure(results: Sequence["SizeResult"], sizes: Sizes, repeats: int) -> Figure:
    """Return figure 7 from the measurements at every size."""
    return Figure(
        title="7. Exchange ledger: appends and proofs",
        notes=_notes(results, sizes, repeats),
        rows=tuple(row for result in results for row in _rows(result)),
        measurements=tuple(
            measurement
            for result in results
            for measurement in (*result.appends.values(), *result.proofs.values())
        ),
        details=_details(results),
    )


def percentiles(seconds: Sequence[float]) -> tuple[float, float]:
    """Return the p50 and p95 of ``seconds``.

    >>> percentiles([float(k) for k in range(1, 101)])
    (50.5, 95.95)
    """
    return statistics.median(seconds), statistics.quantiles(seconds, n=20)[18]


def _pair(seconds: Sequence[float]) -> str:
    """Write the p50 and p95 of ``seconds``."""
    p50, p95 = percentiles(seconds)
    return f"{human_time(p50)} / {human_time(p95)}"


def _rows(result: "SizeResult") -> tuple[Row, ...]:
    """Return the appends, their latency, and both proofs at one size."""
    size = f"{result.filled.size:,} entries"
    ours, baseline = result.appends["ours"], result.appends["baseline"]
    latency = result.append_latency
    lookup = result.proofs["lookup"].seconds
    rows = [
        Row(
            what=f"PostgreSQL, {size}: appends per second, one committed transaction each",
            ours=human_rate(ours.rate),
            baseline=human_rate(baseline.rate),
            ratio=ours.per_item / baseline.per_item,
            target=TARGET,
            slower=True,
        ),
        Row(
            what=f"PostgreSQL, {size}: one append, p50 / p95 latency (ratio at p50)",
            ours=_pair(latency["ours"]),
            baseline=_pair(latency["baseline"]),
            ratio=percentiles(latency["ours"])[0] / percentiles(latency["baseline"])[0],
            target=TARGET,
            slower=True,
        ),
    ]
    for name, what in (
        ("inclusion", "signed inclusion proof of a random entry"),
        ("consistency", "signed consistency proof from a random older size"),
    ):
        seconds = result.proofs[name].seconds
        rows.append(
            Row(
                what=f"PostgreSQL, {size}: {what}, p50 / p95 (vs a lookup; ratio at p50)",
                ours=_pair(seconds),
                baseline=_pair(lookup),
                ratio=percentiles(seconds)[0] / percentiles(lookup)[0],
                target=TARGET,
                slower=True,
            )
        )
    return tuple(rows)


def _notes(results: Sequence["SizeResult"], sizes: Sizes, repeats: int) -> tuple[str, ...]:
    """Return the notes that say how figure 7 was measured and how to read it."""
    measured = tuple(result.filled.size for result in results)
    per_round = results[0].appends["ours"].items if results else 0
    notes = [
        (
            "Target, from the issue: none is set. It asks for ledger appends per second and "
            "proof time at 10^6 and 10^7 entries on this machine, beside a baseline measured in "
            "the same run; the rows are reported, not judged."
        ),
        (
            "Appends. Ours: `LedgerService.append` of a new exchange entry, in its own unit of "
            "work (one committed transaction), as an exchange appends: screening "
            "(`prepare_entry`), the advisory lock, the size and the tree's right border read "
            "back, the entry and the nodes it completes inserted. Baseline: a plain `INSERT` of "
            "the same entry row (bytes, leaf hash, disclosure code, kind, time; all computed "
            "beforehand) into a plain table of the same shape and size "
            "(`LIKE ledger_entries INCLUDING ALL`, filled with the same rows), through the same "
            "SQLAlchemy session and one commit each. The ratio is what the screening and the "
            "Merkle tree cost per append."
        ),
        (
            f"{repeats} rounds of {per_round:,} appends a side at each size, after {WARM} "
            "untimed, the order reversed every other round; every round appends new entries at "
            "the end, so both tables grow alike. The rate is the best round's; the latency "
            "percentiles are over every timed append. Every commit waits for the WAL to reach "
            "the disk (`synchronous_commit` on, PostgreSQL's default), on both sides."
        ),
        (
            "Proofs, against a checkpoint signed first. Ours: `signed_inclusion` of a random "
            "entry, and `signed_consistency` from a random older size to the checkpoint, each in "
            "its own unit of work as the hub's API answers them (the latest checkpoint, the "
            "size, then the proof's nodes in one query). Baseline: one entry row fetched by its "
            f"index, a primary-key lookup, in the same way. {sizes.ledger_proofs:,} calls of "
            f"each after {WARM} untimed, taking turns; p50 and p95 of every call."
        ),
        (
            "Before timing: the ledger's root (`LedgerService.root()`) equals a root the bench "
            f"folds leaf by leaf, and {CHECKED_PROOFS} random inclusion and consistency proofs "
            "verify (`mynumber.ledger.merkle`) against the checkpoint, opened with the hub's "
            "key; after the appends, the root equals the fold of every leaf the bench hashed."
        ),
        (
            "Each ledger is written in bulk, untimed, into a fresh database migrated as a hub: "
            "realistic exchange entries (the demo's bodies, tasks and rows of the table of "
            "permitted exchanges; one person per ten entries, by disclosure code), each "
            "screened by `prepare_entry` and hashed in worker processes, every complete "
            f"subtree node computed level by level in chunks of {CHUNK:,} leaves, entries (into "
            "both tables) and nodes loaded with `COPY ... FREEZE` in one transaction (rows "
            "frozen and all-visible, as autovacuum leaves a long-running hub's); then "
            "`VACUUM (ANALYZE)` and `CHECKPOINT`, so that neither autovacuum nor the fill's "
            "dirty pages run into the timed part. The table below says how long that took."
        ),
        (
            "PostgreSQL only: the hub runs on it in production. SQLite is not measured here: a "
            "ledger of 10^7 entries is not what the embedded demo keeps."
        ),
        (
            "The Python process is pinned to one CPU; PostgreSQL's server processes are not, "
            "and share the machine with it."
        ),
    ]
    if measured != ASKED:
        asked = " and ".join(f"{size:,}" for size in ASKED)
        notes.insert(
            1,
            f"Measured at {' and '.join(f'{size:,}' for size in measured)} entries, not the "
            f"{asked} the issue asks for (--quick or --ledger-sizes).",
        )
    return tuple(notes)


def _details(results: Sequence["SizeResult"]) -> tuple[str, ...]:
    """Return the table of how each ledger was made, and what it holds on disk."""
    lines = [
        "",
        "**How each ledger was made (untimed)**, and its size on disk after the fill:",
        "",
        (
            "| Entries | Fill | Rate | Vacuum, checkpoint | Database (with the baseline's) "
            "| ledger_entries | ledger_nodes | Signing the checkpoint |"
        ),
        "|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for result in results:
        filled = result.filled
        database, entries, nodes = result.disk
        lines.append(
            f"| {filled.size:,} | {_minutes(filled.seconds)} "
            f"| {human_rate(filled.size / filled.seconds)} | {_minutes(result.settle_seconds)} "
            f"| {_bytes(database)} | {_bytes(entries)} | {_bytes(nodes)} "
            f"| {human_time(result.checkpoint_seconds)} |"
        )
    return tuple(lines)


def _minutes(seconds: float) -> str:
    """Write a duration of the setup in seconds or minutes.

    >>> _minutes(42.4), _minutes(754)
    ('42 s', '12.6 min')
    """
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _bytes(count: int) -> str:
    """Write a size on disk in MB or GB.

    >>> _bytes(751_000_000), _bytes(7_480_000_000)
    ('751 MB', '7.48 GB')
    """
    if count >= 10**9:
        return f"{count / 10**9:.2f} GB"
    return f"{count / 10**6:.0f} MB"
