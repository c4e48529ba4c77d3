"""The demo's institution profiles: one body per kind, valid corporate numbers, lawful tasks."""

import pytest

from mynumber.network.bodies import BodyKind, may_collect, parse_body_kind
from mynumber.network.exceptions import InvalidTable
from mynumber.network.profiles import BodyApplication, load_profiles
from mynumber.numbers import corporate

_BANK = '[[body]]\nid = "a"\ncorporate_number = "1"\nname_ja = "a"\nname_en = "a"\nkind = "bank"\n'
DEMO_KINDS = {
    BodyKind.CITY_OFFICE,
    BodyKind.TAX_OFFICE,
    BodyKind.PENSION_OFFICE,
    BodyKind.HELLO_WORK,
    BodyKind.HEALTH_INSURER,
    BodyKind.EMPLOYER,
    BodyKind.BANK,
    BodyKind.POLICE,
    BodyKind.VIDEO_RENTAL_SHOP,
}


def test_the_profiles_name_one_body_per_demo_kind_and_two_cities() -> None:
    """The file loads with a body of each kind the demo shows, two city offices, unique ids.

    The second city office is the city a resident moved from: the child-allowance flow asks it
    for the income it holds.
    """
    profiles = load_profiles()
    kinds = [parse_body_kind(body.kind) for body in profiles]
    assert set(kinds) == DEMO_KINDS
    assert len(kinds) == len(DEMO_KINDS) + 1
    assert kinds.count(BodyKind.CITY_OFFICE) == 2
    assert len({body.id for body in profiles}) == len(profiles)


@pytest.mark.parametrize("body", load_profiles(), ids=lambda body: body.id)
def test_every_corporate_number_validates(body: BodyApplication) -> None:
    """Each corporate number has 13 digits and a correct check digit."""
    assert corporate.is_valid(body.corporate_number)


def test_every_task_is_one_the_kind_may_perform() -> None:
    """A body lists only its own kind's tasks; the video rental shop lists none."""
    for body in load_profiles():
        kind = parse_body_kind(body.kind)
        assert all(may_collect(kind, task) for task in body.tasks), body.id
        assert bool(body.tasks) == (kind is not BodyKind.VIDEO_RENTAL_SHOP)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[body", "not valid TOML"),
        ("title = 'x'", r"holds no \[\[body\]\] tables"),
        ('[[body]]\nid = "a"', "body 1 has no corporate_number"),
        (
            _BANK + 'tasks = "bank:payment-records"',
            "tasks must be a list",
        ),
        (
            _BANK + 'number = "1"',
            "unknown fields",
        ),
    ],
)
def test_a_malformed_profiles_file_is_refused(text: str, message: str) -> None:
    """Bad TOML, no bodies, a missing field, mistyped tasks or an extra field: named refusals."""
    with pytest.raises(InvalidTable, match=message):
        load_profiles(text)
