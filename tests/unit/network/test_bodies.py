"""Bodies and tasks: categories, the tasks the law lists, and who may collect a number for what."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumber.errors import MyNumberError
from mynumber.network.bodies import (
    PROFILES,
    TASKS,
    BodyCategory,
    BodyKind,
    Decision,
    Purpose,
    Task,
    get_task,
    may_collect,
    parse_body_kind,
    tasks_for,
)
from mynumber.network.exceptions import NetworkError, UnknownBodyKind, UnknownTask

USING = BodyCategory.NUMBER_USING
HANDLING = BodyCategory.NUMBER_HANDLING
OTHER = BodyCategory.OTHER

#: The tasks the demo relies on; their ids are stored in ledger entries and must not change.
REQUIRED_TASKS = [
    "city-office:resident-tax",
    "city-office:child-allowance",
    "city-office:high-cost-medical-care",
    "city-office:disaster-relief",
    "tax-office:income-tax",
    "pension-office:pension-enrolment",
    "pension-office:pension-benefit",
    "hello-work:employment-insurance",
    "health-insurer:enrolment",
    "health-insurer:dependant-approval",
    "health-insurer:benefit-payment",
    "employer:withholding-slip",
    "employer:social-insurance-enrolment",
    "bank:payment-records",
    "police:criminal-investigation",
]

ALLOWED_COLLECTIONS = [
    (BodyKind.EMPLOYER, "employer:withholding-slip"),
    (BodyKind.EMPLOYER, "employer:social-insurance-enrolment"),
    (BodyKind.BANK, "bank:payment-records"),
    (BodyKind.CITY_OFFICE, "city-office:child-allowance"),
    (BodyKind.TAX_OFFICE, "tax-office:income-tax"),
    (BodyKind.HEALTH_INSURER, "health-insurer:dependant-approval"),
]


@pytest.mark.parametrize(
    ("kind", "category"),
    [
        (BodyKind.CITY_OFFICE, USING),
        (BodyKind.TAX_OFFICE, USING),
        (BodyKind.PENSION_OFFICE, USING),
        (BodyKind.HELLO_WORK, USING),
        (BodyKind.HEALTH_INSURER, USING),
        (BodyKind.DIGITAL_AGENCY, USING),
        (BodyKind.JASSO, USING),
        (BodyKind.EMPLOYER, HANDLING),
        (BodyKind.BANK, HANDLING),
        (BodyKind.POLICE, OTHER),
        (BodyKind.VIDEO_RENTAL_SHOP, OTHER),
        (BodyKind.POLLSTER, OTHER),
    ],
)
def test_each_kind_has_the_category_the_law_gives_it(
    kind: BodyKind, category: BodyCategory
) -> None:
    """Using bodies, handling bodies (employers, banks) and everyone else are told apart."""
    assert kind.category is category
    assert PROFILES[kind].category is category


def test_every_kind_has_a_profile_with_japanese_and_english_names() -> None:
    """The portal can name every kind of body in both languages."""
    assert set(PROFILES) == set(BodyKind)
    for kind, profile in PROFILES.items():
        assert profile.kind is kind
        assert kind.name_ja.strip()
        assert kind.name_en.strip()
    for category in BodyCategory:
        assert category.name_ja.strip()
        assert category.name_en.strip()


def test_only_three_purposes_exist() -> None:
    """Tax, social security and disaster measures are the only fields the law allows."""
    assert {purpose.value for purpose in Purpose} == {"tax", "social-security", "disaster"}
    assert [purpose.name_ja for purpose in Purpose] == ["税", "社会保障", "災害対策"]


@pytest.mark.parametrize("task_id", REQUIRED_TASKS)
def test_the_demo_tasks_exist(task_id: str) -> None:
    """Every task the demo relies on is listed, with names in both languages."""
    task = get_task(task_id)
    assert task.id == task_id
    assert task.name_ja.strip()
    assert task.name_en.strip()


@pytest.mark.parametrize("task", TASKS.values(), ids=list(TASKS))
def test_task_ids_start_with_the_kind_that_performs_them(task: Task) -> None:
    """A task id reads '<kind>:<task>' and that kind performs it."""
    kind, _, slug = task.id.partition(":")
    assert slug
    assert BodyKind(kind) in task.performed_by


def test_only_the_investigation_lies_outside_the_three_fields() -> None:
    """Every task has a purpose except the police investigation, which is marked with a note."""
    outside = [task for task in TASKS.values() if task.purpose is None]
    assert [task.id for task in outside] == ["police:criminal-investigation"]
    assert all(task.investigation for task in outside)
    assert "第19条" in outside[0].note
    assert not any(task.investigation for task in TASKS.values() if task.purpose is not None)


def test_bodies_that_may_not_handle_numbers_perform_no_ordinary_task() -> None:
    """A video rental shop and a pollster perform no task; the police only the investigation."""
    assert tasks_for(BodyKind.VIDEO_RENTAL_SHOP) == ()
    assert tasks_for(BodyKind.POLLSTER) == ()
    assert [task.id for task in tasks_for(BodyKind.POLICE)] == ["police:criminal-investigation"]


@pytest.mark.parametrize(("kind", "task_id"), ALLOWED_COLLECTIONS)
def test_a_body_may_collect_for_its_own_task(kind: BodyKind, task_id: str) -> None:
    """An employer for withholding slips, a city for child allowance: allowed, with a reason."""
    decision = may_collect(kind, task_id)
    assert decision.allowed
    assert decision
    assert TASKS[task_id].name_en in decision.reason


@pytest.mark.parametrize("kind", [BodyKind.VIDEO_RENTAL_SHOP, BodyKind.POLLSTER])
@pytest.mark.parametrize("task_id", [*TASKS, "video-rental-shop:membership", "pollster:survey"])
def test_shops_and_pollsters_may_never_collect(kind: BodyKind, task_id: str) -> None:
    """A video rental shop or a pollster is refused for any task, and told it is forbidden."""
    decision = may_collect(kind, task_id)
    assert not decision.allowed
    assert not decision
    assert kind.name_en in decision.reason
    assert "may not ask for, collect or keep" in decision.reason
    assert "第15条" in decision.reason


def test_an_employer_collecting_for_marketing_is_refused() -> None:
    """'employer:marketing' is no task: the refusal names it and lists the employer's tasks."""
    decision = may_collect(BodyKind.EMPLOYER, "employer:marketing")
    assert not decision.allowed
    assert "'employer:marketing' is not a task the law lists" in decision.reason
    assert "employer:withholding-slip" in decision.reason


def test_a_body_may_not_collect_for_another_bodys_task() -> None:
    """A city office may not collect a number for an employer's withholding slip."""
    decision = may_collect(BodyKind.CITY_OFFICE, "employer:withholding-slip")
    assert not decision.allowed
    assert "is not a task of the city office" in decision.reason
    assert "city-office:child-allowance" in decision.reason


def test_the_police_may_obtain_a_number_only_for_an_investigation() -> None:
    """The investigation is allowed under 第19条 and sealed; any other police task is refused."""
    allowed = may_collect(BodyKind.POLICE, "police:criminal-investigation")
    assert allowed.allowed
    assert "第19条" in allowed.reason
    assert "sealed" in allowed.reason
    refused = may_collect(BodyKind.POLICE, "city-office:resident-tax")
    assert not refused.allowed
    assert "police:criminal-investigation" in refused.reason


@given(task_id=st.text(max_size=40).filter(lambda text: text not in TASKS))
def test_an_unknown_task_is_always_refused(task_id: str) -> None:
    """No body may collect a number for a task the law does not list."""
    for kind in BodyKind:
        decision = may_collect(kind, task_id)
        assert not decision.allowed
        assert decision.reason


def test_a_decision_is_true_only_when_allowed() -> None:
    """A decision can be tested directly in an if statement."""
    assert Decision(allowed=True, reason="ok")
    assert not Decision(allowed=False, reason="no")


def test_an_unknown_body_kind_is_refused_with_the_known_kinds() -> None:
    """'city-hall' is no kind of body; the error lists the kinds and is a ValueError."""
    with pytest.raises(UnknownBodyKind, match=r"'city-hall'.*city-office") as caught:
        parse_body_kind("city-hall")
    assert isinstance(caught.value, ValueError)
    assert caught.value.code == "unknown-body-kind"
    assert parse_body_kind("jasso") is BodyKind.JASSO


def test_an_unknown_task_raises_on_lookup() -> None:
    """get_task names the unknown task and is a LookupError and a NetworkError."""
    with pytest.raises(UnknownTask, match="'employer:marketing'") as caught:
        get_task("employer:marketing")
    assert isinstance(caught.value, LookupError)
    assert isinstance(caught.value, NetworkError)


def test_network_errors_share_the_root_error() -> None:
    """Every network error is a MyNumberError with the code network-error at its base."""
    assert issubclass(NetworkError, MyNumberError)
    assert NetworkError.code == "network-error"
