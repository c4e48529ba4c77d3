"""Appointing, accepting, revoking and using proxies, over the caller's session (never commits).

An appointment is **invited** when the resident asks for it: the registry keeps only the SHA-256
of its one-time code, which works for :data:`CODE_LIFETIME`. It is **active** once the proxy,
logged in with their own card, enters the code: that is their consent. It is **revoked** when the
resident says so, and only the resident can say so. Its standing is read afresh each time the proxy
acts: a revoked appointment, or a guardian's once the minor is 18, lets no one act.

>>> normalize_code(" k7qm-3xtb 9prw ")
'K7QM3XTB9PRW'
>>> age_on(date(2010, 4, 2), date(2028, 4, 1)), age_on(date(2010, 4, 2), date(2028, 4, 2))
(17, 18)
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from sqlalchemy import func, select

from mynumber.errors import MyNumberError
from mynumber.proxies.models import ProxyAppointment, ProxyUse

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from mynumber.register.models import Resident

#: The age of majority (民法 第4条, 18 since April 2022): a guardian acts for a minor only.
AGE_OF_MAJORITY: Final = 18
#: How long an invitation's code works.
CODE_LIFETIME: Final = timedelta(hours=72)
#: The most appointments, invited or active, a resident may have at once.
MOST_PROXIES: Final = 5
#: The letters of a code: Crockford's base32, which has no I, L, O or U to misread.
_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LENGTH: Final = 12


class ProxyKind(StrEnum):
    """Who a proxy is to the resident."""

    #: A legal guardian (法定代理人) of a minor.
    GUARDIAN = "guardian"
    #: Anyone the resident chooses, who consents (任意代理人).
    VOLUNTARY = "voluntary"


class ProxyState(StrEnum):
    """Where an appointment stands, as the resident and the proxy see it."""

    INVITED = "invited"
    ACTIVE = "active"
    REVOKED = "revoked"
    #: The invitation's code was never used in time.
    EXPIRED = "expired"
    #: A guardian's appointment, the minor having come of age.
    ENDED = "ended"


class ProxyRefused(MyNumberError):
    """The proxy cannot be appointed or accepted as asked; the reason says why."""

    code = "proxy-refused"


class ProxyCodeRefused(ProxyRefused):
    """No open appointment has the code given: mistyped, used, withdrawn or expired."""

    code = "proxy-code-refused"


class ProxyLimitReached(ProxyRefused):
    """The resident has as many proxies and open invitations as one may have."""

    code = "proxy-limit-reached"


class ProxyPersonRefused(ProxyRefused):
    """This resident cannot be the proxy: it is the person, a minor, or already their proxy."""

    code = "proxy-person-refused"


class GuardianRefused(ProxyRefused):
    """A legal guardian is for a minor, living in the minor's household as the register shows."""

    code = "proxy-guardian-refused"


class ProxyNotFound(MyNumberError):
    """There is no such appointment of the resident's (another person's is not found either)."""

    code = "proxy-not-found"


class ProxyNotPermitted(MyNumberError):
    """A proxy may not do this: only the person themself can."""

    code = "proxy-not-permitted"


@dataclass(frozen=True, slots=True)
class Invitation:
    """An appointment just invited, and its one-time code (shown once, never stored)."""

    appointment: ProxyAppointment
    code: str


def age_on(born: date, day: date) -> int:
    """Return the age in whole years on ``day`` of someone born on ``born``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def normalize_code(text: str) -> str:
    """Return a code as typed without spaces or hyphens, in capitals."""
    return "".join(text.split()).replace("-", "").upper()


def _hash(code: str) -> str:
    """Return the SHA-256 (hex) of a normalised code."""
    return hashlib.sha256(code.encode("ascii", errors="replace")).hexdigest()


def _new_code() -> str:
    """Return a fresh code, grouped by four for reading aloud."""
    letters = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(letters[start : start + 4] for start in range(0, _CODE_LENGTH, 4))


def _now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class Proxies:
    """The proxies of the register's residents."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = _now) -> None:
        """Work in ``session``; ``clock`` dates appointments and tells codes' age."""
        self._session = session
        self._clock = clock

    def state(self, appointment: ProxyAppointment, principal: Resident) -> ProxyState:
        """Return where ``appointment`` of ``principal`` stands now."""
        now = self._clock()
        if appointment.state == ProxyState.INVITED and appointment.code_expires_at <= now:
            return ProxyState.EXPIRED
        if (
            appointment.state == ProxyState.ACTIVE
            and appointment.kind == ProxyKind.GUARDIAN
            and age_on(principal.date_of_birth, now.date()) >= AGE_OF_MAJORITY
        ):
            return ProxyState.ENDED
        return ProxyState(appointment.state)

    def invite(self, principal: Resident, kind: ProxyKind) -> Invitation:
        """Invite a proxy for ``principal``; return the appointment and its one-time code.

        Refuses a guardian for an adult, and more than :data:`MOST_PROXIES` open appointments.
        """
        now = self._clock()
        if kind == ProxyKind.GUARDIAN and not self._minor(principal):
            msg = (
                f"a legal guardian acts for a minor (under {AGE_OF_MAJORITY}) only: "
                "appoint a voluntary proxy instead"
            )
            raise GuardianRefused(msg)
        standing = [
            found
            for found in self.appointed_by(principal.id)
            if self.state(found, principal) in {ProxyState.INVITED, ProxyState.ACTIVE}
        ]
        if len(standing) >= MOST_PROXIES:
            msg = f"you have {MOST_PROXIES} proxies or open invitations: revoke one first"
            raise ProxyLimitReached(msg)
        code = _new_code()
        appointment = ProxyAppointment(
            principal_id=principal.id,
            kind=kind.value,
            state=ProxyState.INVITED.value,
            code_hash=_hash(normalize_code(code)),
            invited_at=now,
            code_expires_at=now + CODE_LIFETIME,
        )
        self._session.add(appointment)
        self._session.flush()
        return Invitation(appointment, code)

    def accept(
        self, proxy: Resident, code: str, principal_of: Callable[[int], Resident]
    ) -> ProxyAppointment:
        """Make ``proxy`` the proxy of the appointment whose code is ``code``: their consent.

        ``principal_of`` returns a resident by id. Refuses an unknown or expired code, the
        resident's own appointment, a minor as proxy, a guardian the register does not show in the
        minor's household, and a proxy already appointed by the same resident.
        """
        now = self._clock()
        appointment = self._session.scalar(
            select(ProxyAppointment).where(
                ProxyAppointment.code_hash == _hash(normalize_code(code)),
                ProxyAppointment.state == ProxyState.INVITED.value,
            )
        )
        if appointment is None or appointment.code_expires_at <= now:
            msg = "no open appointment has this code: check it, or ask for a new one (72 hours)"
            raise ProxyCodeRefused(msg)
        principal = principal_of(appointment.principal_id)
        self._check_proxy(appointment, principal, proxy)
        appointment.proxy_id = proxy.id
        appointment.state = ProxyState.ACTIVE.value
        appointment.accepted_at = now
        appointment.code_hash = None
        self._session.flush()
        return appointment

    def _check_proxy(
        self, appointment: ProxyAppointment, principal: Resident, proxy: Resident
    ) -> None:
        """Refuse ``proxy`` for ``appointment`` of ``principal`` if they cannot be it."""
        if proxy.id == principal.id:
            msg = "this is your own invitation: give the code to the person who will act for you"
            raise ProxyPersonRefused(msg)
        if self._minor(proxy):
            msg = f"a proxy must be an adult ({AGE_OF_MAJORITY} or over)"
            raise ProxyPersonRefused(msg)
        if appointment.kind == ProxyKind.GUARDIAN and proxy.household_id != principal.household_id:
            msg = (
                "the resident register does not show you in the minor's household: a legal "
                "guardian living elsewhere is registered at the city office with proof of custody"
            )
            raise GuardianRefused(msg)
        already = self._session.scalar(
            select(ProxyAppointment.id).where(
                ProxyAppointment.principal_id == principal.id,
                ProxyAppointment.proxy_id == proxy.id,
                ProxyAppointment.state == ProxyState.ACTIVE.value,
            )
        )
        if already is not None:
            msg = "you are already a proxy of this resident"
            raise ProxyPersonRefused(msg)

    def revoke(self, principal: Resident, appointment_id: int) -> ProxyAppointment:
        """Revoke (or withdraw the invitation of) one of ``principal``'s own appointments."""
        appointment = self._session.get(ProxyAppointment, appointment_id)
        if appointment is None or appointment.principal_id != principal.id:
            msg = f"you have no proxy appointment {appointment_id}"
            raise ProxyNotFound(msg)
        if appointment.state != ProxyState.REVOKED:
            appointment.state = ProxyState.REVOKED.value
            appointment.revoked_at = self._clock()
            appointment.code_hash = None
            self._session.flush()
        return appointment

    def appointed_by(self, principal_id: int) -> list[ProxyAppointment]:
        """Return every appointment the resident made, newest first."""
        return list(
            self._session.scalars(
                select(ProxyAppointment)
                .where(ProxyAppointment.principal_id == principal_id)
                .order_by(ProxyAppointment.invited_at.desc(), ProxyAppointment.id.desc())
            )
        )

    def acting_for(self, proxy_id: int) -> list[ProxyAppointment]:
        """Return the appointments that made the resident a proxy, newest first."""
        return list(
            self._session.scalars(
                select(ProxyAppointment)
                .where(ProxyAppointment.proxy_id == proxy_id)
                .order_by(ProxyAppointment.accepted_at.desc(), ProxyAppointment.id.desc())
            )
        )

    def standing(self, principal: Resident, proxy_id: int) -> ProxyAppointment:
        """Return the appointment that lets ``proxy_id`` act for ``principal`` now, or refuse."""
        found = self._session.scalars(
            select(ProxyAppointment).where(
                ProxyAppointment.principal_id == principal.id,
                ProxyAppointment.proxy_id == proxy_id,
                ProxyAppointment.state == ProxyState.ACTIVE.value,
            )
        ).first()
        if found is None or self.state(found, principal) != ProxyState.ACTIVE:
            msg = "you are no longer this resident's proxy: they revoked it, or it ended"
            raise ProxyNotPermitted(msg)
        return found

    def record_use(self, appointment: ProxyAppointment) -> None:
        """Record that the proxy of ``appointment`` began to act."""
        self._session.add(ProxyUse(appointment_id=appointment.id, at=self._clock()))
        self._session.flush()

    def uses(self, appointment_ids: list[int]) -> dict[int, tuple[int, datetime]]:
        """Return, by appointment, how many times its proxy began to act, and the last time."""
        if not appointment_ids:
            return {}
        rows = self._session.execute(
            select(ProxyUse.appointment_id, func.count(), func.max(ProxyUse.at))
            .where(ProxyUse.appointment_id.in_(appointment_ids))
            .group_by(ProxyUse.appointment_id)
        )
        return {appointment: (count, last) for appointment, count, last in rows}

    def active_count(self, principal: Resident) -> int:
        """Return how many proxies may act for ``principal`` now."""
        return sum(
            1
            for found in self._session.scalars(
                select(ProxyAppointment).where(
                    ProxyAppointment.principal_id == principal.id,
                    ProxyAppointment.state == ProxyState.ACTIVE.value,
                )
            )
            if self.state(found, principal) == ProxyState.ACTIVE
        )

    def _minor(self, resident: Resident) -> bool:
        """Tell whether ``resident`` is under the age of majority today."""
        return age_on(resident.date_of_birth, self._clock().date()) < AGE_OF_MAJORITY
