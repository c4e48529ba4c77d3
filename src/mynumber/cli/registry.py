"""The registry node's database as the command line opens it: the deployment's one register."""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from mynumber.deployment import NodeKind, read_deployment
from mynumber.keys import NodeKeys
from mynumber.nodes.directory import check_databases, open_deployment
from mynumber.settings import Settings, load_settings
from mynumber.storage import create_engine, session_factory

DirOption = Annotated[
    Path | None, typer.Option("--dir", help="The deployment directory (default: $MYNUMBER_HOME).")
]
ClerkOption = Annotated[
    str, typer.Option("--clerk", help="Who does this, as the register records it.")
]


@dataclass(frozen=True)
class Registry:
    """Sessions of the registry node's database, and the node's keys."""

    sessions: sessionmaker[Session]
    keys: NodeKeys
    #: Where the registry answers: certificates point relying parties there.
    base_url: str


def open_registry(directory: Path | None) -> AbstractContextManager[Registry]:
    """Open the registry of the deployment in ``directory`` (default: ``$MYNUMBER_HOME``)."""
    return registry_of(load_settings(home=directory))


@contextmanager
def registry_of(settings: Settings) -> Iterator[Registry]:
    """Yield the deployment's registry database, checked to be migrated and the node's own."""
    registries = read_deployment(settings.home).of_kind(NodeKind.REGISTRY)
    opened = open_deployment(settings, [spec.id for spec in registries])
    check_databases(opened)
    spec = opened.specs()[0]
    keys = opened.keys[spec.id]
    engine = create_engine(spec.resolved_database_url(opened.home), keys.field_keys)
    try:
        yield Registry(session_factory(engine), keys, spec.base_url)
    finally:
        engine.dispose()
