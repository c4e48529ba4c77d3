"""``mynumber resident``: the counter's actions on one resident, from the command line.

The same actions as the counter pages and the JSON API, through the same register service and the
same checks (:mod:`mynumber.register.schemas`): register a person, show or find one, record a
life event, change a number. Each command is one unit of work: a refusal is one line naming the
option at fault, and nothing is written.

A number to find its holder by is read from standard input (typed unseen, or piped), never taken
as an argument: arguments end up in shell history and in every process listing.
"""

import sys
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from mynumber.cards import registry as registry_services
from mynumber.cli.output import JSON_OPTION, emit
from mynumber.cli.registry import DirOption, Registry, open_registry
from mynumber.register.clerks import ClerkRequired, clerk_named
from mynumber.register.counter import (
    EVENT_ACTIONS,
    ResidentSummary,
    ResidentView,
    resident_view,
    summary,
)
from mynumber.register.exceptions import InvalidResidentRecord
from mynumber.register.models import EventKind
from mynumber.register.schemas import NameSearch, NumberQuery, Registration, today
from mynumber.register.search import ResidentSearch
from mynumber.register.services import RegisterService
from mynumber.storage import unit_of_work

app = typer.Typer(
    help="One resident at a time: register, show, find, record life events, change a number.",
    no_args_is_help=True,
)

_Model = TypeVar("_Model", bound=BaseModel)

ResidentArgument = Annotated[int, typer.Argument(help="The resident's id on the register.")]
ClerkOption = Annotated[
    str, typer.Option("--clerk", help="Who records this (required): the register keeps the name.")
]
DateOption = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="When it happened: YYYY-MM-DD or an era date (令和8年11月26日) [default: today].",
    ),
]
JsonOption = Annotated[bool, JSON_OPTION]
FamilyName = Annotated[str, typer.Option("--family-name", help="The family name as written.")]
GivenName = Annotated[str, typer.Option("--given-name", help="The given name as written.")]
FamilyKana = Annotated[
    str, typer.Option("--family-name-kana", help="The family name's reading, in katakana.")
]
GivenKana = Annotated[
    str, typer.Option("--given-name-kana", help="The given name's reading, in katakana.")
]
PostalCode = Annotated[str, typer.Option("--postal-code", help="7 digits (100-0001 is accepted).")]
Address = Annotated[str, typer.Option("--address", help="The address as the register writes it.")]


@app.command("register")
def register(
    family_name: FamilyName,
    given_name: GivenName,
    family_name_kana: FamilyKana,
    given_name_kana: GivenKana,
    date_of_birth: Annotated[
        str, typer.Option("--born", help="Date of birth: YYYY-MM-DD or a Japanese era date.")
    ],
    sex: Annotated[str, typer.Option("--sex", help="male or female.")],
    municipality_code: Annotated[
        str, typer.Option("--municipality", help="全国地方公共団体コード, 6 digits.")
    ],
    postal_code: PostalCode,
    address: Address,
    clerk: ClerkOption,
    event: Annotated[
        str, typer.Option("--event", help="birth, move-in or move-in-from-abroad.")
    ] = "move-in",
    occurred_on: DateOption = None,
    nationality: Annotated[
        str, typer.Option("--nationality", help="ISO 3166 alpha-2 code.")
    ] = "JP",
    latin_name: Annotated[
        str | None, typer.Option("--latin-name", help="A foreign resident's name in Latin script.")
    ] = None,
    former_surname: Annotated[
        str | None, typer.Option("--former-surname", help="旧氏, if registered.")
    ] = None,
    alias: Annotated[str | None, typer.Option("--alias", help="通称, if registered.")] = None,
    resident_status: Annotated[
        str | None, typer.Option("--status", help="A foreign resident's status of residence.")
    ] = None,
    period_of_stay_until: Annotated[
        str | None, typer.Option("--stay-until", help="A foreign resident's period of stay.")
    ] = None,
    household_head: Annotated[
        bool, typer.Option("--household-head", help="The person heads their household.")
    ] = False,
    language: Annotated[
        str, typer.Option("--language", help="Preferred language: ja, en, zh, ko, vi, pt, tl.")
    ] = "ja",
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put a person on the register: a new resident record code and number, in one transaction."""
    body = _checked(
        Registration,
        {
            "family_name": family_name,
            "given_name": given_name,
            "family_name_kana": family_name_kana,
            "given_name_kana": given_name_kana,
            "event": event,
            "date": occurred_on or today(),
            "date_of_birth": date_of_birth,
            "sex": sex,
            "municipality_code": municipality_code,
            "postal_code": postal_code,
            "address": address,
            "nationality": nationality,
            "latin_name": latin_name,
            "former_surname": former_surname,
            "alias": alias,
            "period_of_stay_until": period_of_stay_until,
            "resident_status": resident_status,
            "household_head": household_head,
            "preferred_language": language,
        },
    )
    who = clerk_named(clerk)
    with open_registry(directory) as registry, unit_of_work(registry.sessions) as session:
        resident = _service(registry, session).register(
            body.record(), event=EventKind(body.event), occurred_on=body.date, clerk=who
        )
        view = resident_view(resident)
    _show(view, as_json=as_json, headline=f"registered resident {view.id}")


@app.command("show")
def show(
    resident_id: ResidentArgument,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Show the whole number (needs --clerk).")
    ] = False,
    clerk: Annotated[
        str | None, typer.Option("--clerk", help="Who asks; needed to reveal the number.")
    ] = None,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a resident: attributes, state, number (masked unless revealed) and history."""
    if reveal and clerk is None:
        msg = "only a named clerk sees a whole number: add --clerk NAME to --reveal"
        raise ClerkRequired(msg)
    if clerk is not None:
        clerk_named(clerk)
    with open_registry(directory) as registry, unit_of_work(registry.sessions) as session:
        view = resident_view(_service(registry, session).get(resident_id), reveal=reveal)
    _show(view, as_json=as_json, headline=f"resident {view.id}")


@app.command("find")
def find(directory: DirOption = None, as_json: JsonOption = False) -> None:
    """Find the holder of a number, read from standard input; a replaced number finds no one."""
    if sys.stdin.isatty():
        typed = typer.prompt("Individual Number", hide_input=True, err=True)
    else:
        typed = sys.stdin.readline().strip()
    query = _checked(NumberQuery, {"number": typed})
    with open_registry(directory) as registry, unit_of_work(registry.sessions) as session:
        view = resident_view(_service(registry, session).find_by_number(query.number))
    _show(view, as_json=as_json, headline=f"resident {view.id} holds that number")


@app.command("search")
def search(
    name: Annotated[str, typer.Option("--name", help="The name as written, or its kana reading.")],
    date_of_birth: Annotated[
        str, typer.Option("--born", help="Date of birth: YYYY-MM-DD or a Japanese era date.")
    ],
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the residents of a name born on a day; a list never shows a number."""
    query = _checked(NameSearch, {"name": name, "date_of_birth": date_of_birth})
    with open_registry(directory) as registry, unit_of_work(registry.sessions) as session:
        found = [
            summary(resident)
            for resident in ResidentSearch(session).by_name_and_birth(
                query.name, query.date_of_birth
            )
        ]
    if as_json:
        emit({"residents": [item.model_dump(mode="json") for item in found]}, as_json=True, text="")
        return
    lines = [_summary_line(item) for item in found] or ["no resident of that name born that day"]
    typer.echo("\n".join(lines))


@app.command("address-change")
def address_change(
    resident_id: ResidentArgument,
    postal_code: PostalCode,
    address: Address,
    clerk: ClerkOption,
    occurred_on: DateOption = None,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a move within the municipality (転居); the number stays."""
    _event(
        "address-change",
        resident_id,
        {"postal_code": postal_code, "address": address},
        clerk=clerk,
        occurred_on=occurred_on,
        directory=directory,
        as_json=as_json,
    )


@app.command("name-change")
def name_change(
    resident_id: ResidentArgument,
    family_name: FamilyName,
    given_name: GivenName,
    family_name_kana: FamilyKana,
    given_name_kana: GivenKana,
    clerk: ClerkOption,
    occurred_on: DateOption = None,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a new name and its reading; the number stays."""
    _event(
        "name-change",
        resident_id,
        {
            "family_name": family_name,
            "given_name": given_name,
            "family_name_kana": family_name_kana,
            "given_name_kana": given_name_kana,
        },
        clerk=clerk,
        occurred_on=occurred_on,
        directory=directory,
        as_json=as_json,
    )


def _removal(action: str, summary: str) -> None:
    """Add the command that takes a resident off the register by ``action`` (move-out, death)."""

    def command(
        resident_id: ResidentArgument,
        clerk: ClerkOption,
        occurred_on: DateOption = None,
        directory: DirOption = None,
        as_json: JsonOption = False,
    ) -> None:
        _event(
            action,
            resident_id,
            {},
            clerk=clerk,
            occurred_on=occurred_on,
            directory=directory,
            as_json=as_json,
        )

    command.__doc__ = summary
    app.command(action)(command)


_removal(
    "move-out", "Take a resident off the register by moving out (転出); the record and number stay."
)
_removal(
    "death", "Record a death; the record and the number stay, and the number is never issued again."
)


@app.command("number-change")
def number_change(
    resident_id: ResidentArgument,
    reason: Annotated[
        str, typer.Option("--reason", help="Why: the leak and the misuse feared (required).")
    ],
    clerk: ClerkOption,
    on_request: Annotated[
        bool,
        typer.Option(
            "--on-request/--ex-officio",
            help="Asked for by the resident, or decided by the mayor (職権).",
        ),
    ] = True,
    occurred_on: DateOption = None,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Issue the next generation's number after a leak; the old one finds no one from now on."""
    _event(
        "number-change",
        resident_id,
        {"reason": reason, "on_request": on_request},
        clerk=clerk,
        occurred_on=occurred_on,
        directory=directory,
        as_json=as_json,
    )


def _event(
    action: str,
    resident_id: int,
    fields: Mapping[str, Any],
    *,
    clerk: str,
    occurred_on: str | None,
    directory: DirOption,
    as_json: bool,
) -> None:
    """Record one life event through the counter's table of events, in one unit of work."""
    event = EVENT_ACTIONS[action]
    body = _checked(event.body, {**fields, "date": occurred_on or today()})
    who = clerk_named(clerk)
    with open_registry(directory) as registry, unit_of_work(registry.sessions) as session:
        service = _service(registry, session)
        resident = service.get(resident_id)
        event.perform(service, resident, body, who)
        session.flush()
        view = resident_view(resident)
    _show(view, as_json=as_json, headline=f"resident {view.id}: {action} recorded")


def _service(registry: Registry, session: Session) -> RegisterService:
    """Return the register over ``session``, its cards listening to every event."""
    return registry_services.register_service(session, registry.keys, registry.base_url)


def _checked(model: type[_Model], fields: Mapping[str, Any]) -> _Model:
    """Return ``fields`` checked as ``model``; a refusal names the option at fault."""
    try:
        return model.model_validate(dict(fields))
    except ValidationError as exc:
        error = exc.errors()[0]
        option = "--" + "-".join(str(part) for part in error["loc"]).replace("_", "-")
        msg = f"{_OPTION_NAMES.get(option, option)}: {error['msg']}"
        raise InvalidResidentRecord(msg) from exc


#: Options whose name differs from the field they fill.
_OPTION_NAMES = {
    "--date-of-birth": "--born",
    "--municipality-code": "--municipality",
    "--resident-status": "--status",
    "--period-of-stay-until": "--stay-until",
    "--preferred-language": "--language",
    "--number": "the number",
}


def _show(view: ResidentView, *, as_json: bool, headline: str) -> None:
    """Print a resident: a few lines for a person, the whole view with ``--json``."""
    if as_json:
        emit(view.model_dump(mode="json"), as_json=True, text="")
        return
    lines = [
        f"{headline}: {_summary_line(view)}",
        f"  resident record code {view.resident_record_code}",
        f"  number {view.number} (generation {view.number_generation})",
        f"  〒{view.postal_code[:3]}-{view.postal_code[3:]} {view.address}"
        + (" [address protected]" if view.address_protected else ""),
        *(
            f"  {event.occurred_on} {event.kind} (recorded by {event.recorded_by})"
            for event in view.history
        ),
    ]
    typer.echo("\n".join(lines))


def _summary_line(item: ResidentSummary) -> str:
    """Return one line naming a resident, without a number."""
    return (
        f"[{item.id}] {item.family_name} {item.given_name} "
        f"({item.family_name_kana} {item.given_name_kana}), born {item.date_of_birth}, "
        f"{item.sex}, {item.state}"
    )
