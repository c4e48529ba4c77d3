"""Registering a resident's benefit account, over the caller's session (never commits)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mynumber.accounts.models import BenefitAccount
from mynumber.accounts.rules import Account, check_holder

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from mynumber.register.models import Resident


class BenefitAccounts:
    """The benefit accounts of the register's residents."""

    def __init__(
        self, session: Session, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        """Work in ``session``; ``clock`` dates registrations."""
        self._session = session
        self._clock = clock

    def register(self, resident: Resident, account: Account, holder_kana: str) -> BenefitAccount:
        """Register (or replace) the resident's one benefit account, in their own name only.

        ``account`` has its form already (:func:`~mynumber.accounts.rules.check_account`). Raises
        :class:`~mynumber.accounts.rules.AccountRefused`, changing nothing, for a holder's name
        that is not the resident's reading.
        """
        check_holder(holder_kana, resident.family_name_kana, resident.given_name_kana)
        found = self._session.get(BenefitAccount, resident.id)
        if found is None:
            found = BenefitAccount(resident_id=resident.id)
            self._session.add(found)
        found.bank, found.branch, found.kind = account.bank, account.branch, account.kind
        found.number = account.number
        found.holder_kana = holder_kana.strip()
        found.registered_at = self._clock()
        self._session.flush()
        return found

    def of(self, resident_id: int) -> Account | None:
        """Return the resident's benefit account, if they registered one."""
        found = self._session.get(BenefitAccount, resident_id)
        if found is None:
            return None
        return Account(found.bank, found.branch, found.kind, found.number)
