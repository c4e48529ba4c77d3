"""The table of permitted exchanges: the shipped rows, every kind of refusal, strict loading."""

import json
from pathlib import Path

import pytest

from mynumber.network.bodies import BodyKind
from mynumber.network.exceptions import ExchangeNotPermitted, InvalidTable, UnknownExchangeRow
from mynumber.network.table import PermittedExchanges, load_table, parse_table

K = BodyKind

#: SPEC.md 5's example rows: (requester, task, provider, data item).
SPEC_EXAMPLES = [
    (K.CITY_OFFICE, "city-office:child-allowance", K.CITY_OFFICE, "local-tax-income"),
    (K.JASSO, "jasso:scholarship", K.CITY_OFFICE, "resident-tax"),
    (K.HEALTH_INSURER, "health-insurer:dependant-approval", K.CITY_OFFICE, "taxation-status"),
    (K.HEALTH_INSURER, "health-insurer:dependant-approval", K.CITY_OFFICE, "resident-record"),
    (K.HEALTH_INSURER, "health-insurer:enrolment", K.HEALTH_INSURER, "enrolment-history"),
    (
        K.HEALTH_INSURER,
        "health-insurer:benefit-payment",
        K.DIGITAL_AGENCY,
        "public-benefit-account",
    ),
    (
        K.CITY_OFFICE,
        "city-office:high-cost-medical-care",
        K.HEALTH_INSURER,
        "medical-benefit-records",
    ),
]

ITEMS = """
[items.income]
name_ja = "所得"
name_en = "income"

[items.address]
name_ja = "住所"
name_en = "address"
"""

#: A valid row of a hand-written table; ``_table`` changes it.
ROW: dict[str, object] = {
    "id": "r1",
    "requester": "city-office",
    "task": "city-office:child-allowance",
    "provider": "city-office",
    "items": ["income"],
    "legal_basis_ja": "番号法 第19条第8号",
    "legal_basis_en": "My Number Act, article 19 item 8",
}


def _row(**changes: object) -> str:
    """Return a [[exchanges]] row: ROW with ``changes``; a change to None drops the field."""
    fields = {**ROW, **changes}
    lines = [f"{name} = {json.dumps(value)}" for name, value in fields.items() if value is not None]
    return "[[exchanges]]\n" + "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def table() -> PermittedExchanges:
    """Return the table shipped with the package."""
    return load_table()


def test_the_shipped_table_loads(table: PermittedExchanges) -> None:
    """The shipped file passes the strict checks and lists rows with legal bases."""
    assert len(table) >= len(SPEC_EXAMPLES)
    for row in table:
        assert row.legal_basis_ja.startswith("番号法 第19条第8号")
        assert "article 19 item 8" in row.legal_basis_en
        assert table.row(row.id) is row


@pytest.mark.parametrize(("requester", "task_id", "provider", "item"), SPEC_EXAMPLES)
def test_each_spec_example_row_is_permitted(
    table: PermittedExchanges, requester: BodyKind, task_id: str, provider: BodyKind, item: str
) -> None:
    """SPEC.md 5's examples are allowed, with the permitting row and its legal basis."""
    decision = table.check(requester, task_id, provider, item)
    assert decision.allowed, decision.reason
    assert decision.row is not None
    assert decision.row.requester is requester
    assert decision.row.provider is provider
    assert decision.row.legal_basis_en in decision.reason
    assert table.require(requester, task_id, provider, item) is decision.row


def test_every_item_of_every_row_is_permitted_and_named(table: PermittedExchanges) -> None:
    """What a row lists, check allows; every item has a Japanese and an English name."""
    for row in table:
        for item in row.items:
            assert table.check(row.requester, row.task.id, row.provider, item).row is row
            assert table.items[item].name_ja.strip()
            assert table.items[item].name_en.strip()


def test_an_employer_is_never_a_requester(table: PermittedExchanges) -> None:
    """Employers are number-handling bodies: no row lets them ask, and asking is refused."""
    assert table.rows_for(K.EMPLOYER) == ()
    assert table.rows_for(K.BANK) == ()
    decision = table.check(K.EMPLOYER, "employer:withholding-slip", K.TAX_OFFICE, "income")
    assert not decision.allowed
    assert decision.row is None
    assert "the employer is a number-handling body" in decision.reason
    assert "not on the information provision network" in decision.reason


def test_a_video_rental_shop_is_refused(table: PermittedExchanges) -> None:
    """A body that may not handle numbers gets nothing, and is told so."""
    decision = table.check(
        K.VIDEO_RENTAL_SHOP, "city-office:child-allowance", K.CITY_OFFICE, "local-tax-income"
    )
    assert not decision.allowed
    assert "the video rental shop may not handle numbers at all" in decision.reason


def test_the_wrong_provider_is_refused_naming_the_right_one(table: PermittedExchanges) -> None:
    """A city may ask the former city for income data, not the tax office."""
    decision = table.check(
        K.CITY_OFFICE, "city-office:child-allowance", K.TAX_OFFICE, "local-tax-income"
    )
    assert not decision.allowed
    assert "not the tax office" in decision.reason
    assert "the city office (row child-allowance-income-from-former-city)" in decision.reason


def test_an_item_not_in_the_row_is_refused(table: PermittedExchanges) -> None:
    """A dependant check gets taxation status and resident record, not the benefit account."""
    decision = table.check(
        K.HEALTH_INSURER,
        "health-insurer:dependant-approval",
        K.CITY_OFFICE,
        "public-benefit-account",
    )
    assert not decision.allowed
    assert "row dependant-approval-from-city" in decision.reason
    assert "not for registered public-benefit account" in decision.reason


def test_an_item_the_table_does_not_know_is_refused(table: PermittedExchanges) -> None:
    """An unknown data item is refused and named as such."""
    decision = table.check(K.CITY_OFFICE, "city-office:child-allowance", K.CITY_OFFICE, "bank")
    assert not decision.allowed
    assert "not for 'bank' (no such item)" in decision.reason


def test_an_unknown_task_is_refused(table: PermittedExchanges) -> None:
    """A task no law lists is refused, naming it and the requester's own tasks."""
    decision = table.check(K.CITY_OFFICE, "city-office:marketing", K.CITY_OFFICE, "resident-record")
    assert not decision.allowed
    assert "'city-office:marketing' is not a task the law lists" in decision.reason
    assert "city-office:child-allowance" in decision.reason


def test_another_bodys_task_is_refused(table: PermittedExchanges) -> None:
    """A health insurer may not ask for data for the city's child allowance."""
    decision = table.check(
        K.HEALTH_INSURER, "city-office:child-allowance", K.CITY_OFFICE, "local-tax-income"
    )
    assert not decision.allowed
    assert "is not a task of the health insurance society" in decision.reason


def test_a_task_without_a_row_is_refused(table: PermittedExchanges) -> None:
    """The network provides nothing for a task the table has no row for."""
    decision = table.check(K.CITY_OFFICE, "city-office:resident-tax", K.CITY_OFFICE, "resident-tax")
    assert not decision.allowed
    assert "the table has no row" in decision.reason
    assert "resident tax" in decision.reason


def test_require_raises_with_the_reason(table: PermittedExchanges) -> None:
    """require() turns a refusal into ExchangeNotPermitted carrying the reason."""
    with pytest.raises(ExchangeNotPermitted, match="not the tax office"):
        table.require(
            K.CITY_OFFICE, "city-office:child-allowance", K.TAX_OFFICE, "local-tax-income"
        )


def test_rows_are_found_by_requester_and_id(table: PermittedExchanges) -> None:
    """rows_for lists a requester's rows; row() refuses an unknown id by name."""
    insurer_rows = table.rows_for(K.HEALTH_INSURER)
    assert {row.task.id for row in insurer_rows} == {
        "health-insurer:dependant-approval",
        "health-insurer:enrolment",
        "health-insurer:benefit-payment",
    }
    with pytest.raises(UnknownExchangeRow, match="'no-such-row'"):
        table.row("no-such-row")


def test_a_hand_written_table_loads(tmp_path: Path) -> None:
    """A minimal valid file loads with its note and its items."""
    path = tmp_path / "table.toml"
    path.write_text(ITEMS + _row(note="after a move", items=["income", "address"]), "utf-8")
    table = load_table(path)
    assert len(table) == 1
    assert table.row("r1").note == "after a move"
    assert table.row("r1").items == ("income", "address")


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (_row(provider=None), "exchange row 1 ('r1'): field 'provider' is missing"),
        (_row(id=None), "exchange row 1: field 'id' is missing"),
        (_row(extra="x"), "exchange row 1 ('r1'): unknown field 'extra'"),
        (_row(requester="city-hall"), "field 'requester' is 'city-hall', not a kind of body"),
        (_row(task="city-office:marketing"), "field 'task' is 'city-office:marketing'"),
        (_row(task="health-insurer:enrolment"), "not a task of the city office"),
        (
            _row(requester="employer", task="employer:withholding-slip"),
            "field 'requester': the employer is a number-handling body",
        ),
        (_row(provider="bank"), "field 'provider': the bank is a number-handling body"),
        (_row(provider="pollster"), "field 'provider': the pollster may not handle numbers"),
        (_row(items=["salary"]), "field 'items' names 'salary'"),
        (_row(items=[]), "field 'items' must be a list of at least one"),
        (_row(items="income"), "field 'items' must be a list"),
        (_row(items=["income", "income"]), "names a data item twice"),
        (_row(legal_basis_en=" "), "field 'legal_basis_en' must be non-empty text"),
        (_row(legal_basis_ja=19), "field 'legal_basis_ja' must be non-empty text"),
        (_row(id="Row 1"), "('Row 1'): field 'id' must be lower-case"),
        (_row() + _row(), "exchange row 2 ('r1'): field 'id' repeats"),
        (_row() + _row(id="r2"), "exchange row 2 ('r2'): row 'r1' already lets"),
    ],
)
def test_a_malformed_row_is_refused_naming_row_and_field(
    tmp_path: Path, rows: str, expected: str
) -> None:
    """Each mistake in a row refuses the whole table, naming the file, the row and the field."""
    path = tmp_path / "table.toml"
    path.write_text(ITEMS + rows, "utf-8")
    with pytest.raises(InvalidTable) as caught:
        load_table(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ITEMS, "field 'exchanges' is missing"),
        ("exchanges = []\n" + ITEMS, "an empty table would permit nothing"),
        ("", "field 'items' is missing"),
        (_row(), "field 'items' is missing"),
        ('items = "income"\n' + _row(), "'items' must hold at least one [items.<id>] table"),
        ("[items.income]\nname_ja = '所得'\n" + _row(), "data item 'income': field 'name_en'"),
        (
            "[items.Income]\nname_ja = 'a'\nname_en = 'b'\n" + _row(),
            "data item 'Income': a data item id",
        ),
        (ITEMS + "version = 1\n" + _row(), "unknown field 'version'"),
        ("[[exchanges]\n", "not a UTF-8 TOML file"),
    ],
)
def test_a_malformed_or_empty_table_is_refused(tmp_path: Path, text: str, expected: str) -> None:
    """A table without rows, without items or not TOML at all is refused: fail closed."""
    path = tmp_path / "table.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(InvalidTable) as caught:
        load_table(path)
    assert expected in str(caught.value)


def test_a_table_that_is_not_utf8_is_refused() -> None:
    """Bytes that are not UTF-8 are refused, naming the source."""
    with pytest.raises(InvalidTable, match=r"^shipped: not a UTF-8 TOML file"):
        parse_table(b"\xff\xfe", source="shipped")


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    """A path to no file is refused with the path, as InvalidTable."""
    path = tmp_path / "absent.toml"
    with pytest.raises(InvalidTable, match="cannot read the table"):
        load_table(path)


def test_an_empty_table_cannot_be_built_in_code() -> None:
    """PermittedExchanges refuses no rows even when built directly."""
    with pytest.raises(InvalidTable, match="empty"):
        PermittedExchanges([], {})
