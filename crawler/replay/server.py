"""Serve a built replay over HTTP on loopback, with conditional requests and serving faults."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import date
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from crawler.replay.faults import FaultState, serving_fault_urls
from crawler.replay.model import DocSpec, Faults
from crawler.replay.state import HTML, Resource, SiteState

log = logging.getLogger(__name__)


def not_modified(headers, resource: Resource) -> bool:
    """Apply If-None-Match (first) or If-Modified-Since to a resource."""
    tags = headers.get("If-None-Match")
    if tags:
        wanted = {t.strip().removeprefix("W/") for t in tags.split(",")}
        return "*" in wanted or resource.etag in wanted
    since = headers.get("If-Modified-Since")
    if not since:
        return False
    try:
        return resource.last_modified <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


class ReplayHandler(BaseHTTPRequestHandler):
    """Answer one request from the replay's state."""

    server: _Server
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "Apache"

    def do_GET(self) -> None:  # noqa: N802
        self.answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self.answer(head=True)

    def answer(self, head: bool) -> None:
        replay = self.server.replay
        parts = urlsplit(self.path)
        path = unquote(parts.path) or "/"
        fail, stall = replay.count(path, parts.query)
        if stall:
            time.sleep(stall)
        if fail:
            return self.send(500, b"<h1>Internal Server Error</h1>", HTML, head)
        resource = replay.state.resolve(path, parts.query)
        if resource is None:
            return self.send(404, replay.state.not_found(), HTML, head)
        if resource.status == 301:
            return self.send(301, b"", HTML, head, {"Location": resource.location})
        headers = {
            "ETag": resource.etag,
            "Last-Modified": format_datetime(resource.last_modified, usegmt=True),
        }
        if not_modified(self.headers, resource):
            return self.send(304, b"", resource.content_type, True, headers)
        self.send(200, resource.body, resource.content_type, head, headers)

    def send(self, status: int, body: bytes, ctype: str, head: bool, extra=None) -> None:
        """Write the status, headers and (unless HEAD or 304) the body; ignore vanished clients."""
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if not head and status != 304:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError) as exc:
            log.debug("client went away: %s %s", self.path, exc)
        self.server.replay.record(self.command, self.path, status)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        log.debug("replay %s - %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    replay: ReplayServer

    def handle_error(self, request, client_address) -> None:
        log.debug("replay: connection error from %s", client_address, exc_info=True)


class ReplayServer:
    """Serve a built replay at http://host:port on a background thread (port 0: a free port).

    Without `faults`, the serving faults recorded in the manifest apply; with `faults`, they are
    chosen afresh from those shares (content faults are fixed at build time).
    """

    def __init__(
        self,
        root: Path | str,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        as_of: date | str | None = None,
    ) -> None:
        self.state = SiteState.load(Path(root))
        self.faults = faults if faults is not None else self.state.config.faults
        urls = self.state.fault_urls
        if faults is not None:
            paths = self.state.page_paths() + sorted(self.state.files)
            urls = serving_fault_urls(paths, faults, self.state.config.seed)
        self.fault_urls = {k: list(urls.get(k, [])) for k in ("http_500_first", "slow")}
        self.fault_state = FaultState(self.faults, self.fault_urls)
        if as_of is not None:
            self.state.set_as_of(as_of)
        self.host, self.port = host, port
        self.lock = threading.Lock()
        self.requests_by_path: Counter[str] = Counter()
        self.log: list[tuple[str, str, int]] = []
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def request_count(self) -> int:
        with self.lock:
            return sum(self.requests_by_path.values())

    def url(self, path: str) -> str:
        """Return the absolute URL of a root-relative path."""
        return self.base_url + path

    def count(self, path: str, query: str) -> tuple[bool, float]:
        """Count a request and return the serving faults that apply to it."""
        with self.lock:
            self.requests_by_path[path] += 1
        return self.fault_state.on_request(path) if not query else (False, 0.0)

    def record(self, method: str, target: str, status: int) -> None:
        with self.lock:
            self.log.append((method, target, status))

    def start(self) -> ReplayServer:
        """Bind and serve on a daemon thread."""
        self._httpd = _Server((self.host, self.port), ReplayHandler)
        self._httpd.replay = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        log.info("replay serving %s at %s", self.state.root, self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def set_removed(self, report_ids) -> None:
        """Make reports vanish: their pages answer 404 and the listings drop them."""
        self.state.set_removed(set(report_ids))

    def set_as_of(self, day: date | str | None) -> None:
        """Publish only what was added by `day`: later reports and responses are not there yet."""
        self.state.set_as_of(day)

    def replace_document(self, url: str) -> DocSpec:
        """Change a document's bytes at the same URL (new ETag and Last-Modified)."""
        return self.state.replace_document(url)

    def add_response(self, report_id: str, organisation: str, day: date | str) -> DocSpec:
        """Publish a new response on a report's page."""
        return self.state.add_response(report_id, organisation, day)
