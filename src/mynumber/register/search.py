"""Finding residents at the counter by name and date of birth, for a clerk who has no number.

The name may be written (kanji, kana or Latin script) or be its kana reading; notation variants
fold as in the four-attribute lookup (渡辺/渡邊, full and half width). Residents who moved out or
died are found too: their records stay, and the clerk needs them. A list never carries a number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from sqlalchemy import or_, select

from mynumber.register.matching import normalize_kana, normalize_name
from mynumber.register.models import Resident

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from sqlalchemy.orm import Session

#: The most residents one search lists.
SEARCH_LIMIT: Final = 50


class ResidentSearch:
    """Searches of one registry node's register, over the caller's session."""

    def __init__(self, session: Session) -> None:
        """Work in ``session``."""
        self._session = session

    def by_name_and_birth(self, name: str, date_of_birth: date) -> Sequence[Resident]:
        """Return the residents born on ``date_of_birth`` whose name or reading is ``name``."""
        return self._session.scalars(
            select(Resident)
            .where(
                Resident.date_of_birth == date_of_birth,
                or_(
                    Resident.name_key == normalize_name(name),
                    Resident.kana_key == normalize_kana(name),
                ),
            )
            .order_by(Resident.id)
            .limit(SEARCH_LIMIT)
        ).all()
