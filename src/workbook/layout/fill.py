"""The book's HTML in, the book laid out as one document out, with as many writing lines as fill the page
under every {fill=page} prompt and notes page (measured, added, laid out again)."""
from __future__ import annotations

import json
import math
import weakref

import weasyprint

from ..model.manuscript import Manuscript
from ..model.pages import EDITIONS, LAYOUT
from ..render.fetcher import SafeFetcher
from ..render.templates import Renderer
from ..cache.store import _key, cache_dir, read_entry, write_entry
from .document import html_to_document

# Laid-out documents per renderer, so a build that makes both the PDF and the EPUB (whose page list
# needs the print PDF's pages) lays each edition out once.
_DOCUMENTS: "weakref.WeakKeyDictionary[Renderer, dict[str, weasyprint.Document]]" = weakref.WeakKeyDictionary()


def render_document(manuscript: Manuscript, renderer: Renderer | None = None,
                    edition: str = LAYOUT) -> weasyprint.Document:
    """The book laid out as pages, cached per renderer (see `layout_edition`); every edition ("screen",
    "print") is made of these pages."""
    if edition not in (LAYOUT, *EDITIONS):
        raise ValueError(f"unknown PDF edition {edition!r}; choose from {', '.join(EDITIONS)}")
    renderer = renderer or Renderer(manuscript)
    cache = _DOCUMENTS.setdefault(renderer, {})
    if LAYOUT not in cache:
        cache[LAYOUT] = layout_edition(manuscript, renderer)
    return cache[LAYOUT]


def layout_edition(manuscript: Manuscript, renderer: Renderer, edition: str = LAYOUT) -> weasyprint.Document:
    """Lay out the whole book as one WeasyPrint Document (the pages of every PDF edition).

    `{fill=page}` prompts and notes pages get as many writing lines as fill the rest of their page:
    the book is laid out, the free space under each is measured, lines are added and the book is
    laid out again (until nothing changes; at most a few passes, only when the book has such blocks).
    The Document's pages (`document.pages[i].anchors`) tell where every id landed.
    """
    from .fill import fill_hint, store_fill_hint

    fill_ids = fill_targets(manuscript)
    # The previous build's line counts as a first guess (checked like any other pass): after an edit
    # the book is usually laid out once instead of twice.
    extra = fill_hint(manuscript, renderer, LAYOUT, fill_ids)
    document, extra = lay_out_filled(manuscript, renderer.pdf_html(), fill_ids,
                                     renderer.geometry().line_pitch_px, renderer.fetcher, extra)
    store_fill_hint(manuscript, renderer, LAYOUT, fill_ids, extra)
    return document


def lay_out_filled(manuscript: Manuscript, html: str, fill_ids: list[str], pitch: float,
                   fetcher: SafeFetcher | None, extra: dict[str, int],
                   css: list[str] | None = None) -> tuple[weasyprint.Document, dict[str, int]]:
    """Lay `html` out; where it has fill blocks, measure, add writing lines and lay out again until
    nothing changes (at most MAX_FILL_PASSES more). `extra` is the first guess of lines per block."""
    extra = {ident: count for ident, count in extra.items() if ident in fill_ids}
    document = html_to_document(manuscript, add_lines(html, extra) if extra else html, fetcher, css)
    if not fill_ids:
        return document, extra
    for _attempt in range(MAX_FILL_PASSES):
        wanted = free_lines(document, fill_ids, pitch)
        changed = {ident: max(extra.get(ident, 0) + count, 0) for ident, count in wanted.items()}
        if all(changed[ident] == extra.get(ident, 0) for ident in changed):
            break
        extra.update(changed)
        document = html_to_document(manuscript, add_lines(html, extra), fetcher, css)
    return document, extra


MAX_FILL_PASSES = 4
_LINE = '<div class="line"></div>'


def fill_targets(manuscript: Manuscript) -> list[str]:
    """Ids of the blocks whose ruled lines fill their page: {fill=page} prompts and notes pages."""
    ids = [p.id for p in manuscript.prompts if p.fill_page]
    if manuscript.config.settings.notes_page:
        ids += [f"notes-{chapter.slug}" for chapter in manuscript.chapters]
    return ids


def free_lines(document: weasyprint.Document, ids: list[str], pitch: float) -> dict[str, int]:
    """For each id: how many writing lines to add (or, if negative, remove) so that its block ends
    at the foot of the page where it starts: free space under it / pitch, or what spilled over."""
    wanted: dict[str, int] = {}
    for page in document.pages:
        box = page._page_box
        foot = box.content_box_y() + box.height
        for ident in ids:
            if ident not in page.anchors:
                continue
            _x, top, _x2, bottom = page.anchors[ident]
            if ident not in wanted:
                wanted[ident] = max(int((foot - bottom + 0.5) // pitch), 0)
            else:  # the block ran onto a further page: take back what spilled over
                wanted[ident] = min(wanted[ident], 0) - math.ceil((bottom - top - 0.5) / pitch)
    return wanted


def add_lines(html: str, extra: dict[str, int]) -> str:
    """Insert `extra[id]` more writing lines into the block with that id (after its first line)."""
    for ident, count in extra.items():
        at = html.find(f'id="{ident}"')
        line = html.find(_LINE, at) if at >= 0 else -1
        if line >= 0 and count > 0:
            html = html[:line] + _LINE * count + html[line:]
    return html


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
