"""Notices of the number against real SQLite and PostgreSQL: batches, alternate addresses, DV."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from mynumber.notices import render_household_notice
from mynumber.numbers.generator import NumberGenerator
from mynumber.register.exceptions import NotOnRegister, RegisterError
from mynumber.register.models import (
    AlternateAddressReason,
    AlternateAddressRequest,
    EventKind,
    Notice,
    Resident,
)
from mynumber.register.municipalities import PostalMunicipalities
from mynumber.register.notices import AlternateAddressRefused, NoticeRefused, NoticeService
from mynumber.register.records import ResidentRecord, Sex
from mynumber.register.services import Clerk, RegisterService
from mynumber.storage import session_factory, unit_of_work

if TYPE_CHECKING:
    from collections.abc import Iterator

    import sqlalchemy
    from sqlalchemy.orm import Session

    from mynumber.register.mailing import Envelope
    from mynumber.register.models import NoticeBatch

CLERK = Clerk("clerk 1")
BORN = date(2026, 11, 1)
DEADLINE = date(2026, 12, 1)
#: 千代田区 (131016), postal code 100-0001.
TARO = ResidentRecord(
    family_name="山田",
    given_name="太郎",
    family_name_kana="ヤマダ",
    given_name_kana="タロウ",
    date_of_birth=date(1985, 4, 1),
    sex=Sex.MALE,
    municipality_code="131016",
    postal_code="1000001",
    address="東京都千代田区千代田1番1号",
    household_head=True,
)
HANAKO = replace(TARO, given_name="花子", given_name_kana="ハナコ", sex=Sex.FEMALE)
HANAKO = replace(HANAKO, date_of_birth=date(1987, 6, 2), household_head=False)
JIRO = replace(TARO, given_name="次郎", given_name_kana="ジロウ", date_of_birth=date(2019, 5, 1))
JIRO = replace(JIRO, household_head=False)
#: Another household of 千代田区 and a resident of 中央区 (131024).
SATO = replace(
    TARO, family_name="佐藤", family_name_kana="サトウ", address="東京都千代田区千代田2番"
)
SUZUKI = replace(TARO, family_name="鈴木", family_name_kana="スズキ", municipality_code="131024")
SUZUKI = replace(SUZUKI, postal_code="1040061", address="東京都中央区銀座1丁目1番1号")
SHELTER = {"postal_code": "530-0001", "address": "大阪府大阪市北区梅田3丁目1番1号"}


class Clock:
    """A clock the test moves; it starts at 2026-11-26 09:00 UTC (18:00 in Japan)."""

    def __init__(self) -> None:
        """Start at the test's today."""
        self.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        """Return the time the test set."""
        return self.now


@pytest.fixture
def session(migrated_engine: sqlalchemy.Engine) -> Iterator[Session]:
    """Yield a session of a migrated registry database, committed as a unit of work."""
    with unit_of_work(session_factory(migrated_engine)) as session:
        yield session


@pytest.fixture
def clock() -> Clock:
    """Return the clock both services read."""
    return Clock()


@pytest.fixture
def register(session: Session, clock: Clock) -> RegisterService:
    """Return the register over ``session``."""
    return RegisterService(
        session, NumberGenerator(bytes(range(32))), PostalMunicipalities(), clock=clock
    )


@pytest.fixture
def notices(session: Session, clock: Clock) -> NoticeService:
    """Return the notice service over ``session``."""
    return NoticeService(session, clock)


def _family(register: RegisterService) -> list[Resident]:
    """Register Taro, Hanako and Jiro in one household; return them."""
    taro = register.register(TARO, event=EventKind.BIRTH, occurred_on=BORN, clerk=CLERK)
    return [taro] + [
        register.register(
            record, event=EventKind.BIRTH, occurred_on=BORN, clerk=CLERK, household=taro.household
        )
        for record in (HANAKO, JIRO)
    ]


def _envelopes(notices: NoticeService, batch: NoticeBatch) -> list[Envelope]:
    return list(notices.household_notices(batch))


def _requests(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AlternateAddressRequest)) or 0)


def test_every_resident_gets_one_notice_with_a_unique_application_id(
    register: RegisterService, notices: NoticeService, session: Session
) -> None:
    """A batch covers the municipality's residents once; a later batch only the newcomers."""
    family = _family(register)
    sato = register.register(SATO, event=EventKind.BIRTH, occurred_on=BORN, clerk=CLERK)
    register.register(SUZUKI, event=EventKind.BIRTH, occurred_on=BORN, clerk=CLERK)
    first = notices.open_batch("131016", DEADLINE, "千代田区長")
    with pytest.raises(NoticeRefused, match="already has a notice"):
        notices.open_batch("131016", DEADLINE, "千代田区長")
    newcomer = register.register(
        replace(SATO, given_name="花", address="東京都千代田区千代田3番"),
        event=EventKind.BIRTH,
        occurred_on=BORN,
        clerk=CLERK,
    )
    second = notices.open_batch("13101-6", DEADLINE, "千代田区長")
    rows = session.execute(select(Notice.resident_id, Notice.batch_id, Notice.application_id)).all()
    assert sorted((resident, batch) for resident, batch, _ in rows) == sorted(
        [(resident.id, first.id) for resident in [*family, sato]] + [(newcomer.id, second.id)]
    )
    applications = [application for _, _, application in rows]
    assert len(set(applications)) == len(applications) == 5
    assert all(len(text) == 23 and text.isascii() and text.isdigit() for text in applications)


def test_a_household_shares_an_envelope_with_the_active_numbers(
    register: RegisterService, notices: NoticeService
) -> None:
    """One envelope per household, head first, each number the resident's current one."""
    taro, hanako, jiro = _family(register)
    register.register(SATO, event=EventKind.BIRTH, occurred_on=BORN, clerk=CLERK)
    new_number = register.change_number(
        hanako, reason="card posted online", on_request=True, occurred_on=BORN, clerk=CLERK
    )
    batch = notices.open_batch("131016", DEADLINE, "千代田区長")
    family = next(e for e in _envelopes(notices, batch) if e.household_id == taro.household_id)
    assert len(_envelopes(notices, batch)) == 2
    assert [member.given_name for member in family.notice.members] == ["太郎", "花子", "次郎"]
    assert family.notice.members[1].number == new_number
    assert family.notice.members[2].number == register.active_number(jiro).number
    assert family.notice.municipality_name == "千代田区"
    assert family.notice.send_to.address == TARO.address
    assert family.file_stem == f"household-{taro.household_id:09d}"


def test_an_alternate_address_before_the_deadline_gets_its_own_envelope(
    register: RegisterService, notices: NoticeService, session: Session
) -> None:
    """Filed on the deadline day, the notice goes to the address given, apart from the household."""
    taro, hanako, _ = _family(register)
    batch = notices.open_batch("131016", DEADLINE, "千代田区長")
    clock = Clock()
    clock.now = datetime(2026, 12, 1, 14, 59, tzinfo=UTC)  # 23:59 on the deadline, in Japan
    NoticeService(session, clock).file_alternate_address(
        hanako, batch, **SHELTER, reason="hospital-or-care", filed_by="clerk 2"
    )
    envelopes = {
        tuple(m.given_name for m in e.notice.members): e for e in _envelopes(notices, batch)
    }
    assert set(envelopes) == {("太郎", "次郎"), ("花子",)}
    apart = envelopes["花子",]
    assert apart.notice.send_to.postal_code == "5300001"
    assert apart.notice.send_to.address == SHELTER["address"]
    assert apart.file_stem.startswith(f"household-{taro.household_id:09d}-alt-")
    assert envelopes["太郎", "次郎"].notice.mailing_address is None
    request = session.scalars(select(AlternateAddressRequest)).one()
    assert (request.reason, request.filed_by) == (
        AlternateAddressReason.HOSPITAL_OR_CARE,
        "clerk 2",
    )


def test_after_the_deadline_the_request_is_refused_and_nothing_changes(
    register: RegisterService, notices: NoticeService, session: Session, clock: Clock
) -> None:
    """A request the day after the deadline (in Japan) is refused with the deadline named."""
    _, hanako, _ = _family(register)
    batch = notices.open_batch("131016", DEADLINE, "千代田区長")
    clock.now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # still 1 December in UTC
    message = (
        "the deadline for alternate notice addresses in this batch was 2026-12-01; "
        "the notice goes to the registered address"
    )
    with pytest.raises(AlternateAddressRefused) as refused:
        notices.file_alternate_address(
            hanako, batch, **SHELTER, reason="disaster", filed_by="clerk 2"
        )
    assert str(refused.value) == message
    assert _requests(session) == 0
    assert all(e.notice.mailing_address is None for e in _envelopes(notices, batch))


@pytest.mark.parametrize(
    ("reason", "text", "expected"),
    [
        ("", None, "give the reason the resident lives elsewhere"),
        ("  ", None, "give the reason the resident lives elsewhere"),
        ("holiday", None, "'holiday' is not a reason"),
        ("other", " ", "say in words why the resident lives elsewhere"),
    ],
)
def test_an_empty_or_unknown_reason_is_refused(
    register: RegisterService,
    notices: NoticeService,
    session: Session,
    *,
    reason: str,
    text: str | None,
    expected: str,
) -> None:
    """A request without a reason (or 'other' without words) is refused and nothing is written."""
    _, hanako, _ = _family(register)
    batch = notices.open_batch("131016", DEADLINE, "千代田区長")
    with pytest.raises(AlternateAddressRefused, match=expected):
        notices.file_alternate_address(
            hanako, batch, **SHELTER, reason=reason, reason_text=text, filed_by="clerk 2"
        )
    assert _requests(session) == 0


def test_a_resident_off_the_register_or_outside_the_batch_is_refused(
    register: RegisterService, notices: NoticeService, session: Session
) -> None:
    """A moved-out resident, and one without a notice in the batch, cannot file a request."""
    taro, hanako, _ = _family(register)
    batch = notices.open_batch("131016", DEADLINE, "千代田区長")
    suzuki = register.register(SUZUKI, event=EventKind.BIRTH, occurred_on=BORN, clerk=CLERK)
    register.remove(hanako, event=EventKind.MOVE_OUT, occurred_on=BORN, clerk=CLERK)
    with pytest.raises(NotOnRegister, match=f"resident {hanako.id} is moved-out"):
        notices.file_alternate_address(hanako, batch, **SHELTER, reason="other", filed_by="c")
    with pytest.raises(AlternateAddressRefused, match=f"no notice in batch {batch.id}"):
        notices.file_alternate_address(suzuki, batch, **SHELTER, reason="disaster", filed_by="c")
    assert _requests(session) == 0
    members = [m.given_name for e in _envelopes(notices, batch) for m in e.notice.members]
    assert members == ["太郎", "次郎"]  # the moved-out resident's notice is not sent
    assert notices.households(batch) == [taro.household_id]


@pytest.mark.parametrize(
    ("code", "deadline", "issuer", "expected"),
    [
        ("131017", DEADLINE, "千代田区長", "check digit"),
        ("131024", DEADLINE, "中央区長", "no resident of 131024"),
        ("131016", date(2026, 11, 25), "千代田区長", "the deadline 2026-11-25 has passed"),
        ("131016", DEADLINE, " ", "who issues the batch is empty"),
    ],
)
def test_a_batch_that_cannot_be_opened_writes_nothing(
    register: RegisterService,
    notices: NoticeService,
    session: Session,
    *,
    code: str,
    deadline: date,
    issuer: str,
    expected: str,
) -> None:
    """A bad municipality, a past deadline or no issuer is refused before any notice exists."""
    _family(register)
    with pytest.raises(RegisterError, match=expected):
        notices.open_batch(code, deadline, issuer)
    assert session.scalar(select(func.count()).select_from(Notice)) == 0


def test_printing_is_recorded_and_ends_the_chance_to_redirect(
    register: RegisterService, notices: NoticeService, session: Session
) -> None:
    """Printed households are no longer pending, and their notices can no longer be redirected."""
    taro, hanako, _ = _family(register)
    sato = register.register(SATO, event=EventKind.BIRTH, occurred_on=BORN, clerk=CLERK)
    batch = notices.open_batch("131016", DEADLINE, "千代田区長")
    family = list(notices.household_notices(batch, households=[taro.household_id]))
    assert notices.mark_printed(family) == 3
    assert notices.households(batch, unprinted_only=True) == [sato.household_id]
    assert len(notices.households(batch)) == 2
    assert (
        list(notices.household_notices(batch, households=[taro.household_id], unprinted_only=True))
        == []
    )
    with pytest.raises(AlternateAddressRefused, match="was printed on 2026-11-26"):
        notices.file_alternate_address(hanako, batch, **SHELTER, reason="disaster", filed_by="c")
    assert _requests(session) == 0


def _pdf_pages(pdf: bytes) -> list[str]:
    """Return the text of each page as pdftotext reads it, without whitespace (Debian's poppler)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is needed: apt-get install poppler-utils poppler-data")
    result = subprocess.run(  # noqa: S603 -- a fixed tool on our own PDF
        [tool, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    assert b"Missing language pack" not in result.stderr, "apt-get install poppler-data"
    pages = unicodedata.normalize("NFC", result.stdout.decode()).split("\f")
    return ["".join(page.split()) for page in pages if page.strip()]


def test_a_dv_protected_residents_registered_address_is_printed_nowhere_sent_elsewhere(
    register: RegisterService, notices: NoticeService, session: Session
) -> None:
    """Under DV support measures the shelter's PDF and the household's pages omit the address."""
    _, hanako, _ = _family(register)
    hanako.address_protected = True
    session.flush()
    batch = notices.open_batch("131016", DEADLINE, "千代田区長")
    notices.file_alternate_address(
        hanako, batch, **SHELTER, reason="domestic-violence", filed_by="clerk 2"
    )
    envelopes = {e.notice.members[0].given_name: e for e in _envelopes(notices, batch)}
    assert set(envelopes) == {"太郎", "花子"}
    shelter = "".join(_pdf_pages(render_household_notice(envelopes["花子"].notice)))
    assert "〒530-0001大阪府大阪市北区梅田3丁目1番1号" in shelter
    assert envelopes["花子"].notice.members[0].application_id in shelter
    for part in ("千代田1番1号", "東京都千代田区", "100-0001", "1000001", "太郎"):
        assert part not in shelter
    cover, *pages = _pdf_pages(render_household_notice(envelopes["太郎"].notice))
    assert "千代田1番1号" in cover  # that envelope goes to the registered address itself
    assert len(pages) == 2
    assert all("千代田1番1号" not in page for page in pages)  # withheld for the whole household
