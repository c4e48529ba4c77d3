"""Deposit links: what names one account, and how the registry answers a refused link."""

from http import HTTPStatus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumber.accounts.rules import KINDS, Account, AccountFormRefused, check_account
from mynumber.accounts.services import (
    AlreadyLinked,
    DepositLinkNotFound,
    DepositLinksFull,
    account_key,
)
from mynumber.errors import MyNumberError
from mynumber.nodes.problems import status_for

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _digits(count: int) -> st.SearchStrategy[str]:
    """Return strings of exactly ``count`` ASCII digits."""
    return st.text("0123456789", min_size=count, max_size=count)


accounts = st.builds(
    Account, bank=_digits(4), branch=_digits(3), kind=st.sampled_from(KINDS), number=_digits(7)
)


@given(accounts, accounts)
def test_two_accounts_share_a_key_only_if_they_are_one(first: Account, second: Account) -> None:
    """Bank, branch, kind and number all name the account: a change in any one is another."""
    assert (account_key(first) == account_key(second)) == (first == second)


@given(accounts)
def test_digits_typed_full_width_name_the_same_account(account: Account) -> None:
    """The account typed on a Japanese keyboard is the account typed in ASCII: linked once."""
    typed = check_account(
        bank=account.bank.translate(_FULL_WIDTH),
        branch=account.branch.translate(_FULL_WIDTH),
        kind=account.kind,
        number=account.number.translate(_FULL_WIDTH),
    )
    assert account_key(typed) == account_key(account)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (AccountFormRefused("the bank code has 4 digits"), HTTPStatus.UNPROCESSABLE_ENTITY),
        (DepositLinksFull("you have linked 30 accounts"), HTTPStatus.UNPROCESSABLE_ENTITY),
        (AlreadyLinked("this account is already linked"), HTTPStatus.CONFLICT),
        (DepositLinkNotFound("you have no linked account 7"), HTTPStatus.NOT_FOUND),
    ],
)
def test_a_refused_link_has_its_status(error: MyNumberError, status: HTTPStatus) -> None:
    """A form to fix is 422, an account linked already 409, another's link 404."""
    assert status_for(error) == status
