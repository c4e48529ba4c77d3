"""Measure every figure beside its baseline, in one run, and write the page of results.

    .venv/bin/python bench/run.py --output docs/benchmarks.md      # what `make bench` runs
    .venv/bin/python bench/run.py --only issuance --residents 20000 --postgres-residents 10000
    .venv/bin/python bench/run.py --quick                          # a tenth of every input
    .venv/bin/python bench/run.py --only identity --confirmations 200 --cpu 0

The process pins itself to one CPU and limits numpy's helper threads to one before numpy is first
imported, so every figure is a one-core figure; see ``timing`` for how the rounds are taken and
``figures``, ``issuance``, ``notice_pdfs`` and ``identity`` for what is compared with what.
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

#: Thread-pool sizes that numpy's BLAS and OpenMP read once, when numpy is first imported.
THREAD_LIMITS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: The groups of figures, in the order they run and appear; --only chooses among them.
GROUPS = ("scalar", "bulk", "generation", "issuance", "notices", "identity")


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
    return parser


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
        )
    given = {
        "sqlite_residents": arguments.residents,
        "postgres_residents": arguments.postgres_residents,
        "profile_residents": arguments.profile_residents,
        "notices": arguments.notices,
        "confirmations": arguments.confirmations,
        "identity_cards": arguments.identity_cards,
    }
    return dataclasses.replace(sizes, **{k: v for k, v in given.items() if v is not None})


def _measure(
    arguments: argparse.Namespace, groups: Sequence[str], sizes: "Sizes"
) -> tuple[list["Figure"], list[str]]:
    """Measure the chosen groups; return their figures and the databases figure 4 ran on."""
    import figures  # noqa: PLC0415 -- after the thread limits
    import identity  # noqa: PLC0415 -- idem
    import issuance  # noqa: PLC0415 -- idem
    import notice_pdfs  # noqa: PLC0415 -- idem
    import registers  # noqa: PLC0415 -- idem

    backends = []
    if "issuance" in groups:  # before anything is timed, so a missing server stops the run at once
        backends.append(registers.sqlite_backend(sizes.sqlite_residents))
        if not arguments.no_postgres:
            url = arguments.postgres_url or registers.DEFAULT_POSTGRES_URL
            backends.append(registers.postgres_backend(sizes.postgres_residents, url))
    repeats = arguments.repeats
    measure = {
        "scalar": lambda: figures.scalar_validation(sizes, repeats),
        "bulk": lambda: figures.bulk_validation(sizes, repeats),
        "generation": lambda: figures.generation(sizes, repeats),
        "issuance": lambda: issuance.issuance(backends, sizes, arguments.issuance_rounds),
        "notices": lambda: notice_pdfs.notices(sizes, repeats),
        "identity": lambda: identity.identity(sizes, repeats),
    }
    results = [measure[group]() for group in groups]
    return results, [backend.description for backend in backends]


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
