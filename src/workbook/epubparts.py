"""Chapters of a Manuscript in, what the EPUB needs beyond their HTML out: the book's images as
package items and links between chapters pointed at the right content document."""
from __future__ import annotations

import mimetypes
import re
import urllib.parse
from pathlib import Path

from .errors import Diagnostic, OutputError
from .manuscript import Chapter, Manuscript

_SRC = re.compile(r'<img\b[^>]*?\bsrc="([^"]+)"')
_HREF = re.compile(r'href="#([^"]+)"')
_ID = re.compile(r' id="([^"]+)"')
MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp"}


def chapter_file(chapter: Chapter) -> str:
    """The chapter's content document inside the EPUB."""
    return f"chapter-{chapter.number:02d}-{chapter.slug}.xhtml"


def book_images(manuscript: Manuscript) -> dict[str, tuple[str, bytes]]:
    """Images the chapters use: {path in the EPUB (as the chapter writes it): (media type, bytes)}."""
    root = manuscript.config.root.resolve()
    found: dict[str, tuple[str, bytes]] = {}
    for chapter in manuscript.chapters:
        for src in _SRC.findall(chapter.html):
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src) or src in found:
                continue
            path = (root / urllib.parse.unquote(src)).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                raise OutputError([Diagnostic(chapter.rel_source, None, f"image {src} not found inside the book folder")])
            media = MEDIA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            found[src] = (media, path.read_bytes())
    return found


def cross_links(manuscript: Manuscript) -> dict[str, str]:
    """{chapter slug: its HTML with links to other chapters' ids made `chapter-NN-slug.xhtml#id`}."""
    owner = {}
    for chapter in manuscript.chapters:
        owner[chapter.anchor] = chapter
        for ident in _ID.findall(chapter.html):
            owner.setdefault(ident, chapter)
    out = {}
    for chapter in manuscript.chapters:
        def fix(match: re.Match, here: Chapter = chapter) -> str:
            other = owner.get(match[1])
            if other is None or other is here:
                return match[0]
            return f'href="{chapter_file(other)}#{match[1]}"'
        out[chapter.slug] = _HREF.sub(fix, chapter.html)
    return out
