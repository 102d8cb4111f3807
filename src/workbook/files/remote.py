"""An http(s) address in, its bytes out: the network rules every download follows (one deadline, a size cap,
a bounded number of redirects, each checked again); for a page to import, public hosts only."""
from __future__ import annotations

import ipaddress
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

from ..errors import Diagnostic, WorkbookError

MAX_REMOTE = 20_000_000
REMOTE_DEADLINE = 60.0  # seconds for all downloads of one build (or one import) together
MAX_REDIRECTS = 5


class RemoteError(WorkbookError):
    """An address that is refused or could not be downloaded."""


def _refuse(url: str, reason: str) -> RemoteError:
    return RemoteError([Diagnostic(url, None, reason)])


def public_host(url: str) -> None:
    """Raises RemoteError unless `url` is http(s) and every address its host resolves to is a public one
    (no loopback, private, link-local, multicast or reserved address)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _refuse(url, "only http:// and https:// addresses can be imported")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise _refuse(url, f"could not find the host {parts.hostname}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise _refuse(url, f"{parts.hostname} is a private or local address ({address}); only public "
                               "addresses are fetched")


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Every redirect checked like the first address: http(s), a public host, at most MAX_REDIRECTS."""

    def __init__(self, check: bool):
        self.check, self.hops = check, 0

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.hops += 1
        if self.hops > MAX_REDIRECTS:
            raise _refuse(req.full_url, f"more than {MAX_REDIRECTS} redirects")
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise _refuse(req.full_url, f"redirects to {newurl[:80]}, which is not an http(s) address")
        if self.check:
            public_host(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def read_capped(response, max_bytes: int, end: float, refuse: Callable[[str], Exception], too_slow: str) -> bytes:
    """A response's body, refused (`refuse(reason)` raised) once it passes `max_bytes` or the monotonic
    time `end` (`too_slow` the reason)."""
    body = bytearray()
    while chunk := response.read(65536):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise refuse(f"download is larger than {max_bytes // 1_000_000} MB")
        if time.monotonic() > end:
            raise refuse(too_slow)
    return bytes(body)


def download(url: str, *, deadline: float | None = None, max_bytes: int = MAX_REMOTE,
             public_only: bool = True) -> tuple[bytes, str, str]:
    """(body, final address, content type) of `url` within `deadline` seconds (default REMOTE_DEADLINE) and
    `max_bytes`. public_only=False lets a test reach its own server on 127.0.0.1; no command-line option sets it."""
    if public_only:
        public_host(url)
    elif urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise _refuse(url, "only http:// and https:// addresses can be imported")
    seconds = REMOTE_DEADLINE if deadline is None else deadline
    end = time.monotonic() + seconds
    opener = urllib.request.build_opener(_Redirects(public_only))
    request = urllib.request.Request(url, headers={"User-Agent": "workbook-import"})
    try:
        with opener.open(request, timeout=seconds) as response:
            body = read_capped(response, max_bytes, end, lambda reason: _refuse(url, reason),
                               f"download took longer than {seconds:g} s")
            return body, response.geturl(), response.headers.get_content_type()
    except RemoteError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise _refuse(url, f"could not download: {exc}") from None
