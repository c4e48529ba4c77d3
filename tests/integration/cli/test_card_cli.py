"""`mynumber card`: the counter's and the holder's sides of the card, on a synthetic town."""

from __future__ import annotations

import base64
import io
import json
import stat
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mynumber.cards.exceptions import CardError
from mynumber.cards.models import Card, CardApplication, Certificate
from mynumber.cards.registry import identity_service
from mynumber.cards.relying_parties import RelyingParties
from mynumber.cli import card_counter
from mynumber.nodes.directory import open_deployment
from mynumber.settings import load_settings

if TYPE_CHECKING:
    from pathlib import Path

    import pytest
    import sqlalchemy

    from mynumber.cards.identity import IdentityService

#: A 1x1 PNG: the bytes are what the photo check reads.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
PINS = {
    "signature": "ABC123",
    "authentication": "1234",
    "resident-register": "2345",
    "card-face": "3456",
}
CLERK = ("--clerk", "窓口 花子")
CHECK = ("--identity-check", "通知カードと運転免許証")
EVERY_TRY = {"signature": 5, "authentication": 3, "resident-register": 3, "card-face": 3}
ASKER = {"body": "株式会社サンプル商事", "staff": "人事 一郎", "task": "源泉徴収票の作成"}


class Outcome(Protocol):
    """What one run of ``mynumber`` printed and how it exited."""

    code: int
    out: str
    err: str


Run = Callable[..., Outcome]


def _json(outcome: Outcome) -> dict[str, Any]:
    """Return a successful run's JSON output."""
    assert outcome.code == 0, outcome.err
    data: dict[str, Any] = json.loads(outcome.out)
    return data


def _refused(outcome: Outcome, expected: str) -> None:
    """Check a refusal: exit 1, one line on standard error starting ``mynumber: ``."""
    assert outcome.code == 1, outcome.out
    assert outcome.err.startswith("mynumber: ")
    assert outcome.err.count("\n") == 1
    assert expected in outcome.err


def _piped(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    """Give the next command ``lines`` on standard input, as a pipe would."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{line}\n" for line in lines)))


def _twice(*kinds: str) -> list[str]:
    """Return each kind's PIN twice, as a PIN being set is typed."""
    return [PINS[kind] for kind in kinds for _ in range(2)]


def _resident(mynumber: Run, town: Path, born: str = "1990-04-01") -> int:
    """Register a resident born on ``born``; return the id."""
    outcome = mynumber(
        "resident",
        "register",
        *("--family-name", "髙橋", "--given-name", "花子"),
        *("--family-name-kana", "タカハシ", "--given-name-kana", "ハナコ"),
        *("--born", born, "--sex", "female", "--municipality", "131016"),
        *("--postal-code", "100-0001", "--address", "東京都千代田区千代田1番1号"),
        *CLERK,
        *("--dir", town, "--json"),
    )
    return int(_json(outcome)["id"])


def _manufactured(mynumber: Run, town: Path, tmp_path: Path, born: str = "1990-04-01") -> str:
    """Apply with a PNG photo and manufacture; return the manufacturing number."""
    photo = tmp_path / "photo.png"
    photo.write_bytes(PNG)
    resident = _resident(mynumber, town, born)
    applied = mynumber("card", "apply", resident, "--photo", photo, *CLERK, "--dir", town, "--json")
    application = _json(applied)["application"]
    made = _json(mynumber("card", "manufacture", application, *CLERK, "--dir", town, "--json"))
    assert made["resident_id"] == resident
    return str(made["manufacturing_number"])


def _handed_over(
    mynumber: Run, town: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Path]:
    """Make an adult's card and hand it over with the four PINs piped; return it and its file."""
    number = _manufactured(mynumber, town, tmp_path)
    path = tmp_path / "card.json"
    _piped(monkeypatch, *_twice(*PINS))
    handed = mynumber(
        "card", "hand-over", number, "--output", path, *CHECK, *CLERK, "--dir", town, "--json"
    )
    assert _json(handed)["state"] == "active"
    return number, path


def _left(mynumber: Run, path: Path) -> dict[str, int]:
    """Return each PIN's tries left, as ``pin-status`` reads them from the card file."""
    report = _json(mynumber("card", "pin-status", "--card", path, "--json"))["pins"]
    return {kind: counter["remaining"] for kind, counter in report.items()}


def _identity(town: Path, session: Session) -> IdentityService:
    """Return the town registry's identity confirmation, as its API makes it, over ``session``."""
    opened = open_deployment(load_settings(home=town), ["registry"])
    return identity_service(session, opened.keys["registry"], opened.specs()[0].base_url)


def _sign(mynumber: Run, path: Path, monkeypatch: pytest.MonkeyPatch, *pins: str) -> Outcome:
    """Run ``sign-challenge`` on a fixed challenge with ``pins`` piped."""
    _piped(monkeypatch, *pins)
    return mynumber("card", "sign-challenge", "c0ffee", "--card", path)


def test_a_handed_over_card_answers_a_challenge_the_registry_accepts(
    mynumber: Run,
    town: Path,
    registry: sqlalchemy.Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Apply, manufacture, hand over, show; the signed challenge gives a receipt at the registry."""
    number, path = _handed_over(mynumber, town, tmp_path, monkeypatch)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    shown = _json(mynumber("card", "show", "--card", path, "--json"))
    assert shown["manufacturing_number"] == number
    assert shown["has_signature_certificate"] is True
    assert _left(mynumber, path) == EVERY_TRY
    _piped(monkeypatch, PINS["card-face"])
    revealed = _json(mynumber("card", "show", "--face", "--reveal", "--card", path, "--json"))
    whole = revealed["card_face"]["number"]
    _piped(monkeypatch, PINS["card-face"])
    masked = mynumber("card", "show", "--face", "--card", path)
    assert f"number **** **** {whole[-4:]}" in masked.out
    assert whole not in masked.out

    with Session(registry) as session:
        challenge = _identity(town, session).challenge(**ASKER).challenge
        session.commit()
    _piped(monkeypatch, PINS["authentication"], PINS["card-face"])
    answer = _json(mynumber("card", "sign-challenge", challenge, "--card", path))
    assert answer["number"] == whole
    with Session(registry) as session:
        signed = _identity(town, session).confirm_with_card(
            answer["challenge"],
            answer["certificate"],
            base64.b64decode(answer["signature"]),
            answer["number"],
        )
        session.commit()
    assert signed["receipt"]["method"] == "card"
    assert signed["receipt"]["person"]["name"] == "髙橋\u3000花子"
    status = _json(mynumber("card", "status", "--card", path, "--dir", town, "--json"))
    assert status["state"] == "active"
    assert [cert["status"] for cert in status["certificates"]] == ["good", "good"]


def test_three_wrong_pins_lock_and_the_signature_pin_unlocks(
    mynumber: Run, town: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each wrong PIN says the tries left; the lock names unlock-pin, which then works."""
    _, path = _handed_over(mynumber, town, tmp_path, monkeypatch)
    right_face = PINS["card-face"]
    _refused(_sign(mynumber, path, monkeypatch, "0000", right_face), "2 tries left")
    _refused(_sign(mynumber, path, monkeypatch, "0000", right_face), "1 try left")
    locked = _sign(mynumber, path, monkeypatch, "0000", right_face)
    _refused(locked, "the authentication PIN is locked")
    assert "mynumber card unlock-pin authentication" in locked.err
    _refused(_sign(mynumber, path, monkeypatch, PINS["authentication"], right_face), "is locked")
    assert _left(mynumber, path) == {**EVERY_TRY, "authentication": 0}

    _piped(monkeypatch, PINS["signature"], "9876", "9877")
    _refused(mynumber("card", "unlock-pin", "authentication", "--card", path), "differ")
    _piped(monkeypatch, PINS["signature"], "9876", "9876")
    assert mynumber("card", "unlock-pin", "authentication", "--card", path).code == 0
    assert _left(mynumber, path)["authentication"] == 3
    assert _json(_sign(mynumber, path, monkeypatch, "9876", right_face))["challenge"] == "c0ffee"
    _piped(monkeypatch, "9876", "55", "55")
    _refused(mynumber("card", "change-pin", "authentication", "--card", path), "4 digits")
    _piped(monkeypatch, "9876", "5555", "5555")
    assert mynumber("card", "change-pin", "authentication", "--card", path).code == 0
    assert _sign(mynumber, path, monkeypatch, "5555", right_face).code == 0


def test_the_counter_resets_a_locked_card_face_pin(
    mynumber: Run, town: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A locked card-face PIN is reset at the counter after an identity check, not by the holder."""
    number, path = _handed_over(mynumber, town, tmp_path, monkeypatch)
    for _ in range(3):
        _piped(monkeypatch, "0000")
        assert mynumber("card", "show", "--face", "--card", path).code == 1
    _piped(monkeypatch, PINS["authentication"], "4444", "4444")
    _refused(mynumber("card", "unlock-pin", "card-face", "--card", path), "municipal office")
    reset = ("card", "reset-pin", number, "card-face", "--card", path, *CLERK, "--dir", town)
    _piped(monkeypatch, "4444", "4444")
    _refused(mynumber(*reset), "identity check")
    assert _left(mynumber, path)["card-face"] == 0
    _piped(monkeypatch, "4444", "4444")
    assert mynumber(*reset, *CHECK).code == 0, "reset at the counter"
    assert _left(mynumber, path)["card-face"] == 3
    _piped(monkeypatch, "4444")
    assert mynumber("card", "show", "--face", "--card", path).code == 0


def test_a_lost_card_is_on_hold_until_lifted_in_person(
    mynumber: Run, town: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loss report holds both certificates; only a hold lift with an identity check ends it."""
    number, path = _handed_over(mynumber, town, tmp_path, monkeypatch)
    at = ("--dir", town, "--json")
    assert _json(mynumber("card", "loss-report", number, *CLERK, *at))["state"] == "on-hold"
    status = _json(mynumber("card", "status", "--card", path, *at))
    assert status["state"] == "on-hold"
    assert {cert["status"] for cert in status["certificates"]} == {"on-hold"}
    _refused(mynumber("card", "lift-hold", number, *CLERK, *at), "identity check")
    assert _json(mynumber("card", "status", "--card", path, *at))["state"] == "on-hold"
    assert _json(mynumber("card", "lift-hold", number, *CHECK, *CLERK, *at))["state"] == "active"
    ended = _json(mynumber("card", "end", number, "--reason", "returned", *CLERK, *at))
    assert ended["state"] == "ended"
    assert {cert["status"] for cert in ended["certificates"]} == {"revoked"}


def test_a_photo_that_is_not_an_image_is_refused_with_nothing_recorded(
    mynumber: Run, town: Path, registry: sqlalchemy.Engine, tmp_path: Path
) -> None:
    """A text file or a missing file as the photo is one line; no application is recorded."""
    resident = _resident(mynumber, town)
    text = tmp_path / "photo.png"
    text.write_text("not a photo")
    with Session(registry) as session:
        before = session.scalar(select(func.count()).select_from(CardApplication))
    apply = ("card", "apply", resident, *CLERK, "--dir", town, "--photo")
    _refused(mynumber(*apply, text), "the photo is not an image")
    _refused(mynumber(*apply, tmp_path / "missing.png"), "cannot read the photo (No such file")
    with Session(registry) as session:
        assert session.scalar(select(func.count()).select_from(CardApplication)) == before


def test_a_handover_is_refused_without_identity_check_or_a_good_pin(
    mynumber: Run,
    town: Path,
    registry: sqlalchemy.Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No identity check, a bad PIN, a taken path, a failure midway: refused, nothing issued."""
    number = _manufactured(mynumber, town, tmp_path)
    path = tmp_path / "card.json"
    hand_over = ("card", "hand-over", number, "--output", path, *CLERK, "--dir", town)
    _piped(monkeypatch, *_twice(*PINS))
    _refused(mynumber(*hand_over), "identity check")
    _piped(monkeypatch, "abc123", "abc123")
    _refused(mynumber(*hand_over, *CHECK), "upper-case")
    path.write_text("the holder's notes")
    _refused(mynumber(*hand_over, *CHECK), "never overwritten")
    assert path.read_text() == "the holder's notes"
    elsewhere = tmp_path / "other.json"

    def broken_view(card: Card) -> None:
        """Fail after the card file is in place, before the registry commits."""
        msg = f"the view of card {card.manufacturing_number} failed"
        raise CardError(msg)

    monkeypatch.setattr(card_counter, "card_view", broken_view)
    _piped(monkeypatch, *_twice(*PINS))
    _refused(mynumber(*hand_over[:4], elsewhere, *hand_over[5:], *CHECK), "view of card")
    assert not elsewhere.exists()
    with Session(registry) as session:
        card = session.scalars(select(Card).where(Card.manufacturing_number == number)).one()
        assert card.state == "manufactured"
        assert session.scalar(select(func.count()).select_from(Certificate)) == 0
    assert not list(tmp_path.glob(".handover-*"))


def test_a_holder_under_15_sets_three_pins_and_gets_no_signature_certificate(
    mynumber: Run, town: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child's handover asks no signature PIN; the card lists none and has no such certificate."""
    born = datetime.now(UTC).date().replace(day=1, month=1)
    born = born.replace(year=born.year - 10)
    number = _manufactured(mynumber, town, tmp_path, born.isoformat())
    path = tmp_path / "child.json"
    _piped(monkeypatch, *_twice("authentication", "resident-register", "card-face"))
    handed = mynumber(
        "card", "hand-over", number, "--output", path, *CHECK, *CLERK, "--dir", town, "--json"
    )
    assert [cert["kind"] for cert in _json(handed)["certificates"]] == ["authentication"]
    assert (
        _json(mynumber("card", "show", "--card", path, "--json"))["has_signature_certificate"]
        is False
    )
    assert set(_left(mynumber, path)) == {"authentication", "resident-register", "card-face"}


def test_a_relying_party_token_is_shown_once_and_accepted(
    mynumber: Run, town: Path, registry: sqlalchemy.Engine
) -> None:
    """The printed token opens revocation status to the party; a second registration is refused."""
    outcome = mynumber("card", "relying-party", "国税庁", *CLERK, "--dir", town)
    assert outcome.code == 0, outcome.err
    assert "shown only now" in outcome.out
    token = outcome.out.strip().splitlines()[-1]
    with Session(registry) as session:
        assert RelyingParties(session).check("Bearer " + token).name == "国税庁"
    _refused(mynumber("card", "relying-party", "国税庁", *CLERK, "--dir", town), "already")
