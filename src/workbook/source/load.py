"""Validated config in, a `Manuscript` (chapters with HTML fragments and prompts) out.

The manuscript knows nothing about PDF or EPUB: it holds target-neutral HTML
fragments and the structure (prompts, headings, counts) the targets need.
"""
from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from ..cache.chapters import chapter_reader
from ..cache.store import Cache
from ..errors import Diagnostic, ManuscriptError, Report
from ..files.textfile import read_chapter_text
from ..files.yamlsource import YamlProblem, load_with_lines
from ..model.config import MAX_CHAPTER_BYTES, BookConfig, load_config, slugify
from ..model.manuscript import Chapter, Manuscript
from ..model.schema import FrontMatter, validate_yaml
from .context import attach_prompt_context
from .conventions import ChapterState
from .convert import _collect_headings, _parse_fragment, convert
from .resources import check_images, check_links
from .sanitise import prescan, secure_fragment
from .typography import refine_title


def load_book(book_dir: str | Path, on_chapter: Callable[[int, int, str], None] | None = None,
              *, tolerant: bool = False, cache: Cache | None = None, page_size: str | None = None) -> Manuscript:
    """Read a book folder (book.yaml + chapters) into a Manuscript; raise a WorkbookError listing all problems.

    `on_chapter(done, total, file)` is called after each chapter (for progress bars); `page_size`
    overrides book.yaml's; with `cache`, unchanged chapters come from the build cache.
    """
    config = load_config(book_dir, page_size=page_size)
    return build_manuscript(config, on_chapter, tolerant=tolerant, cache=cache)


def build_manuscript(config: BookConfig, on_chapter: Callable[[int, int, str], None] | None = None,
                     *, tolerant: bool = False, cache: Cache | None = None) -> Manuscript:
    """Chapters of a validated config -> Manuscript. With `tolerant`, errors that still leave every
    chapter readable (missing images, say) are kept in `Manuscript.errors` instead of raised.
    With `cache`, unchanged chapters come from the build cache (cache/chapters.py)."""
    read_chapter = chapter_reader(config, cache, _read_chapter)
    report = Report(config.warnings)
    chapters: list[Chapter] = []
    slugs: dict[str, str] = {}
    for number, path in enumerate(config.chapter_files, start=1):
        rel = path.relative_to(config.root).as_posix()
        chapter = read_chapter(config, path, rel, number, report)
        if on_chapter:
            on_chapter(number, len(config.chapter_files), rel)
        if chapter is None:
            continue
        if chapter.slug in slugs:
            report.error(rel, 1, f"slug {chapter.slug!r} is also used by {slugs[chapter.slug]}; "
                                 "set a different `slug:` in the front matter")
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

    def replace(chapter: Chapter, match: re.Match[str]) -> str:
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
        chapter.html = _FILE_HREF.sub(functools.partial(replace, chapter), chapter.html)


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
    # Line 1 of the file is the opening ---: the front matter's lines are one further down.
    front = validate_yaml(FrontMatter, {str(k): v for k, v in meta.items()}, lines, rel, report, line_offset=1,
                          unknown="unknown front matter key, ignored")
    if not body.strip():
        report.error(rel, offset + 1, "chapter has no text; write it or remove it from book.yaml's chapters")
    if front is None or len(report.errors) > problems_before:
        return None
    title, summary = front.title, front.summary
    slug = front.slug or slugify(re.sub(r"^\d+[-_ ]*", "", path.stem) or path.stem)
    default_lines = front.lines if front.lines is not None else config.settings.prompt_lines

    words = config.words
    state = ChapterState(slug=slug, default_lines=default_lines, words=words, line_offset=offset, file=rel)
    state.report.extend(prescan(body, rel, offset))
    html = ""
    resource_problems: list[Diagnostic] = []
    if not state.report.errors:
        html = convert(body, state, config.language)
        # The security pass: attributes, URLs, pictures (decoded and size-checked), dead #links.
        html, resource_problems = secure_fragment(
            html, file=rel, source=body, line_offset=offset, chapter_dir=path.parent, book_root=config.root,
            allow_remote=config.settings.allow_remote, own_ids=(f"chapter-{slug}", f"chapter-{slug}-title"))
    report.extend(state.report.diagnostics)
    fragment = _parse_fragment(html)
    if fragment is None and html:
        report.error(rel, None, "the chapter's HTML is not well-formed after conversion; check raw HTML in it")
    if len(report.errors) > problems_before:
        return None
    # Problems with pictures and links do not stop the chapter from being read, so that
    # `workbook check` can report them together with everything else (a build still fails on them).
    report.extend(resource_problems)
    headings = _collect_headings(fragment)
    images = check_images(config.root, rel, fragment, body, offset, report, validate=False)
    internal_links = check_links(rel, fragment, body, offset, report)
    if fragment is not None:
        attach_prompt_context(fragment, state.prompts)
    if title is None:  # a heading's text has been through the typography pass already
        first = next((h for h in headings if h.level <= 2), None)
        title = first.text if first else slug.replace("-", " ").capitalize()
    else:
        title = _title_text(title, config)
    short = _title_text(front.short_title, config) if front.short_title and front.short_title.strip() else None
    summary = _title_text(summary, config) if summary else summary
    return Chapter(number, slug, title.strip(), path, rel, html, state.prompts, headings, summary, state.counts,
                   images, internal_links, short)


def _title_text(text: str, config: BookConfig) -> str:
    """A title or summary from front matter with the body text's typography (quotes, dashes, no-break spaces)."""
    quotes = config.words.get("quotes")
    marks = tuple(str(q) for q in quotes) if isinstance(quotes, (tuple, list)) else ("“", "”", "‘", "’")
    return refine_title(re.sub(r"[ \t\r\n]+", " ", text.strip()), config.language, marks)


