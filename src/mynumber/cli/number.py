"""``mynumber number``: check, format and generate numbers."""

from enum import StrEnum
from types import ModuleType
from typing import Annotated

import typer

from mynumber.cli.output import JSON_OPTION, emit
from mynumber.numbers import corporate, individual, resident_code
from mynumber.numbers.cleaning import clean
from mynumber.numbers.exceptions import InvalidLength, InvalidNumber

app = typer.Typer(
    help="Check, format and generate Individual Numbers and the other number formats.",
    no_args_is_help=True,
)


class Kind(StrEnum):
    """The number formats the command knows."""

    INDIVIDUAL = "individual"
    CORPORATE = "corporate"
    RESIDENT_CODE = "resident-code"


_MODULES: dict[Kind, ModuleType] = {
    Kind.INDIVIDUAL: individual,
    Kind.CORPORATE: corporate,
    Kind.RESIDENT_CODE: resident_code,
}

NUMBER_ARGUMENT = typer.Argument(help="The number; spaces, hyphens and full-width digits are fine.")
KIND_OPTION = typer.Option(
    "--kind", help="The format; by default it is told by the number of digits (12, 13 or 11)."
)


def _kind_of(number: str, kind: Kind | None) -> Kind:
    """Return the format asked for, or the one whose length the number has."""
    if kind is not None:
        return kind
    length = len(clean(number))
    for candidate, module in _MODULES.items():
        if length == module.LENGTH:
            return candidate
    msg = (
        f"{number!r} has {length} digits: an Individual Number has 12, a Corporate Number 13 and a "
        "resident record code 11 (or name the format with --kind)"
    )
    raise InvalidLength(msg)


@app.command()
def check(
    number: Annotated[str, NUMBER_ARGUMENT],
    kind: Annotated[Kind | None, KIND_OPTION] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Say whether NUMBER is valid; exit 1 with the reason if it is not."""
    chosen: Kind | None = kind
    try:
        chosen = _kind_of(number, kind)
        module = _MODULES[chosen]
        digits = module.validate(number)
    except InvalidNumber as exc:
        emit(
            {
                "number": number,
                "kind": chosen,
                "valid": False,
                "error": exc.code,
                "reason": str(exc),
            },
            as_json=as_json,
            text=f"{number}: invalid: {exc}",
        )
        raise typer.Exit(1) from exc
    emit(
        {"number": digits, "kind": chosen.value, "valid": True, "formatted": module.format(digits)},
        as_json=as_json,
        text=f"{module.format(digits)}: a valid {module.NAME}",
    )


@app.command("format")
def format_number(
    number: Annotated[str, NUMBER_ARGUMENT],
    kind: Annotated[Kind | None, KIND_OPTION] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Print NUMBER in its printed form (the card's 4-4-4 groups for an Individual Number)."""
    chosen = _kind_of(number, kind)
    module = _MODULES[chosen]
    digits = module.validate(number)
    formatted = module.format(digits)
    emit(
        {"number": digits, "kind": chosen.value, "formatted": formatted},
        as_json=as_json,
        text=formatted,
    )
