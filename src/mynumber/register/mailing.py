"""How the notices of a batch go out: which residents share an envelope, and what it says.

The notices of a household travel in one envelope to the registered address. A member who filed
an alternate notice address (居所情報登録) in time gets an envelope of their own there, shared with
the members who filed the same address, so a notice never goes to a home its addressee fled.
Members share the registered address, so when any member of the household is under DV support
measures (DV等支援措置) every envelope of the household withholds it (``address_withheld``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from mynumber.notices import Address, HouseholdMember, HouseholdNotice
from mynumber.register.models import (
    IndividualNumberRecord,
    Notice,
    NoticeBatch,
    NumberState,
    Resident,
    ResidentState,
)
from mynumber.register.records import Language, Sex

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import date

    from sqlalchemy import Row, Select

#: One notice of a batch with its resident, the active number (decrypted) and whether the
#: household's address is withheld.
MemberRow = tuple[Notice, Resident, str, bool]


@dataclass(frozen=True)
class Envelope:
    """What goes out in one envelope: the notices of (part of) a household, and their ids."""

    household_id: int
    notice_ids: tuple[int, ...]
    notice: HouseholdNotice

    @property
    def file_stem(self) -> str:
        """Name the envelope by its household (never by a number); one sent elsewhere apart."""
        if self.notice.mailing_address is None:
            return f"household-{self.household_id:09d}"
        return f"household-{self.household_id:09d}-alt-{min(self.notice_ids):09d}"


def members_query(batch: NoticeBatch) -> Select[Notice, Resident, str, bool]:
    """Select the notices of ``batch`` of residents on the register, household by household."""
    housemate = aliased(Resident)
    protected = (
        exists()
        .where(housemate.household_id == Resident.household_id)
        .where(housemate.address_protected.is_(True))
    )
    return (
        select(Notice, Resident, IndividualNumberRecord.number, protected.label("withheld"))
        .join(Resident, Notice.resident_id == Resident.id)
        .join(
            IndividualNumberRecord,
            (IndividualNumberRecord.resident_id == Resident.id)
            & (IndividualNumberRecord.state == NumberState.ACTIVE.value),
        )
        .where(Notice.batch_id == batch.id, Resident.state == ResidentState.RESIDENT.value)
        .order_by(
            Resident.household_id,
            Resident.household_head.desc(),
            Resident.date_of_birth,
            Resident.id,
        )
    )


def envelopes(
    household_id: int,
    rows: Sequence[Row[Notice, Resident, str, bool]],
    municipality: str,
    issued: date,
) -> Iterator[Envelope]:
    """Split one household's rows by where each notice goes; make each envelope."""
    groups: dict[tuple[str, str] | None, list[MemberRow]] = {}
    for notice, resident, number, withheld in rows:
        where = None
        if notice.mailing_postal_code is not None and notice.mailing_address is not None:
            where = (notice.mailing_postal_code, notice.mailing_address)
        groups.setdefault(where, []).append((notice, resident, number, withheld))
    for where, members in groups.items():
        head = members[0][1]
        household = HouseholdNotice(
            municipality_name=municipality,
            issue_date=issued,
            registered_address=Address(head.postal_code, head.address),
            members=tuple(member(*row) for row in members),
            mailing_address=None if where is None else Address(*where),
        )
        yield Envelope(household_id, tuple(row[0].id for row in members), household)


def member(notice: Notice, resident: Resident, number: str, withheld: bool) -> HouseholdMember:  # noqa: FBT001 -- one row of the members query
    """Return a member of a household notice from its row."""
    return HouseholdMember(
        family_name=resident.family_name,
        given_name=resident.given_name,
        family_name_kana=resident.family_name_kana,
        given_name_kana=resident.given_name_kana,
        number=number,
        date_of_birth=resident.date_of_birth,
        sex=Sex(resident.sex),
        application_id=notice.application_id,
        preferred_language=Language(resident.preferred_language),
        latin_name=resident.latin_name,
        address_withheld=withheld,
    )
