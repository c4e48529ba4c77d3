"""What end-to-end tests use to make a node fail: its process, and a relay in front of it.

:class:`NodeProcess` runs one ``mynumber serve --node ID``, which a test may stop (SIGSTOP), kill
(SIGKILL) and start again; its output goes to a log file per run, for failure messages.

:class:`Relay` stands in front of a node: the node's ``base_url`` in ``deployment.toml`` points at
the relay, which passes every connection on to the node's real port. While
:attr:`Relay.keep_answers` is set, what the node sends back is read and dropped instead of passed
on, and :attr:`Relay.answer_kept` is set: the test then knows that the node has answered (so its
request handler has returned, and committed what it commits) while its caller still waits. When
either side of a connection closes, the relay closes the other, sending nothing more.
:meth:`Relay.close` stops listening, so that connecting is refused as when nothing listens at the
node's address; :meth:`Relay.open` listens again at the same port.
"""

import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Final

import httpx
import pytest

from mynumber.deployment import read_deployment

from .test_serve import MYNUMBER, _environment

#: How long a server may take to answer its first request (generous: CI machines are shared).
STARTUP_SECONDS: Final = 60.0
#: How often the relay's accepting thread looks whether it was closed.
_POLL_SECONDS: Final = 0.1
_CHUNK: Final = 65_536


class NodeProcess:
    """One ``mynumber serve --node ID`` process, which a test may stop, kill and start again."""

    def __init__(
        self, home: Path, node_id: str, *, port: int, logs: Path, environment: Mapping[str, str]
    ) -> None:
        """Prepare node ``node_id``'s process, to listen on ``port`` and log in ``logs``."""
        self.home, self.node_id, self.port = home, node_id, port
        self.path = read_deployment(home).node(node_id).path
        self.paused = False
        self._environment = {**_environment(), **environment}
        self._log_directory = logs
        self._logs: list[Path] = []
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process, its output going to a log file of this run; do not wait."""
        log = self._log_directory / f"{self.node_id}-{len(self._logs) + 1}.log"
        self._logs.append(log)
        command = [MYNUMBER, "serve", "--dir", str(self.home), "--node", self.node_id]
        with log.open("wb") as output:
            self._process = subprocess.Popen(  # noqa: S603 -- our own console script and arguments
                [*command, "--port", str(self.port)],
                stdout=output,
                stderr=subprocess.STDOUT,
                env=self._environment,
            )
        self.paused = False

    def wait_until_healthy(self) -> None:
        """Wait (bounded) until the node's /health answers 200 at its own port; else fail."""
        deadline = time.monotonic() + STARTUP_SECONDS
        url = f"http://127.0.0.1:{self.port}{self.path}/health"
        with httpx.Client(trust_env=False, timeout=2) as client:
            while time.monotonic() < deadline and self.running():
                with suppress(httpx.TransportError):
                    if client.get(url).status_code == 200:
                        return
                time.sleep(0.1)
        pytest.fail(f"{self.node_id} did not answer within {STARTUP_SECONDS}s:\n{self.output()}")

    def restart(self) -> None:
        """Start the process again and wait until it answers."""
        self.start()
        self.wait_until_healthy()

    def running(self) -> bool:
        """Tell whether the process has started and not ended (it may be paused)."""
        return self._process is not None and self._process.poll() is None

    def pause(self) -> None:
        """Stop the process (SIGSTOP): the kernel still takes connections; nothing reads them."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)
        self.paused = True

    def kill(self) -> None:
        """Kill the process (SIGKILL, which ends a stopped one too) and wait until it is gone."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=STARTUP_SECONDS)

    def output(self) -> str:
        """Return what every run of the process printed, for failure messages."""
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')}" for log in self._logs)


class Relay:
    """Relays connections to ``127.0.0.1:port`` on to ``127.0.0.1:upstream_port``."""

    def __init__(self, upstream_port: int) -> None:
        """Listen on a free port of 127.0.0.1 and start relaying."""
        self._upstream_port = upstream_port
        self.port = 0
        #: Set it to keep the node's answers back; clear it to pass them on again.
        self.keep_answers = threading.Event()
        #: Set once an answer was kept back.
        self.answer_kept = threading.Event()
        self._stop: threading.Event | None = None
        self._accepting: threading.Thread | None = None
        self.open()

    def open(self) -> None:
        """Listen (at the port of the first opening, once there was one) and relay what comes."""
        if self._stop is not None:
            return
        listener = socket.create_server(("127.0.0.1", self.port))  # sets SO_REUSEADDR
        listener.settimeout(_POLL_SECONDS)
        self.port = listener.getsockname()[1]
        self._stop = threading.Event()
        self._accepting = threading.Thread(
            target=self._accept, args=(listener, self._stop), name="relay", daemon=True
        )
        self._accepting.start()

    def close(self) -> None:
        """Stop listening; connections already open go on until one of their sides closes."""
        if self._stop is None or self._accepting is None:
            return
        self._stop.set()
        self._accepting.join(timeout=5)
        self._stop = self._accepting = None

    def _accept(self, listener: socket.socket, stop: threading.Event) -> None:
        """Accept connections until told to stop, each relayed by a thread of its own."""
        with listener:
            while not stop.is_set():
                try:
                    caller, _ = listener.accept()
                except TimeoutError:
                    continue
                threading.Thread(target=self._relay, args=(caller,), daemon=True).start()

    def _relay(self, caller: socket.socket) -> None:
        """Connect to the upstream and pump both ways until one side closes; close both."""
        caller.settimeout(None)
        try:
            upstream = socket.create_connection(("127.0.0.1", self._upstream_port), timeout=5)
        except OSError:
            caller.close()  # nothing listens upstream: the caller sees the connection end
            return
        upstream.settimeout(None)
        forward = threading.Thread(
            target=self._pump, args=(caller, upstream), kwargs={"answers": False}, daemon=True
        )
        forward.start()
        self._pump(upstream, caller, answers=True)
        forward.join()
        caller.close()
        upstream.close()

    def _pump(self, source: socket.socket, sink: socket.socket, *, answers: bool) -> None:
        """Copy ``source`` to ``sink`` (answers kept back while asked); then shut both down."""
        try:
            while data := source.recv(_CHUNK):
                if answers and self.keep_answers.is_set():
                    self.answer_kept.set()
                    continue
                sink.sendall(data)
        except OSError:
            pass  # a side was reset: the connection is over either way
        finally:
            # Shutting down (never closing here) wakes the other pump without racing its recv.
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
