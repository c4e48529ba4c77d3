"""The ``mynumber`` command: registers the command groups and turns errors into one line."""

import typer

from mynumber.cli import (
    bodies,
    card_counter,
    cards,
    deployment,
    holdings,
    ledger,
    notices,
    number,
    register,
    residents,
)
from mynumber.cli.output import fail
from mynumber.errors import MyNumberError

app = typer.Typer(
    name="mynumber",
    help="A national individual-number system: numbers, register, card, network, ledger, portal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(number.app, name="number")
app.add_typer(register.app, name="register")
app.add_typer(residents.app, name="resident")
app.add_typer(notices.app, name="notices")
card_counter.register(cards.app)
app.add_typer(cards.app, name="card")
app.add_typer(ledger.app, name="ledger")
app.add_typer(bodies.app, name="body")
app.add_typer(holdings.app, name="holdings")
deployment.register(app)


def main() -> None:
    """Run the command line; an error the user can fix becomes one line and a non-zero exit."""
    command = typer.main.get_command(app)
    try:
        status = command.main(prog_name="mynumber", standalone_mode=False)
    except typer.Abort:
        fail("interrupted", code=130)
    except typer.TyperException as exc:  # usage errors: an unknown option, a missing argument
        fail(f"{exc.format_message()} (see 'mynumber --help')", code=exc.exit_code)
    except MyNumberError as exc:
        fail(str(exc))
    if isinstance(status, int) and status:
        raise SystemExit(status)
