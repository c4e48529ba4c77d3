"""Server processes for the exchanges figure: start one, wait until it answers, stop it; CPU time.

Each server is a subprocess -- a real uvicorn, its log in a file -- allowed on every CPU of the
machine (it would inherit the benchmark's pinning otherwise), stopped as Ctrl-C stops it however
the figure ends. The CPU time of a process is read from ``/proc/<pid>/stat`` (user + system, all
its threads); PostgreSQL's is the sum over every ``postgres`` process, with the backends that
ended counted through the postmaster's reaped-children times, so a connection opened and closed
during a round is not lost.
"""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

#: How long a server may take to answer its first request, or to stop.
STARTUP_SECONDS = 60.0
#: A reading of some process's CPU seconds so far.
Reader = Callable[[], float]
#: Clock ticks per second of /proc's CPU times.
_TICKS = os.sysconf("SC_CLK_TCK")
#: Where ``/proc/<pid>/stat`` keeps the parent and the CPU times, counted after the command.
_PPID, _UTIME, _STIME, _CUTIME, _CSTIME = 1, 11, 12, 13, 14


@dataclass(frozen=True)
class Server:
    """A running server: what it is, its process id and where it answers."""

    name: str
    pid: int
    url: str


def free_port() -> int:
    """Return a 127.0.0.1 port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment() -> dict[str, str]:
    """Return the environment of a child server: no MYNUMBER_ variables from outside."""
    return {name: value for name, value in os.environ.items() if not name.startswith("MYNUMBER_")}


@contextmanager
def served(name: str, command: Sequence[str], ready_url: str, log: Path) -> Iterator[Server]:
    """Run ``command`` on every CPU until ``ready_url`` answers 200; yield it; stop it after."""
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(  # noqa: S603 -- our own scripts, our own arguments
            list(command), stdout=output, stderr=subprocess.STDOUT, env=environment()
        )
        try:
            os.sched_setaffinity(process.pid, range(os.cpu_count() or 1))
            _wait_until_ready(name, process, ready_url, log)
            yield Server(name, process.pid, ready_url)
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Interrupt the server as Ctrl-C does and wait (bounded) for it; kill it if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STARTUP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cpu_seconds(pid: int) -> float:
    """Return the CPU seconds process ``pid`` has used so far (user + system, every thread)."""
    _, fields = _stat(pid)
    return (int(fields[_UTIME]) + int(fields[_STIME])) / _TICKS


def postgres_cpu_seconds() -> float:
    """Return the CPU seconds of every ``postgres`` process, ended backends included.

    Only meaningful as a difference: backends that ended are counted through the postmaster's
    times of its reaped children (``cutime`` + ``cstime``).
    """
    processes = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                processes[int(entry.name)] = _stat(int(entry.name))
            except OSError:  # it ended while we looked
                continue
    total = 0
    for command, fields in processes.values():
        if command != "postgres":
            continue
        total += int(fields[_UTIME]) + int(fields[_STIME])
        parent = processes.get(int(fields[_PPID]))
        if parent is None or parent[0] != "postgres":  # the postmaster
            total += int(fields[_CUTIME]) + int(fields[_CSTIME])
    return total / _TICKS


def _stat(pid: int) -> tuple[str, list[str]]:
    """Return the command of process ``pid`` and the fields of its stat after the command."""
    text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    head, _, rest = text.rpartition(") ")
    return head.partition(" (")[2], rest.split()


def _wait_until_ready(name: str, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Wait (bounded) until ``url`` answers 200; stop the run if it does not."""
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(trust_env=False, timeout=2) as client:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    output = log.read_text(encoding="utf-8")[-2000:]
    msg = f"{name} did not answer at {url} within {STARTUP_SECONDS:g} s; its log ends:\n{output}"
    raise SystemExit(msg)
