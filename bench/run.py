"""Measure every figure beside its baseline, in one run, and write the page of results.

    .venv/bin/python bench/run.py --output docs/benchmarks.md      # what `make bench` runs
    .venv/bin/python bench/run.py --only issuance --residents 20000 --postgres-residents 10000
    .venv/bin/python bench/run.py --quick                          # a tenth of every input
    .venv/bin/python bench/run.py --only identity --confirmations 200 --cpu 0
    .venv/bin/python bench/run.py --only ledger --ledger-sizes 1000000,10000000
    .venv/bin/python bench/run.py --only exchanges --exchanges 1000 --exchange-concurrency 16
    .venv/bin/python bench/run.py --only exchanges --exchange-batch 500 --exchange-batches 16
    .venv/bin/python bench/run.py --only portal --portal-records 10000 --portal-requests 300

The process pins itself to one CPU and limits numpy's helper threads to one before numpy is first
imported, so every figure is a one-core figure; see ``timing`` for how the rounds are taken and
``figures``, ``issuance``, ``notice_pdfs``, ``identity`` and ``ledger`` for what is compared
with what.
Progress goes to the terminal; the page goes to ``--output`` (or to the terminal if there is
none). The page is written whole: a run with ``--only`` says on it which figures it left out.
"""

import argparse
import dataclasses
import datetime as dt
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # at run time figures is imported only once the thread limits are set
    from figures import Figure, Sizes
    from registers import Backend

#: Thread-pool sizes that numpy's BLAS and OpenMP read once, when numpy is first imported.
THREAD_LIMITS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: The groups of figures, in the order they run and appear; --only chooses among them.
GROUPS = (
    "scalar",
    "bulk",
    "generation",
    "issuance",
    "notices",
    "identity",
    "ledger",
    "exchanges",
    "portal",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and write the page; return the exit status."""
    arguments = _parser().parse_args(argv)
    for variable in THREAD_LIMITS:
        os.environ[variable] = "1"
    cpu = _pin(arguments.cpu)
    # Imported only now: numpy (under figures and mynumber.numbers.bulk) must see the limits above.
    import report  # noqa: PLC0415

    groups = tuple(group for group in GROUPS if group in (arguments.only or GROUPS))
    sizes = _sizes(arguments)
    load_before = os.getloadavg()
    started = dt.datetime.now(tz=dt.UTC)
    print(f"Pinned to CPU {cpu}; {arguments.repeats} rounds per figure, best round reported.")
    results, databases = _measure(arguments, groups, sizes)
    run = report.Run(
        date=started.strftime("%Y-%m-%d %H:%M UTC"),
        command=_command(),
        cpu=cpu,
        repeats=arguments.repeats,
        load_before=load_before,
        load_after=os.getloadavg(),
        quick=arguments.quick,
        only=groups if arguments.only else (),
        issuance_rounds=arguments.issuance_rounds,
    )
    page = report.render(run, report.machine(databases), results)
    if arguments.output is None:
        print(page)
    else:
        arguments.output.write_text(page, encoding="utf-8")
        print(f"Wrote {arguments.output}")
    _print_summary(results)
    return 0


def _parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="where to write the Markdown page")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per case (7)")
    parser.add_argument(
        "--cpu", type=int, help="the logical CPU to pin to (default: the last one allowed)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a tenth of the inputs: to try the script, not to quote",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=GROUPS,
        help="measure only this group of figures (repeat for several; default: all)",
    )
    issuance = parser.add_argument_group("issuance (figure 4) and notices (figure 5)")
    issuance.add_argument(
        "--residents", type=int, help="residents per round on SQLite (1,000,000; quick: 100,000)"
    )
    issuance.add_argument(
        "--postgres-residents",
        type=int,
        help="residents per round on PostgreSQL (1,000,000; quick: 100,000)",
    )
    issuance.add_argument(
        "--profile-residents",
        type=int,
        help="residents issued under cProfile per backend (20,000; quick: 5,000)",
    )
    issuance.add_argument(
        "--issuance-rounds", type=int, default=1, help="timed rounds per side and backend (1)"
    )
    issuance.add_argument(
        "--postgres-url",
        default=os.environ.get("MYNUMBER_BENCH_POSTGRES_URL"),
        help="the PostgreSQL server to create the run's databases on "
        "(default: $MYNUMBER_BENCH_POSTGRES_URL, else postgres@127.0.0.1:5432/test)",
    )
    issuance.add_argument(
        "--no-postgres", action="store_true", help="measure the issuance on SQLite only"
    )
    issuance.add_argument(
        "--notices", type=int, help="household notices rendered per round (200; quick: 20)"
    )
    identity = parser.add_argument_group("identity confirmation (figure 6)")
    identity.add_argument(
        "--confirmations",
        type=int,
        help="identity confirmations over HTTP per round (500; quick: 50)",
    )
    identity.add_argument(
        "--identity-cards",
        type=int,
        help="residents handed a card, used in turn by the confirmations (50; quick: 5)",
    )
    ledger = parser.add_argument_group("exchange ledger (figure 7), on PostgreSQL")
    ledger.add_argument(
        "--ledger-sizes",
        type=_counts,
        help="entries of each ledger measured, comma-separated "
        "(1000000,10000000; quick: 100000,1000000)",
    )
    ledger.add_argument(
        "--ledger-appends",
        type=int,
        help="appends timed a side at each size, over all rounds (3,000; quick: 700)",
    )
    ledger.add_argument(
        "--ledger-proofs",
        type=int,
        help="calls of each proof and of the lookup timed at each size (2,000; quick: 500)",
    )
    _exchange_options(parser)
    _portal_options(parser)
    return parser


def _exchange_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of the exchanges figure (figure 8)."""
    exchanges = parser.add_argument_group("exchanges over HTTP (figure 8), on PostgreSQL")
    exchanges.add_argument(
        "--exchanges",
        type=int,
        help="exchanges (and no-op round trips) per timed round (1,000; quick: 100)",
    )
    exchanges.add_argument(
        "--exchange-concurrency", type=int, help="exchanges in flight at once (16)"
    )
    exchanges.add_argument(
        "--exchange-rounds", type=int, help="timed rounds, after a warm-up round (3)"
    )
    exchanges.add_argument(
        "--exchange-persons",
        type=int,
        help="persons with codes and copies, asked about in turn (2,000; quick: 200)",
    )
    exchanges.add_argument(
        "--profile-exchanges",
        type=int,
        help="exchanges made with every node under cProfile, 0 for none (300; quick: 100)",
    )
    exchanges.add_argument(
        "--exchange-batch",
        type=int,
        help="exchanges per batch of the batched load, at most 1,000 (500; quick: 100)",
    )
    exchanges.add_argument(
        "--exchange-batch-concurrency", type=int, help="batches in flight at once (4)"
    )
    exchanges.add_argument(
        "--exchange-batches",
        type=int,
        help="batches per timed round of the batched load (16; quick: 8)",
    )
    exchanges.add_argument(
        "--profile-exchange-batches",
        type=int,
        help="batches made with every node under cProfile, 0 for none (4)",
    )


def _portal_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of the portal's records page (figure 9)."""
    portal = parser.add_argument_group("the portal's records page (figure 9), on PostgreSQL")
    portal.add_argument(
        "--portal-records",
        type=int,
        help="entries about the resident in the hub's ledger (10,000; quick: 1,000)",
    )
    portal.add_argument(
        "--portal-others",
        type=int,
        help="entries about other persons among them (100,000; quick: 10,000)",
    )
    portal.add_argument(
        "--portal-requests",
        type=int,
        help="requests (and raw queries) timed per page, over all rounds, one in flight "
        "(300; quick: 60)",
    )
    portal.add_argument("--portal-rounds", type=int, help="timed rounds, after a warm-up (3)")
    portal.add_argument(
        "--portal-deep-page",
        type=int,
        help="the deep page timed beside page 1, at most the last full page (150; quick: 15)",
    )
    portal.add_argument(
        "--profile-portal-requests",
        type=int,
        help="requests of each page made with the three nodes under cProfile, 0 for none "
        "(200; quick: 50)",
    )


def _counts(text: str) -> tuple[int, ...]:
    """Parse a comma-separated list of sizes, each at least 2 (a tree with an older size)."""
    try:
        counts = tuple(int(word.replace("_", "")) for word in text.split(","))
    except ValueError as exc:
        msg = f"{text!r} is not a comma-separated list of whole numbers, e.g. 1000000,10000000"
        raise argparse.ArgumentTypeError(msg) from exc
    if any(count < 2 for count in counts):
        msg = f"every size must be at least 2, not {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return counts


def _sizes(arguments: argparse.Namespace) -> "Sizes":
    """Return the sizes of every input: the defaults, a tenth of them, or as given."""
    import figures  # noqa: PLC0415 -- after the thread limits, like every import of numpy

    sizes = figures.Sizes()
    if arguments.quick:
        sizes = figures.Sizes(
            scalar=20_000,
            bulk=100_000,
            bulk_sample=10_000,
            generation=100_000,
            ff3=2_000,
            sqlite_residents=100_000,
            postgres_residents=100_000,
            profile_residents=5_000,
            notices=20,
            confirmations=50,
            identity_cards=5,
            ledger_sizes=(100_000, 1_000_000),
            ledger_appends=700,
            ledger_proofs=500,
            exchanges=100,
            exchange_persons=200,
            profile_exchanges=100,
            exchange_batch=100,
            exchange_batches=8,
            portal_records=1_000,
            portal_others=10_000,
            portal_requests=60,
            portal_deep_page=15,
            profile_portal_requests=50,
        )
    given = {
        "sqlite_residents": arguments.residents,
        "postgres_residents": arguments.postgres_residents,
        "profile_residents": arguments.profile_residents,
        "notices": arguments.notices,
        "confirmations": arguments.confirmations,
        "identity_cards": arguments.identity_cards,
        "ledger_sizes": arguments.ledger_sizes,
        "ledger_appends": arguments.ledger_appends,
        "ledger_proofs": arguments.ledger_proofs,
        "exchanges": arguments.exchanges,
        "exchange_concurrency": arguments.exchange_concurrency,
        "exchange_rounds": arguments.exchange_rounds,
        "exchange_persons": arguments.exchange_persons,
        "profile_exchanges": arguments.profile_exchanges,
        "exchange_batch": arguments.exchange_batch,
        "exchange_batch_concurrency": arguments.exchange_batch_concurrency,
        "exchange_batches": arguments.exchange_batches,
        "profile_exchange_batches": arguments.profile_exchange_batches,
        "portal_records": arguments.portal_records,
        "portal_others": arguments.portal_others,
        "portal_requests": arguments.portal_requests,
        "portal_rounds": arguments.portal_rounds,
        "portal_deep_page": arguments.portal_deep_page,
        "profile_portal_requests": arguments.profile_portal_requests,
    }
    return dataclasses.replace(sizes, **{k: v for k, v in given.items() if v is not None})


def _measure(
    arguments: argparse.Namespace, groups: Sequence[str], sizes: "Sizes"
) -> tuple[list["Figure"], list[str]]:
    """Measure the chosen groups; return their figures and the databases figure 4 ran on."""
    import exchanges  # noqa: PLC0415 -- after the thread limits
    import figures  # noqa: PLC0415 -- idem
    import identity  # noqa: PLC0415 -- idem
    import issuance  # noqa: PLC0415 -- idem
    import ledger  # noqa: PLC0415 -- idem
    import notice_pdfs  # noqa: PLC0415 -- idem
    import portal  # noqa: PLC0415 -- idem
    import registers  # noqa: PLC0415 -- idem

    backends = []
    if "issuance" in groups:  # before anything is timed, so a missing server stops the run at once
        backends.append(registers.sqlite_backend(sizes.sqlite_residents))
        if not arguments.no_postgres:
            url = arguments.postgres_url or registers.DEFAULT_POSTGRES_URL
            backends.append(registers.postgres_backend(sizes.postgres_residents, url))
    ledger_server = None
    if "ledger" in groups:  # idem: the ledger figure runs on PostgreSQL only
        if arguments.no_postgres:
            msg = "the ledger figure runs on PostgreSQL only: leave out --no-postgres"
            raise SystemExit(msg)
        # Its Backend is used only for the empty databases it makes; the residents count is unused.
        url = arguments.postgres_url or registers.DEFAULT_POSTGRES_URL
        ledger_server = registers.postgres_backend(0, url)
    exchanges_url = arguments.postgres_url or registers.DEFAULT_POSTGRES_URL
    for group in ("exchanges", "portal"):  # idem: these figures run on PostgreSQL only
        if group in groups and arguments.no_postgres:
            msg = f"the {group} figure runs on PostgreSQL only: leave out --no-postgres"
            raise SystemExit(msg)
    if {"exchanges", "portal"} & set(groups):
        registers.postgres_backend(0, exchanges_url)  # stops the run if the server does not answer
    repeats = arguments.repeats
    measure = {
        "scalar": lambda: figures.scalar_validation(sizes, repeats),
        "bulk": lambda: figures.bulk_validation(sizes, repeats),
        "generation": lambda: figures.generation(sizes, repeats),
        "issuance": lambda: issuance.issuance(backends, sizes, arguments.issuance_rounds),
        "notices": lambda: notice_pdfs.notices(sizes, repeats),
        "identity": lambda: identity.identity(sizes, repeats),
        "ledger": lambda: ledger.ledger(_needed(ledger_server), sizes, repeats),
        "exchanges": lambda: exchanges.exchanges(sizes, exchanges_url),
        "portal": lambda: portal.portal(sizes, exchanges_url),
    }
    results = [measure[group]() for group in groups]
    databases = [backend.description for backend in backends]
    if ledger_server is not None and ledger_server.description not in databases:
        databases.append(ledger_server.description)
    return results, databases


def _needed(backend: "Backend | None") -> "Backend":
    """Return the backend a chosen group needs; it is made whenever the group is chosen."""
    if backend is None:
        msg = "no PostgreSQL server was set up for the ledger figure"
        raise RuntimeError(msg)
    return backend


def _pin(cpu: int | None) -> int:
    """Pin this process to one logical CPU and return its number."""
    allowed = sorted(os.sched_getaffinity(0))
    chosen = allowed[-1] if cpu is None else cpu
    if chosen not in allowed:
        msg = f"CPU {chosen} is not one this process may run on; choose one of {allowed}"
        raise SystemExit(msg)
    os.sched_setaffinity(0, {chosen})
    return chosen


def _command() -> str:
    """Return the command line of this run, with paths relative to the working directory."""
    words = [sys.executable, *sys.argv]
    cwd = Path.cwd()
    shown = []
    for word in words:
        path = Path(word)
        shown.append(
            str(path.relative_to(cwd)) if path.is_absolute() and path.is_relative_to(cwd) else word
        )
    return shlex.join(shown)


def _print_summary(results: Sequence["Figure"]) -> None:
    """Print every judged row with its ratio and result."""
    for figure in results:
        for row in figure.rows:
            if row.passed is not None:
                verdict = "pass" if row.passed else "MISS"
                print(
                    f"  {verdict}: {row.what}: {row.ratio_text} ({row.ours} vs {row.baseline}), "
                    f"target {row.target}"
                )


if __name__ == "__main__":
    sys.exit(main())
