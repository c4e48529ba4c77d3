"""Benefit accounts: their form, and the holder's name compared with the resident's reading."""

import pytest

from mynumber.accounts.rules import AccountRefused, check_account, check_holder, holder_key


@pytest.mark.parametrize(
    ("bank", "written"),
    [
        ("ﾜﾀﾅﾍﾞ ｼﾞﾖｳｼﾞ", "わたなべ じょうじ"),  # half-width, small kana written large
        ("ワタナベ・ジョウジ", "ワタナベ ジョウジ"),  # a middle dot
        ("ﾜﾀﾅﾍﾞ ｼﾞｮｳｼﾞ", "ワタナベジョウジ"),
        ("ｳﾞｨｸﾄﾙ", "ビクトル"),  # a spelling variant
    ],
)
def test_one_name_read_alike_matches(bank: str, written: str) -> None:
    """The bank's spelling and the register's reading of one name compare equal."""
    assert holder_key(bank) == holder_key(written)
    check_holder(bank, written[: len(written) // 2], written[len(written) // 2 :])


@pytest.mark.parametrize("bank", ["ﾜﾀﾅﾍﾞ ﾊﾅｺ", "ﾜﾀﾅﾍﾞ", "", "   "])
def test_another_name_is_refused(bank: str) -> None:
    """A family member's name, a family name alone, or nothing: refused."""
    with pytest.raises(AccountRefused):
        check_holder(bank, "ワタナベ", "ジョウジ")


@pytest.mark.parametrize(
    ("fields", "what"),
    [
        ({"bank": "001"}, "bank code"),
        ({"branch": "1a3"}, "branch code"),
        ({"number": "123456"}, "account number"),
        ({"number": "12345678"}, "account number"),
        ({"kind": "checking"}, "kind of account"),
    ],
)
def test_an_account_of_the_wrong_form_is_refused(fields: dict[str, str], what: str) -> None:
    """Each part has its form; the refusal names the part."""
    good = {"bank": "0005", "branch": "001", "kind": "ordinary", "number": "0012345"}
    assert check_account(**good).masked == "****345"
    assert check_account(**(good | {"number": "００１２３４５"})).number == "0012345"
    with pytest.raises(AccountRefused, match=what):
        check_account(**(good | fields))
