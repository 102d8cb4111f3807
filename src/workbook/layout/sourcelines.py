"""A chapter file and text as the page shows it in, the line of the chapter file it was written on out (for
the page audit's `file:line`).

The page's text has been through Markdown and the typography pass (curly quotes, no-break spaces,
dashes, hyphenation), so it is matched by its words: the first words of a block are looked for as a run
of words in the file, and the line of the first one is the answer.
"""
from __future__ import annotations

import bisect
import re
from pathlib import Path

from ..model.manuscript import Chapter

_WORD = re.compile(r"\w+")
WORDS = 6  # words of a block's text that are looked for


class SourceLines:
    """The words of the book's chapter files with their lines, each file read once."""

    def __init__(self) -> None:
        self._files: dict[Path, tuple[str, list[str], list[int], list[int]]] = {}

    def _read(self, path: Path) -> tuple[str, list[str], list[int], list[int]]:
        if path not in self._files:
            try:
                text = path.read_text(encoding="utf-8-sig", errors="replace").replace("\r\n", "\n")
            except OSError:
                text = ""
            words = [(m.group().casefold(), m.start()) for m in _WORD.finditer(text)]
            starts = [0] + [m.end() for m in re.finditer("\n", text)]
            self._files[path] = (text, [w for w, _ in words], [at for _, at in words], starts)
        return self._files[path]

    def _line_at(self, starts: list[int], at: int) -> int:
        return bisect.bisect_right(starts, at)

    def text_line(self, chapter: Chapter, text: str, mark: str = "") -> int | None:
        """The line where `text` (a block's text as laid out) begins in the chapter file; `mark`: prefer a line
        that starts with it (`#` for a heading, `>` for a quote)."""
        source, words, offsets, starts = self._read(chapter.source)
        wanted = [w.casefold() for w in _WORD.findall(text)][:WORDS]
        if not wanted:
            return None
        found = None
        first = wanted[0]
        for index, word in enumerate(words):
            if word == first and words[index:index + len(wanted)] == wanted:
                line = self._line_at(starts, offsets[index])
                if source[starts[line - 1]:offsets[index]].lstrip().startswith(mark):
                    return line
                found = found or line
        return found

    def title_line(self, chapter: Chapter) -> int | None:
        """The line of the chapter's `title:` in its front matter."""
        return self.key_line(chapter.source, "title")

    def key_line(self, path: Path, key: str) -> int | None:
        """The line of a top-level YAML key (`title:`) in a file (book.yaml, a chapter's front matter)."""
        source, _words, _offsets, starts = self._read(path)
        match = re.search(rf"(?m)^{re.escape(key)}\s*:", source)
        return self._line_at(starts, match.start()) if match else None

    def char_line(self, chapter: Chapter, char: str) -> int | None:
        """The line of the first use of a character in the chapter file."""
        source, _words, _offsets, starts = self._read(chapter.source)
        at = source.find(char)
        return self._line_at(starts, at) if at >= 0 else None
