"""Resource URLs in, their bytes out, only from inside the book folder and the project's own assets;
http(s) only when the book allows it, within one deadline for the whole build."""
from __future__ import annotations

import base64
import binascii
import time
import urllib.parse
from collections.abc import Iterable
from pathlib import Path

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from ..files.assets import asset_roots
from ..files.bookfiles import BookFileProblem, read_bounded
from ..files.images import (
    MAX_IMAGE_BYTES,
    ImageProblem,
    inspect_image,
    looks_like_image,
)
from ..files.remote import MAX_REDIRECTS, MAX_REMOTE, REMOTE_DEADLINE, read_capped

MAX_DATA_URI = 2_000_000
MAX_FILE = 40_000_000
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp", ".tif", ".tiff", ".ico"}


class BookFetchError(FatalURLFetchingError):
    """A resource was refused or missing; stops the render (it is a BaseException in WeasyPrint)."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


def resolve_local(url: str, roots: list[Path], exclude: Iterable[Path] = ()) -> Path:
    """A file: URL -> a path, if it lies (after resolving symlinks) inside one of `roots` and none of `exclude`."""
    parsed = urllib.parse.urlsplit(url)
    path = Path(urllib.parse.unquote(parsed.path)).resolve()
    if not any(path.is_relative_to(root.resolve()) for root in roots):
        raise BookFetchError(url, "is outside the book folder; only files inside the book may be used")
    if any(path.is_relative_to(folder) for folder in exclude):
        raise BookFetchError(url, "is inside the output folder; a build never reads its own output")
    if not path.is_file():
        raise BookFetchError(url, "file not found")
    if path.stat().st_size > MAX_FILE:
        raise BookFetchError(url, f"file is larger than {MAX_FILE // 1_000_000} MB")
    return path


class SafeFetcher(URLFetcher):
    """WeasyPrint fetcher: book files, project assets and small data: URIs; the network only if allowed.

    Every redirect comes back through `fetch` (WeasyPrint's opener calls `open` -> `fetch`), so it
    is checked like the first request. One fetcher serves a whole build: its deadline and cache are shared.
    """

    def __init__(self, book_root: Path, *, allow_remote: bool = False, exclude: Iterable[Path] = (),
                 deadline: float | None = None, fonts: Iterable[str] = (), **kwargs):
        super().__init__(allow_redirects=True, **kwargs)
        self.roots = asset_roots(Path(book_root), tuple(fonts))
        self.exclude = [Path(p).resolve() for p in exclude]
        self.allow_remote = allow_remote
        self.deadline_seconds = REMOTE_DEADLINE if deadline is None else deadline
        self.refused: list[tuple[str, str]] = []
        self.cache: dict[str, tuple[str, bytes, dict[str, str]]] = {}
        self._deadline: float | None = None
        self._hops = 0

    @classmethod
    def for_book(cls, config, exclude: Iterable[Path] = ()) -> SafeFetcher:
        return cls(config.root, allow_remote=config.settings.allow_remote, exclude=exclude,
                   fonts=config.settings.fonts)

    def fetch(self, url: str, headers=None):
        scheme = url.split(":", 1)[0].lower().strip()
        if scheme == "data":
            return self._data(url)
        if scheme == "file":
            path = self._local(url)
            picture = path.suffix.lower() in _IMAGE_SUFFIXES
            try:  # size by stat first: a picture's limit when the name says picture, else the file limit
                data = read_bounded(path, MAX_IMAGE_BYTES if picture else MAX_FILE, "make the file smaller")
            except BookFileProblem as exc:
                raise self._refuse(url, str(exc)) from None
            if picture or looks_like_image(data, path.suffix):  # a picture under another name is still a picture
                self._check_image(url, data)
            return URLFetcherResponse(path.as_uri(), data, {})
        if scheme in ("http", "https"):
            return self._remote(url, headers)
        raise self._refuse(url, f"{scheme}: URLs are not allowed")

    def read(self, url: str) -> tuple[bytes, str]:
        """The bytes and content type of `url`, through the same checks (for targets other than WeasyPrint)."""
        response = self.fetch(url)
        try:
            return response.read(), response.content_type
        finally:
            response.close()

    def _data(self, url: str) -> URLFetcherResponse:
        header, _, payload = url.partition(",")
        if len(payload) > MAX_DATA_URI:
            raise self._refuse(url[:60] + "…", f"data: URI larger than {MAX_DATA_URI // 1_000_000} MB")
        mime = header[5:].split(";")[0].strip().lower() or "text/plain"
        try:
            data = base64.b64decode(payload) if header.endswith(";base64") else urllib.parse.unquote_to_bytes(payload)
        except (binascii.Error, ValueError):
            raise self._refuse(url[:60] + "…", "data: URI is not valid base64") from None
        if mime.startswith("image/") or looks_like_image(data):
            self._check_image(url[:60] + "…", data)
        return URLFetcherResponse(url, data, {"Content-Type": mime})

    def _remote(self, url: str, headers) -> URLFetcherResponse:
        if not self.allow_remote:
            raise self._refuse(url, "network access is off; download the file into the book folder "
                                    "(or set allow_remote: true in book.yaml)")
        if url in self.cache:
            final, data, response_headers = self.cache[url]
            return URLFetcherResponse(final, data, response_headers)
        now = time.monotonic()
        if self._deadline is None:
            self._deadline = now + self.deadline_seconds
        remaining = self._deadline - now
        if remaining <= 0:
            raise self._refuse(url, f"downloads took longer than {self.deadline_seconds:g} s in total; "
                                    "download the files into the book folder")
        nested = self._request is not None  # a redirect of a request in progress
        if nested:
            self._hops += 1
            if self._hops > MAX_REDIRECTS:
                raise self._refuse(url, f"more than {MAX_REDIRECTS} redirects")
        else:
            self._hops = 0
        self._timeout = remaining
        try:
            response = super().fetch(url, headers)
        except BookFetchError:
            raise
        except Exception as exc:
            raise self._refuse(url, f"could not download: {exc}") from None
        if nested:
            return response  # the outer call reads the body
        try:
            data = read_capped(response, MAX_REMOTE, self._deadline, lambda reason: self._refuse(url, reason),
                               f"downloads took longer than {self.deadline_seconds:g} s in total; "
                               "download the files into the book folder")
        except BookFetchError:
            raise
        except Exception as exc:
            raise self._refuse(url, f"could not download: {exc}") from None
        finally:
            response.close()
        content_type = response.headers.get_content_type() if response.headers else ""
        if content_type.startswith("image/"):
            self._check_image(url, data)
        response_headers = {"Content-Type": response.headers.get("Content-Type", "")} if response.headers else {}
        self.cache[url] = (response.url, data, response_headers)
        return URLFetcherResponse(response.url, data, response_headers)

    def _check_image(self, url: str, data: bytes) -> None:
        try:
            inspect_image(data, decode=False)
        except ImageProblem as exc:
            raise self._refuse(url, f"image {exc}") from None

    def _local(self, url: str) -> Path:
        try:
            return resolve_local(url, self.roots, self.exclude)
        except BookFetchError as exc:
            self.refused.append((exc.url, exc.reason))
            raise

    def _refuse(self, url: str, reason: str) -> BookFetchError:
        self.refused.append((url, reason))
        return BookFetchError(url, reason)
