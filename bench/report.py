"""What the figures ran on, and the Markdown page that shows them: docs/benchmarks.md."""

import importlib.metadata
import os
import platform
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.backends.openssl import backend

from figures import Figure, Row
from timing import human_time


@dataclass(frozen=True)
class Run:
    """How one run was made: when, by which command, on which CPU, with how many rounds."""

    date: str
    command: str
    cpu: int
    repeats: int
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    #: A --quick run works on a tenth of the inputs: a try of the script, not figures to quote.
    quick: bool = False
    #: The groups measured when --only chose some; empty when every figure was measured.
    only: tuple[str, ...] = ()
    #: Timed rounds per side of the issuance figure, which has its own (see its notes).
    issuance_rounds: int = 1


def machine(databases: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Return the facts about the machine and the software that the figures depend on.

    ``databases`` describe the database servers the issuance figure ran on, one line each.
    """
    cpu = _cpuinfo()
    flags = cpu.get("flags", "").split()
    version = importlib.metadata.version
    cores = f"{os.cpu_count()} logical CPUs; /proc/cpuinfo: {cpu.get('cpu cores', '?')} cores"
    return [
        ("CPU", cpu.get("model name") or platform.processor() or "unknown"),
        ("Cores", f"{cores}, {cpu.get('cpu MHz', '?')} MHz"),
        ("Memory", _memory()),
        ("CPU features", " ".join(f for f in ("aes", "vaes", "avx2", "avx512f") if f in flags)),
        ("System", platform.platform()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("numpy", version("numpy")),
        ("cryptography", f"{version('cryptography')}, {backend.openssl_version_text()}"),
        ("python-stdnum", version("python-stdnum")),
        ("ff3", f"{version('ff3')}, AES from pycryptodome {version('pycryptodome')}"),
        *(("Database", database) for database in databases),
        ("SQLAlchemy", f"{version('sqlalchemy')}, psycopg {version('psycopg')}"),
        ("reportlab", version("reportlab")),
        (
            "HTTP",
            f"uvicorn {version('uvicorn')}, FastAPI {version('fastapi')}, httpx {version('httpx')}",
        ),
        ("mynumber", f"{version('mynumber')}, {_revision()}"),
    ]


def render(run: Run, facts: Sequence[tuple[str, str]], figures: Sequence[Figure]) -> str:
    """Return the whole benchmarks page."""
    rows = [row for figure in figures for row in figure.rows]
    judged = [row for row in rows if row.passed is not None]
    missed = [row for row in judged if not row.passed]
    lines = [
        "# Benchmarks",
        "",
        f"Written on {run.date} by `{run.command}`;",
        "`make bench` writes it with `.venv/bin/python bench/run.py --output docs/benchmarks.md`.",
        "Every figure and its baseline were measured in that one run: rerun the command rather",
        "than editing this page.",
        "",
        *(["**Quick run (a tenth of the inputs): do not quote these figures.**", ""] * run.quick),
        *_partial(run),
        f"**{len(judged) - len(missed)} of {len(judged)} targets met.**"
        + ("" if not missed else " Missed: " + "; ".join(row.what for row in missed) + "."),
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in facts),
        "",
        "## Method",
        "",
        *_method(run),
        "",
        "## Results",
    ]
    for figure in figures:
        lines += ["", f"### {figure.title}", "", *_results_table(figure.rows), ""]
        lines += [f"- {note}" for note in figure.notes]
        lines += figure.details
    lines += ["", "## Spread of the rounds", "", *_spread_table(figures), ""]
    return "\n".join(lines)


def _method(run: Run) -> list[str]:
    """Return the bullet list that says how the figures were taken."""
    load = ", ".join(f"{value:.2f}" for value in run.load_before)
    load_after = ", ".join(f"{value:.2f}" for value in run.load_after)
    rounds = f"{run.issuance_rounds} round" + "s" * (run.issuance_rounds > 1)
    return [
        f"- The process was pinned to logical CPU {run.cpu} (`os.sched_setaffinity`), with",
        "  `OPENBLAS_NUM_THREADS`, `OMP_NUM_THREADS` and `MKL_NUM_THREADS` set to 1 before numpy",
        "  was imported: every figure, ours and the baseline, is a one-core figure of this process",
        "  (PostgreSQL's server, in figures 4 and 7, and the registry's HTTP server, in figure 6,",
        "  run in their own processes).",
        "- Figures 8 and 9 (over HTTP) are the exception: for them this process is unpinned, and",
        "  the three node servers, PostgreSQL and this process (the load generator) share every",
        "  CPU. Each round of figure 8 is timed by the load itself, from its first request to its",
        "  last answer, after 6 s of quiet; figure 9 is a latency, one request in flight, its",
        "  p50, p95 and p99 taken over every request of its timed rounds. Their ratios, like",
        "  those of figures 4 to 7, are marked *slower*.",
        "- Each case ran once untimed to warm up; then ours and the baseline were timed in turn,",
        f"  {run.repeats} rounds, the order reversed every other round, garbage collection off",
        "  inside a timed call. Figure 4 (issuance) is too long for that:",
        f"  {rounds} per side, after an untimed warm-up run, each into a fresh database.",
        "  Figure 7 (the ledger) appends new entries in every round, so its rounds are fresh",
        "  appends rather than repeats of one call; its proofs are p50 and p95 over every call.",
        "- **Each figure is the best (fastest) round** of its own case, ours and the baseline each",
        "  taken separately: noise from other work only adds time. The median and slowest rounds",
        "  are in the last table, to show how noisy the run was.",
        "- Ratio = the baseline's time per number / ours: how many times faster ours is. Where",
        "  ours does work the baseline leaves out (figures 4 to 7) the ratio is ours' time / the",
        "  baseline's, marked *slower*: how many times longer ours takes.",
        "- Before timing, each figure checks that ours and the baseline answer alike: the same",
        "  verdict on every validated input, every generated number distinct and valid, every",
        "  issued resident with one valid and distinct number and both sides' row counts equal,",
        "  every notice a PDF of the expected pages, every card confirmed with a signed receipt",
        "  and every raw signature verified, a tampered signature refused by both, every ledger's",
        "  root equal to one the bench folds itself and sampled proofs verified.",
        "- Timings never decide a test; this page is the only place they are judged.",
        f"- Load average (1, 5, 15 min): {load} before the run, {load_after} after.",
    ]


def _partial(run: Run) -> list[str]:
    """Return the warning of a run that measured only some figures, or nothing."""
    if not run.only:
        return []
    return [
        f"**Partial run (only {', '.join(run.only)}): the other figures were not measured.**",
        "",
    ]


def _results_table(rows: Sequence[Row]) -> list[str]:
    """Return the Markdown table of one figure's rows."""
    lines = [
        "| Figure | Ours | Baseline | Ratio | Target | Result |",
        "|---|--:|--:|--:|---|---|",
    ]
    for row in rows:
        result = {None: "—", True: "pass", False: "**miss**"}[row.passed]
        lines.append(
            f"| {row.what} | {row.ours} | {row.baseline} | {row.ratio_text} "
            f"| {row.target} | {result} |"
        )
    return lines


def _spread_table(figures: Sequence[Figure]) -> list[str]:
    """Return the table of best, median and slowest round per item of every measurement."""
    lines = [
        "| Measurement | Items per round | Best | Median | Slowest |",
        "|---|--:|--:|--:|--:|",
    ]
    for figure in figures:
        lines += [
            f"| {m.name} | {m.items:,} | {human_time(m.per_item)} "
            f"| {human_time(m.median_per_item)} | {human_time(m.worst_per_item)} |"
            for m in figure.measurements
        ]
    return lines


def _cpuinfo() -> dict[str, str]:
    """Return the fields /proc/cpuinfo gives for the first logical CPU (empty if there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def _memory() -> str:
    """Return the machine's memory from /proc/meminfo: the database figures depend on it."""
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name == "MemTotal" and value.split()[0].isdigit():
            return f"{int(value.split()[0]) / 2**20:.1f} GiB"
    return "unknown"


def _revision() -> str:
    """Return the git commit the code was measured at, saying if the tree had local changes."""
    git = shutil.which("git")
    if git is None:
        return "git revision unknown"
    try:
        commit = subprocess.run(  # noqa: S603 - a fixed git command, no outside input
            [git, "rev-parse", "--short", "HEAD"], capture_output=True, check=True, text=True
        ).stdout.strip()
        status = subprocess.run(  # noqa: S603 - idem
            [git, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "git revision unknown"
    return f"commit {commit}" + (" with uncommitted changes" if status.strip() else "")
