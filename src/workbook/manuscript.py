"""Validated config in, a `Manuscript` (chapters with HTML fragments and prompts) out.

The manuscript knows nothing about PDF or EPUB: it holds target-neutral HTML
fragments and the structure (prompts, headings, counts) the targets need.
"""
from __future__ import annotations

from xml.sax.saxutils import escape as escape_text

import bisect
import html as html_lib
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import markdown
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

from .config import MAX_CHAPTER_BYTES, MAX_SLUG, BookConfig, load_config, slugify
from .context import attach_prompt_context
from .conventions import BlockIds, ChapterState, PromptInfo, WorkbookExtension
from .errors import Diagnostic, ManuscriptError, Report
from .footnotes import Footnotes
from .resources import ImageRef, check_images, check_links
from .sanitise import prescan, secure_fragment
from .sanitise import sanitise_html as _nh3_clean
from .textfile import read_chapter_text
from .typography import refine_html
from .yamlsource import YamlProblem, line_for, load_with_lines

FRONT_MATTER_KEYS = {"title", "slug", "lines", "summary", "language", "source", "author"}


@dataclass
class Heading:
    level: int
    text: str
    id: str


@dataclass
class Chapter:
    """One chapter: where it came from, its title, its HTML fragment and its prompts."""

    number: int
    slug: str
    title: str
    source: Path
    rel_source: str
    html: str
    prompts: list[PromptInfo]
    headings: list[Heading]
    summary: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    images: list[ImageRef] = field(default_factory=list)
    internal_links: list[tuple[str, int | None]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"chapter-{self.slug}"


@dataclass
class Manuscript:
    """The whole book, ready for the renderers."""

    config: BookConfig
    chapters: list[Chapter]
    warnings: list[Diagnostic] = field(default_factory=list)
    how_to_use: Chapter | None = None  # the optional "how to use this workbook" page (front matter)
    errors: list[Diagnostic] = field(default_factory=list)  # only with load_book(tolerant=True)

    @property
    def prompts(self) -> list[PromptInfo]:
        return [p for chapter in self.chapters for p in chapter.prompts]


def load_book(book_dir: str | Path, on_chapter: Callable[[int, int, str], None] | None = None,
              *, tolerant: bool = False, cache_dir: Path | None = None) -> Manuscript:
    """Read a book folder (book.yaml + chapters) into a Manuscript; raise a WorkbookError listing all problems.

    `on_chapter(done, total, file)` is called after each chapter (for progress bars).
    """
    config = load_config(book_dir)
    return build_manuscript(config, on_chapter, tolerant=tolerant, cache_dir=cache_dir)


def build_manuscript(config: BookConfig, on_chapter: Callable[[int, int, str], None] | None = None,
                     *, tolerant: bool = False, cache_dir: Path | None = None) -> Manuscript:
    """Chapters of a validated config -> Manuscript. With `tolerant`, errors that still leave every
    chapter readable (missing images, say) are kept in `Manuscript.errors` instead of raised.
    With `cache_dir`, unchanged chapters come from the build cache (chaptercache.py)."""
    from .chaptercache import chapter_reader

    read_chapter = chapter_reader(config, cache_dir, _read_chapter)
    report = Report()
    report.items.extend(config.warnings)
    chapters: list[Chapter] = []
    slugs: dict[str, str] = {}
    for number, (path, yaml_line) in enumerate(zip(config.chapter_files, config.chapter_lines), start=1):
        rel = path.relative_to(config.root).as_posix()
        chapter = read_chapter(config, path, rel, number, report)
        if on_chapter:
            on_chapter(number, len(config.chapter_files), rel)
        if chapter is None:
            continue
        if chapter.slug in slugs:
            report.error(rel, 1, f"slug {chapter.slug!r} is also used by {slugs[chapter.slug]}; set a different `slug:` in the front matter")
            continue
        slugs[chapter.slug] = rel
        chapters.append(chapter)
    how_to_use = _read_how_to_use(config, report)
    complete = len(chapters) == len(config.chapter_files)
    if report.errors and not (tolerant and complete):
        raise ManuscriptError(report.errors + report.warnings)
    link_chapters(chapters)
    return Manuscript(config, chapters, report.warnings, how_to_use, report.errors)


def _read_how_to_use(config: BookConfig, report: Report) -> Chapter | None:
    """book.yaml's `how_to_use:` Markdown file as an unnumbered front-matter section."""
    if not config.settings.how_to_use:
        return None
    path = (config.root / config.settings.how_to_use).resolve()
    rel = path.relative_to(config.root).as_posix()
    page = _read_chapter(config, path, rel, 0, report)
    if page is None:
        return None
    if page.prompts:
        report.warning(rel, page.prompts[0].line, "prompts on the how-to-use page are not numbered or collected in worksheets")
    text = read_chapter_text(path, rel, Report(), MAX_CHAPTER_BYTES) or ""
    front, _body, _offset = split_front_matter(text)
    if front is None or not re.search(r"^title\s*:", front, re.M):
        page.title = str(config.words["how_to_use"])
    page.slug = "how-to-use"
    return page


_FILE_HREF = re.compile(r'href="([^"#:]+\.md)(?:#([^"]*))?"')


def link_chapters(chapters: list[Chapter]) -> None:
    """Links between chapter files (`02-next.md#a-section`) -> in-book anchors (`#next--a-section`)."""
    by_file = {chapter.source.resolve(): chapter for chapter in chapters}

    def replace(chapter: Chapter, match: re.Match) -> str:
        import urllib.parse

        other = by_file.get((chapter.source.parent / urllib.parse.unquote(match[1])).resolve())
        if other is None:
            return match[0]  # `workbook check` reports it
        anchor = match[2]
        if not anchor:
            return f'href="#{other.anchor}"'
        for candidate in (anchor, f"{other.slug}--{anchor}"):
            if candidate in ids[other.slug]:
                return f'href="#{candidate}"'
        return match[0]  # an anchor the other chapter lacks: `workbook check` reports it

    ids = {chapter.slug: {chapter.anchor, *re.findall(r' id="([^"]+)"', chapter.html)} for chapter in chapters}
    for chapter in chapters:
        chapter.html = _FILE_HREF.sub(lambda m, c=chapter: replace(c, m), chapter.html)


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (front matter YAML or None, body, number of lines before the body)."""
    if not text.startswith("---"):
        return None, text, 0
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return None, text, 0
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:]), index + 1
    raise YamlProblem(1, "front matter starts with --- but never ends; close it with a line of ---")


def _read_chapter(config: BookConfig, path: Path, rel: str, number: int, report: Report) -> Chapter | None:
    text = read_chapter_text(path, rel, report, MAX_CHAPTER_BYTES)
    if text is None:
        return None
    try:
        front_text, body, offset = split_front_matter(text)
        meta, lines = load_with_lines(front_text, "front matter") if front_text is not None else ({}, {})
    except YamlProblem as exc:
        line = exc.line + 1 if exc.line and text.startswith("---") and "never ends" not in exc.message else exc.line
        report.error(rel, line, f"front matter: {exc.message}")
        return None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        report.error(rel, 2, "front matter must be a mapping (key: value lines between the --- lines)")
        return None
    problems_before = len(report.errors)
    for key in meta:
        if key not in FRONT_MATTER_KEYS:
            report.warning(rel, line_for(lines, (key,)) + 1, f"{key}: unknown front matter key, ignored")

    def field_(key: str, kind: type, default: Any) -> Any:
        value = meta.get(key, default)
        if value is not None and not isinstance(value, kind) or isinstance(value, bool):
            report.error(rel, line_for(lines, (key,)) + 1, f"{key}: must be {'a number' if kind is int else 'text'}")
            return default
        return value

    title = field_("title", str, None)
    slug = field_("slug", str, None) or slugify(re.sub(r"^\d+[-_ ]*", "", path.stem) or path.stem)
    default_lines = field_("lines", int, config.settings.prompt_lines)
    summary = field_("summary", str, None)
    if isinstance(default_lines, int) and not 1 <= default_lines <= 40:
        report.error(rel, line_for(lines, ("lines",)) + 1, "lines: must be from 1 to 40")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
        report.error(rel, line_for(lines, ("slug",)) + 1, f"slug: {slug!r} may hold only a-z, 0-9 and -")
    elif len(slug) > MAX_SLUG:
        report.error(rel, line_for(lines, ("slug",)) + 1, f"slug: is {len(slug)} characters long; the limit is {MAX_SLUG}")
    if not body.strip():
        report.error(rel, offset + 1, "chapter has no text; write it or remove it from book.yaml's chapters")
    if len(report.errors) > problems_before:
        return None

    words = config.words
    state = ChapterState(slug=slug, default_lines=default_lines, words=words, line_offset=offset)
    state.problems.extend(prescan(body, offset))
    html = ""
    resource_problems: list = []
    if not any(severity == "error" for _line, severity, _message in state.problems):
        html = convert(body, state, config.language, rel)
        # The security pass: attributes, URLs, pictures (decoded and size-checked), dead #links.
        html, _secured, resource_problems = secure_fragment(
            html, source=body, line_offset=offset, chapter_dir=path.parent, book_root=config.root,
            allow_remote=config.settings.allow_remote, own_ids=(f"chapter-{slug}", f"chapter-{slug}-title"))
    for line, severity, message in state.problems:
        (report.error if severity == "error" else report.warning)(rel, line, message)
    fragment = _parse_fragment(html)
    if fragment is None and html:
        report.error(rel, None, "the chapter's HTML is not well-formed after conversion; check raw HTML in it")
    if len(report.errors) > problems_before:
        return None
    # Problems with pictures and links do not stop the chapter from being read, so that
    # `workbook check` can report them together with everything else (a build still fails on them).
    for line, severity, message in resource_problems:
        (report.error if severity == "error" else report.warning)(rel, line, message)
    headings = _collect_headings(fragment)
    images = check_images(config.root, rel, fragment, body, offset, report, validate=False)
    internal_links = check_links(rel, fragment, body, offset, report)
    if fragment is not None:
        attach_prompt_context(fragment, state.prompts)
    if title is None:
        first = next((h for h in headings if h.level <= 2), None)
        title = first.text if first else slug.replace("-", " ").capitalize()
    return Chapter(number, slug, title.strip(), path, rel, html, state.prompts, headings, summary, state.counts,
                   images, internal_links)


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
                self.state.problems.append((self._line(first), "warning", f"raw HTML {first[:40]!r} was sanitised (scripts, styles, frames, event handlers and unsafe links are removed)"))
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


_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var",
}
_ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "lang", "title", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "type"},
    "time": {"datetime"},
}


def sanitise_html(html: str) -> str:
    """Keep structure and text; drop scripts, styles, frames, handlers, and non-http(s)/mailto URLs."""
    return _nh3_clean(html, _ALLOWED_TAGS, _ALLOWED_ATTRIBUTES)


def html_to_xhtml(html: str, state: ChapterState | None = None, line: int | None = None) -> str:
    """Serialise (sanitised) HTML as well-formed XHTML, so the fragment is valid in EPUB too.

    With a chapter `state`, ids get the chapter's prefix (as Markdown's do) and an id used twice
    in the chapter is dropped with a warning: a document may hold each id once."""
    import lxml.etree
    import lxml.html

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
                state.problems.append((line, "warning", f"id {ident!r} is used more than once in this chapter; the repeat is dropped"))
            else:
                el.set("id", new)
                state.ids.add(new)
        href = el.get("href")
        if href and href.startswith("#") and len(href) > 1:
            el.set("href", "#" + prefix + href[1:])


_NAMED_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)(\w+);")


def xml_entities(html: str) -> str:
    """Named HTML entities (&nbsp;, &mdash;, …) -> characters; XML knows only five by name."""
    import html as html_lib

    def replace(match: re.Match) -> str:
        char = html_lib.unescape(match[0])
        return escape_text(char) if char != match[0] else "&amp;" + match[1] + ";"

    return _NAMED_ENTITY.sub(replace, html)


_SMART_KEYS = ("left-double-quote", "right-double-quote", "left-single-quote", "right-single-quote")


def convert(body: str, state: ChapterState, language: str, rel: str = "chapter") -> str:
    """Markdown text of one chapter -> XHTML-compatible HTML fragment (fills `state`)."""
    quotes = state.words.get("quotes", ("“", "”", "‘", "’"))
    md = markdown.Markdown(
        extensions=[
            "tables", Footnotes(BACKLINK_TEXT="↑", BACKLINK_TITLE=str(state.words.get("back_to_text", ""))),
            "attr_list", "def_list", "abbr", "sane_lists", "fenced_code", "toc", "smarty", WorkbookExtension(state),
        ],
        extension_configs={
            "smarty": {"substitutions": dict(zip(_SMART_KEYS, quotes))},
            "toc": {"permalink": False},
        },
        output_format="xhtml",
    )
    md.treeprocessors.register(_IdPrefixer(md, state), "workbook-ids", 1)
    md.treeprocessors.register(BlockIds(md, state), "workbook-block-ids", 0.5)
    md.postprocessors.register(_Sanitiser(md, state, body), "workbook-sanitise", 35)
    try:
        return refine_html(xml_entities(md.convert(body)), language)
    except RecursionError:  # prescan() keeps nesting low; this is the last line of defence
        state.problems.append((None, "error", "the text is nested too deeply (quotes or lists inside each other); flatten it"))
        return ""
    except Exception as exc:  # a Markdown extension tripped over unusual input: report it, never a traceback
        state.problems.append((None, "error", f"the Markdown could not be converted ({type(exc).__name__}: {exc}); "
                                              "look for unusual constructs such as a line starting with ': '"))
        return ""


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
