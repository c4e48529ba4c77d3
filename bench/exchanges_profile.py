"""Where an exchange's CPU goes, node by node, from the cProfile stats of a profiled run.

``profiled_serve`` writes each node's stats, every thread merged and each function charged the CPU
its thread spent in it (``time.thread_time``), once when the node is warm and again when it stops;
the difference is what the profiled exchanges cost. It is read three ways, per exchange: by where
the code comes from (a library, a part of the standard library, a package of mynumber -- from each
function's own time, so the parts add up to the node's total); by the parts of the work that the
code of each node is made of (cumulative, so parts may nest); and the dearest functions by their
own time. As in ``profiles``, cProfile adds a cost to every Python call: read the shares, not the
times.
"""

import pstats
import sysconfig
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from exchanges_setup import CITY, FORMER_CITY, HUB, SERVED
from load import Failures
from timing import human_time

#: Where the standard library and the installed libraries live.
_STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()
_PURELIB = Path(sysconfig.get_paths()["purelib"]).resolve()
_Key = tuple[str, int, str]
#: A part of the work: its label, and the (file path suffix, function name) pairs that do it.
Part = tuple[str, tuple[tuple[str, str], ...]]

#: The parts every node is shown with: the HTTP client's costs, signatures, the database's.
_COMMON: tuple[Part, ...] = (
    (
        "httpcore: assigning requests to pooled connections",
        (("httpcore/_async/connection_pool.py", "_assign_requests_to_connections"),),
    ),
    ("signing requests to other nodes", (("nodes/signatures.py", "sign_request"),)),
    ("checking the signatures of other nodes", (("nodes/signatures.py", "verify_request"),)),
    (
        "SQLAlchemy's pre-ping of each connection taken from the pool (`pool_pre_ping`)",
        (("sqlalchemy/engine/default.py", "do_ping"),),
    ),
    ("new database connections (psycopg `connect`)", (("psycopg/connection.py", "connect"),)),
    (
        "JSON: encoding (stdlib `json.dumps`) and decoding (`json.loads`)",
        (("json/__init__.py", "dumps"), ("json/__init__.py", "loads")),
    ),
)
#: The parts of each node's own work; the single exchange goes through the batch's code too.
_PARTS: dict[str, tuple[Part, ...]] = {
    CITY: (
        (
            "passing the requests on to the hub (`_pass_on`)",
            (("institution/api.py", "_pass_on"),),
        ),
        (
            "recording the exchanges asked for (`_record_requested`)",
            (("institution/api.py", "_record_requested"),),
        ),
        (
            "recording the answers collected (`_record_collected`)",
            (("institution/api.py", "_record_collected"),),
        ),
    ),
    HUB: (
        (
            "authenticating the key and staff member (`BodyRegistry.authenticate`)",
            (("network/services.py", "authenticate"),),
        ),
        (
            "opening the exchanges (`ExchangeService.open_many`)",
            (("network/exchanges.py", "open_many"),),
        ),
        (
            "translating the codes (`CodeService.translations`)",
            (("network/services.py", "translations"),),
        ),
        ("asking the provider (`_ask`)", (("network/exchange_api.py", "_ask"),)),
        (
            "recording the answers, ledger included, and reading them back (`_record_answers`)",
            (("network/exchange_api.py", "_record_answers"),),
        ),
        (
            "completing them (`ExchangeService.complete_many`)",
            (("network/exchanges.py", "complete_many"),),
        ),
        (
            "appending the ledger entries (`LedgerService.append_many`)",
            (("ledger/services.py", "append_many"),),
        ),
        (
            "locking and reading exchanges by serial (`ExchangeService.locked`)",
            (("network/exchanges.py", "locked"),),
        ),
        (
            "handing the answers over (`_hand_over`)",
            (("network/exchange_api.py", "_hand_over"),),
        ),
        ("building the views (`_view`)", (("network/exchange_api.py", "_view"),)),
    ),
    FORMER_CITY: (
        (
            "answering the hub, its transaction included (route `provide`)",
            (("institution/api.py", "provide"),),
        ),
        (
            "reading the copies and recording the provisions (`InstitutionRecords.provide_many`)",
            (("institution/services.py", "provide_many"),),
        ),
    ),
}
#: Functions shown by own time, per node.
TOP = 10


@dataclass(frozen=True)
class NodeProfile:
    """One node's CPU per exchange under the profiler: by origin, by part, the dearest functions."""

    node: str
    #: CPU seconds per exchange the profiler saw in the node, every thread.
    total: float
    #: Own CPU seconds per exchange by where the code comes from, largest first.
    origins: tuple[tuple[str, float], ...]
    #: The parts of the work: label, cumulative CPU seconds per exchange, calls per exchange.
    parts: tuple[tuple[str, float, float], ...]
    #: The dearest functions by own time: name, calls, own and cumulative seconds, per exchange.
    top: tuple[tuple[str, float, float, float], ...]


@dataclass(frozen=True)
class Profile:
    """Every served node's profile, how many exchanges it covers, each process's CPU meanwhile."""

    exchanges: int
    nodes: tuple[NodeProfile, ...]
    #: CPU seconds per exchange of each process while profiled (from /proc).
    process_cpu: dict[str, float]
    #: The items that failed under the profiler (warm-up included), if any.
    failures: Failures | None = None
    #: The exchanges per batch, or 0 for single exchanges.
    batch: int = 0


def read(  # noqa: PLR0913 -- where, how many, the CPU and failures, and what to read
    directory: Path,
    exchanges: int,
    process_cpu: dict[str, float],
    failures: Failures | None,
    *,
    batch: int = 0,
    served: Sequence[str] = SERVED,
    node_parts: Mapping[str, tuple[Part, ...]] | None = None,
) -> Profile:
    """Read the stats of every served node in ``directory``, per exchange.

    ``exchanges`` were made (in batches of ``batch``, if not 0) between ``<node>.start.prof``
    (written once the node was warm) and ``<node>.prof`` (written when it stopped). Another
    figure reads its own ``served`` nodes, with their parts of the work (``node_parts``; the
    exchanges' by default): an "exchange" is then whatever that figure's item is.
    """
    nodes = []
    node_parts = _PARTS if node_parts is None else node_parts
    for node in served:
        table = _between(directory / f"{node}.start.prof", directory / f"{node}.prof")
        origins: defaultdict[str, float] = defaultdict(float)
        for (filename, _, name), (_, own, _) in table.items():
            origins[_origin(filename, name)] += own / exchanges
        parts = []
        for label, functions in (*node_parts.get(node, ()), *_COMMON):
            matched = [values for key, values in table.items() if _matches(key, functions)]
            calls = sum(values[0] for values in matched) / exchanges
            parts.append((label, sum(values[2] for values in matched) / exchanges, calls))
        dearest = sorted(table.items(), key=lambda item: item[1][1], reverse=True)[:TOP]
        top = tuple(
            (_name(key), calls / exchanges, own / exchanges, cumulative / exchanges)
            for key, (calls, own, cumulative) in dearest
        )
        nodes.append(
            NodeProfile(
                node,
                sum(origins.values()),
                tuple(sorted(origins.items(), key=lambda item: -item[1])),
                tuple(parts),
                top,
            )
        )
    return Profile(exchanges, tuple(nodes), process_cpu, failures, batch)


def markdown(node: NodeProfile, batch: int = 0, *, item: str = "exchange") -> list[str]:
    """Return one node's profile as three Markdown tables.

    Calls are counted per exchange (or per ``item``, another figure's), or per batch of
    ``batch`` exchanges if it is not 0.
    """
    calls_of, per = (lambda calls: calls * batch, "batch") if batch else (float, item)
    lines = [
        "",
        f"**{node.node}**: {human_time(node.total)} of CPU per {item} under the profiler.",
        "",
        (
            f"| Part of the work (cumulative, parts may nest) | Calls per {per} | Per {item} "
            "| Share |"
        ),
        "|---|--:|--:|--:|",
    ]
    lines += [
        f"| {label} | {calls_of(calls):.1f} | {human_time(seconds)} | {seconds / node.total:.0%} |"
        for label, seconds, calls in node.parts
        if calls
    ]
    lines += [
        "",
        f"| Where the code comes from (own time) | Per {item} | Share |",
        "|---|--:|--:|",
    ]
    lines += [
        f"| {origin} | {human_time(seconds)} | {seconds / node.total:.0%} |"
        for origin, seconds in node.origins[:TOP]
    ]
    lines += [
        "",
        f"| Function (by own time) | Calls per {per} | Own time per {item} | With callees |",
        "|---|--:|--:|--:|",
    ]
    lines += [
        f"| `{name}` | {calls_of(calls):.1f} | {human_time(own)} | {human_time(cumulative)} |"
        for name, calls, own, cumulative in node.top
    ]
    return lines


def _between(start: Path, end: Path) -> dict[_Key, tuple[float, float, float]]:
    """Return each function's calls, own and cumulative seconds from ``start`` to ``end``."""
    before = pstats.Stats(str(start)).stats  # type: ignore[attr-defined]  # untyped in pstats
    after = pstats.Stats(str(end)).stats  # type: ignore[attr-defined]  # idem
    table: dict[_Key, tuple[float, float, float]] = {}
    for function, (_, calls, own, cumulative, _) in after.items():
        if _is_the_profilers(function):
            continue
        _, calls_before, own_before, cumulative_before, _ = before.get(function, (0, 0, 0, 0, {}))
        if calls > calls_before or own > own_before:
            table[function] = (
                float(calls - calls_before),
                own - own_before,
                cumulative - cumulative_before,
            )
    return table


def _is_the_profilers(key: _Key) -> bool:
    """Tell whether ``key`` is work of the profiler itself: the warm node's stats being written."""
    filename, _, name = key
    if filename == "~":
        return "_lsprof" in name or "marshal" in name
    return filename.endswith(("cProfile.py", "profiled_serve.py"))


def _matches(key: _Key, functions: tuple[tuple[str, str], ...]) -> bool:
    """Tell whether the profiled function ``key`` is one of ``functions``."""
    filename, _, name = key
    return any(name == wanted and filename.endswith(suffix) for suffix, wanted in functions)


def _origin(filename: str, name: str) -> str:
    """Return where a function's code comes from: a library, the stdlib, a mynumber package."""
    if filename == "~":  # a built-in, named by what it belongs to
        return next((origin for part, origin in _BUILT_INS if part in name), "built-ins (C)")
    if filename.startswith("<frozen importlib"):
        return _IMPORTS
    path = Path(filename).resolve()
    origin = "other"
    if "mynumber" in path.parts and "src" in path.parts:
        parts = path.with_suffix("").parts[path.parts.index("mynumber") :]
        origin = ".".join(parts[:2])
    elif path.is_relative_to(_PURELIB):
        top = path.relative_to(_PURELIB).parts[0].removesuffix(".py")
        origin = top.split("_")[0] if top.startswith(("pydantic", "psycopg")) else top
    elif path.is_relative_to(_STDLIB):
        origin = f"stdlib {path.relative_to(_STDLIB).parts[0].removesuffix('.py')}"
    return origin


_IMPORTS = "importlib (imports at run time)"
#: Built-in functions by a part of their name, and what they are counted as.
_BUILT_INS = (
    ("psycopg", "psycopg"),
    ("pydantic_core", "pydantic"),
    ("posix.stat", _IMPORTS),
    ("_imp.", _IMPORTS),
    ("socket", "sockets and polling (C)"),
    ("epoll", "sockets and polling (C)"),
    ("lock", "threads: locks and handoffs (C)"),
)


def _name(key: _Key) -> str:
    """Return a short name of a profiled function: its file from the package down, line, name."""
    filename, line, name = key
    if filename == "~":
        return name
    parts = PurePath(filename).parts
    for anchor in ("site-packages", "mynumber", "python3.11"):
        if anchor in parts:
            parts = parts[len(parts) - parts[::-1].index(anchor) - (anchor == "mynumber") :]
            break
    return f"{'/'.join(parts)}:{line} {name}"
