"""The registry's answer to the police: the four attributes, with the request sealed at the hub.

A police body (authenticated by the hub, registered for ``police:criminal-investigation``)
presents a number, its case reference and the date on which the request is to be unsealed. The
registry has the hub record the request as a sealed ledger entry
(:mod:`mynumber.network.investigations`) and only then answers the person's four attributes
(name, date of birth, sex, address); if the hub cannot record it, the police get nothing (fail
closed). Any other body is refused, and the refusal recorded as a refused collection is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from mynumber.holdings.exceptions import CollectionRefused
from mynumber.network.investigations import INVESTIGATION_TASK, Investigation
from mynumber.register.exceptions import ResidentNotFound

if TYPE_CHECKING:
    from datetime import date

    from mynumber.holdings.interfaces import AuthenticatedBody
    from mynumber.register.models import Resident
    from mynumber.register.services import RegisterService


class RecordsInvestigations(Protocol):
    """The hub, as the police desk needs it (:class:`mynumber.holdings.hub.HttpHub`)."""

    def record_investigation(self, investigation: Investigation) -> int:
        """Append the sealed entry of ``investigation``; return its index."""


class PoliceDesk:
    """Answers investigative requests, each sealed into the hub's ledger first."""

    def __init__(self, register: RegisterService, hub: RecordsInvestigations) -> None:
        """Find residents in ``register``; record each request at ``hub``."""
        self._register = register
        self._hub = hub

    def answer(
        self, body: AuthenticatedBody, number: str, case_reference: str, unseal_on: date
    ) -> Resident:
        """Return the holder of ``number`` once the sealed record of the request is written."""
        if INVESTIGATION_TASK not in body.tasks:
            msg = (
                f"{body.name_en} ({body.id}) is not registered for criminal investigations: "
                "only the police may ask the register for a person in an investigation"
            )
            raise CollectionRefused(msg)
        try:
            resident = self._register.find_by_number(number)
        except ResidentNotFound as exc:
            msg = "the number given is not the current number of anyone on this register"
            raise ResidentNotFound(msg) from exc
        self._hub.record_investigation(
            Investigation(
                resident_record_code=resident.resident_record_code,
                body_id=body.id,
                staff=body.staff,
                case_reference=case_reference,
                unseal_on=unseal_on,
            )
        )
        return resident
