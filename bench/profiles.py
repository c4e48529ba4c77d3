"""Where the time goes: one run under cProfile, boiled down to a few lines for the page.

A profile is taken apart from the timed rounds, on a smaller input: cProfile adds a fixed cost to
every Python call, so code made of many small calls (SQLAlchemy's parameter handling) looks
dearer under it than code in C (sqlite3, AES, the FF1 rounds in numpy). The shares are a guide to
where to look, not figures to quote; the timed rounds are never profiled.
"""

import cProfile
import pstats
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from types import FunctionType

from timing import human_time

#: A function of ours, or a (file path suffix, function name) pair as pstats names functions
#: of libraries and of C (file "~" for built-ins).
Matcher = Callable[..., object] | tuple[str, str]
_Key = tuple[str, int, str]


@dataclass(frozen=True)
class Part:
    """A part of the work, summed over the cumulative time of the functions that do it."""

    label: str
    functions: tuple[Matcher, ...]


@dataclass(frozen=True)
class Entry:
    """One function of the profile."""

    name: str
    calls: int
    own: float
    cumulative: float


@dataclass(frozen=True)
class Profile:
    """The total time under the profiler, the chosen parts, and the dearest functions."""

    total: float
    parts: tuple[tuple[str, float], ...]
    top: tuple[Entry, ...]


def profile(run: Callable[[], object], parts: Sequence[Part], top: int = 12) -> Profile:
    """Run ``run`` once under cProfile; return its parts and ``top`` functions by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(run)
    stats = pstats.Stats(profiler)
    table: dict[_Key, tuple[int, int, float, float, object]] = stats.stats  # type: ignore[attr-defined]
    summed = tuple(
        (part.label, sum(table[key][3] for key in _matching(table, part.functions)))
        for part in parts
    )
    dearest = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:top]
    return Profile(
        total=stats.total_tt,  # type: ignore[attr-defined]
        parts=summed,
        top=tuple(
            Entry(_name(key), calls, own, cumulative)
            for key, (_, calls, own, cumulative, _) in dearest
        ),
    )


def markdown(result: Profile, heading: str) -> list[str]:
    """Return the profile as two Markdown tables under ``heading``."""
    lines = [
        heading,
        "",
        "| Part of the work (cumulative, parts may nest) | Time | Share |",
        "|---|--:|--:|",
    ]
    lines += [
        f"| {label} | {human_time(seconds)} | {seconds / result.total:.0%} |"
        for label, seconds in result.parts
    ]
    lines += [
        f"| everything under the profiler | {human_time(result.total)} | 100% |",
        "",
        "| Function (by own time) | Calls | Own time | With callees |",
        "|---|--:|--:|--:|",
    ]
    lines += [
        f"| `{entry.name}` | {entry.calls:,} | {human_time(entry.own)} "
        f"| {human_time(entry.cumulative)} |"
        for entry in result.top
    ]
    return lines


def _matching(table: Mapping[_Key, object], functions: tuple[Matcher, ...]) -> list[_Key]:
    """Return the profile keys of ``functions``."""
    wanted: list[_Key] = []
    for function in functions:
        if isinstance(function, tuple):
            suffix, name = function
            wanted += [key for key in table if key[2] == name and key[0].endswith(suffix)]
        elif isinstance(function, FunctionType):
            code = function.__code__
            key = (code.co_filename, code.co_firstlineno, code.co_name)
            wanted += [key] if key in table else []
        else:
            msg = f"cannot find {function!r} in a profile: name a Python function"
            raise TypeError(msg)
    return wanted


def _name(key: _Key) -> str:
    """Return a short name of a profiled function: its file from the package down, line, name."""
    filename, line, name = key
    if filename == "~":
        return name
    parts = PurePath(filename).parts
    for anchor in ("site-packages", "src", "lib"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor) :]
            break
    return f"{'/'.join(parts)}:{line} {name}"
