"""The exchanges figure's baseline server: a FastAPI app with one route that answers ``{}``.

    .venv/bin/python bench/noop_server.py --port 8123

Served as ``mynumber serve`` serves a node: uvicorn in one process, the listening socket bound
with its protocol named (``IPPROTO_TCP``, so asyncio sets ``TCP_NODELAY`` on its connections),
lifespan on, log level ``info`` (an access-log line per request), until interrupted. What is left
is the floor of any request to a FastAPI app over this machine's loopback: HTTP parsing, routing,
one JSON response, the access log.
"""

import argparse
import contextlib
import socket

import uvicorn
from fastapi import FastAPI


def create_app() -> FastAPI:
    """Return the app: ``GET /`` answers an empty JSON object, nothing else."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/")
    async def noop() -> dict[str, str]:  # async: no hop to the thread pool
        return {}

    return app


def main() -> None:
    """Serve the app on 127.0.0.1 at the port given, until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen()
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="info", lifespan="on"))
    with listener, contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[listener])


if __name__ == "__main__":
    main()
