"""Realistic exchange-ledger entries, made by index, and the tree nodes of one chunk of them.

An entry is shaped as ``ExchangeService.complete`` writes one (情報提供等記録): ``kind``
``"exchange"``, the person's disclosure code (26 characters of Crockford base32), the time, a
serial, the requesting body, its staff member and task, the row of the table of permitted
exchanges, the data item, the providing body and the outcome. The rows and bodies are those of
the demo (``permitted_exchanges.toml``, ``profiles.toml``). Every entry goes through
``mynumber.ledger.screening.prepare_entry``, as an append does, which refuses it if it is not an
entry the ledger would take, and gives its canonical bytes.

Entries are a pure function of (seed, index): a chunk can be made in any process, in any order.
People are drawn from a population of ``persons`` disclosure codes, so each person has several
entries, as the person's own view (``entries_of``) expects. Entries are spaced
``SECONDS_APART`` apart from ``START``, the entry's ``at`` and its ``appended_at`` alike.

:func:`make_chunk` is what the fill's worker processes run: a chunk's entries as rows of
``COPY ledger_entries`` text, and every complete node inside the chunk, level by level, as rows
of ``COPY ledger_nodes`` text.
"""

import contextlib
import datetime as dt
import hashlib
import os
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from mynumber.ledger.screening import prepare_entry
from mynumber.network.codes import ALPHABET, CODE_LENGTH

#: When the first entry was appended, and the seconds between two entries.
START: Final = dt.datetime(2026, 1, 5, 0, 0, tzinfo=dt.UTC)
SECONDS_APART: Final = 3
#: Rows of the table of permitted exchanges: (row, requester, task, provider, items), with the
#: demo's bodies playing each kind.
ROWS: Final = (
    (
        "child-allowance-income-from-former-city",
        "city-office-shinonomedai",
        "city-office:child-allowance",
        "city-office-kasumigaoka",
        ("local-tax-income",),
    ),
    (
        "dependant-approval-from-city",
        "health-insurer-kasumi-seiki",
        "health-insurer:dependant-approval",
        "city-office-shinonomedai",
        ("taxation-status", "resident-record"),
    ),
    (
        "high-cost-medical-care-benefit-records",
        "city-office-shinonomedai",
        "city-office:high-cost-medical-care",
        "health-insurer-kasumi-seiki",
        ("medical-benefit-records",),
    ),
    (
        "pension-benefit-income-from-city",
        "pension-office-shinonomedai",
        "pension-office:pension-benefit",
        "city-office-shinonomedai",
        ("local-tax-income", "resident-record"),
    ),
    (
        "disaster-relief-resident-record-from-city",
        "city-office-kasumigaoka",
        "city-office:disaster-relief",
        "city-office-shinonomedai",
        ("resident-record",),
    ),
)
#: Staff members per requesting body, and the share of exchanges where the item is not held.
STAFF: Final = 40
NOT_HELD: Final = 0.05
_SERIAL_LENGTH: Final = 20
#: What the ledger refuses in a serial; the hub's ``new_serial`` draws again, and so do we.
_TWELVE_DIGITS: Final = re.compile(r"\d{12}")
_LEAF: Final = b"\x00"
_NODE: Final = b"\x01"


def disclosure_code(seed: int, person: int) -> str:
    """Return person ``person``'s disclosure code: 130 pseudo-random bits in Crockford base32."""
    digest = hashlib.blake2b(f"{seed}:{person}".encode(), digest_size=17).digest()
    bits = int.from_bytes(digest, "big") >> (17 * 8 - CODE_LENGTH * 5)
    return "".join(ALPHABET[(bits >> (5 * k)) & 31] for k in range(CODE_LENGTH - 1, -1, -1))


def _serial(rng: random.Random) -> str:
    """Return a transaction serial as the hub writes one: ``TX-`` and 20 base32 characters."""
    while True:
        serial = "TX-" + "".join(rng.choices(ALPHABET, k=_SERIAL_LENGTH))
        if not _TWELVE_DIGITS.search(serial):
            return serial


def entry_time(index: int) -> str:
    """Return when entry ``index`` was appended, as the ledger writes times (UTC, ``Z``)."""
    moment = START + dt.timedelta(seconds=index * SECONDS_APART)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def entries(seed: int, persons: int, start: int, count: int) -> list[dict[str, object]]:
    """Return entries ``start`` to ``start + count`` (exclusive) of the ledger made by ``seed``."""
    rng = random.Random(f"ledger:{seed}:{start}:{count}")
    made: list[dict[str, object]] = []
    for index in range(start, start + count):
        row, requester, task, provider, items = rng.choice(ROWS)
        made.append(
            {
                "kind": "exchange",
                "disclosure_code": disclosure_code(seed, rng.randrange(persons)),
                "at": entry_time(index),
                "serial": _serial(rng),
                "requester": requester,
                "staff": f"{requester}-staff-{rng.randrange(STAFF):02d}",
                "task": task,
                "row": row,
                "item": rng.choice(items),
                "provider": provider,
                "outcome": "not-held" if rng.random() < NOT_HELD else "provided",
            }
        )
    return made


@dataclass(frozen=True)
class Prepared:
    """An entry as the ledger stores it: canonical bytes, leaf hash, kind, disclosure code."""

    data: bytes
    leaf_hash: bytes
    kind: str
    code: str
    at: str


def leaf_hash(data: bytes) -> bytes:
    """Return the leaf hash of an entry's bytes: SHA-256(0x00 || entry)."""
    return hashlib.sha256(_LEAF + data).digest()


def prepare(entry: Mapping[str, object]) -> Prepared:
    """Screen ``entry`` as an append does (``prepare_entry``) and hash its leaf."""
    data, kind, code = prepare_entry(entry)
    return Prepared(data, leaf_hash(data), kind, code, str(entry["at"]))


@dataclass(frozen=True)
class Chunk:
    """A chunk of the ledger, ready to load: its rows as COPY text, its leaves and right border.

    ``border`` is the chunk's right border (largest subtree first): one node, the chunk's root,
    for a chunk of a power-of-two size.
    """

    start: int
    count: int
    entries: str
    nodes: str
    node_count: int
    leaves: bytes
    border: tuple[bytes, ...]


def make_chunk(seed: int, persons: int, start: int, count: int) -> Chunk:
    """Make, screen and hash entries ``start`` to ``start + count`` and their complete nodes.

    ``start`` must be a multiple of the smallest power of two at least ``count``, so that every
    node of the chunk's own tree is a node of the ledger's tree at ``start >> level``.
    """
    rows, level = [], []
    for index, entry in enumerate(entries(seed, persons, start, count), start):
        prepared = prepare(entry)
        level.append(prepared.leaf_hash)
        rows.append(
            f"{index}\t\\\\x{prepared.data.hex()}\t\\\\x{prepared.leaf_hash.hex()}\t"
            f"{prepared.code}\t{prepared.kind}\t{prepared.at}\n"
        )
    leaves = b"".join(level)
    nodes: list[str] = []
    border: list[bytes] = []
    height = 0
    while level:
        first = start >> height
        nodes += [f"{height}\t{first + k}\t\\\\x{value.hex()}\n" for k, value in enumerate(level)]
        if len(level) & 1:
            border.append(level[-1])
        level = [
            hashlib.sha256(_NODE + level[k] + level[k + 1]).digest()
            for k in range(0, len(level) - 1, 2)
        ]
        height += 1
    return Chunk(
        start, count, "".join(rows), "".join(nodes), len(nodes), leaves, (*reversed(border),)
    )


def use_every_cpu() -> None:
    """Let a worker process run on every CPU: the benchmark pins its own process to one."""
    cpus = os.cpu_count() or 1
    with contextlib.suppress(OSError):  # a container may allow fewer: stay where the parent was
        os.sched_setaffinity(0, range(cpus))
