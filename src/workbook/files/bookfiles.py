"""A file the book names (cover, picture, attachment, how_to_use, a style's url()) in, its checked path or
bytes out: inside the book folder, a regular file, its size read by stat before any byte is read, and
pictures through Pillow's header check (size, pixels, format). Every such check goes through here."""
from __future__ import annotations

import os
import posixpath
import stat
import urllib.parse
from pathlib import Path

from .images import MAX_IMAGE_BYTES, ImageInfo, ImageProblem, inspect_image

# EPUB core media types for pictures: what every reading system shows.
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
               ".webp": "image/webp", ".svg": "image/svg+xml"}
MAX_ATTACHMENT_BYTES = 40_000_000
MAX_ICC_BYTES = 8_000_000  # a printer's CMYK output profile (FOGRA, GRACoL: 0.5-2 MB)
MAX_TEXT_BYTES = 1_000_000  # a Markdown file the book names (the chapter limit, config.MAX_CHAPTER_BYTES)


def image_path(src: str) -> str | None:
    """The book-relative path of a local picture URL, or None for data: and web URLs."""
    parsed = urllib.parse.urlsplit(src)
    if parsed.scheme or parsed.netloc:
        return None
    return posixpath.normpath(urllib.parse.unquote(parsed.path).lstrip("/")) if parsed.path else None


class BookFileProblem(ValueError):
    """A named file that cannot be used; the message (without the name) says why and what to do.
    `kind`: "outside", "missing" or "bad", for callers that word the first two their own way."""

    def __init__(self, message: str, kind: str = "bad"):
        super().__init__(message)
        self.kind = kind


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.0f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"


def locate(root: Path, relative: str | Path) -> Path:
    """The resolved path of `relative` (from the book folder), if it is a regular file inside the book."""
    if not str(relative).strip() or Path(relative).is_absolute():
        raise BookFileProblem("must be a path inside the book folder, e.g. images/cover.jpg", "outside")
    root = Path(root).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise BookFileProblem("is outside the book folder; only files inside the book may be used", "outside")
    try:
        mode = path.stat().st_mode
    except OSError:
        raise BookFileProblem("file not found", "missing") from None
    if not stat.S_ISREG(mode):
        raise BookFileProblem("is not a regular file (a folder, device or pipe); name a file")
    return path


def check_size(path: Path, limit: int, advice: str) -> int:
    """The size of `path` by stat (nothing is read); BookFileProblem if it is above `limit`."""
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise BookFileProblem(f"cannot be read ({exc.strerror})") from None
    if size > limit:
        raise BookFileProblem(f"is {_mb(size)}; the limit is {_mb(limit)} — {advice}")
    return size


def read_bounded(path: Path, limit: int, advice: str) -> bytes:
    """The bytes of `path`: its size checked by stat first, and never more than `limit` bytes read
    (a file that grew after the stat is refused too)."""
    check_size(path, limit, advice)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise BookFileProblem(f"cannot be read ({exc.strerror})") from None
    if len(data) > limit:
        raise BookFileProblem(f"is larger than {_mb(limit)}; {advice}")
    return data


def check_picture(path: Path, *, decode: bool = True) -> tuple[bytes, ImageInfo]:
    """A picture's bytes and what Pillow found (format, pixels), checked like every picture of the book:
    a picture type e-readers show, at most MAX_IMAGE_BYTES on disk (by stat, before reading), within the
    pixel limit, and its content of the kind its name says."""
    suffix = path.suffix.lower()
    if suffix not in IMAGE_TYPES:
        raise BookFileProblem(f"{suffix or 'this file type'} is not a picture format e-readers show; "
                              "use JPEG, PNG, GIF, WebP or SVG")
    data = read_bounded(path, MAX_IMAGE_BYTES, "make the picture smaller")
    try:
        info = inspect_image(data, decode=decode)
    except ImageProblem as exc:
        raise BookFileProblem(str(exc)) from None
    if info.media_type != IMAGE_TYPES[suffix]:
        raise BookFileProblem(f"is not a {IMAGE_TYPES[suffix].split('/')[1].upper()} file (it holds a "
                              f"{info.media_type.split('/')[1].upper()} picture); rename it to .{info.extension}")
    return data, info


def picture_file(root: Path, relative: str) -> tuple[Path, bytes, ImageInfo]:
    """`relative` located inside the book and checked as a picture (see check_picture)."""
    path = locate(root, posixpath.normpath(relative))
    data, info = check_picture(path)
    return path, data, info


def attachment_file(root: Path, relative: str) -> Path:
    """A file to embed in the PDF: inside the book, regular, at most MAX_ATTACHMENT_BYTES (by stat)."""
    path = locate(root, relative)
    check_size(path, MAX_ATTACHMENT_BYTES, "attach a smaller file or link to it")
    return path


def icc_file(root: Path, relative: str) -> Path:
    """A printer's output profile the print files embed (book.yaml's `print: icc`): inside the book, at most
    MAX_ICC_BYTES, and by its header an ICC profile of a CMYK printer (device class prtr, colour space CMYK)."""
    path = locate(root, relative)
    head = read_bounded(path, MAX_ICC_BYTES, "use the printer's profile itself")[:128]
    if len(head) < 128 or head[36:40] != b"acsp":
        raise BookFileProblem("is not an ICC profile (no 'acsp' signature in its header); name the .icc file "
                              "your printer gives for its press and paper")
    if head[12:16] != b"prtr" or head[16:20] != b"CMYK":
        kind = f"{head[12:16].decode('latin-1').strip()} {head[16:20].decode('latin-1').strip()}"
        raise BookFileProblem(f"is an ICC profile of another kind ({kind}); print files need a CMYK printer "
                              "(output) profile, such as the FOGRA or GRACoL profile your printer names")
    return path


def text_file(root: Path, relative: str, limit: int = MAX_TEXT_BYTES) -> Path:
    """A Markdown file the book names (how_to_use): inside the book, regular, at most `limit` (by stat)."""
    path = locate(root, relative)
    check_size(path, limit, "split it or shorten it")
    return path
