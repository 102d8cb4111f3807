"""A path and a byte limit in, the file's bytes out, never reading more than limit + 1 bytes from disk.

The size is taken from stat first (a 5 GB sparse file is refused without reading it); files that
have no size (a pipe, /dev/zero) are read up to limit + 1 bytes and refused if that much arrives.
Used for text whose path is already settled (book.yaml, chapters, the clients CSV, files to import);
files a book names in book.yaml (cover, attachments, how_to_use) are located and checked by bookfiles.py.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import CONTROL_CHARACTERS, Report, escape_controls


class TooLarge(Exception):
    """The file holds more than the limit; `size` is its size in bytes when stat knows it."""

    def __init__(self, size: int | None):
        self.size = size
        super().__init__(size)

    def describe(self, limit: int, what: str = "file") -> str:
        """'is 5,368 MB; the limit for a chapter is 4 MB — …' in the units that fit the limit."""
        def amount(count: int) -> str:
            return f"{count / 1_000_000:,.0f} MB" if limit >= 1_000_000 else f"{count / 1000:,.0f} kB"
        size = f"is {amount(self.size)}" if self.size is not None else f"holds more than {amount(limit)}"
        return f"{size}; the limit for {what} is {amount(limit)} — is this the right file?"


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of `path`; raise TooLarge (without reading it all) if it holds more than `limit` bytes."""
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise TooLarge(info.st_size)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(info.st_size if stat.S_ISREG(info.st_mode) else None)
    return data


def size_on_disk(path: str | Path) -> int | None:
    """The size stat reports for a regular file, else None (pipes, devices, missing files)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def read_chapter_text(path: Path, rel: str, report: Report, limit: int) -> str | None:
    """A chapter's Markdown as text with \\n line ends, or None after reporting why it cannot be read.

    Control characters (see errors.CONTROL_CHARACTERS) are removed with one warning naming the first
    line: they are invisible in an editor, usually pasted in from a word processor or PDF (form feeds,
    vertical tabs), mean nothing in print and cannot be written to an EPUB; refusing the chapter for
    them would stop a build over characters its author cannot see. A NUL byte still refuses the file:
    it is the mark of a binary file, not of pasted text."""
    try:
        data = read_bounded(path, limit)
    except TooLarge as exc:
        size = f"is {exc.size // 1_000_000} MB" if exc.size is not None else f"holds more than {limit // 1_000_000} MB"
        report.error(rel, None, f"chapter {size}; split it (limit {limit // 1_000_000} MB)")
        return None
    except OSError as exc:
        report.error(rel, None, f"cannot be read: {exc.strerror}")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report.error(rel, line, "is not UTF-8 text; save the file as UTF-8")
        return None
    if "\x00" in text:
        report.error(rel, text[: text.index("\x00")].count("\n") + 1, "contains NUL bytes; is this a text file?")
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if CONTROL_CHARACTERS.search(text):
        lines = [number for number, line in enumerate(text.split("\n"), 1) if CONTROL_CHARACTERS.search(line)]
        kinds = sorted(set(CONTROL_CHARACTERS.findall(text)))
        more = f" (and on {len(lines) - 1} more line{'s' * (len(lines) != 2)})" if len(lines) > 1 else ""
        report.warning(rel, lines[0], f"control characters {', '.join(escape_controls(k) for k in kinds[:5])} removed"
                                      f"{more}; they are invisible and cannot go into an EPUB — delete them from the file")
        text = CONTROL_CHARACTERS.sub("", text)
    return text
