"""Keys and bytes in, entries of the content-keyed build cache under `.workbook-cache/` out (and the
cached cover PNG, and writing-line hints for a whole-book layout).

Entries are written atomically, each with the SHA-256 of its bytes in front: an unreadable, cut short or
changed entry is ignored and recomputed, never trusted. Entries are bytes or JSON, never code. The cache only
saves time: a folder that cannot be read or written (read-only, full, a file in its place) is recorded once
(`take_cache_warning` turns it into the build's one warning) and the build goes on without it.
"""
from __future__ import annotations

import errno
import functools
import hashlib
from pathlib import Path

from ..errors import Diagnostic, OutputError
from ..files.output import write_bytes
from ..render.templates import Renderer

CACHE_NAME = ".workbook-cache"
_DIGEST = 32  # bytes of SHA-256 before each entry's own bytes
_unusable: dict[Path, str] = {}  # cache folder -> why it could not be used (this process, this build)


def cache_dir(renderer: Renderer) -> Path | None:
    """The renderer's cache folder (set by build: beside the output folder), or None for no disk cache."""
    return getattr(renderer, "cache_dir", None)


@functools.cache
def code_fingerprint() -> str:
    """What the cache's entries were made by: workbook's own code (every module's bytes) and the versions
    of the libraries that shape its output. An upgrade of either makes every entry new, so nothing
    converted or laid out by older code (with older checks) is taken from the cache."""
    from importlib import metadata

    digest = hashlib.sha256(metadata.version("workbook").encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(b"\0" + path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for library in ("weasyprint", "markdown", "nh3", "pydyf", "uharfbuzz"):
        try:
            digest.update(f"\0{library} {metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"\0{library} -".encode())
    return digest.hexdigest()


def _key(*parts: str | bytes) -> str:
    digest = hashlib.sha256(code_fingerprint().encode())
    for part in parts:
        digest.update(b"\0" + (part.encode() if isinstance(part, str) else part))
    return digest.hexdigest()


def read_entry(folder: Path | None, kind: str, key: str) -> bytes | None:
    """A cache entry's bytes, or None when missing, unreadable or not whole (the caller recomputes)."""
    if folder is None or folder in _unusable:
        return None
    try:
        entry = (folder / kind / key).read_bytes()
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            _unusable.setdefault(folder, _why(folder, exc))
        return None
    digest, data = entry[:_DIGEST], entry[_DIGEST:]
    return data if len(entry) > _DIGEST and hashlib.sha256(data).digest() == digest else None


def write_entry(folder: Path | None, kind: str, key: str, data: bytes) -> None:
    """Store a cache entry atomically; a cache that cannot be written only costs speed (noted once, then skipped)."""
    if folder is None or folder in _unusable:
        return
    try:
        write_bytes(folder / kind / key, hashlib.sha256(data).digest() + data)
    except (OutputError, OSError) as exc:
        _unusable.setdefault(folder, _why(folder, exc))


def _why(folder: Path, exc: Exception) -> str:
    if folder.is_symlink() and not folder.exists():
        return "it is a link to a folder that does not exist"
    if folder.exists() and not folder.is_dir():
        return "it is a file, not a folder"
    if isinstance(exc, OutputError) and exc.diagnostics:
        return exc.diagnostics[0].message.removeprefix("cannot write here: ").removeprefix("cannot write: ")
    return getattr(exc, "strerror", None) or str(exc)


def forget_cache_problems(folder: Path | None) -> None:
    """Start a build afresh: a folder that failed before (and was fixed since) is tried again."""
    if folder is not None:
        _unusable.pop(folder, None)


def take_cache_warning(folder: Path | None) -> Diagnostic | None:
    """The one warning for a cache folder that could not be used in this build, or None (and forget it)."""
    reason = _unusable.pop(folder, None) if folder is not None else None
    if reason is None:
        return None
    return Diagnostic(str(folder), None, f"cache {CACHE_NAME}/ not writable: {reason}; building without it "
                                         "(same output, only slower)", "warning")


def read_font_file(folder: Path | None, key: str) -> bytes | None:
    """A font file kept in the cache by its key (fontmerge.file_key), or None when missing or not whole."""
    from ..layout.fonts import file_key

    data = read_entry(folder, "fonts", key.replace(":", "-"))
    return data if data is not None and file_key(data, int(key.rsplit(":", 1)[1])) == key else None


def write_font_file(folder: Path | None, key: str, data: bytes) -> None:
    write_entry(folder, "fonts", key.replace(":", "-"), data)


