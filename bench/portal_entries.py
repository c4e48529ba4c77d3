"""Figure 9's ledger: the resident's records of use among other persons', a realistic mix.

Every entry is shaped as the hub writes one (``ExchangeService``, ``CollectionRecorder``) with
the demo's bodies, tasks and rows: exchanges (requested and provided, or not held), collections
of the number by a body, refused exchanges and refused collections, and holdings deleted at the
end of their retention -- in the shares :data:`MIX` gives. The resident's entries are spread
at random among the other persons' (:func:`layout`), so that the ledger is not theirs alone and
the query for them has to find them. Entries are spaced ``SECONDS_APART`` apart from ``START``,
like ``ledger_entries``; everything is a pure function of the seed.
"""

import hashlib
import random
import re
from collections.abc import Iterator
from typing import Final

from ledger_entries import ROWS, STAFF, disclosure_code, entry_time
from mynumber.network.codes import ALPHABET

#: What the entries record, and the share of each, whoever they are about.
MIX: Final[tuple[tuple[str, float], ...]] = (
    ("exchange", 0.70),
    ("collection", 0.18),
    ("exchange-refused", 0.05),
    ("collection-refused", 0.04),
    ("holding-deleted", 0.03),
)
#: Bodies that collect numbers, and the tasks they collect them for (the demo's profiles).
COLLECTORS: Final = (
    ("employer-kasumi-seiki", "employer:withholding-slip"),
    ("employer-kasumi-seiki", "employer:social-insurance-enrolment"),
    ("bank-asagiri", "bank:payment-records"),
    ("health-insurer-kasumi-seiki", "health-insurer:enrolment"),
    ("hello-work-shinonomedai", "hello-work:employment-insurance"),
    ("pension-office-shinonomedai", "pension-office:pension-enrolment"),
)
#: Why a collection was refused: a body that may not collect, or one asking for another task.
REFUSED_COLLECTIONS: Final[tuple[tuple[str, str | None, str], ...]] = (
    ("video-rental-shop-tsukiyo", None, "the body performs no task the law lists"),
    ("bank-asagiri", "employer:withholding-slip", "the body may not perform this task"),
)
#: Why an exchange was refused (the refusal's code, as ``ExchangeService`` writes it).
REFUSALS: Final = ("exchange-not-permitted", "code-refused", "unknown-exchange-row")
_NOT_HELD: Final = 0.05
_SERIAL_LENGTH: Final = 20
#: What the ledger refuses in a serial (twelve digits in a row); the hub draws again, and so do we.
_TWELVE_DIGITS: Final = re.compile(r"\d{12}")


def layout(seed: int, mine: int, others: int) -> list[bool]:
    """Return, for each of ``mine + others`` entries in order, whether it is about the resident."""
    rng = random.Random(f"portal-layout:{seed}")
    chosen = set(rng.sample(range(mine + others), mine))
    return [index in chosen for index in range(mine + others)]


def entries(
    seed: int, code: str, about_resident: list[bool], persons: int
) -> Iterator[dict[str, object]]:
    """Yield the ledger's entries in order: about ``code`` where ``about_resident`` says so.

    The other entries are about ``persons`` other persons, drawn at random.
    """
    rng = random.Random(f"portal-entries:{seed}")
    kinds, weights = [kind for kind, _ in MIX], [share for _, share in MIX]
    for index, theirs in enumerate(about_resident):
        person = code if theirs else disclosure_code(seed, rng.randrange(persons))
        kind = rng.choices(kinds, weights)[0]
        yield {
            "kind": kind,
            "disclosure_code": person,
            "at": entry_time(index),
            **_members(kind, rng),
        }


def _members(kind: str, rng: random.Random) -> dict[str, object]:
    """Return what an entry of ``kind`` says besides its kind, person and time."""
    if kind in {"exchange", "exchange-refused"}:
        row, requester, task, provider, items = rng.choice(ROWS)
        members: dict[str, object] = {
            "requester": requester,
            "staff": f"{requester}-staff-{rng.randrange(STAFF):02d}",
            "row": row,
            "item": rng.choice(items),
            "provider": provider,
        }
        if kind == "exchange-refused":
            return members | {"refusal": rng.choice(REFUSALS)}
        outcome = "not-held" if rng.random() < _NOT_HELD else "provided"
        return {"serial": _serial(rng), **members, "task": task, "outcome": outcome}
    if kind == "collection-refused":
        refuser, refused_task, reason = rng.choice(REFUSED_COLLECTIONS)
        return {"body": refuser, "staff": "clerk-1", "task": refused_task, "reason": reason}
    body, task = rng.choice(COLLECTORS)
    if kind == "holding-deleted":
        return {"body": body, "task": task, "deletion_receipt": _reference(rng)}
    return {
        "body": body,
        "staff": f"{body}-staff-{rng.randrange(STAFF):02d}",
        "task": task,
        "method": rng.choice(("card", "documents")),
        "retention_until": f"{2030 + rng.randrange(5)}-03-31",
        "receipt": _reference(rng),
    }


def _serial(rng: random.Random) -> str:
    """Return a transaction serial as the hub writes one: ``TX-`` and 20 base32 characters."""
    while True:
        serial = "TX-" + "".join(rng.choices(ALPHABET, k=_SERIAL_LENGTH))
        if not _TWELVE_DIGITS.search(serial):
            return serial


def _reference(rng: random.Random) -> str:
    """Return a reference to a receipt the registry keeps: SHA-256 in hexadecimal."""
    return hashlib.sha256(rng.randbytes(32)).hexdigest()
