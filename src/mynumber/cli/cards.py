"""``mynumber card``: the holder's side -- what the card app does with a card file.

These commands work on the holder's virtual card file (``--card FILE``) alone, with no database,
through :mod:`mynumber.cards.app`: ``show``, ``pin-status``, ``sign-challenge``, ``change-pin`` and
``unlock-pin``. ``status`` asks the registry about the card. The counter's commands (the clerk's
side) join this group from :mod:`mynumber.cli.card_counter`.

PINs are never arguments (arguments end up in shell history and in every process listing): they
are read with hidden prompts on a terminal, or one per line from standard input when it is piped,
in the order the command asks for them. A PIN being set is typed twice, and both entries must
agree before anything is tried. The card counts every wrong entry in its file as the chip would:
a wrong PIN is one line saying how many tries are left; a locked PIN says how to have it unlocked.

``status`` asks ``GET /api/cards/{manufacturing_number}`` of the deployment's registry (``--dir``)
through the client the nodes use for each other (:class:`mynumber.nodes.client.NodeClients`): by
default the registry node is served inside this process, on the registry's own database and keys,
as ``mynumber serve`` serves it in the embedded default; with ``--remote`` the call goes over the
network to the registry's ``base_url`` (a registry served elsewhere). Either way the answer is the
HTTP API's, so the holder sees what any caller of the API sees.
"""

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import anyio
import typer

from mynumber.cards import app as card_app
from mynumber.cards.exceptions import CardError, PinLocked
from mynumber.cards.pins import PinKind, check_new_pin, unlocking_pin
from mynumber.cards.virtual import VirtualCard
from mynumber.cli.output import JSON_OPTION, emit
from mynumber.cli.registry import DirOption
from mynumber.deployment import NodeKind, read_deployment
from mynumber.nodes.app import create_node_app
from mynumber.nodes.client import NodeClients
from mynumber.nodes.directory import check_databases, open_deployment
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.register.counter import mask
from mynumber.settings import Settings, load_settings

app = typer.Typer(
    help="The Individual Number Card: the holder's card file, and the counter's actions.",
    no_args_is_help=True,
)

CardOption = Annotated[Path, typer.Option("--card", help="The virtual card file.")]
KindArgument = Annotated[PinKind, typer.Argument(help="Which PIN.", show_default=False)]
JsonOption = Annotated[bool, JSON_OPTION]


class PinReader:
    """Reads PINs: hidden prompts on a terminal, one per line from standard input otherwise."""

    def pin(self, label: str) -> str:
        """Read one PIN, announced as ``label`` on a terminal."""
        if sys.stdin.isatty():
            return str(typer.prompt(label, hide_input=True, err=True)).strip()
        line = sys.stdin.readline()
        if not line:
            msg = (
                f"the {label} was not on standard input: pipe one PIN per line, in the order asked"
            )
            raise CardError(msg)
        return line.strip()

    def new_pin(self, kind: PinKind) -> str:
        """Read a new ``kind`` PIN twice; refuse entries that differ or a PIN breaking its rule."""
        first = self.pin(f"new {kind} PIN")
        again = self.pin(f"new {kind} PIN again")
        if first != again:
            msg = f"the two entries of the new {kind} PIN differ; nothing was changed, try again"
            raise CardError(msg)
        return check_new_pin(kind, first)


@app.command("show")
def show(
    card: CardOption,
    face: Annotated[
        bool, typer.Option("--face", help="Also read the card face (asks its PIN).")
    ] = False,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Show the whole number on the card face.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Show the card: manufacturing number, certificates; with --face the card-face text."""
    if reveal and not face:
        msg = "--reveal shows the number on the card face: add --face"
        raise CardError(msg)
    virtual = VirtualCard.open(card)
    data: dict[str, Any] = dict(card_app.describe(virtual))
    lines = _description(data)
    if face:
        with _unlock_hints(virtual):
            text = virtual.read_card_face(PinReader().pin("card-face PIN"))
        number = text.number if reveal else mask(text.number)
        data["card_face"] = {**text.to_json(), "number": number, "number_revealed": reveal}
        lines += [
            f"  number {number}",
            f"  {text.name}, born {text.date_of_birth}, {text.sex}",
            f"  {text.address}",
        ]
    emit(data, as_json=as_json, text="\n".join(lines))


@app.command("pin-status")
def pin_status(card: CardOption, as_json: JsonOption = False) -> None:
    """Show each PIN's tries left before it locks; no PIN is asked."""
    report = card_app.pin_report(VirtualCard.open(card))
    emit({"pins": report}, as_json=as_json, text=_pin_lines(report))


@app.command("sign-challenge")
def sign_challenge(
    challenge: Annotated[str, typer.Argument(help="The registry's one-time challenge.")],
    card: CardOption,
) -> None:
    """Answer a challenge: print the JSON body of POST /api/identity/card-confirmations.

    Asks the authentication PIN (to sign), then the card-face PIN (to read the number).
    """
    virtual = VirtualCard.open(card)
    reader = PinReader()
    with _unlock_hints(virtual):
        answer = card_app.answer_challenge(
            virtual,
            challenge,
            authentication_pin=reader.pin("authentication PIN"),
            card_face_pin=reader.pin("card-face PIN"),
        )
    typer.echo(json.dumps(answer.to_json(), sort_keys=True))


@app.command("sign-login")
def sign_login(
    challenge: Annotated[str, typer.Argument(help="The portal's one-time login challenge.")],
    card: CardOption,
) -> None:
    """Answer the portal's login challenge: print what to give its login page.

    Asks the authentication PIN only; the number is never read.
    """
    virtual = VirtualCard.open(card)
    with _unlock_hints(virtual):
        answer = card_app.answer_login(
            virtual, challenge, authentication_pin=PinReader().pin("authentication PIN")
        )
    typer.echo(json.dumps(answer.to_json(), sort_keys=True))


@app.command("change-pin")
def change_pin(kind: KindArgument, card: CardOption, as_json: JsonOption = False) -> None:
    """Change a PIN: the old one, then the new one twice."""
    virtual = VirtualCard.open(card)
    reader = PinReader()
    old = reader.pin(f"{kind} PIN")
    new = reader.new_pin(kind)
    with _unlock_hints(virtual):
        virtual.change_pin(kind, old, new)
    _pins_changed(virtual, f"the {kind} PIN is changed", as_json=as_json)


@app.command("unlock-pin")
def unlock_pin(kind: KindArgument, card: CardOption, as_json: JsonOption = False) -> None:
    """Reset the signature or authentication PIN with the other one, then the new PIN twice."""
    other = unlocking_pin(kind)
    if other is None:
        msg = (
            f"the {kind} PIN is reset only at the municipal office: bring the card and photo ID "
            "to the counter"
        )
        raise CardError(msg)
    virtual = VirtualCard.open(card)
    reader = PinReader()
    other_pin = reader.pin(f"{other} PIN")
    new = reader.new_pin(kind)
    with _unlock_hints(virtual):
        virtual.unlock_with(kind, other_pin, new)
    _pins_changed(virtual, f"the {kind} PIN is reset and has every try", as_json=as_json)


@app.command("status")
def status(
    card: CardOption,
    remote: Annotated[
        bool,
        typer.Option(
            "--remote", help="Ask the registry over the network at its base_url, not in-process."
        ),
    ] = False,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask the registry for the card's state and its certificates' status."""
    number = VirtualCard.open(card).manufacturing_number
    settings = load_settings(home=directory)
    view = anyio.run(_ask_registry, settings, number, remote)
    emit(view, as_json=as_json, text="\n".join(card_lines(view)))


def card_lines(view: dict[str, Any]) -> list[str]:
    """Return the lines showing a card as the registry's API answers it (``CardView``)."""
    ended = f" ({view['ended_reason']})" if view.get("ended_reason") else ""
    return [
        (
            f"card {view['manufacturing_number']} of resident {view['resident_id']}: "
            f"{view['state']}{ended}, issued {view['issued_on']}, expires {view['expires_on']}"
        ),
        *(
            f"  {cert['kind']} certificate {cert['serial']}: {cert['status']}"
            + (f" ({cert['revocation_reason']})" if cert.get("revocation_reason") else "")
            + f", valid until {cert['not_after']}"
            for cert in view["certificates"]
        ),
    ]


async def _ask_registry(settings: Settings, number: str, remote: bool) -> dict[str, Any]:
    """GET the card from the registry node, served in-process unless ``remote``."""
    deployment = read_deployment(settings.home)
    spec = deployment.of_kind(NodeKind.REGISTRY)[0]
    if remote:
        return await _get_card(NodeClients(deployment, settings), spec.id, number)
    opened = open_deployment(settings, [spec.id])
    check_databases(opened)
    node = create_node_app(spec, deployment, opened.keys[spec.id], settings=settings)
    clients = NodeClients(deployment, settings, in_process={spec.id: node})
    async with node.router.lifespan_context(node):  # claims the database; disposes of it after
        return await _get_card(clients, spec.id, number)


async def _get_card(clients: NodeClients, node_id: str, number: str) -> dict[str, Any]:
    """Return the registry's view of card ``number``; a refusal becomes a CardError."""
    try:
        view: dict[str, Any] = await clients.get_json(node_id, f"/api/cards/{number}")
    except NodeUnavailable as exc:
        if exc.status is None or exc.status >= 500:
            raise
        msg = f"the registry gave no status for card {number}: {exc.reason}"
        raise CardError(msg) from exc
    finally:
        await clients.aclose()
    return view


@contextmanager
def _unlock_hints(card: VirtualCard) -> Iterator[None]:
    """Add to a locked PIN's message the command that unlocks it with the other PIN."""
    try:
        yield
    except PinLocked as exc:
        counters = card.pin_status()
        hints = [
            f"to unlock the {kind} PIN with the {other} PIN: "
            f"mynumber card unlock-pin {kind} --card {card.path}"
            for kind, counter in counters.items()
            if counter.locked and (other := unlocking_pin(kind)) in counters
        ]
        if not hints:
            raise
        msg = f"{exc}; {'; '.join(hints)}"
        raise PinLocked(msg) from exc


def _pins_changed(card: VirtualCard, headline: str, *, as_json: bool) -> None:
    """Print what changed, and every PIN's tries left."""
    report = card_app.pin_report(card)
    emit({"pins": report}, as_json=as_json, text=f"{headline}\n{_pin_lines(report)}")


def _description(data: dict[str, Any]) -> list[str]:
    """Return the lines describing a card's public parts."""
    signature = "yes" if data["has_signature_certificate"] else "none (holder under 15)"
    return [
        f"card {data['manufacturing_number']}",
        (
            f"  authentication certificate {data['authentication_certificate_serial']}, "
            f"valid until {data['authentication_certificate_expires_at']}"
        ),
        f"  signature certificate: {signature}",
    ]


def _pin_lines(report: dict[str, dict[str, int | bool]]) -> str:
    """Return one line per PIN: its tries left, or that it is locked."""
    return "\n".join(
        f"{kind}: locked after {counter['limit']} wrong tries"
        if counter["locked"]
        else f"{kind}: {counter['remaining']} of {counter['limit']} tries left"
        for kind, counter in report.items()
    )
