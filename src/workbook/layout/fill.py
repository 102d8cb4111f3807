"""HTML with writing-line blocks in, the document laid out once with as many writing lines as fill the page under
every {fill=page} prompt and notes page out (the lines that fit are added to the laid-out page itself), and
writing space at the foot of a page that a prompt left more than a quarter empty.

A fill block ends its page: a {fill=page} prompt breaks the page after it and a notes page is a page of
its own. Nothing after the block can therefore move when lines are added under it, as long as they fit
above the page's foot. So the document is laid out once with the block's own lines, the room under each
block is measured, and that many copies of the block's last line are added to the laid-out page (its
boxes, its height, its anchor), exactly where a layout with those lines in the HTML puts them
(tests/test_fill.py compares the two). A block that does not fit on one page with its own lines keeps
them and gets no more.

The page-foot rule: a prompt moves whole to the next page when its lines do not fit, and a section
heading or a lead-in takes what it keeps with along (inside a chapter; a chapter's start is a forced
break). When that leaves the foot of the page before it more than a quarter empty (FOOT_SHARE of the
text area), that foot gets writing lines of the same pitch, one pitch under the page's last block down
to its foot: copies of the moved prompt's own line box (else of a writing line on that page), as wide
as the text. Nothing moves, so no second layout is needed.
A document whose lines show more than two hyphenated lines in a row is laid out again with the words
that make the ladder kept whole (hyphens.py), at most HYPHEN_PASSES more times.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import weasyprint
from weasyprint.layout.background import layout_box_backgrounds

from ..model.manuscript import Manuscript
from .document import Typesetter
from .hyphens import keep_words_whole, ladder_words

FOOT_SHARE = 0.25  # a page foot emptier than this share of the text area, before a moved prompt, gets lines
HYPHEN_PASSES = 4  # layouts after the first, at most, to break up runs of hyphenated lines
_SECTION_HEADINGS = ("h2", "h3", "h4", "h5", "h6")  # a chapter's title (h1) opens it at a forced break


def lay_out_filled(typesetter: Typesetter, html: str, fill_ids: list[str],
                   css: list[str] | None = None) -> tuple[weasyprint.Document, dict[str, int]]:
    """Lay `html` out once and fill the page of every fill block in `fill_ids` with writing lines.

    Returns the document and the lines added per block id.
    """
    document = typesetter.document(html, css)
    for _ in range(HYPHEN_PASSES):
        words = ladder_words(document)
        patched = keep_words_whole(html, words) if words else html
        if patched == html:
            break
        html = patched
        document = typesetter.document(html, css)
    extra = {ident: fill_block(document, ident) for ident in fill_ids}
    fill_page_feet(document)
    return document, {ident: count for ident, count in extra.items() if count}


def fill_page_feet(document: weasyprint.Document) -> int:
    """Writing lines at the foot of every page whose next page opens with a prompt that did not fit on it (or
    the example or heading kept with it), when that foot would stay more than FOOT_SHARE of the text area empty.
    Returns the lines added."""
    added = 0
    pages = [page._page_box for page in document.pages]
    for page_box, next_box in zip(pages, pages[1:], strict=False):
        if not _opens_with_kept_block(next_box):
            continue  # the next page does not open with a block that moved whole (or what is kept with one)
        content = _content_root(page_box)
        lines = _trails(_content_root(next_box), _is_line) or _trails(content, _is_line)
        template = lines[0][-1] if lines else None  # the moved prompt's own line, else one on this page
        if template is None or content is None:
            continue
        line = template
        pitch = line.margin_height()
        top, foot = _last_bottom(page_box), page_foot(page_box)
        if pitch <= 0 or foot - top <= FOOT_SHARE * page_box.height:
            continue
        count = int((foot - top - pitch + 0.5) // pitch)  # one pitch of air under the last block
        copies = []
        for number in range(count):
            copy = line.deepcopy()
            copy.translate(dx=page_box.content_box_x() - copy.position_x,
                           dy=foot - pitch * (count - number) - copy.position_y)
            copy.width = page_box.width
            copies.append(copy)
        content.children = list(content.children) + copies
        added += count
    return added


def _content_root(page_box: Any) -> Any:
    """The page's root block (the html element's box), which the added lines join."""
    return next((child for child in page_box.children if type(child).__name__ == "BlockBox"), None)


def _opens_with_kept_block(page_box: Any) -> bool:
    """Whether the page's text opens, inside a chapter and not at a chapter's start, with a block that moved
    over whole: a prompt, or blocks kept with what follows them (the example before a prompt, a section
    heading, a lead-in ending in ":"), which a block that did not fit takes along."""
    box, siblings, in_chapter = _content_root(page_box), [], False
    while box is not None and getattr(box, "element_tag", None) in ("html", "body", "section"):
        element = getattr(box, "element", None)
        in_chapter = in_chapter or (box.element_tag == "section" and element is not None
                                    and "chapter" in (element.get("class") or "").split())
        siblings = [child for child in box.children if type(child).__name__ == "BlockBox"]
        box = siblings[0] if siblings else None
    if not in_chapter:
        return False
    for index, block in enumerate(siblings):
        element = getattr(block, "element", None)
        names = set((element.get("class") or "").split()) if element is not None else set()
        if "prompt" in names:
            return True
        if names & {"keep-with-prompt", "lead-in"} or block.element_tag in _SECTION_HEADINGS:
            continue
        return index > 0  # what came after a heading or lead-in kept with it
    return False


def _last_bottom(page_box: Any) -> float:
    """Where the page's text ends: the lowest bottom edge of a line or a block (not the wrappers, the running
    heads or the footnotes)."""
    lowest = page_box.content_box_y()
    def visit(box: Any) -> None:
        nonlocal lowest
        kind = type(box).__name__
        if kind in ("MarginBox", "FootnoteAreaBox") or box.style["position"] in ("absolute", "fixed"):
            return
        if getattr(box, "element_tag", None) not in ("html", "body", "section") and kind != "PageBox":
            lowest = max(lowest, box.position_y + box.margin_top + box.border_height())
        if kind != "LineBox":
            for child in getattr(box, "children", ()):
                if hasattr(child, "style"):
                    visit(child)
    visit(page_box)
    return lowest


def fill_targets(manuscript: Manuscript) -> list[str]:
    """Ids of the blocks whose ruled lines fill their page: {fill=page} prompts and notes pages."""
    ids = [p.id for p in manuscript.prompts if p.fill_page]
    if manuscript.config.settings.notes_page:
        ids += [f"notes-{chapter.slug}" for chapter in manuscript.chapters]
    return ids


def page_foot(page_box: Any) -> float:
    """Where a fill block's lines must end on a page: the foot of its content area, or the top of the
    page's footnotes."""
    foot = page_box.content_box_y() + page_box.height
    for child in getattr(page_box, "children", []):
        if type(child).__name__ == "FootnoteAreaBox" and child.children:
            foot = min(foot, child.position_y)
    return foot


def free_lines(document: weasyprint.Document, ids: list[str], pitch: float) -> dict[str, int]:
    """For each id: how many writing lines of `pitch` would still fit under its block (or, if negative,
    how many ran onto a further page): a filled document has 0 for every block that fits on its page."""
    wanted: dict[str, int] = {}
    for page in document.pages:
        foot = page_foot(page._page_box)
        for ident in ids:
            if ident not in page.anchors:
                continue
            _x, top, _x2, bottom = page.anchors[ident]
            if ident not in wanted:
                wanted[ident] = max(int((foot - bottom + 0.5) // pitch), 0)
            else:  # the block ran onto a further page
                wanted[ident] = min(wanted[ident], 0) - math.ceil((bottom - top - 0.5) / pitch)
    return wanted


def fill_block(document: weasyprint.Document, ident: str) -> int:
    """Add as many writing lines under block `ident` as fit between it and the foot of its page: copies of
    its last line's box, one line (that line's own margin height) apart, with the boxes that hold the
    lines and the block's anchor grown by as much. Returns how many (0 for a block that is not there,
    has no line, or runs onto a further page)."""
    pages = [page for page in document.pages if ident in page.anchors]
    if len(pages) != 1:
        return 0
    page = pages[0]
    block = _trails(page._page_box, lambda box: box.style["anchor"] == ident)
    lines = _trails(block[0][-1], _is_line) if block else []
    if not lines:
        return 0
    *holders, last = block[0][1:] + lines[-1][1:]  # the page box itself does not grow
    step = last.margin_height()
    if step <= 0:
        return 0
    count = max(int((page_foot(page._page_box) - page.anchors[ident][3] + 0.5) // step), 0)
    if count:
        copies = []
        for number in range(1, count + 1):
            copy = last.deepcopy()
            copy.translate(dy=step * number)
            copies.append(copy)
        parent = holders[-1]
        at = parent.children.index(last) + 1
        parent.children = parent.children[:at] + copies + parent.children[at:]
        for box in holders:
            box.height += step * count
        for box in holders + copies:  # painted areas (a block's tint) follow the new heights and places
            _place_background(page._page_box, box)
        x1, y1, x2, y2 = page.anchors[ident]
        page.anchors[ident] = (x1, y1, x2, y2 + step * count)
    return count


def _place_background(page_box: Any, box: Any) -> None:
    """Lay out `box`'s background again for its present size and place (WeasyPrint fixes a background's
    painting area when it lays the page out), with the pictures it has already loaded."""
    if box.background is None:  # nothing painted (or the canvas took it: WeasyPrint's layout_backgrounds)
        return
    loaded = {value: layer.image for (kind, value), layer in zip(box.style["background_image"],
                                                                 box.background.layers, strict=False)
              if kind == "url"}
    if box.style["border_image_source"][0] == "url":
        loaded[box.style["border_image_source"][1]] = box.border_image
    if box.style["mask_border_source"][0] == "url":
        loaded[box.style["mask_border_source"][1]] = box.mask_border_image
    layout_box_backgrounds(page_box, box, lambda url, **_options: loaded[url], layout_children=False)


def _is_line(box: Any) -> bool:
    """A writing line: the empty block box of a div of class "line"."""
    element = getattr(box, "element", None)
    return (type(box).__name__ == "BlockBox" and box.element_tag == "div" and element is not None
            and element.get("class") == "line" and not box.children)


def _trails(box: Any, match: Callable[[Any], bool]) -> list[list[Any]]:
    """Every box under `box` (itself included) that matches, each as the boxes from `box` down to it,
    in document order."""
    found = [[box]] if match(box) else []
    for child in getattr(box, "children", ()):
        if hasattr(child, "style"):
            found += [[box, *trail] for trail in _trails(child, match)]
    return found
