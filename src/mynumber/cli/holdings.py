"""``mynumber holdings``: delete the holdings of numbers whose retention has ended.

``expire`` deletes every holding whose ``retention_until`` is before ``--today`` (default: today,
UTC): each gets a signed deletion receipt (:mod:`mynumber.holdings.receipts`) and a
``holding-deleted`` entry in the hub's ledger. The command opens the registry's database and the
hub's, both from the deployment in ``--dir``, and calls the hub's service in this process
(:class:`~mynumber.holdings.hub.DirectHub`): the command line is no node, so it cannot sign a
request to the hub's routes. Fail closed, one holding at a time: the hub records the deletion and
commits, then the registry deletes the holding and commits; if the hub does not record one, that
holding stays, the command stops with the reason, and the holdings deleted before it stay deleted.
Run it again to carry on.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer

from mynumber.cli.output import JSON_OPTION, emit
from mynumber.cli.registry import DirOption, registry_of
from mynumber.deployment import NodeKind, read_deployment
from mynumber.holdings.hub import DirectHub
from mynumber.holdings.models import NumberHolding
from mynumber.holdings.services import holding_service
from mynumber.nodes.directory import check_databases, open_deployment
from mynumber.settings import ConfigurationError, Settings, load_settings
from mynumber.storage import create_engine, session_factory, unit_of_work

app = typer.Typer(
    help="Holdings of numbers by bodies: delete them when their retention ends.",
    no_args_is_help=True,
)

TodayOption = Annotated[
    datetime | None,
    typer.Option(
        "--today",
        formats=["%Y-%m-%d"],
        help="Delete holdings kept until a day before this one (YYYY-MM-DD) [default: today, UTC].",
    ),
]
JsonOption = Annotated[bool, JSON_OPTION]


@contextmanager
def hub_of(settings: Settings) -> Iterator[DirectHub]:
    """Yield the deployment's hub, called in this process on its own database."""
    hubs = read_deployment(settings.home).of_kind(NodeKind.HUB)
    if not hubs:
        msg = f"the deployment in {settings.home} has no hub node, so it keeps no ledger"
        raise ConfigurationError(msg)
    opened = open_deployment(settings, [hubs[0].id])
    check_databases(opened)
    keys = opened.keys[hubs[0].id]
    engine = create_engine(hubs[0].resolved_database_url(settings.home), keys.field_keys)
    try:
        yield DirectHub(session_factory(engine), keys, hubs[0].base_url)
    finally:
        engine.dispose()


def _deleted(holding: NumberHolding) -> dict[str, Any]:
    """Return what the command reports of a deleted holding: never the person or the number."""
    receipt = (holding.deletion_receipt or {}).get("receipt", {})
    return {
        "holding": holding.id,
        "body": holding.body_id,
        "task": holding.task,
        "retention_until": holding.retention_until.isoformat(),
        "receipt_id": receipt.get("receipt_id"),
    }


@app.command("expire")
def expire(
    today: TodayOption = None,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete every holding whose retention ended, with a signed receipt for each."""
    settings = load_settings(home=directory)
    day: date = (today or datetime.now(UTC)).date()
    deleted: list[dict[str, Any]] = []
    with registry_of(settings) as registry, hub_of(settings) as hub:
        while True:
            with unit_of_work(registry.sessions) as session:
                service = holding_service(session, registry.keys, registry.base_url, hub)
                done = [_deleted(holding) for holding in service.expire(day, limit=1)]
            if not done:
                break
            deleted.extend(done)
    lines = [f"deleted {len(deleted)} holding(s) kept until before {day.isoformat()}"]
    lines += [
        f"  {d['holding']}: {d['body']} {d['task']} (receipt {d['receipt_id']})" for d in deleted
    ]
    emit({"today": day.isoformat(), "deleted": deleted}, as_json=as_json, text="\n".join(lines))
