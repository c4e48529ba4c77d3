"""A deployment: the nodes of one mynumber system, their kinds, addresses, databases and keys.

A deployment lives in a directory (``HOME``) holding ``deployment.toml``, the nodes' keys and, by
default, their SQLite files::

    version = 1
    demo = false

    [[nodes]]
    id = "registry"
    kind = "registry"
    base_url = "http://127.0.0.1:8000/registry"
    database_url = "sqlite:///{home}/data/registry.sqlite3"
    public_key = "q2xV...="

``{home}`` in a database URL stands for the deployment directory, so the directory can move.
Institutions (one node per authorised body) are addressed by id, under ``/institutions/<id>``.

``public_key`` is the public half of the node's ``node-signing.key`` (base64 of the raw 32-byte
Ed25519 key): the other nodes check with it that a request comes from this node. The oversight
node also lists ``sealing_key``, the public half of its ``sealed-entries.key`` (base64 of the raw
32-byte X25519 key), to which the hub seals what only the commission may read.
"""

import base64
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final, TypeVar
from urllib.parse import urlsplit

from mynumber.settings import ConfigurationError

DEPLOYMENT_FILE: Final = "deployment.toml"
FORMAT_VERSION: Final = 1
DEFAULT_BASE_URL: Final = "http://127.0.0.1:8000"
DEFAULT_INSTITUTIONS: Final = ("city-office", "tax-office")
#: ``{home}`` is the deployment directory and ``{node}`` the node id.
DEFAULT_DATABASE_URL_TEMPLATE: Final = "sqlite:///{home}/data/{node}.sqlite3"
_NODE_ID: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_NODE_FIELDS: Final = ("id", "kind", "base_url", "database_url", "public_key", "sealing_key")
#: Length in bytes of a raw Ed25519 or X25519 public key.
PUBLIC_KEY_LENGTH: Final = 32
#: How an operator reads the public half of a node's key file (``{file}``), as deployment.toml
#: lists it: the raw key is the last 32 bytes of the DER SubjectPublicKeyInfo.
_HOW_TO_READ_A_PUBLIC_KEY: Final = (
    "openssl pkey -in {file} -pubout -outform DER | tail -c 32 | base64"
)
_TOP_FIELDS: Final = ("version", "demo", "nodes")
_T = TypeVar("_T")


class NodeKind(StrEnum):
    """What a node does in the federation (docs/architecture.md, "Nodes")."""

    REGISTRY = "registry"
    HUB = "hub"
    PORTAL = "portal"
    OVERSIGHT = "oversight"
    INSTITUTION = "institution"


class DeploymentFileError(ConfigurationError):
    """``deployment.toml`` is missing, not TOML, or a field in it is missing or wrong."""

    code = "deployment-file-error"


class UnknownNodeError(ConfigurationError):
    """A node id that the deployment does not list."""

    code = "unknown-node"


@dataclass(frozen=True)
class NodeSpec:
    """One node of the deployment: who it is, where it answers and where its database lives."""

    id: str
    kind: NodeKind
    #: Where the node answers, e.g. ``http://127.0.0.1:8000/registry``; no trailing slash.
    base_url: str
    #: SQLAlchemy URL of the node's own database; ``{home}`` is the deployment directory.
    database_url: str
    #: The node's Ed25519 public key (base64 of the raw 32 bytes): it checks the node's requests.
    public_key: str
    #: The oversight node's X25519 public key (base64 of the raw 32 bytes); None on other nodes.
    sealing_key: str | None = None

    @property
    def path(self) -> str:
        """The URL path the node answers under (``""`` when it owns the whole host)."""
        return urlsplit(self.base_url).path.rstrip("/")

    def resolved_database_url(self, home: Path) -> str:
        """Return the database URL with ``{home}`` replaced by the deployment directory."""
        return self.database_url.replace("{home}", str(home.resolve()))


@dataclass(frozen=True)
class Deployment:
    """Every node of one mynumber system; ``demo`` marks a deployment made by ``mynumber demo``."""

    demo: bool
    nodes: tuple[NodeSpec, ...]

    def node(self, node_id: str) -> NodeSpec:
        """Return the node ``node_id``, or raise :class:`UnknownNodeError` listing the others."""
        for spec in self.nodes:
            if spec.id == node_id:
                return spec
        known = ", ".join(spec.id for spec in self.nodes)
        msg = f"there is no node '{node_id}' in this deployment; its nodes are: {known}"
        raise UnknownNodeError(msg)

    def of_kind(self, kind: NodeKind) -> tuple[NodeSpec, ...]:
        """Return the nodes of ``kind``, in the order the deployment lists them."""
        return tuple(spec for spec in self.nodes if spec.kind is kind)


@dataclass(frozen=True)
class NodePublicKeys:
    """The public halves of one node's keys, as ``deployment.toml`` lists them (base64, raw)."""

    #: Of ``node-signing.key``: becomes :attr:`NodeSpec.public_key`.
    signing: str
    #: Of ``sealed-entries.key`` (oversight only): becomes :attr:`NodeSpec.sealing_key`.
    sealing: str | None = None


def default_node_kinds(
    institutions: tuple[str, ...] = DEFAULT_INSTITUTIONS,
) -> dict[str, NodeKind]:
    """Return the ids and kinds of the standard deployment's nodes, in deployment order."""
    central = {kind.value: kind for kind in NodeKind if kind is not NodeKind.INSTITUTION}
    return central | dict.fromkeys(institutions, NodeKind.INSTITUTION)


def default_deployment(
    public_keys: Mapping[str, NodePublicKeys],
    *,
    demo: bool = False,
    base_url: str = DEFAULT_BASE_URL,
    database_url_template: str = DEFAULT_DATABASE_URL_TEMPLATE,
    institutions: tuple[str, ...] = DEFAULT_INSTITUTIONS,
) -> Deployment:
    """Return the standard deployment: one node of each kind and the given institutions.

    ``public_keys`` holds the public keys of every node of :func:`default_node_kinds`, by id.
    ``database_url_template`` must contain ``{node}`` (every node owns its own database);
    ``{home}`` may stand for the deployment directory.
    """
    if "{node}" not in database_url_template:
        msg = (
            f"the database URL template {database_url_template!r} has no {{node}}: every node "
            "needs its own database, e.g. postgresql://user@db.example/mynumber_{node}"
        )
        raise ConfigurationError(msg)
    kinds = default_node_kinds(institutions)
    missing = [ident for ident in kinds if ident not in public_keys]
    if missing:
        msg = f"no public keys for node(s) {', '.join(missing)}: generate each node's keys first"
        raise ConfigurationError(msg)
    root = base_url.rstrip("/")
    prefixes = {NodeKind.INSTITUTION: f"{root}/institutions"}
    nodes = tuple(
        NodeSpec(
            ident,
            kind,
            f"{prefixes.get(kind, root)}/{ident}",
            database_url_template.replace("{node}", ident),
            public_key=public_keys[ident].signing,
            sealing_key=public_keys[ident].sealing,
        )
        for ident, kind in kinds.items()
    )
    return _checked(Deployment(demo=demo, nodes=nodes), source="the default deployment")


def deployment_file(home: Path) -> Path:
    """Return where the deployment at ``home`` keeps its description."""
    return home / DEPLOYMENT_FILE


def read_deployment(home: Path) -> Deployment:
    """Read and check ``HOME/deployment.toml``; every problem names the file and the field."""
    path = deployment_file(home)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        msg = f"{path}: no deployment here; create one with `mynumber init {home}`"
        raise DeploymentFileError(msg) from exc
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot read the deployment description ({exc}); check the file"
        raise DeploymentFileError(msg) from exc
    return parse_deployment(text, source=str(path))


def parse_deployment(text: str, *, source: str) -> Deployment:
    """Parse the text of a ``deployment.toml``; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{source}: not valid TOML ({exc}); fix the file"
        raise DeploymentFileError(msg) from exc
    _refuse_unknown(data, _TOP_FIELDS, source, "")
    version = _field(data, "version", int, source, "")
    if version != FORMAT_VERSION:
        msg = (
            f"{source}: field 'version' is {version}; this mynumber reads version {FORMAT_VERSION}"
        )
        raise DeploymentFileError(msg)
    demo = _field(data, "demo", bool, source, "")
    tables = _field(data, "nodes", list, source, "")
    nodes = tuple(
        _parse_node(table, source, f"nodes[{index}]") for index, table in enumerate(tables)
    )
    return _checked(Deployment(demo=demo, nodes=nodes), source=source)


def render_deployment(deployment: Deployment) -> str:
    """Write ``deployment`` as ``deployment.toml`` text that :func:`parse_deployment` reads back."""
    lines = [
        "# A mynumber deployment: its nodes, where they answer and where their databases live.",
        "# {home} in a database URL stands for this directory. Keys are in keys/<node-id>/.",
        f"version = {FORMAT_VERSION}",
        f"demo = {'true' if deployment.demo else 'false'}",
    ]
    for spec in deployment.nodes:
        lines += ["", "[[nodes]]"]
        lines += [
            f"{name} = {_toml_string(value)}"
            for name in _NODE_FIELDS
            if (value := getattr(spec, name)) is not None
        ]
    return "\n".join(lines) + "\n"


def write_deployment(home: Path, deployment: Deployment) -> Path:
    """Write ``HOME/deployment.toml``; refuse to replace an existing one."""
    path = deployment_file(home)
    try:
        with path.open("x", encoding="utf-8") as stream:
            stream.write(render_deployment(deployment))
    except FileExistsError as exc:
        msg = f"{path}: a deployment already exists here; choose an empty directory"
        raise DeploymentFileError(msg) from exc
    except OSError as exc:
        msg = f"{path}: cannot write the deployment description ({exc.strerror})"
        raise DeploymentFileError(msg) from exc
    return path


def _parse_node(table: object, source: str, where: str) -> NodeSpec:
    """Read one ``[[nodes]]`` table."""
    if not isinstance(table, dict):
        msg = f"{source}: {where} must be a table ([[nodes]]), not {type(table).__name__}"
        raise DeploymentFileError(msg)
    _refuse_unknown(table, _NODE_FIELDS, source, f"{where}.")
    ident = _field(table, "id", str, source, f"{where}.")
    where = f"{where} ('{ident}')"
    kind_name = _field(table, "kind", str, source, f"{where}.")
    kinds = [kind.value for kind in NodeKind]
    if kind_name not in kinds:
        msg = f"{source}: {where}: field 'kind' is {kind_name!r}; use one of {', '.join(kinds)}"
        raise DeploymentFileError(msg)
    if "public_key" not in table:
        command = _HOW_TO_READ_A_PUBLIC_KEY.format(file=f"keys/{ident}/node-signing.key")
        msg = (
            f"{source}: {where}: field 'public_key' is missing: the other nodes need it to check "
            f"that a request comes from this node; add the base64 of the raw Ed25519 public key "
            f"of the node's key, as `{command}` prints it"
        )
        raise DeploymentFileError(msg)
    return NodeSpec(
        id=ident,
        kind=NodeKind(kind_name),
        base_url=_field(table, "base_url", str, source, f"{where}.").rstrip("/"),
        database_url=_field(table, "database_url", str, source, f"{where}."),
        public_key=_field(table, "public_key", str, source, f"{where}."),
        sealing_key=(
            _field(table, "sealing_key", str, source, f"{where}.")
            if "sealing_key" in table
            else None
        ),
    )


def _field(table: dict[str, object], name: str, kind: type[_T], source: str, where: str) -> _T:
    """Return ``table[name]`` if present and of type ``kind``, else raise naming the field."""
    if name not in table:
        msg = f"{source}: field '{where}{name}' is missing"
        raise DeploymentFileError(msg)
    value = table[name]
    wrong_bool = kind is int and isinstance(value, bool)
    if not isinstance(value, kind) or wrong_bool:
        msg = f"{source}: field '{where}{name}' must be {_TYPE_NAMES[kind]}, not {value!r}"
        raise DeploymentFileError(msg)
    return value


_TYPE_NAMES: Final[dict[type, str]] = {
    str: "a string",
    int: "an integer",
    bool: "true or false",
    list: "a list of [[nodes]] tables",
}


def _refuse_unknown(
    table: dict[str, object], known: tuple[str, ...], source: str, where: str
) -> None:
    """Refuse a field this version does not know: most often a typing mistake."""
    for name in table:
        if name not in known:
            msg = f"{source}: unknown field '{where}{name}'; the known ones are {', '.join(known)}"
            raise DeploymentFileError(msg)


def _checked(deployment: Deployment, *, source: str) -> Deployment:
    """Check ids, URLs, duplicates and the nodes every system needs: what no single field shows."""
    seen_ids: set[str] = set()
    seen_urls: set[str] = set()
    seen_keys: set[str] = set()
    for index, spec in enumerate(deployment.nodes):
        where = f"{source}: nodes[{index}] ('{spec.id}')"
        if not _NODE_ID.fullmatch(spec.id):
            msg = f"{where}: field 'id' must be lower-case letters, digits and inner hyphens"
            raise DeploymentFileError(msg)
        url = urlsplit(spec.base_url)
        if url.scheme not in {"http", "https"} or not url.hostname or url.query or url.fragment:
            msg = f"{where}: field 'base_url' must be an http:// or https:// URL with a host"
            raise DeploymentFileError(msg)
        if not spec.database_url.strip():
            msg = f"{where}: field 'database_url' is empty"
            raise DeploymentFileError(msg)
        _check_public_keys(spec, where)
        for seen, value, name in (
            (seen_ids, spec.id, "id"),
            (seen_urls, spec.base_url, "base_url"),
            (seen_keys, spec.public_key, "public_key"),
        ):
            if value in seen:
                msg = f"{where}: field '{name}' {value!r} is used by another node; make it unique"
                raise DeploymentFileError(msg)
            seen.add(value)
    for kind in (NodeKind.REGISTRY, NodeKind.HUB, NodeKind.PORTAL, NodeKind.OVERSIGHT):
        if len(deployment.of_kind(kind)) != 1:
            count = len(deployment.of_kind(kind))
            msg = (
                f"{source}: field 'nodes' lists {count} {kind.value} nodes; a deployment needs one"
            )
            raise DeploymentFileError(msg)
    return deployment


def _check_public_keys(spec: NodeSpec, where: str) -> None:
    """Check that a node lists its public key, and a sealing key if and only if it is oversight."""
    _check_public_key(spec.public_key, "public_key", "node-signing.key", spec, where)
    if spec.kind is NodeKind.OVERSIGHT:
        if spec.sealing_key is None:
            command = _HOW_TO_READ_A_PUBLIC_KEY.format(file=f"keys/{spec.id}/sealed-entries.key")
            msg = (
                f"{where}: field 'sealing_key' is missing: the hub seals to it what only the "
                f"commission may read; add the base64 of the raw X25519 public key of the node's "
                f"sealing key, as `{command}` prints it"
            )
            raise DeploymentFileError(msg)
        _check_public_key(spec.sealing_key, "sealing_key", "sealed-entries.key", spec, where)
    elif spec.sealing_key is not None:
        msg = (
            f"{where}: field 'sealing_key' belongs to the oversight node only; remove it from "
            f"this {spec.kind.value} node"
        )
        raise DeploymentFileError(msg)


def _check_public_key(text: str, name: str, key_file: str, spec: NodeSpec, where: str) -> None:
    """Refuse a public key that is not the base64 of 32 bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:  # binascii.Error, or text outside ASCII
        raw = b""
    if len(raw) != PUBLIC_KEY_LENGTH:
        command = _HOW_TO_READ_A_PUBLIC_KEY.format(file=f"keys/{spec.id}/{key_file}")
        msg = (
            f"{where}: field '{name}' must be the base64 of a raw {PUBLIC_KEY_LENGTH}-byte "
            f"public key, not {text!r}; `{command}` prints the right value"
        )
        raise DeploymentFileError(msg)


def _toml_string(value: str) -> str:
    """Quote ``value`` as a TOML basic string."""
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    quoted = "".join(escapes.get(char) or _toml_char(char) for char in value)
    return f'"{quoted}"'


def _toml_char(char: str) -> str:
    """Return ``char`` as is if TOML allows it in a basic string, else its escape."""
    if char.isprintable():
        return char
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"
