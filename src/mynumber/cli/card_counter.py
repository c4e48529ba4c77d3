"""``mynumber card`` at the counter: the clerk's side of the card's lifecycle (SPEC.md 3).

On the registry database (:func:`~mynumber.cli.registry.open_registry`, ``--dir``), through the
same :class:`~mynumber.cards.services.CardService` as the JSON API: one unit of work per command,
a named clerk (``--clerk``) for every write; a refusal is one line and nothing is written.

The holder's PINs are read by :class:`~mynumber.cli.cards.PinReader`, never from arguments, once
the card has been checked and with no transaction open while the holder types. At a handover the
card file is staged beside ``--output`` and linked there (mode 0600, never over a file) just
before the registry commits; if the commit fails it is taken away again.
"""

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from mynumber.cards import registry as registry_services
from mynumber.cards import validity
from mynumber.cards.api import card_view
from mynumber.cards.exceptions import CardError, CardFileError
from mynumber.cards.issuance import administration_key
from mynumber.cards.models import ApplicationReason, Card, CardApplication, CardState
from mynumber.cards.pins import PinKind
from mynumber.cards.relying_parties import RelyingParties
from mynumber.cards.services import CardService
from mynumber.cards.virtual import VirtualCard
from mynumber.cli.cards import CardOption, JsonOption, KindArgument, PinReader, card_lines
from mynumber.cli.output import emit
from mynumber.cli.registry import ClerkOption, DirOption, Registry, open_registry
from mynumber.register.clerks import clerk_named
from mynumber.register.models import Resident
from mynumber.storage import unit_of_work

NumberArgument = Annotated[
    str, typer.Argument(help="The card's 16-digit manufacturing number.", show_default=False)
]
IdentityCheckOption = Annotated[
    str, typer.Option("--identity-check", help="The identity documents seen (required).")
]


class EndReason(StrEnum):
    """Why a card ends at the counter."""

    RETURNED = "returned"
    LOST = "lost"
    EXPIRED = "expired"


def register(app: typer.Typer) -> None:
    """Add the counter's commands to the ``card`` group ``app``."""
    app.command("apply")(apply)
    app.command("manufacture")(manufacture)
    app.command("hand-over")(hand_over)
    app.command("loss-report")(loss_report)
    app.command("lift-hold")(lift_hold)
    app.command("end")(end)
    app.command("reset-pin")(reset_pin)
    app.command("relying-party")(relying_party)


def apply(
    resident_id: Annotated[int, typer.Argument(help="The resident's id on the register.")],
    photo: Annotated[Path, typer.Option("--photo", help="The applicant's photo: JPEG or PNG.")],
    clerk: ClerkOption,
    reason: Annotated[
        ApplicationReason, typer.Option("--reason", help="Why the card is made.")
    ] = ApplicationReason.FIRST,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply for a card at the counter with the resident's photo."""
    who = clerk_named(clerk)
    image = _read_photo(photo)
    with open_registry(directory) as registry, unit_of_work(registry.sessions) as session:
        resident = registry_services.register_service(
            session, registry.keys, registry.base_url
        ).get(resident_id)
        made = _cards(registry, session).apply_at_counter(resident, image, who, reason=reason)
        data = {"application": made.id, "resident_id": made.resident_id, "reason": made.reason}
    emit(
        data,
        as_json=as_json,
        text=f"application {made.id} for resident {resident_id} ({reason}) recorded\n"
        f"next: mynumber card manufacture {made.id} --clerk NAME",
    )


def manufacture(
    application_id: Annotated[int, typer.Argument(help="The card application's id.")],
    clerk: ClerkOption,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make the card of an application: a new manufacturing number, security code and expiry."""
    clerk_named(clerk)
    with open_registry(directory) as registry, unit_of_work(registry.sessions) as session:
        application = session.get(CardApplication, application_id)
        if application is None:
            msg = f"there is no card application {application_id}; check the id `apply` printed"
            raise CardError(msg)
        made = _cards(registry, session).manufacture(application)
        number, expires = made.manufacturing_number, made.expires_on.isoformat()
        data = {"manufacturing_number": number, "resident_id": made.resident_id}
    emit(
        {**data, "expires_on": expires},
        as_json=as_json,
        text=f"card {number} made, valid until {expires}\nnext: mynumber card hand-over "
        f"{number} --output FILE --identity-check TEXT --clerk NAME",
    )


def hand_over(
    manufacturing_number: NumberArgument,
    output: Annotated[Path, typer.Option("--output", help="Where the card file goes (new).")],
    clerk: ClerkOption,
    identity_check: IdentityCheckOption = "",
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Hand a card over in person: the holder sets the PINs, the card file is written."""
    who = clerk_named(clerk)
    checked = _identity_check(identity_check, "a card is handed over")
    if output.exists() or output.is_symlink():
        msg = f"{output}: a file already exists there and is never overwritten; choose another"
        raise CardFileError(msg)
    if not output.parent.is_dir():
        msg = f"{output}: there is no directory {output.parent} to write the card file in"
        raise CardFileError(msg)
    with open_registry(directory) as registry:
        with unit_of_work(registry.sessions) as session:
            kinds = _pins_to_set(_cards(registry, session).card(manufacturing_number), session)
        reader = PinReader()
        pins = {kind: reader.new_pin(kind) for kind in kinds}
        with _staged(output) as (staged, place), unit_of_work(registry.sessions) as session:
            cards = _cards(registry, session)
            found = cards.card(manufacturing_number)
            cards.hand_over(found, clerk=who, identity_check=checked, pins=pins, path=staged)
            place()
            view = card_view(found).model_dump(mode="json")
    emit(
        {**view, "card_file": str(output)},
        as_json=as_json,
        text="\n".join([*card_lines(view), f"card file written to {output} (mode 0600)"]),
    )


def loss_report(
    manufacturing_number: NumberArgument,
    clerk: ClerkOption,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put a lost card on hold at once: both certificates suspended until lifted in person."""
    clerk_named(clerk)
    _on_card(directory, manufacturing_number, CardService.report_loss, as_json=as_json)


def lift_hold(
    manufacturing_number: NumberArgument,
    clerk: ClerkOption,
    identity_check: IdentityCheckOption = "",
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Lift a loss hold, in person only, after checking the holder's identity."""
    who = clerk_named(clerk)
    checked = _identity_check(identity_check, "a hold is lifted")
    _on_card(
        directory,
        manufacturing_number,
        lambda cards, card: cards.lift_hold(card, clerk=who, identity_check=checked),
        as_json=as_json,
    )


def end(
    manufacturing_number: NumberArgument,
    reason: Annotated[EndReason, typer.Option("--reason", help="Why the card ends.")],
    clerk: ClerkOption,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """End a card (returned, lost, expired): both certificates are revoked."""
    clerk_named(clerk)
    ending = reason.value
    _on_card(directory, manufacturing_number, lambda c, card: c.end(card, ending), as_json=as_json)


def reset_pin(
    manufacturing_number: NumberArgument,
    kind: KindArgument,
    card: CardOption,
    clerk: ClerkOption,
    identity_check: IdentityCheckOption = "",
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reset a PIN at the counter with the registry's key: the holder types the new PIN twice."""
    who = clerk_named(clerk)
    _identity_check(identity_check, "a PIN is reset")
    virtual = VirtualCard.open(card)
    if virtual.manufacturing_number != manufacturing_number:
        msg = f"{card} is card {virtual.manufacturing_number}, not {manufacturing_number}"
        raise CardError(msg)
    if kind not in virtual.pin_status():
        msg = f"this card has no {kind} PIN: it holds no signature certificate"
        raise CardError(msg)
    with open_registry(directory) as registry:
        with unit_of_work(registry.sessions) as session:
            found = _cards(registry, session).card(manufacturing_number)
            if found.state != CardState.ACTIVE.value:
                msg = f"card {manufacturing_number} is {found.state}, not a card in use"
                raise CardError(msg)
        key = administration_key(registry.keys, manufacturing_number)
    virtual.reset_pin(kind, PinReader().new_pin(kind), key)
    emit(
        {"manufacturing_number": manufacturing_number, "reset": kind.value, "by": who.name},
        as_json=as_json,
        text=f"the {kind} PIN of card {manufacturing_number} is reset ({who.name})",
    )


def relying_party(
    name: Annotated[str, typer.Argument(help="The body that will ask for revocation status.")],
    clerk: ClerkOption,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a relying party for CRL and OCSP; its token is shown this once."""
    who = clerk_named(clerk)
    with open_registry(directory) as registry, unit_of_work(registry.sessions) as session:
        token = RelyingParties(session).register(name, registered_by=who.name)
    emit(
        {"name": name.strip(), "token": token, "shown_once": True},
        as_json=as_json,
        text=f"registered relying party {name.strip()!r}; its access token is shown only now "
        f"(the registry keeps only its hash), so hand it over safely:\n{token}",
    )


def _cards(registry: Registry, session: Session) -> CardService:
    """Return the registry's cards over ``session``."""
    return registry_services.card_service(session, registry.keys, registry.base_url)


def _on_card(
    directory: Path | None,
    manufacturing_number: str,
    action: Callable[[CardService, Card], None],
    *,
    as_json: bool,
) -> None:
    """Do ``action`` to one card in one unit of work, then show the card."""
    with open_registry(directory) as registry, unit_of_work(registry.sessions) as session:
        cards = _cards(registry, session)
        found = cards.card(manufacturing_number)
        action(cards, found)
        view = card_view(found).model_dump(mode="json")
    emit(view, as_json=as_json, text="\n".join(card_lines(view)))


def _identity_check(text: str, what: str) -> str:
    """Return the identity check recorded, or refuse an empty one."""
    if not text.strip():
        msg = (
            f"{what} only after an identity check in person: record the documents seen with "
            "--identity-check (for example: 'notice and driving licence')"
        )
        raise CardError(msg)
    return text.strip()


def _pins_to_set(card: Card, session: Session) -> list[PinKind]:
    """Refuse a card not waiting for handover; return the PINs its holder sets (signature: 15+)."""
    if card.state != CardState.MANUFACTURED.value:
        msg = f"card {card.manufacturing_number} is {card.state}, not waiting for handover"
        raise CardError(msg)
    resident = session.get_one(Resident, card.resident_id)
    signs = validity.may_hold_signature_certificate(
        resident.date_of_birth, datetime.now(UTC).date()
    )
    return [kind for kind in PinKind if signs or kind is not PinKind.SIGNATURE]


@contextmanager
def _staged(output: Path) -> Iterator[tuple[Path, Callable[[], None]]]:
    """Yield where to write the card file and how to put it at ``output``; undo on failure."""
    placed = False

    def place() -> None:
        """Link the staged file at ``output``; refuse if a file appeared there meanwhile."""
        nonlocal placed
        try:
            os.link(staged, output)
        except FileExistsError as exc:
            msg = f"{output}: a file appeared there meanwhile and is never overwritten"
            raise CardFileError(msg) from exc
        placed = True

    try:
        staging = tempfile.TemporaryDirectory(dir=output.parent, prefix=".handover-")
    except OSError as exc:
        msg = f"{output}: cannot write the card file there ({exc.strerror}); choose another path"
        raise CardFileError(msg) from exc
    with staging as directory:
        staged = Path(directory) / "card.json"
        try:
            yield staged, place
        except BaseException:
            if placed:
                output.unlink(missing_ok=True)
            raise


def _read_photo(path: Path) -> bytes:
    """Return the photo file's bytes, or refuse a file that cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        msg = f"{path}: cannot read the photo ({exc.strerror}); check the path and permissions"
        raise CardError(msg) from exc
