"""A saved HTML page and the hand-written walker's Blocks in, the Blocks of the page's main text out: trafilatura
decides what is the article, the walker keeps its conventions, line numbers and pictures (README: "Importing a blog")."""
from __future__ import annotations

import re

from .blocks import BULB, LINK, Block

_PICTURE = re.compile(r"\[[^\]]*\]\(https?://\S+\.(?:png|jpe?g|gif|webp|svg|avif)\)", re.I)  # a remote picture
_LINK_TARGET = re.compile(r"\]\([^)]*\)|<https?://[^>]*>|!\[")


def _plain(text: str) -> str:
    text = _LINK_TARGET.sub(" ", text)
    text = re.sub(r"&#?\w+;|[^\w\s]", " ", text)
    return " ".join(text.casefold().split())


def main_text(html: str) -> str | None:
    """The page's main text as trafilatura finds it (plain text, comments left out), or None when it finds none."""
    # deferred: trafilatura (with its lxml and date parsers) loads only when a saved page is imported
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=True, include_images=False,
                               include_links=False, include_formatting=False, favor_recall=True, deduplicate=False,
                               output_format="txt")
    return _plain(text) if text and text.strip() else None


def _texts(b: Block) -> list[str]:
    parts = [b.text] if b.text else []
    for item in b.items:
        parts += list(item) if isinstance(item, tuple) else [item]
    return [p for p in (_plain(x) for x in parts) if p]


def _kept_by_walker(b: Block, section: str | None) -> bool:
    """Blocks the extractor tends to drop that are the author's own: 💡 prompts, 🔗 calls to action, pictures and
    their captions, and the further-reading section (a list of links looks like page furniture to it)."""
    return (b.kind in ("prompt", "cta") or b.text.startswith((BULB, LINK, "![")) or b.extra == "caption"
            or section == "further")


def keep_main(blocks: list[Block], main: str, dropped: list[tuple[int, str]],
              unsure: list[tuple[int, str]]) -> list[Block]:
    """The blocks whose text the extractor found (or that _kept_by_walker keeps); each other block is reported
    as dropped with its line, so no text goes silently. When that would drop most of the text, the extractor
    missed the article (a short page, a long list): every block is kept and that is reported."""
    kept: list[Block] = []
    gone: list[tuple[int, str]] = []
    section = None
    for b in blocks:
        if b.kind == "heading" and b.level <= 2:
            section = "further" if b.extra == "further" else None
        texts = _texts(b)
        found = sum(len(t) for t in texts if t in main)
        if not texts or _kept_by_walker(b, section) or found >= 0.6 * sum(map(len, texts)) or _PICTURE.fullmatch(b.text):
            kept.append(b)
            if section == "further" and b.kind in ("list", "further"):
                section = None  # the section's list ends it: what follows must be main text again
            continue
        if b.kind == "heading" and b.level <= 2:
            section = None
        raw = [b.text] + [x for item in b.items for x in (item if isinstance(item, tuple) else (item,))]
        words = " ".join(re.sub(r"\]\([^)]*\)|[*_\[\]\\]", "", x) for x in raw if x).strip()
        gone.append((b.line, f"not main text (trafilatura): {words[:60]}{'…' if len(words) > 60 else ''}"))
    total = sum(len(t) for b in blocks for t in _texts(b))
    kept_ids = {id(b) for b in kept}
    lost = sum(len(t) for b in blocks if id(b) not in kept_ids for t in _texts(b))
    if lost > 0.5 * total:
        unsure.append((blocks[0].line if blocks else 1, f"trafilatura took {100 - 100 * lost // max(total, 1)}% of "
                                                       "the article's text as main text; kept all of it"))
        return blocks
    dropped.extend(gone)
    return kept
