"""Keys and bytes in, entries of the content-keyed build cache under `.workbook-cache/` out : one `Cache` object
per build.

Entries are written atomically, each with the SHA-256 of its bytes in front: an unreadable, cut short or
changed entry is ignored and recomputed, never trusted. Entries are bytes or JSON, never code. The cache only
saves time: a folder that cannot be read or written (read-only, full, a file in its place) is recorded once
(`Cache.warning` turns it into the build's one warning) and the build goes on without it.
"""
from __future__ import annotations

import errno
import functools
import hashlib
from importlib import metadata
from pathlib import Path

from ..errors import Diagnostic, OutputError
from ..files.output import write_bytes

CACHE_NAME = ".workbook-cache"
_DIGEST = 32  # bytes of SHA-256 before each entry's own bytes


def cache_folder(out_dir: Path) -> Path:
    """Where a build whose output folder is `out_dir` keeps its cache: beside that folder, never inside it."""
    return Path(out_dir).resolve().parent / CACHE_NAME


@functools.cache
def code_fingerprint() -> str:
    """What the cache's entries were made by: workbook's own code (every module's bytes) and the versions
    of the libraries that shape its output. An upgrade of either makes every entry new, so nothing
    converted or laid out by older code (with older checks) is taken from the cache."""
    try:
        version = metadata.version("workbook")
    except metadata.PackageNotFoundError:  # run from a source folder that was never installed: the code's bytes still count
        version = "-"
    digest = hashlib.sha256(version.encode())
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


class Cache:
    """The build cache in `folder` (None: no disk cache) for one build.

    The first problem reading or writing the folder (other than a missing entry) is kept in `problem`;
    from then on the cache is skipped, and `warning()` reports it once at the end of the build.
    """

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.folder is not None and self.problem is None

    def read(self, kind: str, key: str) -> bytes | None:
        """An entry's bytes, or None when missing, unreadable or not whole (the caller recomputes)."""
        if self.folder is None or self.problem is not None:
            return None
        try:
            entry = (self.folder / kind / key).read_bytes()
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                self.problem = self.problem or _why(self.folder, exc)
            return None
        digest, data = entry[:_DIGEST], entry[_DIGEST:]
        return data if len(entry) > _DIGEST and hashlib.sha256(data).digest() == digest else None

    def write(self, kind: str, key: str, data: bytes) -> None:
        """Store an entry atomically; a cache that cannot be written only costs speed (noted once, then skipped)."""
        if self.folder is None or self.problem is not None:
            return
        try:
            write_bytes(self.folder / kind / key, hashlib.sha256(data).digest() + data)
        except (OutputError, OSError) as exc:
            self.problem = self.problem or _why(self.folder, exc)

    def read_font_file(self, key: str) -> bytes | None:
        """A font file kept by its key (font_file_key), or None when missing or not whole."""
        data = self.read("fonts", key.replace(":", "-"))
        return data if data is not None and font_file_key(data, int(key.rsplit(":", 1)[1])) == key else None

    def write_font_file(self, key: str, data: bytes) -> None:
        self.write("fonts", key.replace(":", "-"), data)

    def warning(self) -> Diagnostic | None:
        """The one warning for a cache folder that could not be used in this build, or None."""
        if self.problem is None:
            return None
        return Diagnostic(str(self.folder), None, f"cache {CACHE_NAME}/ not writable: {self.problem}; building without it "
                                                  "(same output, only slower)", "warning")


def _why(folder: Path, exc: Exception) -> str:
    if folder.is_symlink() and not folder.exists():
        return "it is a link to a folder that does not exist"
    if folder.exists() and not folder.is_dir():
        return "it is a file, not a folder"
    if isinstance(exc, OutputError) and exc.diagnostics:
        return exc.diagnostics[0].message.removeprefix("cannot write here: ").removeprefix("cannot write: ")
    return getattr(exc, "strerror", None) or str(exc)


def font_file_key(data: bytes, index: int) -> str:
    """The key a font file (face `index` of the file's bytes) is kept and joined by: its SHA-256 and the index."""
    return f"{hashlib.sha256(data).hexdigest()}:{index}"
