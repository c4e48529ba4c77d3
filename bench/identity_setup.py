"""Figure 6's setup, untimed: a fresh deployment, residents with their cards, a served registry.

As ``tests/e2e/test_ocsp_openssl.py`` does it: ``mynumber init`` and ``mynumber db upgrade --node
registry`` into a temporary directory (the embedded SQLite default), residents registered and
their cards handed over in this process through the registry's services, then ``mynumber serve
--node registry`` started as a subprocess -- a real uvicorn, its log in a file -- and stopped, and
the directory removed, however the figure ends.
"""

import datetime as dt
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import inputs
from mynumber.cards import validity, virtual_file
from mynumber.cards.issuance import administration_key
from mynumber.cards.models import ApplicationReason
from mynumber.cards.pins import PinKind
from mynumber.cards.registry import card_service, register_service
from mynumber.cards.services import CardService
from mynumber.cards.virtual_payload import open_administration, open_secrets
from mynumber.deployment import NodeKind, read_deployment
from mynumber.keys import NodeKeys, load_node_keys
from mynumber.register import synth
from mynumber.register.models import EventKind
from mynumber.register.records import ResidentRecord
from mynumber.register.services import Clerk, RegisterService
from mynumber.storage import create_engine, session_factory, unit_of_work

#: 東京都千代田区: the municipality of the synthetic residents.
MUNICIPALITY = "131016"
#: The console script installed next to this interpreter.
MYNUMBER = str(Path(sys.executable).with_name("mynumber"))
#: Who asks for every confirmation, and why.
ASKER = {"body": "東京都健康保険組合", "staff": "窓口 花子", "task": "被保険者資格の取得"}
#: The PINs every holder sets at handover.
PINS = {
    PinKind.SIGNATURE: "SIGN2026",
    PinKind.AUTHENTICATION: "1357",
    PinKind.RESIDENT_REGISTER: "2468",
    PinKind.CARD_FACE: "9753",
}
#: The smallest JPEG the card's photo check takes.
PHOTO = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
CLERK = Clerk("窓口 太郎")
#: How long the server may take to answer its first request, or to stop.
STARTUP_SECONDS = 30.0


@dataclass(frozen=True)
class Holder:
    """A resident with a handed-over card: what the card gives a body, and its key."""

    number: str
    certificate_pem: str
    key: rsa.RSAPrivateKey
    public_key: rsa.RSAPublicKey
    card_path: Path


@dataclass(frozen=True)
class Served:
    """The running registry: its URL, the card holders, how the setup went."""

    url: str
    holders: tuple[Holder, ...]
    #: The CPUs the server process may run on (not pinned: every CPU this machine allows).
    server_cpus: frozenset[int]
    #: Seconds one handover took, on average (registering the resident included).
    handover_seconds: float


@contextmanager
def served(cards: int) -> Iterator[Served]:
    """Yield a running registry with ``cards`` handed-over cards; stop it and clean up after."""
    with tempfile.TemporaryDirectory(prefix="mynumber-bench-identity-") as directory:
        home, files = Path(directory) / "town", Path(directory) / "cards"
        files.mkdir()
        residents = f"{cards:,} resident" + "s" * (cards != 1)
        print(f"[6] identity: a fresh deployment, {residents} with their cards", flush=True)
        _mynumber("init", home)
        _mynumber("db", "upgrade", "--dir", home, "--node", "registry")
        start = time.perf_counter()
        holders = _holders(home, files, cards)
        handover = (time.perf_counter() - start) / cards
        print(f"  {handover * 1000:.0f} ms per resident and handover", flush=True)
        with _server(home, Path(directory) / "server.log") as (url, cpus):
            yield Served(url, tuple(holders), cpus, handover)


def receipt_key(client: httpx.Client) -> Ed25519PublicKey:
    """Return the registry's receipt key, as a body fetches it to check receipts."""
    key = serialization.load_pem_public_key(
        client.get("/registry/api/identity/receipt-key").content
    )
    if not isinstance(key, Ed25519PublicKey):
        msg = "the registry's receipt key is not an Ed25519 key"
        raise SystemExit(msg)
    return key


def _holders(home: Path, files: Path, count: int) -> list[Holder]:
    """Register ``count`` adults and hand each a card, in one transaction; return the holders."""
    registry = read_deployment(home).node("registry")
    keys = load_node_keys(home, "registry", NodeKind.REGISTRY, demo_allowed=False)
    engine = create_engine(registry.resolved_database_url(home), keys.field_keys)
    try:
        with unit_of_work(session_factory(engine)) as session:
            register = register_service(session, keys, registry.base_url)
            cards = card_service(session, keys, registry.base_url)
            paths = [
                _hand_over(register, cards, record, files / f"card-{index}.json")
                for index, record in enumerate(_adults(count))
            ]
    finally:
        engine.dispose()
    return [_holder(path, keys) for path in paths]


def _adults(count: int) -> list[ResidentRecord]:
    """Return ``count`` synthetic residents old enough for both certificates, staying for good."""
    today = dt.datetime.now(tz=dt.UTC).date()
    town = synth.synthesize(10 * count + 100, MUNICIPALITY, seed=inputs.SEED, as_of=today)
    adults = (
        record
        for record in town
        if record.period_of_stay_until is None
        and validity.may_hold_signature_certificate(record.date_of_birth, today)
    )
    found = list(itertools.islice(adults, count))
    if len(found) < count:
        msg = f"the synthetic town has fewer than {count:,} adults; make it larger"
        raise SystemExit(msg)
    return found


def _hand_over(
    register: RegisterService, cards: CardService, record: ResidentRecord, path: Path
) -> Path:
    """Register the resident, then apply, manufacture and hand over a card; return its file."""
    today = dt.datetime.now(tz=dt.UTC).date()
    resident = register.register(record, event=EventKind.BIRTH, occurred_on=today, clerk=CLERK)
    application = cards.apply_at_counter(resident, PHOTO, CLERK, reason=ApplicationReason.FIRST)
    card = cards.manufacture(application)
    cards.hand_over(card, clerk=CLERK, identity_check="notice and passport", pins=PINS, path=path)
    return path


def _holder(path: Path, keys: NodeKeys) -> Holder:
    """Read the card file's key and card face with the registry's administration key."""
    document = virtual_file.read(path)
    opened = open_administration(document, administration_key(keys, document.manufacturing_number))
    secrets = open_secrets(document, opened)
    certificate = document.authentication_certificate
    public_key = certificate.public_key()
    key = secrets.authentication_key
    if not isinstance(public_key, rsa.RSAPublicKey) or (
        public_key.public_numbers() != key.public_key().public_numbers()
    ):
        msg = f"{path}: the authentication key does not match its certificate"
        raise SystemExit(msg)
    return Holder(
        number=secrets.card_face.number,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        key=key,
        public_key=public_key,
        card_path=path,
    )


@contextmanager
def _server(home: Path, log: Path) -> Iterator[tuple[str, frozenset[int]]]:
    """Run ``mynumber serve --node registry``, not pinned; yield its URL and CPUs; stop it."""
    port = _free_port()
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(  # noqa: S603 -- our own console script, our own arguments
            [MYNUMBER, "serve", "--dir", str(home), "--node", "registry", "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=_environment(),
        )
        try:
            cpus = _unpin(process.pid)
            url = f"http://127.0.0.1:{port}"
            _wait_until_ready(process, url, log)
            yield url, cpus
        finally:
            _stop(process)


def _unpin(pid: int) -> frozenset[int]:
    """Let process ``pid`` run on any CPU (it inherited our pinning); return the ones it may."""
    try:
        os.sched_setaffinity(pid, range(os.cpu_count() or 1))
    except OSError as exc:
        print(f"  the server stays on this process's CPU: {exc}", flush=True)
    return frozenset(os.sched_getaffinity(pid))


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Wait (bounded) until the registry answers its health check; stop the run if it does not."""
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(trust_env=False, timeout=2) as client:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.get(f"{url}/registry/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    output = log.read_text(encoding="utf-8")[-2000:]
    msg = f"the registry did not answer within {STARTUP_SECONDS:g} s; its log ends:\n{output}"
    raise SystemExit(msg)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Interrupt the server as Ctrl-C does and wait (bounded) for it; kill it if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STARTUP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _free_port() -> int:
    """Return a 127.0.0.1 port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment() -> dict[str, str]:
    """Return the environment of a child ``mynumber``: no MYNUMBER_ variables from outside."""
    return {name: value for name, value in os.environ.items() if not name.startswith("MYNUMBER_")}


def _mynumber(*args: str | Path) -> None:
    """Run a short ``mynumber`` command; stop the run if it fails."""
    done = subprocess.run(  # noqa: S603 -- our own console script, our own arguments
        [MYNUMBER, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_environment(),
        check=False,
    )
    if done.returncode != 0:
        msg = f"`mynumber {' '.join(map(str, args))}` failed: {done.stderr}"
        raise SystemExit(msg)
