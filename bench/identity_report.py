"""Figure 6 as the page shows it: the rows and the notes that say how to read them."""

from figures import Figure, Row, Sizes
from identity_setup import Served
from timing import Measurement, human_rate, human_time

#: The names of the cases ``identity`` times, as ``interleave`` keys them.
OURS = "confirmations over HTTP"
RAW = "raw RSA-2048 verify"
SIGN = "RSA-2048 sign"
CARD = "virtual card answers"
HEALTH = "keep-alive GET /health"
#: A keep-alive request slower than this waits on TCP's delayed ACK, not on the server's work.
STALL = 0.02


def figure(
    timed: dict[str, Measurement],
    latency: tuple[float, float],
    sizes: Sizes,
    served: Served,
) -> Figure:
    """Return figure 6 from its measurements, the p50 and p95 latency, and the setup."""
    return Figure(
        title="6. Identity confirmation with the card, over HTTP",
        notes=_notes(timed, sizes, served),
        rows=_rows(timed, latency, sizes, len(served.holders)),
        measurements=tuple(
            Measurement(f"identity: {m.name}", m.items, m.seconds) for m in timed.values()
        ),
    )


def _rows(
    timed: dict[str, Measurement], latency: tuple[float, float], sizes: Sizes, cards: int
) -> tuple[Row, ...]:
    """Return the rate, the time per confirmation and the two context rows."""
    ours, raw = timed[OURS], timed[RAW]
    ratio = ours.per_item / raw.per_item
    p50, p95 = latency
    return (
        Row(
            what=(
                f"identity confirmations per second, end to end over HTTP "
                f"({sizes.confirmations:,} per round, {cards:,} cards), vs RSA-2048 verifications"
            ),
            ours=human_rate(ours.rate),
            baseline=human_rate(raw.rate),
            ratio=ratio,
            target="none (reported)",
            slower=True,
        ),
        Row(
            what="time per confirmation (p50 / p95 latency of one) vs one RSA-2048 verification",
            ours=f"{human_time(ours.per_item)} ({human_time(p50)} / {human_time(p95)})",
            baseline=human_time(raw.per_item),
            ratio=ratio,
            target="none (reported)",
            slower=True,
        ),
        Row(
            what="RSA-2048 signing of the challenge by this process (inside ours' time)",
            ours=human_time(timed[SIGN].per_item),
            baseline="—",
            ratio=None,
        ),
        Row(
            what="one keep-alive `GET /registry/health`: the floor of a request to this server",
            ours=human_time(timed[HEALTH].per_item),
            baseline="—",
            ratio=None,
        ),
        Row(
            what="a virtual card answering a challenge: two PIN entries, two scrypt (not in ours)",
            ours=human_time(timed[CARD].per_item),
            baseline="—",
            ratio=None,
        ),
    )


def _notes(timed: dict[str, Measurement], sizes: Sizes, served: Served) -> tuple[str, ...]:
    """Return the notes that say how figure 6 was measured."""
    cards = len(served.holders)
    cpus = ", ".join(map(str, sorted(served.server_cpus)))
    return (
        (
            f"Ours: {sizes.confirmations:,} confirmations a round, one after another over one "
            "keep-alive `httpx.Client` to `mynumber serve --node registry` (uvicorn, one process, "
            "default settings: an access-log line per request, to a file): `POST "
            "/api/identity/challenges` (body, staff member, task), the challenge signed in this "
            "process with the card's RSA-2048 authentication key (PKCS#1 v1.5, SHA-256), `POST "
            "/api/identity/card-confirmations` (the certificate's PEM, the signature in base64, "
            "the number), the 200 and its receipt checked."
        ),
        (
            "What the registry does for them: two requests, their JSON parsed and checked, two "
            "transactions on the embedded SQLite; a challenge row written, then read back (unused, "
            "unexpired) and marked used; the certificate's PEM parsed and its chain checked "
            "against the authentication CA (an RSA-2048 verification of the CA's signature, and "
            "the dates); the card's signature verified (what the baseline does alone); the "
            "certificate's status and its card looked up; the number checked and its blind index "
            "(HMAC-SHA256) looked up among current numbers; the receipt signed with Ed25519 and "
            "written."
        ),
        (
            f"Baseline: `public_key.verify(signature, data, PKCS1v15(), SHA256())` on "
            f"{timed[RAW].items:,} signatures over fresh 64-hex-digit challenges, made before "
            "timing with the same cards' keys, each verified with its certificate's public key "
            "(loaded before timing): nothing else. Ratio = ours' time per confirmation / one raw "
            "verification. The issue sets no target; the two stand side by side."
        ),
        (
            f"Setup, untimed: a fresh deployment in a temporary directory (`mynumber init`, "
            f"`mynumber db upgrade --node registry`); {cards:,} adults of the synthetic town "
            f"registered and each handed a card in this process through the registry's services "
            f"({human_time(served.handover_seconds)} each: two RSA-2048 key pairs, four PINs "
            "sealed with scrypt, both CRLs renewed), so the confirmations of a round use the "
            f"{cards:,} cards round-robin. Each card's key is read from its card file at setup "
            "with the registry's administration key: no PIN, no scrypt in ours. Every round adds "
            f"{sizes.confirmations:,} challenges and receipts to the database."
        ),
        (
            "Context, not in ours: signing a challenge alone, as ours' loop does it (this "
            f"process's share of ours' time); {timed[CARD].items:,} virtual cards each answering "
            "a challenge a round as a reader asks the chip -- `VirtualCard.sign` after the "
            "authentication PIN, then `read_card_face` after the card-face PIN, each PIN entry an "
            "scrypt derivation (n=2**14, r=8, p=1) by design, the card file read each time."
        ),
        (
            "Checked before timing: every card confirmed once over HTTP, with a receipt whose "
            "Ed25519 signature verifies with the registry's published receipt key; every "
            "baseline signature verifies; a signature with one bit flipped is refused by the "
            "registry (403) and by the raw verification (`InvalidSignature`)."
        ),
        (
            "p50 and p95: the latency of one confirmation (both requests and the signing) over "
            f"every timed round. This Python process is pinned to one CPU; the server is not (it "
            f"may run on CPUs {cpus}, this process's among them) and shares the machine with it, "
            "so ours is the work of two processes, and the baseline that of one."
        ),
        *_stall(timed[HEALTH]),
    )


def _stall(health: Measurement) -> tuple[str, ...]:
    """Return the note that explains a keep-alive request slower than any work in it, if any."""
    if health.per_item < STALL:
        return ()
    return (
        (
            f"A keep-alive health check takes {human_time(health.per_item)}, far more than its "
            "work: the server's sockets lack `TCP_NODELAY` "
            "(`mynumber serve` binds its listener with `socket.create_server`, whose protocol "
            "number is 0, and asyncio sets `TCP_NODELAY` only on sockets whose protocol is "
            "`IPPROTO_TCP`), so uvicorn's second write of a response (the body after the "
            "headers) waits for the client's delayed ACK, about 40 ms. Each confirmation makes "
            "two requests and waits twice; the figure measures the server as `mynumber serve` "
            "runs it, that wait included."
        ),
    )
