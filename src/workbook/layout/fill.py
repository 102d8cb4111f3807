"""HTML with writing-line blocks in, the document laid out with as many writing lines as fill the page under
every {fill=page} prompt and notes page out (measured, added, laid out again), and the line counts kept as
the next build's first guess."""
from __future__ import annotations

import json
import math

import weasyprint

from ..cache.store import Cache, _key
from ..model.manuscript import Manuscript
from ..model.pages import LAYOUT
from .document import Typesetter


def lay_out_filled(typesetter: Typesetter, html: str, fill_ids: list[str], pitch: float, extra: dict[str, int],
                   css: list[str] | None = None) -> tuple[weasyprint.Document, dict[str, int]]:
    """Lay `html` out; where it has fill blocks, measure, add writing lines and lay out again until
    nothing changes (at most MAX_FILL_PASSES more). `extra` is the first guess of lines per block."""
    extra = {ident: count for ident, count in extra.items() if ident in fill_ids}
    document = typesetter.document(add_lines(html, extra) if extra else html, css)
    if not fill_ids:
        return document, extra
    for _attempt in range(MAX_FILL_PASSES):
        wanted = free_lines(document, fill_ids, pitch)
        changed = {ident: max(extra.get(ident, 0) + count, 0) for ident, count in wanted.items()}
        if all(changed[ident] == extra.get(ident, 0) for ident in changed):
            break
        extra.update(changed)
        document = typesetter.document(add_lines(html, extra), css)
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


def _fill_key(manuscript: Manuscript, fill_ids: list[str]) -> str:
    return _key("fill", LAYOUT, manuscript.config.slug, json.dumps(fill_ids))


def fill_hint(cache: Cache, manuscript: Manuscript, fill_ids: list[str]) -> dict[str, int]:
    """The writing lines each fill block got in the last build (only a first guess: layout checks it)."""
    if not fill_ids:
        return {}
    try:
        value = json.loads(cache.read("fill", _fill_key(manuscript, fill_ids)) or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if k in fill_ids and isinstance(v, int) and 0 <= v <= 200}


def store_fill_hint(cache: Cache, manuscript: Manuscript, fill_ids: list[str], extra: dict[str, int]) -> None:
    if fill_ids:
        cache.write("fill", _fill_key(manuscript, fill_ids), json.dumps(extra).encode())
