"""The deployment commands as a user runs them: output, files made, and one-line failures."""

import json
import socket
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mynumber.cli import deployment as deployment_cli
from mynumber.cli.main import main
from mynumber.settings import Settings
from mynumber.storage import migrations

NODE_IDS = ["registry", "hub", "portal", "oversight", "city-office", "tax-office"]


@dataclass(frozen=True)
class Result:
    """What one run of ``mynumber`` printed and how it exited."""

    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def mynumber(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Return a function that runs ``mynumber ARGS`` through its entry point, as the script does."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"MYNUMBER_{name.upper()}", raising=False)

    def run(*args: str | Path) -> Result:
        monkeypatch.setattr(sys, "argv", ["mynumber", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def assert_one_line_failure(result: Result, expected: str) -> None:
    """Check the run failed with exactly one line on stderr, containing ``expected``."""
    assert result.code != 0
    assert result.err.startswith("mynumber: ")
    assert result.err.count("\n") == 1, result.err
    assert expected in result.err


@pytest.fixture
def home(tmp_path: Path, mynumber: Run) -> Path:
    """Return a deployment directory made by `mynumber init`."""
    home = tmp_path / "town"
    assert mynumber("init", home).code == 0
    return home


def test_init_writes_private_keys_and_the_deployment(mynumber: Run, tmp_path: Path) -> None:
    """`mynumber init DIR` writes 0600 keys for every node, deployment.toml, and the next step."""
    home = tmp_path / "town"
    result = mynumber("init", home)
    assert result.code == 0, result.err
    assert f"next: mynumber db upgrade --dir {home}" in result.out
    assert (home / "deployment.toml").is_file()
    assert sorted(path.name for path in (home / "keys").iterdir()) == sorted(NODE_IDS)
    keys = list((home / "keys").rglob("*.key"))
    # Field keys and the node-signing key for every node, plus the registry's FF1 key, its four
    # JPKI keys (two CAs, OCSP, receipts), the hub's two (ledger signing, institution codes) and
    # oversight's sealing key.
    assert len(keys) == 3 * len(NODE_IDS) + 1 + 4 + 2 + 1
    assert {stat.S_IMODE(path.stat().st_mode) for path in keys} == {0o600}


def test_init_json_describes_the_deployment(mynumber: Run, tmp_path: Path) -> None:
    """`mynumber init DIR --json` prints the deployment as one JSON object."""
    result = mynumber("init", tmp_path / "town", "--json")
    data = json.loads(result.out)
    assert data["demo"] is False
    assert [node["id"] for node in data["nodes"]] == NODE_IDS


def test_init_with_a_database_url_template(mynumber: Run, tmp_path: Path) -> None:
    """--database-url-template gives every node its own PostgreSQL database."""
    result = mynumber(
        "init", tmp_path / "prod", "--json", "--database-url-template", "postgresql://db/mn_{node}"
    )
    urls = {node["id"]: node["database_url"] for node in json.loads(result.out)["nodes"]}
    assert urls["hub"] == "postgresql://db/mn_hub"


def test_init_names_the_institution_nodes_after_their_bodies(mynumber: Run, tmp_path: Path) -> None:
    """`--institution ID` (repeated) makes one institution node per body, and only those."""
    home = tmp_path / "named"
    bodies = ["city-office-shinonomedai", "employer-kasumi-seiki"]
    result = mynumber("init", home, *(f"--institution={body}" for body in bodies), "--json")
    assert result.code == 0, result.err
    nodes = json.loads(result.out)["nodes"]
    assert [node["id"] for node in nodes if node["kind"] == "institution"] == bodies
    assert (home / "keys" / "employer-kasumi-seiki" / "node-signing.key").is_file()


def test_init_refuses_an_institution_id_that_cannot_name_a_node(
    mynumber: Run, tmp_path: Path
) -> None:
    """A body id that cannot be a node id is refused in one line, and nothing is written."""
    home = tmp_path / "refused"
    result = mynumber("init", home, "--institution", "Bad Id")
    assert_one_line_failure(result, "must be lower-case letters, digits and inner hyphens")
    assert not (home / "deployment.toml").exists()
    assert not (home / "keys").exists()


def test_init_refuses_an_existing_deployment(mynumber: Run, home: Path) -> None:
    """A second `mynumber init` in the same directory fails in one line and changes nothing."""
    before = (home / "keys" / "hub" / "ledger-signing.key").read_bytes()
    assert_one_line_failure(mynumber("init", home), "already exist here; choose an empty directory")
    assert (home / "keys" / "hub" / "ledger-signing.key").read_bytes() == before


def _newest_revision(kind: str) -> str:
    """Return the newest revision the package ships for ``kind`` (``hub_0005_...py``: hub_0005)."""
    folder = Path(migrations.__file__).parent / "versions" / kind
    return max("_".join(path.stem.split("_")[:2]) for path in folder.glob(f"{kind}_*.py"))


def test_db_upgrade_prints_each_node_and_its_head(mynumber: Run, home: Path) -> None:
    """`mynumber db upgrade --dir DIR` migrates every node and prints its head, one per line."""
    result = mynumber("db", "upgrade", "--dir", home)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert [line.split(":")[0] for line in lines] == NODE_IDS
    assert lines[1] == f"hub: at {_newest_revision('hub')}"
    assert (home / "data" / "tax-office.sqlite3").is_file()


def test_db_upgrade_one_node_as_json_from_mynumber_home(
    mynumber: Run, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With MYNUMBER_HOME and --node, only that node is migrated; --json gives its head."""
    monkeypatch.setenv("MYNUMBER_HOME", str(home))
    result = mynumber("db", "upgrade", "--node", "registry", "--json")
    assert json.loads(result.out) == {
        "nodes": [
            {"id": "registry", "kind": "registry", "migration_head": _newest_revision("registry")}
        ]
    }
    assert not (home / "data" / "hub.sqlite3").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("db", "upgrade"), "no deployment directory: pass --dir DIR or set MYNUMBER_HOME"),
        (("db", "upgrade", "--dir", "{home}", "--node", "police"), "no node 'police'"),
        (("serve", "--dir", "{home}"), "migrate it first with `mynumber db upgrade`"),
        (("serve", "--dir", "{home}", "--port", "-1"), "invalid setting port (MYNUMBER_PORT)"),
        (("db", "upgrade", "--dir", "{home}/nowhere"), "no deployment here; create one with"),
        (("db", "upgrade", "--frobnicate"), "No such option: --frobnicate"),
    ],
)
def test_failures_are_one_line_and_a_non_zero_exit(
    mynumber: Run, home: Path, args: tuple[str, ...], expected: str
) -> None:
    """Every failure of the deployment commands is one line on stderr and a non-zero exit."""
    result = mynumber(*(arg.replace("{home}", str(home)) for arg in args))
    assert_one_line_failure(result, expected)


def test_a_bad_deployment_file_names_the_file_and_field(mynumber: Run, home: Path) -> None:
    """A node without a base_url in deployment.toml is one line naming the file and the field."""
    path = home / "deployment.toml"
    path.write_text(path.read_text().replace('base_url = "http://127.0.0.1:8000/hub"\n', ""))
    result = mynumber("db", "upgrade", "--dir", home)
    assert_one_line_failure(result, f"{path}: field 'nodes[1] ('hub').base_url' is missing")


def test_a_world_readable_key_stops_every_command(mynumber: Run, home: Path) -> None:
    """A key others can read is refused before anything runs, with how to recover."""
    key = home / "keys" / "portal" / "blind-index.key"
    key.chmod(0o644)
    result = mynumber("db", "upgrade", "--dir", home)
    assert_one_line_failure(result, f"{key}: the key of node 'portal' is readable by other users")
    assert "`mynumber init DIR`" in result.err


def test_a_demo_deployment_is_refused_outside_the_demo(mynumber: Run, tmp_path: Path) -> None:
    """`mynumber serve` on a directory made with --demo refuses its keys."""
    home = tmp_path / "demo"
    assert mynumber("init", home, "--demo").code == 0
    result = mynumber("serve", "--dir", home)
    assert_one_line_failure(
        result,
        "these keys were generated for the demo; create real ones with `mynumber init DIR` "
        "(or, to work with the demo, set MYNUMBER_DEMO=true)",
    )


def test_the_demo_refuses_a_real_deployment(mynumber: Run, home: Path) -> None:
    """`mynumber demo` never runs on a real deployment's keys."""
    result = mynumber("demo", "--dir", home)
    assert_one_line_failure(result, "holds a real deployment, not a demo")


@pytest.fixture
def busy_port() -> Iterator[int]:
    """Yield a 127.0.0.1 port that another socket is listening on."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield int(listener.getsockname()[1])


def test_the_listening_socket_is_tcp_so_responses_are_not_delayed() -> None:
    """The socket names IPPROTO_TCP: asyncio then turns Nagle off on each connection."""
    listener = deployment_cli._listen("127.0.0.1", 0)  # noqa: SLF001 -- the socket serve uses
    with listener:
        assert listener.proto == socket.IPPROTO_TCP
        assert listener.type == socket.SOCK_STREAM


def test_serve_on_a_busy_port_is_one_line(mynumber: Run, home: Path, busy_port: int) -> None:
    """A port already in use is a one-line error saying to choose another."""
    assert mynumber("db", "upgrade", "--dir", home).code == 0
    result = mynumber("serve", "--dir", home, "--port", busy_port)
    assert_one_line_failure(result, f"cannot listen on 127.0.0.1:{busy_port}")
