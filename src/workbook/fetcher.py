"""Resource URLs in, their bytes out, only from inside the book folder and the project's own assets."""
from __future__ import annotations

import base64
import urllib.parse
from pathlib import Path

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .assets import asset_roots

MAX_DATA_URI = 2_000_000
MAX_FILE = 40_000_000


class BookFetchError(FatalURLFetchingError):
    """A resource was refused or missing; stops the render (it is a BaseException in WeasyPrint)."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


def resolve_local(url: str, roots: list[Path]) -> Path:
    """A file: URL -> a path, if it lies (after resolving symlinks) inside one of `roots`."""
    parsed = urllib.parse.urlsplit(url)
    path = Path(urllib.parse.unquote(parsed.path)).resolve()
    if not any(path.is_relative_to(root.resolve()) for root in roots):
        raise BookFetchError(url, "is outside the book folder; only files inside the book may be used")
    if not path.is_file():
        raise BookFetchError(url, "file not found")
    if path.stat().st_size > MAX_FILE:
        raise BookFetchError(url, f"file is larger than {MAX_FILE // 1_000_000} MB")
    return path


class SafeFetcher(URLFetcher):
    """WeasyPrint fetcher: book files, project assets and small data: URIs; nothing from the network."""

    def __init__(self, book_root: Path, **kwargs):
        super().__init__(**kwargs)
        self.roots = asset_roots(Path(book_root))
        self.refused: list[tuple[str, str]] = []

    def fetch(self, url: str, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            header, _, payload = url.partition(",")
            if len(payload) > MAX_DATA_URI:
                raise self._refuse(url[:60] + "…", f"data: URI larger than {MAX_DATA_URI // 1_000_000} MB")
            mime = header[5:].split(";")[0] or "text/plain"
            data = base64.b64decode(payload) if header.endswith(";base64") else urllib.parse.unquote_to_bytes(payload)
            return URLFetcherResponse(url, data, {"Content-Type": mime})
        if scheme == "file":
            path = self._local(url)
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {})
        raise self._refuse(url, "network access is off; download the file into the book folder")

    def _local(self, url: str) -> Path:
        try:
            return resolve_local(url, self.roots)
        except BookFetchError as exc:
            self.refused.append((exc.url, exc.reason))
            raise

    def _refuse(self, url: str, reason: str) -> BookFetchError:
        self.refused.append((url, reason))
        return BookFetchError(url, reason)
