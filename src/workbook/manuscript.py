"""Validated config in, a `Manuscript` (chapters with HTML fragments and prompts) out.

The manuscript knows nothing about PDF or EPUB: it holds target-neutral HTML
fragments and the structure (prompts, headings, counts) the targets need.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

from .config import BookConfig, load_config, slugify
from .conventions import ChapterState, PromptInfo, WorkbookExtension
from .errors import Diagnostic, ManuscriptError, Report
from .sanitise import ImageRef, prescan, secure_fragment
from .sanitise import sanitise_html as _nh3_clean
from .yamlsource import YamlProblem, line_for, load_with_lines

FRONT_MATTER_KEYS = {"title", "slug", "lines", "summary", "language", "source", "author"}
MAX_CHAPTER_BYTES = 4_000_000


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

    @property
    def anchor(self) -> str:
        return f"chapter-{self.slug}"


@dataclass
class Manuscript:
    """The whole book, ready for the renderers."""

    config: BookConfig
    chapters: list[Chapter]
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def prompts(self) -> list[PromptInfo]:
        return [p for chapter in self.chapters for p in chapter.prompts]


def load_book(book_dir: str | Path) -> Manuscript:
    """Read a book folder (book.yaml + chapters) into a Manuscript; raise a WorkbookError listing all problems."""
    config = load_config(book_dir)
    return build_manuscript(config)


def build_manuscript(config: BookConfig) -> Manuscript:
    report = Report()
    report.items.extend(config.warnings)
    chapters: list[Chapter] = []
    slugs: dict[str, str] = {}
    for number, (path, yaml_line) in enumerate(zip(config.chapter_files, config.chapter_lines), start=1):
        rel = path.relative_to(config.root).as_posix()
        chapter = _read_chapter(config, path, rel, number, report)
        if chapter is None:
            continue
        if chapter.slug in slugs:
            report.error(rel, 1, f"slug {chapter.slug!r} is also used by {slugs[chapter.slug]}; set a different `slug:` in the front matter")
            continue
        slugs[chapter.slug] = rel
        chapters.append(chapter)
    if report.errors:
        raise ManuscriptError(report.errors + report.warnings)
    return Manuscript(config, chapters, report.warnings)


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


def _read_text(path: Path, rel: str, report: Report) -> str | None:
    data = path.read_bytes()
    if len(data) > MAX_CHAPTER_BYTES:
        report.error(rel, None, f"chapter is {len(data) // 1_000_000} MB; split it (limit {MAX_CHAPTER_BYTES // 1_000_000} MB)")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report.error(rel, line, "is not UTF-8 text; save the file as UTF-8")
        return None
    if "\x00" in text:
        report.error(rel, text[: text.index("\x00")].count("\n") + 1, "contains NUL bytes; is this a text file?")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_chapter(config: BookConfig, path: Path, rel: str, number: int, report: Report) -> Chapter | None:
    text = _read_text(path, rel, report)
    if text is None:
        return None
    try:
        front_text, body, offset = split_front_matter(text)
        meta, lines = load_with_lines(front_text) if front_text is not None else ({}, {})
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
    if not body.strip():
        report.error(rel, offset + 1, "chapter has no text; write it or remove it from book.yaml's chapters")
    if len(report.errors) > problems_before:
        return None

    words = config.words
    state = ChapterState(slug=slug, default_lines=default_lines, words=words, line_offset=offset)
    state.problems.extend(prescan(body, offset))
    images: list[ImageRef] = []
    if not any(severity == "error" for _line, severity, _message in state.problems):
        html = convert(body, state, config.language, rel)
        html, images, problems = secure_fragment(html, source=body, line_offset=offset, chapter_dir=path.parent,
                                                 book_root=config.root, allow_remote=config.settings.allow_remote,
                                                 own_ids=(f"chapter-{slug}", f"chapter-{slug}-title"))
        state.problems.extend(problems)
    else:
        html = ""
    for line, severity, message in state.problems:
        (report.error if severity == "error" else report.warning)(rel, line, message)
    if len(report.errors) > problems_before:
        return None
    fragment = _parse_fragment(html)
    if fragment is None and html:
        report.error(rel, None, "the chapter's HTML is not well-formed after conversion; check raw HTML in it")
    headings = _collect_headings(fragment)
    if title is None:
        first = next((h for h in headings if h.level <= 2), None)
        title = first.text if first else slug.replace("-", " ").capitalize()
    if len(report.errors) > problems_before:
        return None
    return Chapter(number, slug, title.strip(), path, rel, html, state.prompts, headings, summary, state.counts, images)


class _IdPrefixer(Treeprocessor):
    """Makes heading and footnote ids unique across the book: `slug--id`."""

    def __init__(self, md, state: ChapterState):
        super().__init__(md)
        self.state = state

    def run(self, root: etree.Element) -> None:
        prefix = f"{self.state.slug}--"
        prompt_ids = {p.id for p in self.state.prompts}
        for element in root.iter():
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
            clean = sanitise_html(raw)
            if _normalise(clean) != _normalise(raw):
                first = raw.strip().split("\n", 1)[0][:60]
                at = self.source.find(first)
                line = self.source[:at].count("\n") + 1 + self.state.line_offset if at >= 0 else None
                self.state.problems.append((line, "warning", f"raw HTML {first[:40]!r} was sanitised (scripts, styles, frames, event handlers and unsafe links are removed)"))
            stash[index] = html_to_xhtml(clean)
        return text


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


def html_to_xhtml(html: str) -> str:
    """Serialise (sanitised) HTML as well-formed XHTML, so the fragment is valid in EPUB too."""
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
            out.append(lxml.etree.tostring(part, method="xml", encoding="unicode", with_tail=True))
    return "".join(out)


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
            "tables", "footnotes", "attr_list", "def_list", "abbr", "sane_lists", "fenced_code",
            "toc", "smarty", WorkbookExtension(state),
        ],
        extension_configs={
            "smarty": {"substitutions": dict(zip(_SMART_KEYS, quotes))},
            "footnotes": {"BACKLINK_TEXT": "↑", "BACKLINK_TITLE": str(state.words.get("back_to_text", ""))},
            "toc": {"permalink": False},
        },
        output_format="xhtml",
    )
    md.treeprocessors.register(_IdPrefixer(md, state), "workbook-ids", 1)
    md.postprocessors.register(_Sanitiser(md, state, body), "workbook-sanitise", 35)
    try:
        return xml_entities(md.convert(body))
    except RecursionError:  # prescan() keeps nesting low; this is the last line of defence
        state.problems.append((None, "error", "the text is nested too deeply (quotes or lists inside each other); flatten it"))
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
