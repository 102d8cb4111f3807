"""The imported articles' Blocks and the book's chapter titles in, related-reading entries and "Lees in …" / "Read …"
sentences that name another chapter turned into links to its chapter file (the build makes them PDF links and EPUB
hrefs), and a report line per entry: linked, or left outside."""
from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from .blocks import KEYWORDS, Block, Words, section_heading

_MD_LINK = re.compile(r"\[((?:[^\[\]]|\\[\[\]])+)\]\(([^()\s]+)\)")
_QUOTED = re.compile(r"(\*?)([“\"„«‘'])([^“”\"„«»‘’]{3,}?)([”\"“»’'])(\*?)")


def shown(title: str) -> str:
    """A title as the report shows it: without Markdown escapes and emphasis marks."""
    return re.sub(r"\\(.)", r"\1", title).strip("*_ ")


def normal(title: str) -> str:
    """A title as compared: no Markdown marks, no punctuation or symbols, case-folded, single spaces."""
    text = re.sub(r"\\(.)", r"\1", title)
    text = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text)
    return " ".join(text.casefold().split())


class Targets:
    """The book's chapters by title: the one being imported now and those already in the book."""

    def __init__(self, chapters: list[tuple[str, Path]]):
        self.by_title: dict[str, Path] = {}
        for title, path in chapters:
            for key in (normal(title), normal(title.split(":")[0]) if len(title.split(":")[0].split()) >= 2 else ""):
                if key:
                    self.by_title.setdefault(key, path)

    def find(self, name: str, here: Path) -> Path | None:
        path = self.by_title.get(normal(name))
        return path if path is not None and path.resolve() != here.resolve() else None


def _href(target: Path, here: Path) -> str:
    return Path(os.path.relpath(target.resolve(), here.resolve().parent)).as_posix().replace(" ", "%20")


def link_blocks(blocks: list[Block], w: Words, language: str, here: Path, targets: Targets,
                links: list[tuple[int, str]]) -> None:
    """Links (in place) the related-reading entries and cross-reference sentences of one chapter; `links` gets
    'linked …' and 'outside …' lines."""
    words = KEYWORDS.get(language, {}).get("cross_reference", ())
    cross = re.compile(rf"(?:{'|'.join(map(re.escape, words))})\b", re.I) if words else None

    def resolve(line: int, label: str, name: str, where: str = "") -> Path | None:
        """The chapter `name` names, reported as linked (with `label`), or as outside (with `where` it points)."""
        target = targets.find(name, here)
        if target is None:
            links.append((line, f"outside: “{label}”{where} is not a chapter of the book"))
        else:
            links.append((line, f"linked: “{label}” → {target.name}"))
        return target

    def linker(line: int) -> Callable[[re.Match[str]], str]:
        def one(m: re.Match[str]) -> str:  # a Markdown link [label](url)
            label = m[1]
            target = resolve(line, shown(label), label.strip("*_ “”\"„«»‘’'"), f" ({m[2][:60]})")
            return m[0] if target is None else f"[{label}]({_href(target, here)})"
        return one

    def quoted(line: int) -> Callable[[re.Match[str]], str]:
        def one(m: re.Match[str]) -> str:  # *“A title”* without a link
            target = resolve(line, m[3], m[3])
            return m[0] if target is None else f"{m[1]}[{m[2]}{m[3]}{m[4]}]({_href(target, here)}){m[5]}"
        return one

    def entry(text: str, line: int) -> str:
        """A related-reading item: its leading link, else its bold title, else the whole item names the chapter."""
        lead = re.match(r"(\*\*)?\[", text)
        if lead:
            return _MD_LINK.sub(linker(line), text, count=1)
        bold = re.match(r"\*\*(.+?)\*\*", text)
        name = bold[1] if bold else re.split(r"\s+[—–-]\s+|:\s", text, maxsplit=1)[0]
        target = resolve(line, shown(name), name)
        if target is None:
            return text
        if bold:
            return f"**[{bold[1]}]({_href(target, here)})**{text[bold.end():]}"
        return f"[{name}]({_href(target, here)}){text[len(name):]}"

    section = None
    for b in blocks:
        if b.kind == "heading" and b.level <= 2:
            section = section_heading(b.text, w)[0]
        elif b.kind == "further":
            items = []
            for title, text in b.items:
                if "](" in title:
                    title = _MD_LINK.sub(linker(b.line), title, count=1)
                elif (target := resolve(b.line, shown(title), title)) is not None:
                    title = f"[{title}]({_href(target, here)})"
                items.append((title, text))
            b.items = items
        elif b.kind == "list" and section == "further":
            b.items = [entry(item, b.line) for item in b.items]
        elif b.kind == "crossref" or (b.kind == "para" and cross and cross.match(b.text)):
            text = _MD_LINK.sub(linker(b.line), b.text) if "](" in b.text else _QUOTED.sub(quoted(b.line), b.text)
            b.text = text
