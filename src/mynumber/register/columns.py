"""A resident record as the register's columns hold it: its own checks and its lookup keys.

What every way onto the register shares -- one registration at the counter
(:class:`mynumber.register.services.RegisterService`) and a batch of a million
(:mod:`mynumber.register.batch`) -- so both refuse the same records and write the same keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mynumber.register.exceptions import InvalidResidentRecord
from mynumber.register.matching import normalize_address, normalize_kana, normalize_name
from mynumber.register.models import ResidentState

if TYPE_CHECKING:
    from datetime import date

    from mynumber.register.records import ResidentRecord


def check_record(record: ResidentRecord, occurred_on: date) -> None:
    """Refuse a record that contradicts itself."""
    if record.date_of_birth > occurred_on:
        msg = f"the date of birth {record.date_of_birth} is after the event ({occurred_on})"
        raise InvalidResidentRecord(msg)
    for name in ("family_name", "given_name", "family_name_kana", "given_name_kana", "address"):
        if not getattr(record, name).strip():
            msg = f"the {name.replace('_', ' ')} is empty: fill it in"
            raise InvalidResidentRecord(msg)
    if (
        record.nationality != "JP"
        and record.period_of_stay_until is None
        and record.resident_status is None
    ):
        msg = "a foreign resident needs a status of residence or a period of stay"
        raise InvalidResidentRecord(msg)


def lookup_keys(record: ResidentRecord) -> dict[str, str]:
    """Return the normalised lookup keys of a record."""
    return {
        "name_key": normalize_name(record.family_name + record.given_name),
        "kana_key": normalize_kana(record.family_name_kana + record.given_name_kana),
        "address_key": normalize_address(record.address),
    }


def resident_columns(record: ResidentRecord) -> dict[str, Any]:
    """Return the resident columns a record fills."""
    return {
        "family_name": record.family_name,
        "given_name": record.given_name,
        "family_name_kana": record.family_name_kana,
        "given_name_kana": record.given_name_kana,
        "latin_name": record.latin_name,
        "former_surname": record.former_surname,
        "alias": record.alias,
        "date_of_birth": record.date_of_birth,
        "sex": record.sex.value,
        "nationality": record.nationality,
        "resident_status": record.resident_status,
        "period_of_stay_until": record.period_of_stay_until,
        "municipality_code": record.municipality_code,
        "postal_code": record.postal_code,
        "address": record.address,
        "household_head": record.household_head,
        "preferred_language": record.preferred_language.value,
        "state": ResidentState.RESIDENT.value,
        **lookup_keys(record),
    }
