"""Chapter Markdown in, a safe XHTML fragment (ids prefixed, raw HTML sanitised, entities as XML) and its headings out."""
from __future__ import annotations

import bisect
import html as html_lib
import re
import xml.etree.ElementTree as etree
from xml.sax.saxutils import escape as escape_text

import lxml.etree
import lxml.html
import markdown
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

from ..model.manuscript import Heading
from .conventions import BlockIds, ChapterState, WorkbookExtension
from .footnotes import Footnotes
from .sanitise import sanitise_html
from .typography import NBSP, join_last_words, refine_html

_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class _IdPrefixer(Treeprocessor):
    """Makes heading and footnote ids unique across the book: `slug--id`."""

    def __init__(self, md, state: ChapterState):
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        prefix = f"{self.state.slug}--"
        prompt_ids = {p.id for p in self.state.prompts}
        for element in root.iter():
            for name in list(element.attrib):
                # attr_list lets authors write {x} or {onclick=...}: keep only plain, harmless attributes.
                if not _ATTRIBUTE_NAME.match(name):  # handlers and styles: sanitise.secure_fragment warns
                    del element.attrib[name]
                elif element.attrib[name] is None or element.attrib[name] == name and name not in ("id", "class"):
                    element.attrib[name] = name
            ident = element.get("id")
            if ident and ident not in prompt_ids:
                element.set("id", prefix + ident)
            href = element.get("href")
            if href and href.startswith("#") and href[1:] not in prompt_ids and len(href) > 1:
                element.set("href", "#" + prefix + href[1:])


class _Sanitiser(Postprocessor):
    """Cleans the author's raw HTML (scripts, handlers, frames, unsafe URLs) with nh3."""

    def __init__(self, md, state: ChapterState, source: str):
        super().__init__(md)
        self.state = state
        self.source = source

    def run(self, text: str) -> str:
        stash = self.md.htmlStash.rawHtmlBlocks
        for index, raw in enumerate(stash):
            if not isinstance(raw, str) or _ENTITY.fullmatch(raw.strip()):
                continue
            if "<" not in raw:  # text such as smarty's quotes: nothing to sanitise, only to escape
                stash[index] = escape_text(html_lib.unescape(raw))
                continue
            clean = sanitise_html(raw)
            first = raw.strip().split("\n", 1)[0][:60]
            if _normalise(clean) != _normalise(raw):
                self.state.warning(self._line(first), f"raw HTML {first[:40]!r} was sanitised (scripts, styles, frames, "
                                                      "event handlers and unsafe links are removed)")
            stash[index] = html_to_xhtml(clean, self.state, self._line(first) if clean.strip() else None)
        return text

    def _line(self, needle: str) -> int | None:
        """The line of `needle` in the chapter, searched onwards from the last one found (stash order is
        text order), so that a chapter of many raw tags is searched once rather than once per tag."""
        if not hasattr(self, "_starts"):
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.source)]
            self._cursor = 0
        at = self.source.find(needle, self._cursor)
        if at < 0:
            at = self.source.find(needle)
        if at < 0:
            return None
        self._cursor = at
        return bisect.bisect_right(self._starts, at) + self.state.line_offset


_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|\w+);")


def _normalise(html: str) -> str:
    return re.sub(r"\s+|/>|>", "", html.lower())


def html_to_xhtml(html: str, state: ChapterState | None = None, line: int | None = None) -> str:
    """Serialise (sanitised) HTML as well-formed XHTML, so the fragment is valid in EPUB too.

    With a chapter `state`, ids get the chapter's prefix (as Markdown's do) and an id used twice
    in the chapter is dropped with a warning: a document may hold each id once."""
    if not html.strip():
        return html
    parts = lxml.html.fragments_fromstring(html)
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(escape_text(part))
        else:
            if state is not None:
                _prefix_raw_ids(part, state, line)
            out.append(lxml.etree.tostring(part, method="xml", encoding="unicode", with_tail=True))
    return "".join(out)


def _prefix_raw_ids(element, state: ChapterState, line: int | None) -> None:
    prefix = f"{state.slug}--"
    for el in element.iter():
        if not isinstance(el.tag, str):
            continue
        ident = el.get("id")
        if ident:
            new = prefix + ident
            if new in state.ids:
                del el.attrib["id"]
                state.warning(line, f"id {ident!r} is used more than once in this chapter; the repeat is dropped")
            else:
                el.set("id", new)
                state.ids.add(new)
        href = el.get("href")
        if href and href.startswith("#") and len(href) > 1:
            el.set("href", "#" + prefix + href[1:])


_NAMED_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)(\w+);")


def xml_entities(html: str) -> str:
    """Named HTML entities (&nbsp;, &mdash;, …) -> characters; XML knows only five by name."""
    def replace(match: re.Match[str]) -> str:
        char = html_lib.unescape(match[0])
        return escape_text(char) if char != match[0] else "&amp;" + match[1] + ";"

    return _NAMED_ENTITY.sub(replace, html)


_SMART_KEYS = ("left-double-quote", "right-double-quote", "left-single-quote", "right-single-quote")


def convert(body: str, state: ChapterState, language: str) -> str:
    """Markdown text of one chapter -> XHTML-compatible HTML fragment (fills `state`)."""
    quotes = state.words.get("quotes", ("“", "”", "‘", "’"))
    md = markdown.Markdown(
        extensions=[
            "tables", Footnotes(BACKLINK_TEXT="↑", BACKLINK_TITLE=str(state.words.get("back_to_text", ""))),
            "attr_list", "def_list", "abbr", "sane_lists", "fenced_code", "toc", "smarty", WorkbookExtension(state),
        ],
        extension_configs={
            # A book's `words: quotes:` may hold other than four marks: smarty keeps its own for any missing.
            "smarty": {"substitutions": dict(zip(_SMART_KEYS, quotes, strict=False))},
            "toc": {"permalink": False},
        },
        output_format="xhtml",
    )
    md.treeprocessors.register(_IdPrefixer(md, state), "workbook-ids", 1)
    md.treeprocessors.register(BlockIds(md, state), "workbook-block-ids", 0.5)
    md.treeprocessors.register(_KeepWithNext(md), "workbook-keep", 0.4)
    md.treeprocessors.register(_NoLoneLastWord(md), "workbook-last-words", 0.3)
    md.postprocessors.register(_Sanitiser(md, state, body), "workbook-sanitise", 35)
    try:
        return refine_html(xml_entities(md.convert(body)), language)
    except RecursionError:  # prescan() keeps nesting low; this is the last line of defence
        state.error(None, "the text is nested too deeply (quotes or lists inside each other); flatten it")
        return ""
    except Exception as exc:  # a Markdown extension tripped over unusual input: report it, never a traceback
        state.error(None, f"the Markdown could not be converted ({type(exc).__name__}: {exc}); "
                          "look for unusual constructs such as a line starting with ': '")
        return ""


_KEEP_AFTER = ("ul", "ol", "dl", "table", "pre", "blockquote", "div", "p", "figure")


class _KeepWithNext(Treeprocessor):
    """Blocks that belong to the one after them get a class that keeps them on its page (book.css):
    an example right before a prompt (`keep-with-prompt`), a lead-in paragraph ending in a colon
    before what it introduces (`lead-in`), and a picture before its caption, a paragraph of emphasised
    text only (`keep-with-caption`; the caption gets `caption`)."""

    def run(self, root: etree.Element) -> None:
        blocks = list(root)
        for block, following in zip(blocks, blocks[1:], strict=False):
            classes = (block.get("class") or "").split()
            after = (following.get("class") or "").split()
            if "example" in classes and "prompt" in after:
                block.set("class", " ".join([*classes, "keep-with-prompt"]))
            elif (block.tag == "p" and not classes and following.tag in _KEEP_AFTER
                  and "".join(block.itertext()).rstrip().endswith(":")):
                block.set("class", "lead-in")
            elif block.tag == "p" and not classes and not after and _only(block, "img") and _only(following, "em"):
                block.set("class", "picture keep-with-caption")
                following.set("class", "caption")


def _only(block: etree.Element, tag: str) -> bool:
    """Whether `block` holds one element of `tag` (a picture, an emphasised run) and no text of its own."""
    return (len(block) == 1 and block[0].tag == tag and not (block.text or "").strip()
            and not (block[0].tail or "").strip())


class _NoLoneLastWord(Treeprocessor):
    """No line of one word ends a heading, pull quote or prompt question, and no paragraph, list item or
    definition ends on a line of one short word or on the end of a hyphenated word: the last two words
    are joined by a no-break space (when both are short enough to share any line; chapter titles: the
    `title_lines` filter of the page templates), and in body text they are kept whole as well
    (`keep-whole`, book.css: not hyphenated), so the last line never starts inside a word."""

    def run(self, root: etree.Element) -> None:
        quoted = _pull_quote_paragraphs(root)
        for element in root.iter():
            if element.tag in ("h2", "h3", "h4") or element in quoted or element.get("class") == "prompt-question":
                if len(element) and element[-1].tail and element[-1].tail.strip():
                    element[-1].tail = join_last_words(element[-1].tail)
                elif not len(element) and element.text:
                    element.text = join_last_words(element.text)
            elif element.tag in _BODY_BLOCKS and set((element.get("class") or "").split()) <= _BODY_CLASSES:
                _keep_last_words(element)


_BODY_BLOCKS = ("p", "li", "dd")
_SHORT_WORD = 8  # a last line of one word this short is a runt (layout/pageaudit.py's SHORT_WORD)
_BODY_CLASSES = {"lead-in", "caption", "cta", "cta-unlinked"}  # not labels (a callout's title)
_INLINE_INTO = ("a", "em", "strong", "span", "b", "i", "abbr", "q", "cite", "small", "mark")


def _keep_last_words(element: etree.Element) -> None:
    """The block's last words (the last two, joined, or the last one joined to the inline element before
    it) wrapped in a keep-whole span, in the innermost inline element that holds them."""
    while len(element) and not (element[-1].tail or "").strip():
        last = element[-1]
        if last.tag not in _INLINE_INTO or last.get("class"):
            return  # a picture, a line break, code, a nested list: nothing to keep
        element = last
    holder = element[-1] if len(element) else None
    text = (holder.tail if holder is not None else element.text) or ""
    found = _LAST_WORDS.search(text)
    if found is not None and len(re.sub(r"\x02[^\x03]*\x03|\W", "", found[2])) > _SHORT_WORD:
        found = None  # a long last word may have a line of its own: joined, it would stretch the line above
    if found is not None:
        head, kept = text[:found.start()], found[1].replace(" ", NBSP) + NBSP + found[2]
    elif (found := _LAST_WORD.search(text)) is not None:  # one word, or a long one: kept whole, not joined
        head, kept = text[:found.start()], found[1]
        if holder is not None and head == " " and len(kept.strip()) <= 12:
            head = NBSP  # the word keeps to the inline element before it
    else:
        return
    if head.endswith(" "):  # the space before them goes inside the span: WeasyPrint, finding the span too
        head, kept = head[:-1], " " + kept  # wide for the line, else breaks the text before it too early
    if holder is None:
        element.text = head
    else:
        holder.tail = head
    etree.SubElement(element, "span", {"class": "keep-whole"}).text = kept


_CHAR = r"(?:\x02[^\x03\s]*\x03|[^\s\x02])"  # a character, or one of Markdown's stashed ones (a smart quote)
# The last two words; a spaced dash before the last word comes with the word before it (typography.py keeps a
# spaced dash to the word before it, which it cannot see once the words are in a span of their own).
_LAST_WORDS = re.compile(rf"(?<!\S)((?:{_CHAR}{{1,20}}[ \u00a0])?[–—]|{_CHAR}{{1,20}}) ({_CHAR}{{1,12}}\s*)$")
_LAST_WORD = re.compile(rf"(?<!\S)({_CHAR}{{1,40}}\s*)$")


def _pull_quote_paragraphs(root: etree.Element) -> set[etree.Element]:
    return {p for quote in root.iter("blockquote") if "pull-quote" in (quote.get("class") or "").split()
            for p in quote.iter("p")}


def _parse_fragment(html: str) -> etree.Element | None:
    try:
        return etree.fromstring(f"<div>{html}</div>")
    except etree.ParseError:
        return None


def _collect_headings(fragment: etree.Element | None) -> list[Heading]:
    if fragment is None:
        return []
    headings = []
    for element in fragment.iter():
        if element.tag in ("h1", "h2", "h3"):
            headings.append(Heading(int(element.tag[1]), "".join(element.itertext()).strip(), element.get("id", "")))
    return headings
