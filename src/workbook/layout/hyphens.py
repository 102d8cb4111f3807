"""A laid-out document in, the words that make a run of more than two hyphenated lines in a row out; and the
HTML in, the same HTML with those words kept whole, for a layout without the ladder.

WeasyPrint has no `hyphenate-limit-lines`. So after layout every block's lines are read: a line that ends
in the hyphenation character while the block goes on below is a hyphenated line, and from the third such
line in a row on, the word broken there is wrapped in `<span class="keep-whole">` (book.css: no automatic
hyphenation), and the document is laid out again (fill.py does this at most a few times, only for the
parts that have a ladder).
"""
from __future__ import annotations

import re
from typing import Any

import weasyprint
from weasyprint.formatting_structure import boxes

MAX_RUN = 2  # hyphenated lines in a row a page may show
KEEP_WHOLE = '<span class="keep-whole">'
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_EDGE = re.compile(r"[^\w\u00ad-]+$")


def ladder_words(document: weasyprint.Document) -> list[tuple[str, str, int]]:
    """(id of the block, word, how many uses of the word in the block come before it) for every hyphenated
    line past the MAX_RUN-th in a row, page by page."""
    found: list[tuple[str, str, int]] = []
    said: dict[str, str] = {}  # each block's text so far, its hyphenated words joined again
    for page in document.pages:
        lines: list[tuple[str | None, str, str, str]] = []
        _lines(page._page_box, None, lines)
        run = 0
        for (ident, _first, last, text), (next_ident, next_first, _last, _text) in zip(
                lines, [*lines[1:], (None, "", "", "")][:len(lines)], strict=True):
            broken = ident is not None and next_ident == ident and last.endswith("-") and not last.endswith(" -")
            run = run + 1 if broken else 0
            if ident is None:
                continue
            before = said.get(ident, "")
            if run > MAX_RUN:
                head = last.rsplit(" ", 1)[-1][:-1]
                tail = _EDGE.sub("", next_first.lstrip().split(" ", 1)[0])
                if head and tail and re.fullmatch(r"\w+", head + tail):
                    earlier = before + text.rsplit(" ", 1)[0] if " " in text else before  # this line's own uses too
                    found.append((ident, head + tail, len(_uses(head + tail).findall(earlier))))
            said[ident] = before + (text[:-1] if broken else text + " ")
    return found


def _uses(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w\u00ad-]){re.escape(word)}(?![\w\u00ad])")


def _lines(box: Any, ident: str | None, out: list[tuple[str | None, str, str, str]]) -> None:
    """Every line box under `box` as (id of its nearest block with an id, its first text, its last text,
    all its text)."""
    if isinstance(box, boxes.MarginBox):
        return
    element = getattr(box, "element", None)
    if isinstance(box, boxes.BlockBox) and element is not None and element.get("id"):
        ident = element.get("id")
    if isinstance(box, boxes.LineBox):
        texts = [child.text for child in box.descendants() if isinstance(child, boxes.TextBox)]
        out.append((ident, texts[0] if texts else "", texts[-1] if texts else "", "".join(texts)))
        return
    for child in getattr(box, "children", ()):
        _lines(child, ident, out)


def keep_words_whole(html: str, words: list[tuple[str, str, int]]) -> str:
    """`html` with each word wrapped in a keep-whole span: its use number `nth` (from 0) inside its block (by
    id), or its first use not kept whole already when the block has fewer."""
    for ident, word, nth in words:
        start = html.find(f' id="{ident}"')
        if start < 0:
            continue
        start = html.rfind("<", 0, start)
        tag = re.match(r"<(\w+)", html[start:])
        end = html.find(f"</{tag[1]}>", start) if tag else -1
        if end < 0:
            continue
        pieces = _TAG_OR_TEXT.split(html[start:end])
        uses = [(index, match) for index, piece in enumerate(pieces) if not piece.startswith("<")
                for match in _uses(word).finditer(piece)]
        free = [(index, match) for index, match in uses if not (index and pieces[index - 1] == KEEP_WHOLE)]
        chosen = uses[nth] if nth < len(uses) else (free[0] if free else None)
        if chosen is None or (chosen[0] and pieces[chosen[0] - 1] == KEEP_WHOLE):
            continue
        index, match = chosen
        piece = pieces[index]
        cut = match.start() - 1 if match.start() and piece[match.start() - 1] == " " else match.start()
        # the space before the word goes inside the span (see source/convert.py _keep_last_words)
        pieces[index] = piece[:cut] + KEEP_WHOLE + piece[cut:match.start()] + word + "</span>" + piece[match.end():]
        html = html[:start] + "".join(pieces) + html[end:]
    return html
