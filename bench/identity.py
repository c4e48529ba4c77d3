"""Figure 6: identity confirmations with the card, end to end over HTTP, beside raw RSA-2048.

Setup, untimed: a fresh deployment in a temporary directory (``mynumber init``, ``mynumber db
upgrade --node registry``, the embedded SQLite default); adult residents of the synthetic town
registered and each handed a card in this process through the registry's services, as the
counter does; then ``mynumber serve --node registry`` (a real uvicorn) started as a subprocess.
Each card's authentication key is read back from its card file with the registry's
administration key, so that the timed loop signs directly: the chip's PIN and scrypt are not in
ours; they are timed apart, as context.

Ours, timed: per confirmation, over one keep-alive ``httpx.Client``: ``POST
/api/identity/challenges``, the challenge signed (RSA PKCS#1 v1.5, SHA-256) with the card's key,
``POST /api/identity/card-confirmations``, the 200 and its receipt checked. The cards are used
round-robin. Baseline, in the same run and process: ``public_key.verify`` of RSA-2048 PKCS#1 v1.5
SHA-256 signatures over fresh challenges, with the same cards' certificate keys. No target. Timed
beside them, for context: the signing alone, a keep-alive health check (the floor of a request),
and a virtual card answering a challenge (two PIN entries, two scrypt derivations).
"""

import base64
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import identity_report
import identity_setup
from figures import Figure, Sizes
from identity_setup import ASKER, PINS, Holder
from mynumber.cards.identity import canonical
from mynumber.cards.pins import PinKind
from mynumber.cards.virtual import VirtualCard
from timing import Case, interleave

#: Virtual cards answering a challenge per round, for the context line (two scrypt each).
CARD_ANSWERS = 10
#: Keep-alive health checks per round: the floor of one request to the server, for context.
HEALTH_CHECKS = 20
#: Where the registry's identity API answers, under the server's URL.
_API = "/registry/api/identity"


@dataclass(frozen=True)
class Signed:
    """A challenge signed with a card's key, and the certificate key that verifies it."""

    data: bytes
    signature: bytes
    public_key: rsa.RSAPublicKey


class Confirmations:
    """The timed side of ours: ``count`` confirmations over HTTP, each one's latency kept."""

    def __init__(self, client: httpx.Client, holders: Sequence[Holder], count: int) -> None:
        """Confirm ``count`` times over ``client``, using ``holders``' cards round-robin."""
        self._client, self._holders, self._count = client, holders, count
        #: The latency of every confirmation, one list per call (the first is the warm-up).
        self.calls: list[list[float]] = []

    def __call__(self) -> None:
        """Confirm ``count`` times; stop the run at the first answer that is not a receipt."""
        latencies: list[float] = []
        for index in range(self._count):
            start = time.perf_counter()
            answer = confirm(self._client, self._holders[index % len(self._holders)])
            latencies.append(time.perf_counter() - start)
            if answer.status_code != 200 or "receipt" not in answer.json():
                msg = f"a confirmation was refused ({answer.status_code}): {answer.text}"
                raise SystemExit(msg)
        self.calls.append(latencies)

    def percentiles(self) -> tuple[float, float]:
        """Return the p50 and p95 latency over every timed confirmation (not the warm-up)."""
        cuts = statistics.quantiles([s for call in self.calls[1:] for s in call], n=20)
        return cuts[9], cuts[18]


def identity(sizes: Sizes, repeats: int) -> Figure:
    """Figure 6: confirm identities over HTTP, beside raw RSA-2048 verification."""
    with identity_setup.served(sizes.identity_cards) as server:
        holders = server.holders
        with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as client:
            signed = _signed(holders, sizes.confirmations)
            _check_alike(client, holders, signed)
            ours = Confirmations(client, holders, sizes.confirmations)
            answering = holders[:CARD_ANSWERS]
            timed = interleave(
                "[6] identity confirmation",
                [
                    Case(identity_report.OURS, sizes.confirmations, ours),
                    Case(identity_report.RAW, len(signed), lambda: _verify_all(signed)),
                    Case(identity_report.SIGN, len(signed), _signing(holders, signed)),
                    Case(identity_report.CARD, len(answering), _card_answers(answering)),
                    Case(identity_report.HEALTH, HEALTH_CHECKS, lambda: _health(client)),
                ],
                repeats,
            )
        return identity_report.figure(timed, ours.percentiles(), sizes, server)


def confirm(client: httpx.Client, holder: Holder, *, tamper: bool = False) -> httpx.Response:
    """Ask for a challenge, sign it with the card's key, and send the card's answer."""
    asked = client.post(f"{_API}/challenges", json=ASKER)
    if asked.status_code != 201:
        msg = f"the registry gave no challenge ({asked.status_code}): {asked.text}"
        raise SystemExit(msg)
    challenge = asked.json()["challenge"]
    signature = holder.key.sign(challenge.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return client.post(
        f"{_API}/card-confirmations",
        json={
            "challenge": challenge,
            "certificate": holder.certificate_pem,
            "signature": base64.b64encode(_flipped(signature) if tamper else signature).decode(),
            "number": holder.number,
        },
    )


def _health(client: httpx.Client) -> None:
    """Ask the registry's health check ``HEALTH_CHECKS`` times over the keep-alive client."""
    for _ in range(HEALTH_CHECKS):
        answer = client.get("/registry/health")
        if answer.status_code != 200:
            msg = f"the registry's health check answered {answer.status_code}: {answer.text}"
            raise SystemExit(msg)


def _signed(holders: Sequence[Holder], count: int) -> list[Signed]:
    """Return ``count`` fresh challenges signed with the cards' keys, round-robin."""
    signed = []
    for index in range(count):
        holder = holders[index % len(holders)]
        data = os.urandom(32).hex().encode("ascii")  # a challenge as the registry makes them
        signature = holder.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        signed.append(Signed(data, signature, holder.public_key))
    return signed


def _verify_all(signed: Sequence[Signed]) -> None:
    """Verify every signature with its certificate's key; raise InvalidSignature on a bad one."""
    for item in signed:
        item.public_key.verify(item.signature, item.data, padding.PKCS1v15(), hashes.SHA256())


def _signing(holders: Sequence[Holder], signed: Sequence[Signed]) -> Callable[[], object]:
    """Return a call that signs every challenge of ``signed`` as ours' loop does, for context."""
    pairs = [(holders[i % len(holders)].key, item.data) for i, item in enumerate(signed)]
    return lambda: [key.sign(data, padding.PKCS1v15(), hashes.SHA256()) for key, data in pairs]


def _card_answers(holders: Sequence[Holder]) -> Callable[[], object]:
    """Return a call in which each virtual card answers a challenge as the holder's reader asks.

    Two PIN entries, as at a body's counter: the authentication PIN to sign the challenge, then
    the card-face PIN to read the number; each opens its box with a scrypt derivation.
    """
    cards = [(VirtualCard(holder.card_path), os.urandom(32).hex().encode()) for holder in holders]
    authentication, face = PINS[PinKind.AUTHENTICATION], PINS[PinKind.CARD_FACE]

    def run() -> list[tuple[bytes, str]]:
        return [
            (
                card.sign(PinKind.AUTHENTICATION, authentication, data),
                card.read_card_face(face).number,
            )
            for card, data in cards
        ]

    return run


def _check_alike(client: httpx.Client, holders: Sequence[Holder], signed: Sequence[Signed]) -> None:
    """Stop the run unless both sides accept the right signatures and refuse a tampered one."""
    receipt_key = identity_setup.receipt_key(client)
    for holder in holders:
        answer = confirm(client, holder)
        if answer.status_code != 200:
            msg = f"the card of resident {holder.number} was refused: {answer.text}"
            raise SystemExit(msg)
        receipt = answer.json()
        try:
            receipt_key.verify(
                base64.b64decode(receipt["signature"]), canonical(receipt["receipt"])
            )
        except InvalidSignature as exc:
            msg = "a receipt's Ed25519 signature does not verify with the registry's receipt key"
            raise SystemExit(msg) from exc
    try:
        _verify_all(signed)
    except InvalidSignature as exc:
        msg = "a raw RSA-2048 verification failed on a right signature; fix that before timing"
        raise SystemExit(msg) from exc
    refused = confirm(client, holders[0], tamper=True)
    if refused.status_code != 403:
        msg = f"the registry did not refuse a tampered signature ({refused.status_code})"
        raise SystemExit(msg)
    first = signed[0]
    try:
        _verify_all([Signed(first.data, _flipped(first.signature), first.public_key)])
    except InvalidSignature:
        return
    msg = "the raw verification accepted a tampered signature"
    raise SystemExit(msg)


def _flipped(signature: bytes) -> bytes:
    """Return ``signature`` with one bit of its last byte flipped."""
    return signature[:-1] + bytes([signature[-1] ^ 1])
