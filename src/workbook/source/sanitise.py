"""Chapter Markdown and its converted HTML in, problems (file:line) and a safe XHTML fragment out.

Guards around Markdown conversion: `prescan` refuses input whose nesting or size would make
Python-Markdown, lxml or WeasyPrint recurse or take minutes; `sanitise_html` (the one HTML cleaner)
cleans the author's raw HTML during conversion; `secure_fragment` checks the final fragment
(Markdown-made and raw-HTML elements alike): allowed attributes only, safe URLs only, and every
image resolved inside the book and checked with Pillow.
"""
from __future__ import annotations

import html as html_lib
import re
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape as escape_text

import lxml.etree
import nh3

from ..errors import Diagnostic
from ..files.bookfiles import BookFileProblem, check_picture
from ..model.config import MAX_CHAPTER_BYTES

MAX_QUOTE_DEPTH = 20
MAX_LIST_DEPTH = 20
MAX_PARAGRAPH_BYTES = 100_000
MAX_BRACKETS = 1_000  # '[' in one paragraph: Python-Markdown's link search is quadratic in them
# Per chapter: Python-Markdown's work grows with each of these faster than with the chapter's size
# (its tree processors look siblings up by list.index, html.parser scans an unclosed tag to the
# next '>', every inline element is re-scanned by each inline pattern), so each is bounded such
# that a chapter at every limit at once still converts in a few seconds.
MAX_BLOCKS = 5_000  # paragraphs, headings and list items
MAX_MARKUP = 20_000  # * _ ` [ < & | \ " ' outside code blocks
MAX_PROMPTS = 500  # 💡 prompts (each becomes a dozen elements)
MAX_FOOTNOTE_REFS = 2_000  # [^…] references and definitions (each reference adds a back-link)
MAX_HTML_TAGS = 2_000  # raw HTML tags (<b>, </b>, <!-- …), each sanitised on its own
MAX_TABLE_ROWS = 1_000  # lines holding '|' (each table cell is a paragraph's work)
MAX_TAG_SCAN = 5_000_000  # characters from each '<' to the next '>', summed
MAX_SHARE = 1.5  # the shares of all those limits a chapter uses, added up: no chapter at every limit at once
_MARKUP = re.compile(r"""[*_`\[<&|"'\\]""")
_TAG_START = re.compile(r"<[A-Za-z!/?]")

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^( *)(?:[-*+]|\d{1,9}[.)])(?:\s|$)")
_QUOTE_PREFIX = re.compile(r"^(?: {0,3}>)+")


def prescan(body: str, file: str, line_offset: int = 0) -> list[Diagnostic]:
    """Nesting depth and paragraph size of chapter Markdown (`file`), checked before conversion (linear time)."""
    problems: list[Diagnostic] = []
    fence = None
    para_start, para_bytes, para_brackets = None, 0, 0
    blocks, markup, prompts, footnotes, tags, rows = 0, 0, 0, 0, 0, 0
    first: dict[str, int | None] = dict.fromkeys(("blocks", "markup", "prompts", "footnotes", "tags", "rows"))

    def close_paragraph() -> None:
        if para_start is None:
            return
        if para_bytes > MAX_PARAGRAPH_BYTES:
            problems.append(Diagnostic(file, para_start, f"paragraph is {para_bytes // 1000} kB long; the limit is "
                                                         f"{MAX_PARAGRAPH_BYTES // 1000} kB — split it with blank lines"))
        elif para_brackets > MAX_BRACKETS:
            problems.append(Diagnostic(file, para_start, f"paragraph holds {para_brackets} '[' characters; the limit is "
                                                         f"{MAX_BRACKETS} — split it or write them as \\["))

    for index, line in enumerate(body.split("\n")):
        number = index + 1 + line_offset
        match = _FENCE.match(line)
        if match:
            if fence is None:
                fence = match[1][0]
            elif match[1][0] == fence:
                fence = None
        if not line.strip():
            close_paragraph()
            para_start, para_bytes, para_brackets = None, 0, 0
            continue
        if para_start is None:
            para_start = number
            blocks += 1
        para_bytes += len(line.encode("utf-8")) + 1
        if fence is not None:
            continue
        para_brackets += line.count("[")
        markup += len(_MARKUP.findall(line))
        prompts += line.count("💡")
        footnotes += line.count("[^")
        tags += len(_TAG_START.findall(line))
        rows += "|" in line
        for name, value, limit in (("blocks", blocks, MAX_BLOCKS), ("markup", markup, MAX_MARKUP),
                                   ("prompts", prompts, MAX_PROMPTS), ("footnotes", footnotes, MAX_FOOTNOTE_REFS),
                                   ("tags", tags, MAX_HTML_TAGS), ("rows", rows, MAX_TABLE_ROWS)):
            if value > limit and first[name] is None:
                first[name] = number
        quotes = _QUOTE_PREFIX.match(line)
        depth = quotes[0].count(">") if quotes else 0
        if depth > MAX_QUOTE_DEPTH:
            problems.append(Diagnostic(file, number, f"block quotes are nested {depth} deep; the limit is {MAX_QUOTE_DEPTH}"))
            break
        rest = line[quotes.end():] if quotes else line
        item = _LIST_ITEM.match(rest.expandtabs(4))
        if item and len(item[1]) // 4 + 1 > MAX_LIST_DEPTH:
            problems.append(Diagnostic(file, number, f"list is nested {len(item[1]) // 4 + 1} levels deep; "
                                                     f"the limit is {MAX_LIST_DEPTH}"))
            break
        if item and para_start != number:
            blocks += 1
    else:
        close_paragraph()
    split = "; split the chapter into two or more chapters"
    for name, count, what, limit, advice in (
            ("blocks", blocks, "paragraphs, headings and list items", MAX_BLOCKS, split),
            ("markup", markup, "Markdown markup characters (* _ ` [ < & | \\ and quotes)", MAX_MARKUP, split),
            ("prompts", prompts, "💡 prompts", MAX_PROMPTS, split),
            ("footnotes", footnotes, "footnote references and notes ([^…])", MAX_FOOTNOTE_REFS, split),
            ("tags", tags, "raw HTML tags", MAX_HTML_TAGS, "; write them in Markdown" + split[1:]),
            ("rows", rows, "table rows (lines with '|')", MAX_TABLE_ROWS, split)):
        if first[name]:
            problems.append(Diagnostic(file, first[name], f"chapter holds {count:,} {what}; the limit is {limit:,} "
                                                          f"(reached here){advice}"))
    problems.extend(_unclosed_tags(body, file, line_offset))
    if not problems:
        used = {"size": len(body.encode("utf-8")) / MAX_CHAPTER_BYTES, "paragraphs": blocks / MAX_BLOCKS,
                "markup": markup / MAX_MARKUP, "prompts": prompts / MAX_PROMPTS,
                "footnotes": footnotes / MAX_FOOTNOTE_REFS, "HTML tags": tags / MAX_HTML_TAGS,
                "table rows": rows / MAX_TABLE_ROWS}
        if sum(used.values()) > MAX_SHARE:
            shares = ", ".join(f"{name} {share:.0%}" for name, share in sorted(used.items(), key=lambda i: -i[1])
                               if share >= 0.05)
            problems.append(Diagnostic(file, 1 + line_offset, f"chapter is too much to convert in one piece: it uses {shares} "
                                                              f"of the limits for a chapter, {sum(used.values()):.0%} together "
                                                              f"(at most {MAX_SHARE:.0%}){split}"))
    return problems


def _unclosed_tags(body: str, file: str, line_offset: int) -> list[Diagnostic]:
    """html.parser (inside Python-Markdown) scans from every '<' that may start a tag to the next
    '>': a chapter of '<a ' without '>' is quadratic. Sum those distances (linear) and refuse a
    chapter where they exceed MAX_TAG_SCAN, naming the line of the worst '<'."""
    total, worst, worst_at = 0, 0, 0
    next_close = previous = len(body)
    for match in reversed(list(_TAG_START.finditer(body))):
        at = match.start()
        found = body.find(">", at, previous)  # the spans [at, previous) do not overlap: linear in all
        if found >= 0:
            next_close = found
        previous = at
        total += next_close - at
        if next_close - at >= worst:
            worst, worst_at = next_close - at, at
    if total <= MAX_TAG_SCAN:
        return []
    line = body.count("\n", 0, worst_at) + 1 + line_offset
    return [Diagnostic(file, line, f"'<' here starts an HTML tag that no '>' closes for {worst:,} characters, and such "
                                   f"'<' in this chapter add up to {total:,} characters to scan (the limit is "
                                   f"{MAX_TAG_SCAN:,}); write a lone < as &lt; or \\<, or close the tag")]


# -- the converted fragment ------------------------------------------------------------------

_GLOBAL_ATTRIBUTES = {"id", "class", "lang", "dir", "title", "role"}
_TAG_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "scope", "align"},
    "ol": {"start", "type"},
    "time": {"datetime"},
    "abbr": {"title"},
}
_ALIGN_STYLE = re.compile(r"^\s*text-align:\s*(left|right|center)\s*;?\s*$")
_LINK_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
XHTML = "http://www.w3.org/1999/xhtml"
SVG = "http://www.w3.org/2000/svg"


def url_scheme(url: str) -> str:
    """The scheme of a URL as a browser reads it (control characters and whitespace ignored), or ''."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", html_lib.unescape(url))
    match = _SCHEME.match(cleaned)
    return match[1].lower() if match else ""


def secure_fragment(html: str, *, file: str, source: str, line_offset: int, chapter_dir: Path, book_root: Path,
                    allow_remote: bool, own_ids: tuple[str, ...] = ()) -> tuple[str, list[Diagnostic]]:
    """Check and clean the converted fragment of chapter `file`; returns (XHTML, problems)."""
    problems: list[Diagnostic] = []
    if not html.strip():
        return html, problems
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = lxml.etree.fromstring(f"<div>{html}</div>".encode(), parser)
    except lxml.etree.XMLSyntaxError as exc:
        return "", [Diagnostic(file, None, f"the chapter cannot be converted safely ({exc.msg}); "
                                           "check nesting and raw HTML")]

    def line_of(*needles: str) -> int | None:
        for needle in needles:
            if needle:
                at = source.find(needle)
                if at >= 0:
                    return source[:at].count("\n") + 1 + line_offset
        return None

    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.startswith("{"):
            continue  # our own inline SVG icons (authors cannot make namespaced elements: nh3 strips them)
        for name in list(element.attrib):
            if element is root:
                break
            value = element.attrib[name]
            allowed = (name in _GLOBAL_ATTRIBUTES or name in _TAG_ATTRIBUTES.get(element.tag, ())
                       or name.startswith(("data-", "aria-")) and not name.startswith("data-bookmark"))
            if name == "style" and element.tag in ("td", "th") and _ALIGN_STYLE.match(value):
                allowed = True
            if not allowed:
                del element.attrib[name]
                problems.append(Diagnostic(file, line_of(f"{name}=", f"{name} ="),
                                           f"attribute {name}={value[:40]!r} removed from <{element.tag}>; "
                                           "styles, event handlers and link relations are not allowed in chapters",
                                           "warning"))
        href = element.get("href")
        if element.tag == "a" and href is not None:
            scheme = url_scheme(href)
            if scheme and scheme not in _LINK_SCHEMES:
                del element.attrib["href"]
                problems.append(Diagnostic(file, line_of(href, href[:30], f"[{element.text or ''}]("),
                                           f"link to {href[:50]!r} removed; links may go to http(s), mailto or "
                                           "inside the book", "warning"))
        if element.tag == "img":
            _secure_image(element, file, line_of, chapter_dir, book_root, allow_remote, problems)
    _fix_structure(root)
    ids = {element.get("id") for element in root.iter() if isinstance(element.tag, str) and element.get("id")}
    ids |= set(own_ids)
    for element in list(root.iter("a")):
        href = element.get("href") or ""
        # A #link to no anchor in this chapter may point at another chapter: check.py reports the
        # ones that lead nowhere in the whole book, and the EPUB turns those into plain text.
        if href.startswith("#") and href[1:] not in ids and "footnote-backref" in (element.get("class") or ""):
            _unwrap(element, keep_children=False)
    return serialise_fragment(root), problems


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def serialise_fragment(root) -> str:
    """The children of a wrapper element as XHTML that HTML parsers read the same way:
    empty non-void HTML elements are written `<div></div>`, never `<div/>`."""
    for element in root.iter():
        if (isinstance(element.tag, str) and not element.tag.startswith("{") and element.tag not in _VOID
                and element.text is None and len(element) == 0):
            element.text = ""
    return (escape_text(root.text) if root.text else "") + "".join(
        lxml.etree.tostring(child, encoding="unicode", with_tail=True) for child in root)


# Elements that may hold only phrasing content, and the phrasing elements allowed inside them.
_PHRASING_ONLY = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "span", "a", "em", "strong", "b", "i", "u", "s", "small",
                  "sub", "sup", "code", "kbd", "samp", "var", "mark", "abbr", "cite", "q", "dfn", "time", "pre", "dt"}
_PHRASING = {"a", "abbr", "b", "br", "cite", "code", "del", "dfn", "em", "i", "img", "ins", "kbd", "mark", "q", "s",
             "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var"}
_NEEDS_PARENT = {"li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"}, "tr": {"table", "thead", "tbody", "tfoot"},
                 "td": {"tr"}, "th": {"tr"}, "thead": {"table"}, "tbody": {"table"}, "tfoot": {"table"},
                 "caption": {"table"}, "col": {"colgroup", "table"}, "colgroup": {"table"},
                 "figcaption": {"figure"}, "summary": {"details"}}


def _fix_structure(root) -> None:
    """Raw HTML can put blocks inside paragraphs or list items outside lists; XHTML (EPUB) forbids
    that, so such elements are unwrapped: their text and children stay, the misplaced tag goes."""
    changed = True
    while changed:
        changed = False
        for element in root.iter():
            if not isinstance(element.tag, str) or element.tag.startswith("{") or element is root:
                continue
            parent = element.getparent()
            in_phrasing = any(a.tag in _PHRASING_ONLY for a in element.iterancestors() if isinstance(a.tag, str))
            misplaced = (in_phrasing and element.tag not in _PHRASING
                         or element.tag in _NEEDS_PARENT and parent.tag not in _NEEDS_PARENT[element.tag]
                         or element.tag == "a" and any(a.tag == "a" for a in element.iterancestors()))
            if misplaced:
                _unwrap(element)
                changed = True
                break


def _unwrap(element, keep_children: bool = True) -> None:
    """Replace an element by its content (or remove it with its content), keeping the text flow."""
    parent = element.getparent()
    index = list(parent).index(element)
    tail = element.tail or ""
    if keep_children:
        children = list(element)
        lead = element.text or ""
    else:
        children, lead = [], ""
    if index == 0:
        parent.text = (parent.text or "") + lead
    else:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + lead
    parent.remove(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    if children:
        children[-1].tail = (children[-1].tail or "") + tail
    elif index == 0:
        parent.text = (parent.text or "") + tail
    else:
        parent[index - 1].tail = (parent[index - 1].tail or "") + tail


def _secure_image(element, file: str, line_of: Callable[..., int | None], chapter_dir: Path, book_root: Path,
                  allow_remote: bool, problems: list[Diagnostic]) -> None:
    """Check one <img> (a remote one only where allowed, a local one inside the book and readable by
    Pillow) and point its src at the picture's path from the book's root; report what is wrong."""
    src = (element.get("src") or "").strip()
    line = line_of(src, src[:40])
    if not src:
        problems.append(Diagnostic(file, line, "image without a source; write ![description](images/file.png)"))
        return
    scheme = url_scheme(src)
    if scheme in ("http", "https"):
        if not allow_remote:
            problems.append(Diagnostic(file, line, f"image {src}: network access is off; save the picture in images/ "
                                                   "or set allow_remote: true in book.yaml"))
        return
    if scheme:
        problems.append(Diagnostic(file, line, f"image {src[:60]}: {scheme}: sources are not allowed; "
                                               "save the picture in images/ and use its path"))
        return
    relative = urllib.parse.unquote(urllib.parse.urlsplit(src).path)
    if not relative or relative.startswith("/"):
        problems.append(Diagnostic(file, line, f"image {src}: use a path inside the book such as images/photo.png"))
        return
    root = book_root.resolve()
    # The author's editor reads paths from the chapter's folder; the book's base is its root. Accept both.
    candidates = [(chapter_dir / relative).resolve(), (book_root / relative).resolve()]
    path = next((c for c in candidates if c.is_relative_to(root) and c.is_file()), None)
    if path is None:
        outside = any(not c.is_relative_to(root) for c in candidates)
        reason = "is outside the book folder; pictures must live inside it" if outside else "not found"
        problems.append(Diagnostic(file, line, f"image {src}: {reason}"))
        return
    try:
        check_picture(path)
    except BookFileProblem as exc:
        problems.append(Diagnostic(file, line, f"image {src} {exc}"))
        return
    canonical = path.relative_to(root).as_posix()
    element.set("src", urllib.parse.quote(canonical))
    if element.get("alt") is None:
        element.set("alt", "")


# The author's raw HTML in a chapter (<b>, <div>, …): what nh3 keeps of it before the fragment is
# converted; secure_fragment then checks the whole fragment with _TAG_ATTRIBUTES.
_RAW_HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var",
}
_RAW_HTML_ATTRIBUTES = {
    "*": {"class", "id", "lang", "title", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type"},
    "time": {"datetime"},
}


def sanitise_html(html: str) -> str:
    """The author's raw HTML with structure and text kept; scripts, styles, frames, handlers, comments and
    URLs other than http(s)/mailto dropped (nh3)."""
    return nh3.clean(html, tags=_RAW_HTML_TAGS, attributes=_RAW_HTML_ATTRIBUTES, url_schemes=set(_LINK_SCHEMES),
                     link_rel=None, strip_comments=True)
