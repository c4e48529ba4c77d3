"""A person's holder list (個人番号の保管者一覧), read over the caller's session.

Every holding of the person's number -- live and deleted, with the deletion receipt -- and every
refused attempt that presented it (:mod:`mynumber.holdings.models`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from mynumber.holdings.models import CollectionRefusal, NumberHolding
from mynumber.register.exceptions import ResidentNotFound
from mynumber.register.models import Resident

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session


class HoldingRecords:
    """A person's holder list and refused collections, read over the caller's session."""

    def __init__(self, session: Session) -> None:
        """Read in ``session``."""
        self._session = session

    def holder_list(self, resident_id: int) -> tuple[Resident, Sequence[NumberHolding]]:
        """Return the resident and every holding of their number, oldest first, deleted too."""
        resident = self._resident(resident_id)
        holdings = self._session.scalars(
            select(NumberHolding)
            .where(NumberHolding.resident_id == resident.id)
            .order_by(NumberHolding.collected_at, NumberHolding.id)
        )
        return resident, list(holdings)

    def refusals_of(self, resident_id: int) -> Sequence[CollectionRefusal]:
        """Return the refused collections that presented this resident's number, oldest first."""
        resident = self._resident(resident_id)
        return list(
            self._session.scalars(
                select(CollectionRefusal)
                .where(CollectionRefusal.resident_id == resident.id)
                .order_by(CollectionRefusal.at, CollectionRefusal.id)
            )
        )

    def _resident(self, resident_id: int) -> Resident:
        """Return the resident, or raise :class:`ResidentNotFound`."""
        resident = self._session.get(Resident, resident_id)
        if resident is None:
            msg = f"there is no resident {resident_id} on this register"
            raise ResidentNotFound(msg)
        return resident
