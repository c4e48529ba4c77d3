"""Measure every figure beside its baseline, in one run, and write the page of results.

    .venv/bin/python bench/run.py --output docs/benchmarks.md      # what `make bench` runs

The process pins itself to one CPU and limits numpy's helper threads to one before numpy is first
imported, so every figure is a one-core figure; see ``timing`` for how the rounds are taken and
``figures`` for what is compared with what. Progress goes to the terminal; the page goes to
``--output`` (or to the terminal if there is none).
"""

import argparse
import datetime as dt
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # at run time figures is imported only once the thread limits are set
    from figures import Figure

#: Thread-pool sizes that numpy's BLAS and OpenMP read once, when numpy is first imported.
THREAD_LIMITS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and write the page; return the exit status."""
    arguments = _parser().parse_args(argv)
    for variable in THREAD_LIMITS:
        os.environ[variable] = "1"
    cpu = _pin(arguments.cpu)
    # Imported only now: numpy (under figures and mynumber.numbers.bulk) must see the limits above.
    import figures  # noqa: PLC0415
    import report  # noqa: PLC0415

    sizes = figures.Sizes()
    if arguments.quick:
        sizes = figures.Sizes(
            scalar=20_000, bulk=100_000, bulk_sample=10_000, generation=100_000, ff3=2_000
        )
    load_before = os.getloadavg()
    started = dt.datetime.now(tz=dt.UTC)
    print(f"Pinned to CPU {cpu}; {arguments.repeats} rounds per figure, best round reported.")
    results = [
        figures.scalar_validation(sizes, arguments.repeats),
        figures.bulk_validation(sizes, arguments.repeats),
        figures.generation(sizes, arguments.repeats),
    ]
    run = report.Run(
        date=started.strftime("%Y-%m-%d %H:%M UTC"),
        command=_command(),
        cpu=cpu,
        repeats=arguments.repeats,
        load_before=load_before,
        load_after=os.getloadavg(),
        quick=arguments.quick,
    )
    page = report.render(run, report.machine(), results)
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
    return parser


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
                    f"  {verdict}: {row.what}: {row.ratio:,.1f}x ({row.ours} vs {row.baseline}), "
                    f"target {row.target}"
                )


if __name__ == "__main__":
    sys.exit(main())
