"""deployment.toml: the default deployment, a lossless round trip, and errors naming the field."""

import base64
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mynumber.deployment import (
    DEFAULT_INSTITUTIONS,
    Deployment,
    DeploymentFileError,
    NodeKind,
    NodePublicKeys,
    NodeSpec,
    UnknownNodeError,
    default_deployment,
    default_node_kinds,
    parse_deployment,
    render_deployment,
)
from mynumber.settings import ConfigurationError

SOURCE = "/srv/mynumber/deployment.toml"


def _key(name: str) -> str:
    """Return a stand-in public key for ``name``: 32 bytes in base64, as deployment.toml has."""
    return base64.b64encode(hashlib.sha256(name.encode()).digest()).decode("ascii")


def _deployment(
    *, institutions: tuple[str, ...] = DEFAULT_INSTITUTIONS, **options: Any
) -> Deployment:
    """Return the default deployment, each node with stand-in public keys."""
    keys = {
        ident: NodePublicKeys(_key(ident), _key("sealing") if ident == "oversight" else None)
        for ident in default_node_kinds(institutions)
    }
    return default_deployment(keys, institutions=institutions, **options)


def _node(ident: str = "registry", kind: str = "registry", **fields: str) -> str:
    """Return one [[nodes]] table of a deployment.toml, with ``fields`` replacing the defaults."""
    values = {
        "id": ident,
        "kind": kind,
        "base_url": f"http://127.0.0.1:8000/{ident}",
        "database_url": f"sqlite:///{{home}}/data/{ident}.sqlite3",
        "public_key": _key(ident),
        **({"sealing_key": _key("sealing")} if kind == "oversight" else {}),
        **fields,
    }
    lines = [f'{name} = "{value}"' for name, value in values.items() if value != "<absent>"]
    return "[[nodes]]\n" + "\n".join(lines) + "\n"


def _file(*nodes: str, head: str = "version = 1\ndemo = false\n") -> str:
    """Return a deployment.toml with the four nodes every deployment needs, then ``nodes``."""
    required = [_node(kind, kind) for kind in ("registry", "hub", "portal", "oversight")]
    return head + "\n".join(required + list(nodes))


def test_the_default_deployment_has_every_node_and_two_institutions() -> None:
    """registry, hub, portal, oversight and two institutions, each with its own SQLite file."""
    deployment = _deployment()
    assert [(spec.id, spec.kind) for spec in deployment.nodes] == [
        ("registry", NodeKind.REGISTRY),
        ("hub", NodeKind.HUB),
        ("portal", NodeKind.PORTAL),
        ("oversight", NodeKind.OVERSIGHT),
        ("city-office", NodeKind.INSTITUTION),
        ("tax-office", NodeKind.INSTITUTION),
    ]
    city = deployment.node("city-office")
    assert city.base_url == "http://127.0.0.1:8000/institutions/city-office"
    assert city.path == "/institutions/city-office"
    assert city.database_url == "sqlite:///{home}/data/city-office.sqlite3"
    assert deployment.node("hub").base_url == "http://127.0.0.1:8000/hub"


def test_a_database_url_template_gives_each_node_its_database() -> None:
    """{node} in the template becomes each node's id."""
    deployment = _deployment(database_url_template="postgresql://db.example/mn_{node}")
    assert deployment.node("tax-office").database_url == "postgresql://db.example/mn_tax-office"


def test_a_template_without_node_is_refused() -> None:
    """One database shared by every node is refused: each node owns its own."""
    with pytest.raises(ConfigurationError, match=r"has no \{node\}"):
        _deployment(database_url_template="postgresql://db.example/mynumber")


def test_render_and_parse_round_trip() -> None:
    """What render_deployment writes, parse_deployment reads back unchanged, demo flag included."""
    deployment = _deployment(demo=True, institutions=("pension-office",))
    assert parse_deployment(render_deployment(deployment), source=SOURCE) == deployment


def test_strings_that_need_escaping_survive_the_round_trip() -> None:
    """Quotes, backslashes and control characters in a URL are escaped, not corrupted."""
    odd = 'postgresql://u:p"a\\ss\tw\x7f\u2028@db.example/{node}'
    deployment = _deployment(database_url_template=odd)
    assert parse_deployment(render_deployment(deployment), source=SOURCE) == deployment


def test_a_node_is_found_by_id_and_an_unknown_one_lists_the_others() -> None:
    """node() returns the spec; an unknown id is refused with the ids that exist."""
    deployment = _deployment()
    assert deployment.node("portal").kind is NodeKind.PORTAL
    with pytest.raises(UnknownNodeError, match=r"no node 'police'.*registry, hub, portal"):
        deployment.node("police")


def test_resolved_database_url_puts_in_the_deployment_directory() -> None:
    """{home} in a database URL becomes the absolute deployment directory."""
    spec = NodeSpec(
        "hub", NodeKind.HUB, "http://h/hub", "sqlite:///{home}/data/hub.sqlite3", _key("hub")
    )
    assert spec.resolved_database_url(Path("/srv/mn")) == "sqlite:////srv/mn/data/hub.sqlite3"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version = 1\ndemo = fals\nnodes = []", r"not valid TOML \(.*line 2"),
        ("demo = false\nnodes = []", r"field 'version' is missing"),
        ("version = 2\ndemo = false\nnodes = []", r"field 'version' is 2; this mynumber reads"),
        ("version = 1\ndemo = 'no'\nnodes = []", r"field 'demo' must be true or false, not 'no'"),
        ("version = 1\ndemo = false\nnodes = []\nport = 1", r"unknown field 'port'"),
        (_file(_node("x", "institution", base_url="<absent>")), r"'nodes\[4\] \('x'\)\.base_url'"),
        (_file(_node("x", "institution", colour="red")), r"unknown field 'nodes\[4\]\.colour'"),
        (_file(_node("x", "police")), r"nodes\[4\] \('x'\): field 'kind' is 'police'; use one of"),
        (_file(_node("X_1", "institution")), r"\('X_1'\): field 'id' must be lower-case"),
        (_file(_node("x", "institution", base_url="ftp://h/x")), r"field 'base_url' must be an"),
        (_file(_node("hub", "institution")), r"\('hub'\): field 'id' 'hub' is used by another"),
        (_file(_node("hub-2", "hub")), r"field 'nodes' lists 2 hub nodes; a deployment needs one"),
        ("version = 1\ndemo = false\nnodes = []", r"field 'nodes' lists 0 registry nodes"),
    ],
)
def test_a_bad_file_names_the_file_and_the_field(text: str, expected: str) -> None:
    """Every problem in deployment.toml is one error naming the file and the faulty field."""
    with pytest.raises(DeploymentFileError, match=expected) as caught:
        parse_deployment(text, source=SOURCE)
    assert str(caught.value).startswith(f"{SOURCE}: ")


def test_a_deployment_needs_one_node_of_each_central_kind() -> None:
    """Without an oversight node the deployment is refused: the commission watches every node."""
    nodes = tuple(spec for spec in _deployment().nodes if spec.kind is not NodeKind.OVERSIGHT)
    text = render_deployment(Deployment(demo=False, nodes=nodes))
    with pytest.raises(
        DeploymentFileError, match="lists 0 oversight nodes; a deployment needs one"
    ):
        parse_deployment(text, source=SOURCE)


def test_the_default_deployment_lists_each_nodes_public_keys() -> None:
    """Every node carries its own public key; only the oversight node a sealing key."""
    deployment = _deployment()
    assert [spec.public_key for spec in deployment.nodes] == [
        _key(spec.id) for spec in deployment.nodes
    ]
    assert {spec.id: spec.sealing_key for spec in deployment.nodes if spec.sealing_key} == {
        "oversight": _key("sealing")
    }
    text = render_deployment(deployment)
    assert text.count("public_key = ") == len(deployment.nodes)
    assert text.count("sealing_key = ") == 1


def test_the_default_deployment_needs_the_public_keys_of_every_node() -> None:
    """A node without public keys cannot be listed: its requests could not be checked."""
    keys = {ident: NodePublicKeys(_key(ident)) for ident in ("registry", "hub")}
    with pytest.raises(ConfigurationError, match=r"no public keys for node\(s\) portal, oversight"):
        default_deployment(keys)


def test_a_node_without_public_key_is_refused_with_the_way_to_read_it() -> None:
    """The message says which node lacks it, why it matters and the command that prints it."""
    text = _file(_node("x", "institution", public_key="<absent>"))
    with pytest.raises(DeploymentFileError) as caught:
        parse_deployment(text, source=SOURCE)
    assert str(caught.value) == (
        f"{SOURCE}: nodes[4] ('x'): field 'public_key' is missing: the other nodes need it to "
        "check that a request comes from this node; add the base64 of the raw Ed25519 public "
        "key of the node's key, as `openssl pkey -in keys/x/node-signing.key -pubout -outform "
        "DER | tail -c 32 | base64` prints it"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            _file(_node("x", "institution", public_key="not base64!")),
            (
                r"\('x'\): field 'public_key' must be the base64 of a raw 32-byte public key, not "
                r"'not base64!'; `openssl pkey -in keys/x/node-signing.key"
            ),
        ),
        (
            _file(_node("x", "institution", public_key=base64.b64encode(b"short").decode())),
            r"\('x'\): field 'public_key' must be the base64 of a raw 32-byte",
        ),
        (
            _file(_node("x", "institution", public_key=_key("hub"))),
            r"\('x'\): field 'public_key' '.*' is used by another node; make it unique",
        ),
        (
            _file(_node("x", "institution", sealing_key=_key("x-sealing"))),
            r"\('x'\): field 'sealing_key' belongs to the oversight node only; remove it",
        ),
        (
            _file().replace(f'sealing_key = "{_key("sealing")}"\n', ""),
            (
                r"\('oversight'\): field 'sealing_key' is missing: the hub seals to it .*"
                r"keys/oversight/sealed-entries.key"
            ),
        ),
        (
            _file().replace(_key("sealing"), "AAAA"),
            r"\('oversight'\): field 'sealing_key' must be the base64 of a raw 32-byte",
        ),
    ],
    ids=["not-base64", "short", "shared", "sealing-elsewhere", "no-sealing", "bad-sealing"],
)
def test_a_wrong_public_key_is_refused_naming_the_node_and_the_field(
    text: str, expected: str
) -> None:
    """Public keys must be 32 raw bytes in base64, unique, and sealing keys on oversight only."""
    with pytest.raises(DeploymentFileError, match=expected):
        parse_deployment(text, source=SOURCE)


def test_a_node_of_the_default_deployment_cannot_carry_a_sealing_key() -> None:
    """A sealing key on the hub is refused: the hub seals to oversight, never to itself."""
    deployment = _deployment()
    nodes = tuple(
        replace(spec, sealing_key=_key("hub-sealing")) if spec.id == "hub" else spec
        for spec in deployment.nodes
    )
    text = render_deployment(replace(deployment, nodes=nodes))
    with pytest.raises(DeploymentFileError, match=r"\('hub'\): field 'sealing_key' belongs"):
        parse_deployment(text, source=SOURCE)
