"""Run the ``mynumber`` command under cProfile, in every thread, and write the stats it gathers.

    .venv/bin/python bench/profiled_serve.py OUT.prof serve --dir HOME --node hub --port 8001

For the exchanges figure's profile: a node served by uvicorn runs its event loop in the main
thread and its database work in anyio's worker threads, so each thread gets a profiler of its own
(through ``threading.setprofile``, installed before any worker starts). The timer is
``time.thread_time``: each function is charged the CPU its thread spent in it, never the time it
waited for the database, the network or the GIL. ``SIGUSR1`` writes what every thread gathered so
far to ``OUT.start.prof`` (the benchmark sends it once the node is warm, so that start-up can be
taken away); the end of the command (Ctrl-C) writes it all to ``OUT.prof``.
"""

import cProfile
import marshal
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from mynumber.cli.main import main as mynumber

_profiles: list[cProfile.Profile] = []


def _profile_this_thread(_frame: FrameType, _event: str, _arg: Any) -> None:  # noqa: ANN401
    """Start a profiler for the thread that calls this (``threading.setprofile``'s first call)."""
    sys.setprofile(None)
    profile = cProfile.Profile(time.thread_time)
    _profiles.append(profile)
    profile.enable()


def merged() -> dict[Any, tuple[Any, ...]]:
    """Return every thread's stats so far, summed, in ``pstats``' form (profilers kept running).

    ``snapshot_stats``, unlike ``create_stats``, does not switch the profiler off -- which, from
    this thread, would switch off this thread's own.
    """
    total: dict[Any, tuple[Any, ...]] = {}
    for profile in _profiles.copy():  # a thread may start meanwhile
        profile.snapshot_stats()
        for function, (calls, primitive, own, cumulative, _) in profile.stats.items():
            before = total.get(function, (0, 0, 0.0, 0.0, {}))
            total[function] = (
                before[0] + calls,
                before[1] + primitive,
                before[2] + own,
                before[3] + cumulative,
                {},
            )
    return total


def main() -> None:
    """Run ``mynumber`` with the arguments after OUT.prof; write the stats on SIGUSR1 and after."""
    out, arguments = Path(sys.argv[1]), sys.argv[2:]
    sys.argv = ["mynumber", *arguments]

    def snapshot(_signal: int, _frame: FrameType | None) -> None:
        written = out.with_suffix(".start.partial")
        written.write_bytes(marshal.dumps(merged()))
        written.replace(out.with_suffix(".start.prof"))  # whole, or not there yet

    signal.signal(signal.SIGUSR1, snapshot)
    threading.setprofile(_profile_this_thread)
    profile = cProfile.Profile(time.thread_time)
    _profiles.insert(0, profile)
    profile.enable()
    try:
        mynumber()
    finally:
        profile.disable()
        out.write_bytes(marshal.dumps(merged()))


if __name__ == "__main__":
    main()
