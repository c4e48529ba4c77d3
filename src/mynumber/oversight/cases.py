"""Cases a resident opens about a record of use they do not recognise, with checked evidence.

The portal sends the record as the ledger holds it with its inclusion proof and the checkpoint it
leads to; the commission checks them before it opens the case -- the checkpoint signed by the
hub's ledger key (which the commission asked the hub for, not the key the evidence names), the
entry in the tree under that checkpoint, and the entry about the person the registry's grant names
-- so a case always starts from a record proven to be in the ledger and to be the reporter's.

The same evidence opens a sealed record (police access, :mod:`mynumber.ledger.sealing`) to its
person once the record's unsealing date has come (:func:`unseal_record`): the commission alone
holds the key that opens it, and shows the person nothing before that day.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from mynumber.errors import MyNumberError
from mynumber.ledger.checkpoints import open_checkpoint
from mynumber.ledger.entries import parse_entry
from mynumber.ledger.exceptions import LedgerError
from mynumber.ledger.merkle import leaf_hash, verify_inclusion
from mynumber.ledger.sealing import read_sealed, unseal_entry
from mynumber.oversight.models import OversightCase

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import date

    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from sqlalchemy.orm import Session

OPEN: Final = "open"
#: The longest statement a resident may add.
STATEMENT_LENGTH: Final = 2000


class CaseRefused(MyNumberError):
    """The record's evidence does not hold: no case was opened, nothing was unsealed."""

    code = "case-refused"


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """A record of use with what proves it is in the ledger."""

    index: int
    #: The entry's canonical bytes, base64.
    entry: str
    #: The inclusion proof's hashes, base64.
    proof: Sequence[str]
    checkpoint: str
    verifier_key: str


def case_number(case: OversightCase) -> str:
    """Return the number a resident quotes for a case, e.g. ``C-000042``."""
    return f"C-{case.id:06d}"


def check_evidence(evidence: Evidence, disclosure_code: str, ledger_key: str) -> None:
    """Check the record is in the ledger under the hub's signed checkpoint, and the person's."""
    if evidence.verifier_key != ledger_key:
        msg = "the checkpoint is not signed with the hub's ledger key"
        raise CaseRefused(msg)
    try:
        entry = base64.b64decode(evidence.entry, validate=True)
        proof = [base64.b64decode(value, validate=True) for value in evidence.proof]
        checkpoint = open_checkpoint(evidence.checkpoint.encode("utf-8"), [ledger_key])
        verify_inclusion(
            leaf_hash(entry), evidence.index, checkpoint.size, proof, checkpoint.root_hash
        )
        about = json.loads(entry).get("disclosure_code")
    except (binascii.Error, ValueError, LedgerError, AttributeError) as exc:
        msg = f"the record's proof does not hold ({exc})"
        raise CaseRefused(msg) from exc
    if about != disclosure_code:
        msg = "the record is not about the person the resident's grant names"
        raise CaseRefused(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsealedRecord:
    """A sealed record opened: its outer fields and its body, as the hub sealed them."""

    #: ``requester``, ``at``, ``unseal_on`` and the other fields every reader of the ledger sees.
    outer: Mapping[str, str]
    #: What only the commission could read until the unsealing date.
    body: Mapping[str, object]


def unseal_record(
    evidence: Evidence, disclosure_code: str, ledger_key: str, key: X25519PrivateKey, *, today: date
) -> UnsealedRecord:
    """Check the evidence as for a case, then open the sealed record with the commission's key.

    Refuses evidence that does not hold (:class:`CaseRefused`), an entry that is not sealed
    (:class:`~mynumber.ledger.exceptions.MalformedEntry`), and one whose unsealing date is after
    ``today`` (:class:`~mynumber.ledger.exceptions.StillSealed`).
    """
    check_evidence(evidence, disclosure_code, ledger_key)
    entry = parse_entry(base64.b64decode(evidence.entry, validate=True))
    body = unseal_entry(entry, key, today=today)
    return UnsealedRecord(outer=read_sealed(entry).outer, body=body)


class CaseService:
    """Opens the commission's cases, over the caller's session; never commits."""

    def __init__(
        self, session: Session, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        """Work in ``session``; ``clock`` dates the cases."""
        self._session = session
        self._clock = clock

    def open_case(
        self, evidence: Evidence, disclosure_code: str, ledger_key: str, statement: str | None
    ) -> OversightCase:
        """Check the evidence and open a case about the record; return it."""
        check_evidence(evidence, disclosure_code, ledger_key)
        text = (statement or "").strip()
        if len(text) > STATEMENT_LENGTH:
            msg = f"a statement has at most {STATEMENT_LENGTH} characters"
            raise CaseRefused(msg)
        case = OversightCase(
            opened_at=self._clock(),
            disclosure_code=disclosure_code,
            ledger_index=evidence.index,
            entry=evidence.entry,
            proof=json.dumps(list(evidence.proof)),
            checkpoint=evidence.checkpoint,
            verifier_key=evidence.verifier_key,
            statement=text or None,
            state=OPEN,
        )
        self._session.add(case)
        self._session.flush()
        return case
