"""The explorer's HTTP server (standard library): the page, its scripts, and the JSON API of :mod:`.service`.

Each connection has its own thread (an idle browser connection must not hold up the others), but one request is
answered at a time (a lock: runs take milliseconds once the kernels are compiled). Requests are bounded in size,
POST bodies must be JSON (so another web site cannot post to it without the browser asking first), the Host
header must name the address served (against DNS rebinding), and no path from a request reaches the file system:
the page's files are a fixed table.
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from importlib.resources import files
from typing import Any
from urllib.parse import unquote, urlsplit

from hemasim.explore.service import ExploreError, Explorer

__all__ = ["MAX_REQUEST_BYTES", "make_server", "serve"]

MAX_REQUEST_BYTES = 2_000_000  # an uploaded scenario is at most 1 MB of YAML (the YAML limit), JSON around it
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

_STATIC = {  # URL path -> (package, file, media type)
    "/": ("hemasim.explore", "static/index.html", "text/html; charset=utf-8"),
    "/static/explorer.js": ("hemasim.explore", "static/explorer.js", "text/javascript; charset=utf-8"),
    "/static/explorer.css": ("hemasim.explore", "static/explorer.css", "text/css; charset=utf-8"),
    "/static/hemaplot.js": ("hemasim.report", "assets/hemaplot.js", "text/javascript; charset=utf-8"),
}
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


class ExplorerHandler(BaseHTTPRequestHandler):
    """Answers one request; :func:`make_server` gives it the explorer and the Host names it accepts."""

    explorer: Explorer
    allowed_hosts: frozenset[str] = frozenset()
    work = threading.Lock()  # one answer at a time
    server_version = "hemasim-explore"
    timeout = 30  # seconds a client may take to send its request

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class' name)
        pass  # quiet: the terminal shows the address only

    def _send(self, status: int, body: bytes, media: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", _CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: object) -> None:
        self._send(status, json.dumps(data, allow_nan=False).encode("utf-8"), "application/json")

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").strip()
        if not self.allowed_hosts or host in self.allowed_hosts:  # (served beyond this machine: any name)
            return True
        self._json(HTTPStatus.MISDIRECTED_REQUEST, {"error": "unknown Host header"})
        return False

    def do_GET(self) -> None:  # noqa: N802 (the base class' name)
        if not self._host_ok():
            return
        path = urlsplit(self.path).path
        if path in _STATIC:
            package, name, media = _STATIC[path]
            self._send(HTTPStatus.OK, files(package).joinpath(name).read_bytes(), media)
        elif path == "/api/examples":
            self._answer(self.explorer.examples)
        elif path.startswith("/api/example/"):
            self._answer(lambda: self.explorer.example(unquote(path.removeprefix("/api/example/"))))
        elif path == "/api/parameters":
            self._answer(self.explorer.parameters)
        elif path == "/api/choices":
            self._answer(self.explorer.choices)
        elif path == "/api/kinds":
            self._answer(self.explorer.forms)
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"not found: {path}"})

    def do_POST(self) -> None:  # noqa: N802 (the base class' name)
        if not self._host_ok():
            return
        request = self._body()
        if request is None:
            return
        path = urlsplit(self.path).path
        if path == "/api/run":
            self._answer(lambda: self.explorer.run(request))
        elif path == "/api/upload":
            text, name = request.get("yaml"), request.get("filename", "upload.yaml")
            if not isinstance(text, str) or not isinstance(name, str):
                self._json(HTTPStatus.BAD_REQUEST, {"error": "upload: 'yaml' (text) and 'filename' expected"})
            else:
                self._answer(lambda: self.explorer.upload(text, name))
        elif path == "/api/add-intervention":
            self._answer(lambda: self.explorer.add_intervention(request))
        elif path.startswith("/api/download/"):
            self._download(request, path.removeprefix("/api/download/"))
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"not found: {path}"})

    def _body(self) -> Any:
        """The request's JSON body, or None after answering why not."""
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        try:
            length = int(self.headers.get("Content-Length") or "-1")
        except ValueError:
            length = -1
        if media != "application/json":
            self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "requests must be application/json"})
        elif not 0 <= length <= MAX_REQUEST_BYTES:
            self.close_connection = True
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                       {"error": f"a request holds at most {MAX_REQUEST_BYTES:,} bytes"})
        else:
            try:
                data = json.loads(self.rfile.read(length).decode("utf-8"))
            # (a body nested 100,000 deep: RecursionError, which left the connection without an answer: review35a)
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
                self._json(HTTPStatus.BAD_REQUEST, {"error": f"request: not JSON ({err})"})
                return None
            if isinstance(data, dict):
                return data
            self._json(HTTPStatus.BAD_REQUEST, {"error": "request: a JSON object expected"})
        return None

    def _answer(self, make: Callable[[], object]) -> None:
        try:
            with self.work:
                answer = make()
        except ExploreError as err:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(err)})
        except Exception as err:  # noqa: BLE001 (any other: a bug, answered rather than a dropped connection)
            self._failed(err)
        else:
            self._json(HTTPStatus.OK, answer)

    def _failed(self, err: Exception) -> None:
        """A request that raised what the service does not foresee: a 500 in JSON naming the error, its traceback
        on the server's terminal only (the page got no answer at all, the terminal a traceback per thread: review35a)."""
        traceback.print_exception(err, file=sys.stderr)
        self._json(HTTPStatus.INTERNAL_SERVER_ERROR,
                   {"error": f"the explorer failed ({type(err).__name__}: {err}); the server's terminal shows where"})

    def _download(self, request: Any, kind: str) -> None:
        try:
            with self.work:
                name, media, body = self.explorer.download(request, kind)
        except ExploreError as err:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(err)})
            return
        except Exception as err:  # noqa: BLE001 (as in _answer)
            self._failed(err)
            return
        self._send(HTTPStatus.OK, body, media, {"Content-Disposition": f'attachment; filename="{name}"'})




def make_server(explorer: Explorer, host: str = "127.0.0.1", port: int = 8050) -> HTTPServer:
    """A server bound to ``host:port`` (port 0: any free port); ``server.server_address`` says which."""
    server = ThreadingHTTPServer((host, port), type("Handler", (ExplorerHandler,), {"explorer": explorer}))
    bound = server.server_address[1]
    hosts = ({f"[{n}]:{bound}" if ":" in n else f"{n}:{bound}" for n in LOCAL_HOSTS} if host in LOCAL_HOSTS
             else set())
    server.RequestHandlerClass = type("Handler", (ExplorerHandler,), {"explorer": explorer,
                                                                      "allowed_hosts": frozenset(hosts)})
    return server


def serve(explorer: Explorer, host: str = "127.0.0.1", port: int = 8050,
          ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted; ``ready`` gets the page's address once the socket is bound."""
    server = make_server(explorer, host, port)
    address = f"http://{'[' + host + ']' if ':' in host else host}:{server.server_address[1]}/"
    if ready is not None:
        ready(address)
    try:
        server.serve_forever()
    finally:
        server.server_close()
