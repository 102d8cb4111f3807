"""A book folder in, a live preview on http://127.0.0.1:PORT out: rebuilt on every change (watchfiles),
reloaded in the browser by server-sent events; a broken edit shows its errors in the page."""
from __future__ import annotations

import html
import http.server
import json
import mimetypes
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import click
import watchfiles

from ..build import build as build_book
from ..errors import Diagnostic, WorkbookError
from ..files.output import output_folder
from ..model.config import FormatName, load_config
from ..model.manuscript import Manuscript
from ..render.templates import Renderer
from ..source.check import check_manuscript
from ..source.load import load_book
from ..targets.site import human_size, pdf_page_count

HEARTBEAT_SECONDS = 10.0


@dataclass
class PreviewState:
    """What the server shows: the page, a build number that changes on every rebuild, the status."""

    build_id: int = 0
    status: str = "starting"  # "building", "ok", "error"
    page: str = ""
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)


class LivePreview:
    """Rebuilds a book and keeps the preview page; thread-safe; `changed` wakes the event streams."""

    def __init__(self, book_dir: str | Path, out_dir: str | Path | None = None,
                 formats: Iterable[FormatName] | None = None, log: Callable[[str], None] | None = None):
        self.book_dir = Path(book_dir).resolve()
        self.out_dir = output_folder(self.book_dir, out_dir).resolve()
        self.formats = list(formats) if formats else None
        self.log = log or (lambda message: None)
        self.state = PreviewState()
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self._manuscript: Manuscript | None = None
        self._building = threading.Lock()
        self.state.page = _bare_page(self.state)

    # --- building -------------------------------------------------------------------------------
    def rebuild(self) -> None:
        """Preview first (fast), then the files in dist/ (slow); errors go into the page. One at a time."""
        with self._building:
            self._rebuild()

    def _rebuild(self) -> None:
        started = time.perf_counter()
        try:
            manuscript = load_book(self.book_dir)
            problems = manuscript.warnings + check_manuscript(manuscript)
            errors = [d for d in problems if d.severity == "error"]
            if errors:
                raise WorkbookError(errors + [d for d in problems if d.severity == "warning"])
            self._manuscript = manuscript
            self.state.warnings = problems
            self.state.errors = []
            self._publish("building")
            result = build_book(self.book_dir, self.out_dir, self.formats)
            self.state.outputs = result.outputs
            self._publish("ok")
            self.log(f"rebuilt in {time.perf_counter() - started:.1f} s: "
                     + ", ".join(p.name for p in result.outputs))
        except WorkbookError as exc:
            self.state.errors = [d for d in exc.diagnostics if d.severity == "error"]
            self.state.warnings = [d for d in exc.diagnostics if d.severity != "error"]
            self._publish("error")
            for item in exc.diagnostics:
                self.log(str(item))
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the watcher either
            self.state.errors = [Diagnostic("workbook", None, f"internal error: {type(exc).__name__}: {exc}")]
            self._publish("error")
            self.log("".join(traceback.format_exception(exc)))

    def _publish(self, status: str) -> None:
        with self.changed:
            self.state.status = status
            self.state.build_id += 1
            self.state.page = self._page()
            self.changed.notify_all()

    def _page(self) -> str:
        state = self.state
        if self._manuscript is None:
            return _bare_page(state)
        renderer = Renderer(self._manuscript)
        return renderer.render(
            "preview.html", css=renderer.stylesheet("preview.css"), build_id=state.build_id, status=state.status,
            errors=state.errors, warnings=state.warnings, files=self._files(),
            reload_script=RELOAD_SCRIPT % state.build_id,
        )

    def _files(self) -> list[dict[str, object]]:
        files: list[dict[str, object]] = []
        for path in self.state.outputs:
            if path.is_file() and path.suffix.lower() in (".pdf", ".epub", ".html"):
                files.append({"name": path.name, "href": "/dist/" + urllib.parse.quote(path.name),
                              "size": human_size(path.stat().st_size),
                              "pages": pdf_page_count(path) if path.suffix.lower() == ".pdf" else None})
        return files

    def wait_for_change(self, seen: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.state.build_id != seen or self.stopping.is_set(), timeout)
            return self.state.build_id

    # --- watching -------------------------------------------------------------------------------
    def watch(self) -> None:
        """Rebuild whenever a file in the book folder changes (not the output folder); until `stop()`."""
        out = self.out_dir

        def relevant(change: watchfiles.Change, path: str) -> bool:
            return self.is_input(Path(path)) and not Path(path).is_relative_to(out)

        for changes in watchfiles.watch(self.book_dir, watch_filter=relevant, stop_event=self.stopping,
                                        debounce=300, step=100, rust_timeout=1000, yield_on_timeout=False):
            names = sorted({Path(p).relative_to(self.book_dir).as_posix() for _c, p in changes})
            self.log("changed: " + ", ".join(names))
            self.rebuild()

    def is_input(self, path: Path) -> bool:
        """Does a change to `path` change the book? book.yaml, its chapters, images, layouts and styles do;
        the output folder, dot-files, editor backups and other notes (a README) do not."""
        try:
            parts = path.relative_to(self.book_dir).parts
        except ValueError:
            return False
        if not parts or any(part.startswith(".") for part in parts) or path.name.endswith(("~", ".swp", ".tmp")):
            return False
        if parts == ("book.yaml",) or parts[0] in ("layouts", "styles", "images"):
            return True
        chapters = self._manuscript.config.chapter_files if self._manuscript else []
        if path.resolve() in chapters or path.suffix.lower() in (".md", ".markdown"):
            return parts != ("README.md",)
        return path.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".css", ".html")

    def stop(self) -> None:
        self.stopping.set()
        with self.changed:
            self.changed.notify_all()


def _bare_page(state: PreviewState) -> str:
    """The page before any successful build: just the errors (no book to render yet)."""
    items = "".join(f"<li><code>{html.escape(str(d))}</code></li>" for d in state.errors)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>workbook preview</title></head>'
            f'<body data-build="{state.build_id}" data-status="{state.status}"><main><h1>workbook preview</h1>'
            f'<p role="status">{html.escape(state.status)}</p><ul class="errors">{items}</ul></main>'
            f'<script>{RELOAD_SCRIPT % state.build_id}</script></body></html>')


RELOAD_SCRIPT = """
(function () {
  var build = %d;
  var y = sessionStorage.getItem('workbook-scroll');
  var broken = document.body.getAttribute('data-status') === 'error';
  if ('scrollRestoration' in history) { history.scrollRestoration = 'manual'; }
  if (y !== null) { sessionStorage.removeItem('workbook-scroll'); }
  function place() { window.scrollTo(0, broken || y === null ? 0 : +y); }  // errors: show them first
  place();
  window.addEventListener('load', place);
  function reload() { sessionStorage.setItem('workbook-scroll', String(window.scrollY)); location.reload(); }
  function poll() {
    fetch('/__build', {cache: 'no-store'}).then(function (r) { return r.json(); })
      .then(function (s) { if (s.build !== build) { reload(); } else { setTimeout(poll, 1000); } })
      .catch(function () { setTimeout(poll, 2000); });
  }
  if (window.EventSource) {
    var events = new EventSource('/__events');
    events.onmessage = function (e) { if (+e.data !== build) { events.close(); reload(); } };
    events.onerror = function () { events.close(); setTimeout(poll, 1000); };
  } else { poll(); }
})();
"""


LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def host_allowed(hosts: list[str], port: int) -> bool:
    """True when a request names exactly one Host and it is a loopback name with the server's port (or none)."""
    if len(hosts) != 1:
        return False
    host = hosts[0].strip().lower().removesuffix(".")
    if host in LOCAL_HOSTS:
        return True
    name, sep, given = host.rpartition(":")
    return bool(sep) and name.removesuffix(".") in LOCAL_HOSTS and given == str(port)


def make_handler(preview: LivePreview) -> type[http.server.BaseHTTPRequestHandler]:
    """The request handler: the page, its build number, an event stream, dist/ files and book images."""

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "workbook-watch"

        def log_message(self, format: str, *args: object) -> None:  # quiet: the watcher logs builds
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            address = self.server.server_address  # (host, port, ...): the preview listens on TCP
            if not isinstance(address, tuple) or not host_allowed(self.headers.get_all("Host") or [], address[1]):
                # DNS rebinding: a web page whose name now points at 127.0.0.1 must not read the book.
                self._send(421, b"this preview answers only to 127.0.0.1, localhost and [::1]",
                           "text/plain; charset=utf-8")
                return
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            if path in ("/", "/index.html"):
                with preview.changed:
                    page = preview.state.page
                self._send(200, page.encode("utf-8"), "text/html; charset=utf-8")
            elif path == "/__build":
                body = json.dumps({"build": preview.state.build_id, "status": preview.state.status,
                                   "errors": [str(d) for d in preview.state.errors]})
                self._send(200, body.encode("utf-8"), "application/json")
            elif path == "/__events":
                self._events()
            elif path.startswith("/dist/"):
                self._file(preview.out_dir, path[len("/dist/"):])
            else:
                self._file(preview.book_dir, path.lstrip("/"))

        def _send(self, code: int, body: bytes, content_type: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _file(self, root: Path, relative: str) -> None:
            target = (root / relative).resolve()
            if not relative or not target.is_relative_to(root.resolve()) or not target.is_file():
                self._send(404, b"not found", "text/plain; charset=utf-8")
                return
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if target.suffix == ".epub":
                kind = "application/epub+zip"
            self._send(200, target.read_bytes(), kind)

        def _events(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = -1
            try:
                while not preview.stopping.is_set():
                    current = preview.wait_for_change(seen, HEARTBEAT_SECONDS)
                    if current != seen:
                        self.wfile.write(f"data: {current}\n\n".encode())
                        seen = current
                    else:
                        self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


class PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_server(preview: LivePreview, port: int = 8000) -> PreviewServer:
    """Serve the preview on 127.0.0.1:port (0: any free port) in a background thread."""
    try:
        server = PreviewServer(("127.0.0.1", port), make_handler(preview))
    except OSError as exc:
        raise WorkbookError([Diagnostic("watch", None, f"cannot listen on 127.0.0.1:{port}: {exc.strerror}; "
                                                       "choose another with --port")]) from None
    threading.Thread(target=server.serve_forever, name="workbook-preview", daemon=True).start()
    return server


def serve_and_watch(book_dir: str | Path, out_dir: str | Path | None = None, port: int = 8000,
                    formats: Iterable[FormatName] | None = None) -> None:
    """`workbook watch`: build, serve, rebuild on change, until Ctrl-C."""
    book_dir = Path(book_dir)
    load_config(book_dir)  # a missing or unreadable book.yaml is an error at once, not a page
    out = output_folder(book_dir, out_dir)
    preview = LivePreview(book_dir, out, formats, log=lambda m: click.echo(m, err=True))
    server = start_server(preview, port)
    click.echo(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", err=False)
    sys.stdout.flush()
    # The first build runs beside the watcher, so an edit made while it builds is not missed.
    first = threading.Timer(0.2, preview.rebuild)
    first.daemon = True
    first.start()
    try:
        preview.watch()
    except KeyboardInterrupt:
        pass
    finally:
        preview.stop()
        server.shutdown()
        server.server_close()
        click.echo("stopped", err=True)
