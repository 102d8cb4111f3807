"""A Manuscript in, warnings out for characters the book's fonts have no glyphs for: one per chapter
(and one for book.yaml) with `file:line` and the characters, found in the text before any layout."""
from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from ..errors import Diagnostic
from ..files.assets import font_files
from ..files.scripts import SCRIPT_LABELS, covered, script_of
from ..model.manuscript import Manuscript

# Characters that never reach the page as text: emoji presentation selectors, joiners and the byte
# order mark draw nothing; the 💡 and 🔗 that open a block (a prompt, a call to action) become drawn
# icons (_MARKERS), elsewhere they are text like any other.
_IGNORED = frozenset("\uFE0E\uFE0F\u200B\u200C\u200D\u2060\uFEFF\u00AD")
_MARKERS = re.compile("(?m)^([ \t]*(?:>[ \t]*)*)[\U0001F4A1\U0001F517]")
_UNPRINTED = re.compile(r"<!--.*?-->|\]\([^)\n]*\)", re.S)  # HTML comments and link targets
_BOOK_KEYS = ("title", "subtitle", "author", "publisher", "edition", "rights", "description")
SHOWN = 12  # characters listed in one warning


@functools.cache
def _drawn(scripts: tuple[str, ...]) -> frozenset[int]:
    return covered(scripts, [font_files()["serif-400-normal"]])


def _missing(text: str, drawn: frozenset[int]) -> dict[str, int]:
    """Characters of `text` without a glyph -> offset of their first use, in order of appearance."""
    missing = {char for char in set(text) if ord(char) >= 0x80 and ord(char) not in drawn and char not in _IGNORED
               and not char.isspace() and unicodedata.category(char) != "Cc"}
    found: dict[str, int] = {}
    if missing:  # one pass: a chapter in Chinese has thousands of different characters
        for at, char in enumerate(text):
            if char in missing and char not in found:
                found[char] = at
                if len(found) == len(missing):
                    break
    return found


def shown(char: str) -> str:
    """A character as a message shows it: itself, or its code point when it is invisible or private."""
    if unicodedata.category(char) in ("Co", "Cn", "Cf", "Mn", "Me", "Zs", "Zl", "Zp"):
        return f"U+{ord(char):04X}"
    return char


def _message(chars: list[str], scripts: tuple[str, ...]) -> str:
    """"the book's fonts have no glyphs for 王 芳 (CJK); add fonts: [cjk] to book.yaml or remove them"."""
    groups: dict[str | None, list[str]] = {}
    for char in chars:
        groups.setdefault(script_of(char), []).append(char)
    parts, advice = [], []
    for script, group in groups.items():
        listed = " ".join(shown(c) for c in group[:SHOWN]) + (f" and {len(group) - SHOWN} more" if len(group) > SHOWN else "")
        if script is None:
            parts.append(listed)
        else:
            parts.append(f"{listed} ({SCRIPT_LABELS[script]})")
            if script not in scripts:
                advice.append(script)
    fix = (f"add fonts: [{', '.join(advice)}] to book.yaml or remove them" if advice
           else "no font the book can use has them: remove or replace them")
    return f"the book's fonts have no glyphs for {'; '.join(parts)}; {fix} (they print as empty boxes or in a system font)"


def _readable(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace").replace("\r\n", "\n")
    except OSError:
        return ""


def _book_text(manuscript: Manuscript) -> str:
    """The values of book.yaml that are printed."""
    settings = manuscript.config.settings
    values = [getattr(settings, key) for key in _BOOK_KEYS] + list(settings.words.values())
    return " ".join(" ".join(v) if isinstance(v, list) else str(v) for v in values if v)


def missing_glyph_warnings(manuscript: Manuscript) -> list[Diagnostic]:
    """One warning per chapter (and for book.yaml) naming the characters no font of the book draws,
    at the line of the first of them."""
    config = manuscript.config
    scripts = tuple(config.settings.fonts)
    drawn = _drawn(scripts)
    found: list[Diagnostic] = []
    chars = _missing(_book_text(manuscript), drawn)
    if chars:
        yaml_text = _readable(config.root / "book.yaml")
        first = yaml_text.find(next(iter(chars)))
        line = yaml_text[:first].count("\n") + 1 if first >= 0 else None
        found.append(Diagnostic("book.yaml", line, _message(list(chars), scripts), "warning"))
    chapters = ([manuscript.how_to_use] if manuscript.how_to_use else []) + list(manuscript.chapters)
    for chapter in chapters:
        text = _UNPRINTED.sub(lambda m: "\n" * m.group().count("\n"), _readable(chapter.source))
        text = _MARKERS.sub(r"\1", text)
        chars = _missing(text, drawn)
        if chars:
            line = text[: next(iter(chars.values()))].count("\n") + 1
            found.append(Diagnostic(chapter.rel_source, line, _message(list(chars), scripts), "warning"))
    return found


_NOTDEF = re.compile(r"\(U\+([0-9A-Fa-f]{4,6})\)")


def fold_notdef(manuscript: Manuscript, messages: list[str]) -> Diagnostic | None:
    """WeasyPrint's ".notdef glyph" log lines (one per character) -> one warning for the characters the
    text check above did not already report (those come from the layouts, locale words or book.yaml)."""
    chars = {chr(int(code, 16)) for message in messages for code in _NOTDEF.findall(message)}
    if not chars:
        return None
    sources = [manuscript.how_to_use.source] if manuscript.how_to_use else []
    sources += [chapter.source for chapter in manuscript.chapters]
    book_text = _book_text(manuscript)
    chars = {c for c in chars if c not in book_text}
    for path in sources:
        if not chars:
            return None
        text = _readable(path)
        chars = {c for c in chars if c not in text}
    if not chars:
        return None
    listed = " ".join(shown(c) for c in sorted(chars)[:SHOWN])
    return Diagnostic("pdf", None, f"the book's fonts have no glyphs for {listed} (text the layouts or book.yaml add); "
                                   "they print as empty boxes: change that text or add fonts: to book.yaml", "warning")
