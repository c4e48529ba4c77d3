"""Investigative requests by the police, as the hub records them: sealed, but counted.

番号法 第19条 lets the police have a person's information for a criminal investigation (SPEC.md
10), outside the information provision network. The police ask the registry, which answers them
and has the hub record the request here: as a *sealed* ledger entry
(:mod:`mynumber.ledger.sealing`), encrypted to the oversight commission's X25519 key (the
``sealing_key`` of the oversight node in ``deployment.toml``), committing to its unsealing date,
under the person's disclosure code. Until that date the person sees only that a sealed entry
exists; the number of sealed entries per body per month is public (``GET
/api/ledger/sealed-counts``). The service works in the caller's session and never commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Final

from mynumber.ledger.sealing import seal_entry
from mynumber.network.codes import derive_disclosure_code
from mynumber.network.collections import CollectionNotPermitted, InvalidCollectionRecord
from mynumber.network.services import BodyRegistry

if TYPE_CHECKING:
    from collections.abc import Callable

    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    from sqlalchemy.orm import Session

    from mynumber.ledger.services import LedgerService

#: The one task under which a body may make an investigative request.
INVESTIGATION_TASK: Final = "police:criminal-investigation"
#: The furthest an unsealing date may lie ahead: a seal is a delay, never a burial.
LONGEST_SEAL: Final = timedelta(days=5 * 366)
#: A case reference: letters, digits and the separators case numbers use, up to 64 characters.
CASE_REFERENCE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._-]{0,63}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Investigation:
    """An investigative request the registry answered: whose, by whom, which case, until when."""

    resident_record_code: str
    body_id: str
    staff: str
    case_reference: str
    unseal_on: date


def _now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class InvestigationService:
    """Seals investigative requests into the hub's ledger."""

    def __init__(
        self,
        session: Session,
        code_key: bytes,
        ledger: LedgerService,
        commission: X25519PublicKey,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        """Work in ``session``; seal to the oversight ``commission``'s key; append to ``ledger``."""
        self._session = session
        self._key = code_key
        self._ledger = ledger
        self._commission = commission
        self._bodies = BodyRegistry(session, clock)
        self._clock = clock

    def record(self, investigation: Investigation) -> int:
        """Append the sealed entry of ``investigation``; return its index in the ledger.

        Refuses a body not registered for criminal investigations, a case reference of the
        wrong form, and an unsealing date that is not after today or lies more than five years
        ahead.
        """
        body = self._bodies.body(investigation.body_id)
        decision = self._bodies.may_perform(body, INVESTIGATION_TASK)
        if not decision:
            raise CollectionNotPermitted(decision.reason)
        if not CASE_REFERENCE.fullmatch(investigation.case_reference):
            msg = "the case reference is 1 to 64 letters, digits and / . _ -"
            raise InvalidCollectionRecord(msg)
        now = self._clock()
        today = now.date()
        if not today < investigation.unseal_on <= today + LONGEST_SEAL:
            msg = (
                f"the unsealing date must fall after today and at most {LONGEST_SEAL.days} days "
                "ahead: every sealed entry is opened to its person in the end"
            )
            raise InvalidCollectionRecord(msg)
        entry = seal_entry(
            {
                "task": INVESTIGATION_TASK,
                "staff": investigation.staff,
                "case": investigation.case_reference,
                "disclosed": ["name", "date_of_birth", "sex", "address"],
            },
            self._commission,
            disclosure_code=derive_disclosure_code(self._key, investigation.resident_record_code),
            requester=body.id,
            unseal_on=investigation.unseal_on,
            at=now,
        )
        return self._ledger.append(entry).index
