"""``mynumber number``: check, format and generate numbers."""

import secrets
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Annotated

import numpy as np
import typer
from numpy.typing import NDArray

from mynumber.cli.output import JSON_OPTION, emit
from mynumber.deployment import NodeKind, read_deployment
from mynumber.keys import load_node_keys
from mynumber.numbers import bulk, corporate, individual, resident_code
from mynumber.numbers.cleaning import clean
from mynumber.numbers.exceptions import InvalidFormat, InvalidLength, InvalidNumber
from mynumber.numbers.generator import NumberGenerator
from mynumber.settings import load_settings

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


#: The most codes ``generate --count`` makes in one run.
MAX_COUNT = 10_000_000


@app.command()
def generate(
    codes: Annotated[
        list[str] | None, typer.Argument(help="Resident record codes (11 digits) to convert.")
    ] = None,
    count: Annotated[
        int | None,
        typer.Option(
            "--count", help="Make COUNT new random resident record codes and convert them."
        ),
    ] = None,
    generation: Annotated[
        int, typer.Option("--generation", help="0 for a first number; one more after each change.")
    ] = 0,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="The deployment directory [default: $MYNUMBER_HOME]."),
    ] = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Convert resident record codes into Individual Numbers with the number authority's key."""
    if (codes is None) == (count is None):
        msg = "give resident record codes to convert, or --count N for N new random codes"
        raise InvalidFormat(msg)
    settings = load_settings(home=directory)
    registry = read_deployment(settings.home).of_kind(NodeKind.REGISTRY)[0]
    keys = load_node_keys(settings.home, registry.id, registry.kind, demo_allowed=settings.demo)
    if keys.number_authority is None:  # a registry always has one; load_node_keys refuses otherwise
        msg = (
            f"node {registry.id!r} has no number-authority key: create it with `mynumber init DIR`"
        )
        raise InvalidFormat(msg)
    inputs = _random_codes(count) if count is not None else _parsed_codes(codes or [])
    numbers = NumberGenerator(keys.number_authority).numbers_for(inputs, generation)
    pairs = [
        (f"{code:011d}", f"{number:012d}") for code, number in zip(inputs, numbers, strict=True)
    ]
    emit(
        {
            "generation": generation,
            "numbers": [{"resident_record_code": code, "number": number} for code, number in pairs],
        },
        as_json=as_json,
        text="\n".join(f"{code} {individual.format(number)}" for code, number in pairs),
    )


def _parsed_codes(codes: list[str]) -> NDArray[np.uint64]:
    """Validate every code given on the command line; the first invalid one stops the command."""
    return np.array([int(resident_code.validate(code)) for code in codes], dtype=np.uint64)


def _random_codes(count: int) -> NDArray[np.uint64]:
    """Make ``count`` distinct random resident record codes (10 random digits + check digit)."""
    if not 1 <= count <= MAX_COUNT:
        msg = f"--count takes 1 to {MAX_COUNT:,} codes, not {count:,}"
        raise InvalidFormat(msg)
    rng = np.random.default_rng(secrets.randbits(128))
    digits = rng.choice(10**10, size=count, replace=False, shuffle=False).astype(np.uint64)
    return digits * np.uint64(10) + bulk.resident_code_check_digits(digits)
