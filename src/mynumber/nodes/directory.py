"""A deployment directory on disk: create it, open it, migrate its databases.

``HOME`` holds ``deployment.toml`` (:mod:`mynumber.deployment`), ``keys/<node-id>/``
(:mod:`mynumber.keys`) and, by default, ``data/<node-id>.sqlite3``. These are the steps the
commands ``mynumber init``, ``db upgrade``, ``serve`` and ``demo`` are made of.
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy.orm import Session

from mynumber.deployment import (
    DEFAULT_DATABASE_URL_TEMPLATE,
    DEFAULT_INSTITUTIONS,
    Deployment,
    NodeSpec,
    default_deployment,
    default_node_kinds,
    deployment_file,
    read_deployment,
    write_deployment,
)
from mynumber.keys import (
    DEMO_REFUSAL,
    KEYS_DIRECTORY,
    NODE_SIGNING,
    SEALED_ENTRIES,
    DemoKeysRefusedError,
    KeyRefusedError,
    NodeKeys,
    generate_node_keys,
    key_directory,
    load_node_keys,
    write_node_keys,
)
from mynumber.nodes.exceptions import NodeError
from mynumber.settings import ConfigurationError, Settings
from mynumber.storage import (
    StorageError,
    claim_database,
    create_engine,
    session_factory,
    unit_of_work,
    upgrade,
)

DATA_DIRECTORY: Final = "data"
#: The demo's institution nodes: the bodies of ``network/profiles.toml`` that take part in the
#: network or collect numbers (the police and the video rental shop have no node of their own).
DEMO_INSTITUTIONS: Final = (
    "city-office-shinonomedai",
    "city-office-kasumigaoka",
    "tax-office-shinonomedai",
    "pension-office-shinonomedai",
    "hello-work-shinonomedai",
    "health-insurer-kasumi-seiki",
    "employer-kasumi-seiki",
    "bank-asagiri",
)


@dataclass(frozen=True)
class OpenDeployment:
    """A deployment read from its directory, with the checked keys of the nodes opened."""

    home: Path
    deployment: Deployment
    #: The keys of the nodes this process works with, by node id, in deployment order.
    keys: Mapping[str, NodeKeys]

    def specs(self) -> tuple[NodeSpec, ...]:
        """Return the specs of the nodes opened, in deployment order."""
        return tuple(spec for spec in self.deployment.nodes if spec.id in self.keys)


@dataclass(frozen=True)
class MigratedNode:
    """A node whose database :func:`upgrade_databases` brought to its head."""

    spec: NodeSpec
    migration_head: str


def init_deployment(
    home: Path,
    *,
    demo: bool = False,
    database_url_template: str | None = None,
    institutions: tuple[str, ...] = DEFAULT_INSTITUTIONS,
) -> Deployment:
    """Create a deployment directory: fresh keys for every node, then ``deployment.toml``.

    ``institutions`` are the ids of the institution nodes (each the id of the body it serves).
    The keys are made first; ``deployment.toml`` lists their public halves. Nothing is written
    until the whole deployment is checked. Refuses a directory that already holds a deployment
    or keys. With ``demo`` the deployment and its keys are marked as the demo's, and refused
    outside it.
    """
    if deployment_file(home).exists() or (home / KEYS_DIRECTORY).exists():
        msg = f"{home}: a deployment or its keys already exist here; choose an empty directory"
        raise ConfigurationError(msg)
    fresh = {
        ident: generate_node_keys(kind) for ident, kind in default_node_kinds(institutions).items()
    }
    deployment = default_deployment(
        {ident: keys.public for ident, keys in fresh.items()},
        demo=demo,
        database_url_template=database_url_template or DEFAULT_DATABASE_URL_TEMPLATE,
        institutions=institutions,
    )
    try:
        home.mkdir(parents=True, exist_ok=True)
        if database_url_template is None:
            (home / DATA_DIRECTORY).mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        msg = f"{home}: cannot create the deployment directory ({exc.strerror})"
        raise ConfigurationError(msg) from exc
    for spec in deployment.nodes:
        write_node_keys(home, spec.id, fresh[spec.id], demo=demo)
    write_deployment(home, deployment)
    return deployment


def ensure_demo_deployment(home: Path) -> tuple[Deployment, bool]:
    """Return the demo deployment at ``home``, creating it on first use; True if just created.

    A directory that holds a real deployment is refused: the demo never touches real keys.
    """
    if not deployment_file(home).exists():
        return init_deployment(home, demo=True, institutions=DEMO_INSTITUTIONS), True
    deployment = read_deployment(home)
    if not deployment.demo:
        msg = (
            f"{home} holds a real deployment, not a demo; run the demo in another directory, "
            f"or serve this one with `mynumber serve --dir {home}`"
        )
        raise ConfigurationError(msg)
    return deployment, False


def open_deployment(settings: Settings, node_ids: Iterable[str] | None = None) -> OpenDeployment:
    """Read ``settings.home`` and load the keys of ``node_ids`` (default: every node).

    A demo deployment, or demo keys, are refused unless ``settings.demo``.
    """
    home = settings.home
    deployment = read_deployment(home)
    if deployment.demo and not settings.demo:
        msg = f"{deployment_file(home)}: {DEMO_REFUSAL}"
        raise DemoKeysRefusedError(msg)
    wanted = [deployment.node(node_id) for node_id in node_ids or ()] or deployment.nodes
    ordered = [spec for spec in deployment.nodes if spec in wanted]
    keys = {
        spec.id: load_node_keys(home, spec.id, spec.kind, demo_allowed=settings.demo)
        for spec in ordered
    }
    for spec in ordered:
        _check_public_keys(home, spec, keys[spec.id])
    return OpenDeployment(home=home, deployment=deployment, keys=keys)


def _check_public_keys(home: Path, spec: NodeSpec, keys: NodeKeys) -> None:
    """Refuse a node whose keys are not the ones ``deployment.toml`` lists for it.

    The other nodes would refuse every request it signs: say so now, and which file differs.
    """
    public = keys.public
    for listed, held, field, name in (
        (spec.public_key, public.signing, "public_key", NODE_SIGNING),
        (spec.sealing_key, public.sealing, "sealing_key", SEALED_ENTRIES),
    ):
        if listed != held:
            msg = (
                f"{key_directory(home, spec.id) / name}: this key does not match the {field} of "
                f"node '{spec.id}' in {deployment_file(home)} (it lists {listed!r}, the key's is "
                f"{held!r}); put the node's own key back, or list this key's public half"
            )
            raise KeyRefusedError(msg)


def upgrade_databases(opened: OpenDeployment) -> list[MigratedNode]:
    """Migrate the database of every opened node to its head and claim it for that node."""
    return [
        MigratedNode(spec=spec, migration_head=",".join(heads))
        for spec, heads in _on_each_database(opened, migrate=True)
    ]


def check_databases(opened: OpenDeployment) -> None:
    """Check that every opened node's database is migrated and belongs to it, with its keys."""
    _on_each_database(opened, migrate=False)


def _on_each_database(
    opened: OpenDeployment, *, migrate: bool
) -> list[tuple[NodeSpec, tuple[str, ...]]]:
    """Open each node's database in turn, migrate it if asked, and claim it for the node."""
    done = []
    for spec in opened.specs():
        keys = opened.keys[spec.id]
        engine = create_engine(spec.resolved_database_url(opened.home), keys.field_keys)
        try:
            heads = upgrade(engine, spec.kind) if migrate else ()
            claim_database(engine, spec.id, spec.kind, keys.field_keys)
        except StorageError as exc:
            msg = f"node '{spec.id}': {exc}"
            raise NodeError(msg) from exc
        finally:
            engine.dispose()
        done.append((spec, heads))
    return done


@contextmanager
def node_session(opened: OpenDeployment, node_id: str) -> Iterator[Session]:
    """Yield a session of node ``node_id``'s own database, committed when the block succeeds.

    For commands and the demo that work on a node's database in this process; the engine is
    opened for the block and disposed of after it.
    """
    spec = opened.deployment.node(node_id)
    engine = create_engine(spec.resolved_database_url(opened.home), opened.keys[node_id].field_keys)
    try:
        with unit_of_work(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()
