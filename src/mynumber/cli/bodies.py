"""``mynumber body``: the bodies of the information provision network, in the hub's database.

``register`` adds a body with the tasks its kind may perform and prints its API key -- once: the
hub keeps only its SHA-256, so a lost key means a new one. ``show`` prints a body's public
description; ``add-staff`` adds a member of its staff, whom every request of the body must name.
The hub's database is opened as ``mynumber ledger`` does, from the deployment in ``--dir``.
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from mynumber.cli.output import JSON_OPTION, emit
from mynumber.cli.registry import DirOption
from mynumber.deployment import NodeKind, read_deployment
from mynumber.network.api import BodyView, describe
from mynumber.network.profiles import BodyApplication
from mynumber.network.services import BodyRegistry
from mynumber.nodes.directory import check_databases, open_deployment
from mynumber.settings import ConfigurationError, Settings, load_settings
from mynumber.storage import create_engine, session_factory, unit_of_work

app = typer.Typer(
    help="The bodies of the network: register them, show them, add their staff.",
    no_args_is_help=True,
)

OperatorOption = Annotated[
    str, typer.Option("--operator", help="The hub operator who does this, as the hub records it.")
]
JsonOption = Annotated[bool, JSON_OPTION]


def hub_session(directory: DirOption) -> AbstractContextManager[Session]:
    """Open the hub of the deployment in ``directory`` (default: ``$MYNUMBER_HOME``)."""
    return hub_session_of(load_settings(home=directory))


@contextmanager
def hub_session_of(settings: Settings) -> Iterator[Session]:
    """Yield a session of the deployment's hub database in one unit of work."""
    hubs = read_deployment(settings.home).of_kind(NodeKind.HUB)
    if not hubs:
        msg = f"the deployment in {settings.home} has no hub node, so it registers no bodies"
        raise ConfigurationError(msg)
    opened = open_deployment(settings, [hubs[0].id])
    check_databases(opened)
    keys = opened.keys[hubs[0].id]
    engine = create_engine(hubs[0].resolved_database_url(settings.home), keys.field_keys)
    try:
        with unit_of_work(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _text(view: BodyView) -> str:
    """Return a body's description as lines for a person."""
    tasks = "\n".join(f"  {task.id}: {task.name_en} ({task.name_ja})" for task in view.tasks)
    return (
        f"{view.id}: {view.name_en} ({view.name_ja})\n"
        f"kind: {view.kind} ({view.category}, {view.category_ja})\n"
        f"corporate number: {view.corporate_number}\n"
        f"tasks:\n{tasks or '  none: this body may not handle numbers'}"
    )


@app.command("register")
def register(
    body_id: Annotated[str, typer.Argument(help="The body's id, e.g. city-office-131016.")],
    corporate_number: Annotated[str, typer.Option("--corporate-number", help="法人番号.")],
    name_ja: Annotated[str, typer.Option("--name-ja", help="The name in Japanese.")],
    name_en: Annotated[str, typer.Option("--name-en", help="The name in English.")],
    kind: Annotated[str, typer.Option("--kind", help="The kind of body, e.g. city-office.")],
    operator: OperatorOption,
    task: Annotated[list[str] | None, typer.Option("--task", help="A task id; repeat.")] = None,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a body; print its API key, this once."""
    application = BodyApplication(
        id=body_id,
        corporate_number=corporate_number,
        name_ja=name_ja,
        name_en=name_en,
        kind=kind,
        tasks=tuple(task or ()),
    )
    with hub_session(directory) as session:
        registry = BodyRegistry(session)
        body, api_key = registry.register_body(application, registered_by=operator)
        view = describe(registry, body)
    text = f"{_text(view)}\napi key (shown once, the hub keeps only its hash): {api_key}"
    emit({"body": view.model_dump(), "api_key": api_key}, as_json=as_json, text=text)


@app.command("show")
def show(
    body_id: Annotated[str, typer.Argument(help="The body's id.")],
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print a body's public description: kind, category, names, tasks."""
    with hub_session(directory) as session:
        registry = BodyRegistry(session)
        view = describe(registry, registry.body(body_id))
    emit(view.model_dump(), as_json=as_json, text=_text(view))


@app.command("add-staff")
def add_staff(
    body_id: Annotated[str, typer.Argument(help="The body's id.")],
    staff_id: Annotated[str, typer.Argument(help="The staff member's id at the body.")],
    name: Annotated[str, typer.Option("--name", help="The staff member's name.")],
    role: Annotated[str, typer.Option("--role", help="The staff member's role.")],
    operator: OperatorOption,
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an active member to a body's staff."""
    with hub_session(directory) as session:
        member = BodyRegistry(session).add_staff(body_id, staff_id, name, role, added_by=operator)
        data = {"body_id": body_id, "staff_id": member.staff_id, "name": member.name}
    emit({**data, "role": role}, as_json=as_json, text=f"{body_id}: added {staff_id} ({name})")
