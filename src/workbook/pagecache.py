"""Keys and bytes in, entries of the content-keyed build cache under `.workbook-cache/` out (and the
cached cover PNG, and writing-line hints for a whole-book layout).

Entries are written atomically; an unreadable or corrupt entry is ignored and recomputed, never trusted.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .manuscript import Manuscript
from .output import write_bytes
from .render import Renderer

CACHE_NAME = ".workbook-cache"


def cache_dir(renderer: Renderer) -> Path | None:
    """The renderer's cache folder (set by build: beside the output folder), or None for no disk cache."""
    return getattr(renderer, "cache_dir", None)


def _key(*parts: str | bytes) -> str:
    from . import __version__

    digest = hashlib.sha256(__version__.encode())
    for part in parts:
        digest.update(b"\0" + (part.encode() if isinstance(part, str) else part))
    return digest.hexdigest()


def read_entry(folder: Path | None, kind: str, key: str) -> bytes | None:
    """A cache entry's bytes, or None when missing or unreadable (the caller recomputes)."""
    if folder is None:
        return None
    try:
        return (folder / kind / key).read_bytes()
    except OSError:
        return None


def write_entry(folder: Path | None, kind: str, key: str, data: bytes) -> None:
    """Store a cache entry atomically; a cache that cannot be written only costs speed."""
    if folder is None:
        return
    try:
        write_bytes(folder / kind / key, data)
    except OSError:
        pass


def picture_hashes(manuscript: Manuscript, images: list, cover: bool = False) -> str:
    """A hash of the pictures a part shows (their bytes: a picture replaced under the same name counts)."""
    root = manuscript.config.root
    paths = sorted({str(image.path) for image in images if getattr(image, "path", None)})
    if cover and manuscript.config.settings.cover:
        paths.append(str(manuscript.config.settings.cover))
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.encode() + b"\0")
        try:
            digest.update(hashlib.sha256((root / path).read_bytes()).digest())
        except OSError:
            digest.update(b"missing")
    return digest.hexdigest()


def _fill_key(manuscript: Manuscript, edition: str, fill_ids: list[str]) -> str:
    return _key("fill", edition, manuscript.config.slug, json.dumps(fill_ids))


def fill_hint(manuscript: Manuscript, renderer: Renderer, edition: str, fill_ids: list[str]) -> dict[str, int]:
    """The writing lines each fill block got in the last build (only a first guess: layout checks it)."""
    if not fill_ids:
        return {}
    try:
        value = json.loads(read_entry(cache_dir(renderer), "fill", _fill_key(manuscript, edition, fill_ids)) or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if k in fill_ids and isinstance(v, int) and 0 <= v <= 200}


def store_fill_hint(manuscript: Manuscript, renderer: Renderer, edition: str, fill_ids: list[str],
                    extra: dict[str, int]) -> None:
    if fill_ids:
        write_entry(cache_dir(renderer), "fill", _fill_key(manuscript, edition, fill_ids), json.dumps(extra).encode())


def cover_png_cached(manuscript: Manuscript, renderer: Renderer) -> bytes:
    """The cover PNG (pdf.cover_png), from the cache when the cover's HTML has not changed."""
    from .pdf import cover_png

    folder = cache_dir(renderer)
    key = _key("cover", renderer.cover_html())
    data = read_entry(folder, "cover", key)
    if data and data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82"):
        return data
    data = cover_png(manuscript, renderer)
    write_entry(folder, "cover", key, data)
    return data
