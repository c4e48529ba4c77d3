"""A resident's benefit account and linked deposit accounts, over the caller's session.

The services never commit: the request that calls them owns the transaction.

>>> account_key(Account("0005", "001", "ordinary", "0012345"))
'0005-001-ordinary-0012345'
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import func, select

from mynumber.accounts.models import BenefitAccount, DepositLink
from mynumber.accounts.rules import Account, AccountRefused, check_holder
from mynumber.errors import MyNumberError
from mynumber.register.models import Resident

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

#: The most deposit accounts one resident may link to their number.
MOST_DEPOSIT_LINKS: Final = 30


class AlreadyLinked(AccountRefused):
    """The account is already linked to the resident's number."""

    code = "account-already-linked"


class DepositLinksFull(AccountRefused):
    """The resident has linked as many deposit accounts as one may."""

    code = "deposit-links-full"


class DepositLinkNotFound(MyNumberError):
    """There is no such linked account of the resident's (another person's is not found either)."""

    code = "deposit-link-not-found"


def _now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def account_key(account: Account) -> str:
    """Return what names one account among all: its bank, branch, kind and number."""
    return f"{account.bank}-{account.branch}-{account.kind}-{account.number}"


class BenefitAccounts:
    """The benefit accounts of the register's residents."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = _now) -> None:
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


class DepositLinks:
    """The deposit accounts residents linked to their numbers (預貯金口座付番), by their own choice.

    A resident may link up to :data:`MOST_DEPOSIT_LINKS` accounts, each in their own name (the
    holder's kana is their reading, as for the benefit account), and each once. Whether an account
    is linked already is asked of the keyed blind index of :func:`account_key` (HMAC-SHA256 under
    the registry's blind-index key), so no row is decrypted to compare and the index reveals
    nothing without the key; a unique constraint on the resident and the index holds even if two
    requests race. The same account linked by two residents is not refused: the refusal would tell
    one resident what another has linked. The links say nothing of balances: the register never
    holds them.
    """

    def __init__(self, session: Session, clock: Callable[[], datetime] = _now) -> None:
        """Work in ``session``; ``clock`` dates the links."""
        self._session = session
        self._clock = clock

    def link(self, resident: Resident, account: Account, holder_kana: str) -> DepositLink:
        """Link ``account`` to the resident's number; it has its form already.

        Refuses, changing nothing, a holder's name that is not the resident's reading
        (:class:`~mynumber.accounts.rules.HolderNameRefused`), an account already linked
        (:class:`AlreadyLinked`), and a link beyond the most (:class:`DepositLinksFull`).
        """
        check_holder(holder_kana, resident.family_name_kana, resident.given_name_kana)
        # One resident's links are changed one request at a time (PostgreSQL locks the row).
        self._session.execute(
            select(Resident.id).where(Resident.id == resident.id).with_for_update()
        )
        linked = self._session.scalar(
            select(DepositLink.id).where(
                DepositLink.resident_id == resident.id,
                DepositLink.account_index == account_key(account),
            )
        )
        if linked is not None:
            msg = "this account is already linked to your number"
            raise AlreadyLinked(msg)
        count = self._session.scalar(
            select(func.count()).where(DepositLink.resident_id == resident.id)
        )
        if (count or 0) >= MOST_DEPOSIT_LINKS:
            msg = (
                f"you have linked {MOST_DEPOSIT_LINKS} accounts, the most one may: unlink one first"
            )
            raise DepositLinksFull(msg)
        found = DepositLink(
            resident_id=resident.id,
            bank=account.bank,
            branch=account.branch,
            kind=account.kind,
            number=account.number,
            account_index=account_key(account),
            holder_kana=holder_kana.strip(),
            linked_at=self._clock(),
        )
        self._session.add(found)
        self._session.flush()
        return found

    def of(self, resident_id: int) -> list[DepositLink]:
        """Return the accounts the resident linked, the first linked first."""
        return list(
            self._session.scalars(
                select(DepositLink)
                .where(DepositLink.resident_id == resident_id)
                .order_by(DepositLink.linked_at, DepositLink.id)
            )
        )

    def unlink(self, resident_id: int, link_id: int) -> None:
        """Unlink one of the resident's own accounts; another person's is not found."""
        found = self._session.get(DepositLink, link_id)
        if found is None or found.resident_id != resident_id:
            msg = f"you have no linked account {link_id}"
            raise DepositLinkNotFound(msg)
        self._session.delete(found)
        self._session.flush()
