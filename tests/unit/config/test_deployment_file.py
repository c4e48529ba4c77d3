"""deployment.toml: the default deployment, a lossless round trip, and errors naming the field."""

from pathlib import Path

import pytest

from mynumber.deployment import (
    Deployment,
    DeploymentFileError,
    NodeKind,
    NodeSpec,
    UnknownNodeError,
    default_deployment,
    parse_deployment,
    render_deployment,
)
from mynumber.settings import ConfigurationError

SOURCE = "/srv/mynumber/deployment.toml"


def _node(ident: str = "registry", kind: str = "registry", **fields: str) -> str:
    """Return one [[nodes]] table of a deployment.toml, with ``fields`` replacing the defaults."""
    values = {
        "id": ident,
        "kind": kind,
        "base_url": f"http://127.0.0.1:8000/{ident}",
        "database_url": f"sqlite:///{{home}}/data/{ident}.sqlite3",
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
    deployment = default_deployment()
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
    deployment = default_deployment(database_url_template="postgresql://db.example/mn_{node}")
    assert deployment.node("tax-office").database_url == "postgresql://db.example/mn_tax-office"


def test_a_template_without_node_is_refused() -> None:
    """One database shared by every node is refused: each node owns its own."""
    with pytest.raises(ConfigurationError, match=r"has no \{node\}"):
        default_deployment(database_url_template="postgresql://db.example/mynumber")


def test_render_and_parse_round_trip() -> None:
    """What render_deployment writes, parse_deployment reads back unchanged, demo flag included."""
    deployment = default_deployment(demo=True, institutions=("pension-office",))
    assert parse_deployment(render_deployment(deployment), source=SOURCE) == deployment


def test_strings_that_need_escaping_survive_the_round_trip() -> None:
    """Quotes, backslashes and control characters in a URL are escaped, not corrupted."""
    odd = 'postgresql://u:p"a\\ss\tw\x7f\u2028@db.example/{node}'
    deployment = default_deployment(database_url_template=odd)
    assert parse_deployment(render_deployment(deployment), source=SOURCE) == deployment


def test_a_node_is_found_by_id_and_an_unknown_one_lists_the_others() -> None:
    """node() returns the spec; an unknown id is refused with the ids that exist."""
    deployment = default_deployment()
    assert deployment.node("portal").kind is NodeKind.PORTAL
    with pytest.raises(UnknownNodeError, match=r"no node 'police'.*registry, hub, portal"):
        deployment.node("police")


def test_resolved_database_url_puts_in_the_deployment_directory() -> None:
    """{home} in a database URL becomes the absolute deployment directory."""
    spec = NodeSpec("hub", NodeKind.HUB, "http://h/hub", "sqlite:///{home}/data/hub.sqlite3")
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
    nodes = tuple(
        spec for spec in default_deployment().nodes if spec.kind is not NodeKind.OVERSIGHT
    )
    text = render_deployment(Deployment(demo=False, nodes=nodes))
    with pytest.raises(
        DeploymentFileError, match="lists 0 oversight nodes; a deployment needs one"
    ):
        parse_deployment(text, source=SOURCE)
