"""Plain-text or HTML blog articles in, chapter files (front matter + Markdown) and an ImportReport each out."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import yaml

from ..errors import Diagnostic, WorkbookError
from ..files.remote import download
from ..files.textfile import TooLarge, read_bounded
from ..model.config import slugify
from ..model.locales import LOCALES
from .blocks import BULB, KEYWORDS, LINK, Block, Words, detect_language, section_heading, words_for
from .bookfiles import ArticleImportError, add_chapters, copy_images, front_slug, front_title, read_book, write_file, yaml_string
from .cleanup import proper_nouns, sentence_case, tidy
from .crosslinks import Targets, link_blocks
from .html_page import parse_html
from .plain_text import parse_text
from .report import COUNT_KEYS, ImportReport
from .samples import plan_samples, remove_entries, replace_placeholders
from .wordpress import is_export, read_export

Fetch = Callable[[str], tuple[bytes, str, str]]  # address -> (body, final address, content type)
MAX_BYTES = {"text": 4_000_000, "html": 30_000_000, "export": 200_000_000}



# ---- reading --------------------------------------------------------------------------------------------------

_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u2013-\u203a\u20ac\u2122]|â€")
_CONTROL = re.compile(b"[\x01-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def decode_article(data: bytes, name: str) -> str:
    """Bytes -> text: UTF-8 (with or without BOM), UTF-16 with BOM, or clean Windows-1252; else a clear error."""
    def fail(line: int | None, message: str) -> ArticleImportError:
        return ArticleImportError([Diagnostic(name, line, message)])

    if not data.strip():
        raise fail(None, "is empty; there is no article to import")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise fail(None, "starts with a UTF-16 byte-order mark but is not valid UTF-16; save it as UTF-8") from None
    else:
        if b"\x00" in data or len(_CONTROL.findall(data[:65536])) > max(2, len(data[:65536]) // 100):
            nul, control = data.find(b"\x00"), _CONTROL.search(data)
            at = nul if nul >= 0 or control is None else control.start()
            raise fail(data[:at].count(b"\n") + 1, "is a binary file (NUL or control bytes), not a text or HTML article")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = ""
            if not text or _MOJIBAKE.search(text) or sum(b >= 0x80 for b in data) > len(data) * 0.3:
                raise fail(line, "is not UTF-8 text (nor UTF-16 with a byte-order mark, nor Windows-1252); "
                                 "save it as UTF-8") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if "\x00" in text:
        raise fail(text[: text.index("\x00")].count("\n") + 1, "contains NUL characters; is this a text file?")
    if not text.strip():
        raise fail(None, "is empty; there is no article to import")
    return text


# ---- Markdown out ---------------------------------------------------------------------------------------------

_KIND_COUNT = {"prompt": "prompts", "example": "examples", "quote": "quotes", "faq_q": "faq", "cta": "calls_to_action",
               "crossref": "cross_references", "callout": "callouts"}


def count_blocks(blocks: list[Block], w: Words) -> dict[str, int]:
    """Counts for the report: h2 headings (FAQ and further reading included), h3 sub-headings, and each convention."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    section, counted = None, False
    for b in blocks:
        if b.kind == "heading":
            key = "headings" if b.level <= 2 else "subheadings"
            if b.level <= 2:
                section, counted = section_heading(b.text, w)[0], False
        elif b.kind == "list" and b.extra == "runin":
            key, counts["labelled_items"] = None, counts["labelled_items"] + len(b.items)
        elif b.kind == "defs":
            key, counts["definitions"] = None, counts["definitions"] + len(b.items)
        elif b.kind == "further" or (b.kind == "list" and section == "further" and not counted):
            key, counted, counts["further_reading"] = None, True, counts["further_reading"] + len(b.items)
        else:
            key = _KIND_COUNT.get(b.kind)
        if key:
            counts[key] = counts.get(key, 0) + 1
    return counts


def _render(b: Block) -> str:
    if b.kind in ("heading", "faq_q"):
        return "#" * (3 if b.kind == "faq_q" else b.level) + " " + b.text
    if b.kind in ("prompt", "cta"):
        return f"{BULB if b.kind == 'prompt' else LINK} {b.text}"
    if b.kind in ("quote", "callout"):
        lines = ([f"[!{b.extra.upper()}]"] if b.kind == "callout" else []) + b.text.split("\n")
        if b.kind == "quote" and b.extra:
            lines += ["", f"— {b.extra}"]
        return "\n".join(f"> {line}".rstrip() for line in lines)
    if b.kind == "defs":
        return "\n\n".join(f"{term}\n:   {text}" for term, text in b.items)
    if b.kind == "list":
        first = int(b.extra[3:]) if b.extra[3:].isdigit() else 1
        marks = [f"{k}." for k in range(first, first + len(b.items))] if b.extra.startswith("ol") else ["-"] * len(b.items)
        return "\n".join(f"{mark} {item}".replace("\n", "\n    ") for mark, item in zip(marks, b.items, strict=True))
    if b.kind == "further":
        return "\n".join(f"- **{title}**: {text}" if text else f"- **{title}**" for title, text in b.items)
    if b.kind == "code":
        fence = "`" * max(3, max((len(r) for r in re.findall(r"`+", b.text)), default=0) + 1)
        return f"{fence}\n{b.text}\n{fence}"
    return b.text


def to_markdown(title: str, slug: str, language: str, source: str, blocks: list[Block]) -> str:
    """The chapter file: front matter, then the blocks separated by blank lines."""
    def plain(value: str) -> str:  # unquoted unless YAML would read it as something else ("1", "no")
        return value if yaml.safe_load(value) == value else yaml_string(value)

    head = (f"---\ntitle: {yaml_string(title)}\nslug: {plain(slug)}\nlanguage: {plain(language)}\n"
            f"source: {yaml_string(source)}\n---\n")
    return head + "\n" + "\n\n".join(part for part in map(_render, blocks) if part) + "\n"


def slug_for(title: str) -> str:
    """A short file-name-safe slug: the part before a colon when that says enough, cut at a word boundary."""
    head = title.split(":")[0]
    slug = slugify(head if len(head.split()) >= 2 else title)
    while len(slug) > 50 and "-" in slug:
        slug = slug.rsplit("-", 1)[0]
    return slug or "artikel"


# ---- the import -----------------------------------------------------------------------------------------------

@dataclass
class _Plan:
    report: ImportReport
    title: str
    blocks: list[Block]
    images: list[Path] = field(default_factory=list)
    blog: dict[str, str] = field(default_factory=dict)  # a WordPress export's title, description, author


def _is_html(path: Path, data: bytes) -> bool:
    if path.suffix.lower() in (".html", ".htm", ".xhtml", ".shtml"):
        return True
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body", b"<article", b"<!--"))


def _parse_file(path: Path, language: str | None, fallback: str, order: list[str] | None = None) -> list[_Plan]:
    name = str(path)
    if not path.is_file():
        raise ArticleImportError([Diagnostic(name, None, "not found (or not a file)")])
    try:
        data = read_bounded(path, max(MAX_BYTES.values()))
    except TooLarge as exc:
        raise ArticleImportError([Diagnostic(name, None, exc.describe(max(MAX_BYTES.values()), "one article"))]) from None
    if is_export(data):
        return _parse_export(path, data, language, fallback, order)
    html = _is_html(path, data)
    if len(data) > MAX_BYTES["html" if html else "text"]:
        raise ArticleImportError([Diagnostic(name, None, f"is {len(data) // 1_000_000} MB; that is not one article")])
    text = decode_article(data, name)
    if html:
        return [_plan(path, path, *_html(text, path, language, fallback))]
    lang = language or detect_language(text)
    unsure: list[tuple[int, str]] = []
    if lang is None:
        lang = fallback
        unsure.append((1, f"could not tell the language from the words; assumed {lang} (use --lang)"))
    title, blocks, more, dropped = parse_text(text, words_for(lang))
    return [_plan(path, path, title, lang, blocks, unsure + more, dropped, [])]


def _html(text: str, path: Path, language: str | None, fallback: str, whole_page: bool = True,
          remote: str | None = None) -> tuple:
    try:
        return parse_html(text, path, language, fallback, whole_page, remote)
    except RecursionError:
        raise ArticleImportError([Diagnostic(str(path), None, "the HTML is nested too deeply to read")]) from None


def _parse_remote(url: str, language: str | None, fallback: str, fetch: Fetch) -> _Plan:
    """A page fetched from its address (public hosts only, through files/remote.py's rules)."""
    try:
        data, final, _type = fetch(url)
    except WorkbookError as exc:
        raise ArticleImportError(exc.diagnostics) from None
    parts = urlsplit(final)
    source = PurePosixPath(parts.netloc + (parts.path.rstrip("/") or "/index"))
    text = decode_article(data, url)
    title, lang, blocks, unsure, dropped, images = _html(text, Path.cwd() / "remote.html", language, fallback,
                                                         remote=final)
    return _plan(Path(source), Path(source.name), title, lang, blocks, unsure, dropped, images)


def _parse_export(path: Path, data: bytes, language: str | None, fallback: str, order: list[str] | None) -> list[_Plan]:
    """One plan per published post of a WordPress export; the report's lines are the export's lines."""
    try:
        posts, blog, export_lang = read_export(path, data, order)
    except WorkbookError as exc:
        raise ArticleImportError(exc.diagnostics) from None
    if not posts:
        raise ArticleImportError([Diagnostic(str(path), None, "holds no published post with text")])
    plans, problems = [], []
    for post in posts:
        source = path.with_name(f"{path.name}#{post.slug or slug_for(post.title)}")
        title, lang, blocks, unsure, dropped, images = _html(post.page, path, language, export_lang or fallback, False)
        shift = post.line - 1
        for b in blocks:
            b.line += shift
        unsure = [(n + shift, why) for n, why in unsure]
        dropped = [(n + shift, why) for n, why in dropped]
        try:
            plans.append(_plan(source, path, title, lang, blocks, unsure, dropped, images))
        except ArticleImportError as exc:
            problems.extend(exc.diagnostics)
    if problems:
        raise ArticleImportError(problems)
    for plan in plans:
        plan.blog = blog
    return plans


def _plan(source: Path, path: Path, title: str | None, lang: str, blocks: list[Block], unsure: list[tuple[int, str]],
          dropped: list[tuple[int, str]], images: list[Path]) -> _Plan:
    """An article's blocks tidied, its title settled and its report made."""
    if not blocks:
        raise ArticleImportError([Diagnostic(str(source), None, "holds a title but no article text")])
    blocks = tidy(blocks, lang, unsure)
    title = title or re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or "Artikel"
    title = re.sub(r"[*_`\\]", "", title)
    if (new := sentence_case(title, lang, proper_nouns(blocks))) != title:
        unsure.append((blocks[0].line if source != path else 1, f"Title Case title set in sentence case: “{new}”"))
        title = new
    report = ImportReport(source, path, title, slug_for(title), count_blocks(blocks, words_for(lang)),
                          sorted(unsure), dropped, lang)
    return _Plan(report, title, blocks, images)


def import_articles(files: list[Path | str], out_dir: Path | None = None, *, language: str | None = None,
                    into: Path | None = None, force: bool = False, order: list[str] | None = None,
                    keep_samples: bool = False, allow_remote: bool = False,
                    fetch: Fetch | None = None) -> list[ImportReport]:
    """out_dir default: <into>/chapters if into is given, else the current dir. language None = detect (lingua).
    A WordPress export gives one chapter per published post, by date or in `order` (slugs or titles, one a line).

    Every file is read and checked before anything is written; a WorkbookError lists all problems at once.
    Into a fresh `workbook new` book the unchanged sample chapters and the placeholders are replaced, unless
    keep_samples. An http(s) address is fetched only with allow_remote, by `fetch` (default: files/remote.py's
    download, public hosts only; a test passes its own to reach a server on 127.0.0.1).
    """
    if language is not None and language not in LOCALES and language not in KEYWORDS:
        known = ", ".join(sorted(set(LOCALES) | set(KEYWORDS)))
        raise ArticleImportError([Diagnostic("--lang", None, f"unknown language {language!r}; use one of {known}")])
    book_text, book = read_book(Path(into)) if into is not None else ("", {})
    out = Path(out_dir) if out_dir is not None else (Path(into) / "chapters" if into is not None else Path.cwd())
    root = Path(into) if into is not None else (out.parent if out.name == "chapters" else out)
    if into is not None and not out.resolve().is_relative_to(root.resolve()):
        raise ArticleImportError([Diagnostic(str(out), None, "with --into the chapters must be written inside the book")])
    if out.exists() and not out.is_dir():
        raise ArticleImportError([Diagnostic(str(out), None, "is a file; the output must be a folder")])
    problems: list[Diagnostic] = []
    plans: list[_Plan] = []
    fallback = str(book.get("language") or "nl").split("-")[0]
    for file in files:
        try:
            if str(file).startswith(("http://", "https://")):
                if not allow_remote:
                    raise ArticleImportError([Diagnostic(str(file), None, "is an address; pass --allow-remote to "
                                                                          "fetch it (public addresses only)")])
                plans.append(_parse_remote(str(file), language, fallback, fetch or download))
                continue
            plans.extend(_parse_file(Path(file), language, fallback, order))
        except ArticleImportError as exc:
            problems.extend(exc.diagnostics)

    listed = [Path(str(c)).as_posix() for c in book.get("chapters") or []]
    samples = plan_samples(root, book, listed) if into is not None and not keep_samples else None
    if samples is not None:
        listed = [e for e in listed if e not in samples.entries]
        book_text = remove_entries(book_text, samples.entries)
    present = [p for p in (sorted(out.glob("*.md")) if out.is_dir() else []) if not samples or p not in samples.files]
    numbers = [re.match(r"(\d+)[-_ ]", Path(n).name) for n in listed + [p.name for p in present]]
    number = max([int(m[1]) for m in numbers if m] + [len(listed)])
    width = max([2] + [len(m[1]) for m in numbers if m])
    entries: list[str] = []
    seen: dict[str, Path] = {}
    slugs = {p: {re.sub(r"^\d+[-_ ]", "", p.stem), front_slug(p)} for p in present}  # each file read once
    for plan in plans:
        r = plan.report
        if r.slug in seen:
            problems.append(Diagnostic(str(r.source), None, f"gives the same chapter slug {r.slug!r} as {seen[r.slug]}; "
                                                            "import it separately or rename one"))
            continue
        seen[r.slug] = r.source
        same = [p for p in present if r.slug in slugs[p]]
        if same and not force:
            problems.append(Diagnostic(str(same[0]), None, f"already holds chapter {r.slug!r} (from {r.source.name}); "
                                                           "pass --force to overwrite it"))
            continue
        if same:
            r.output = same[0]
        elif into is not None:
            number += 1
            r.output = out / f"{number:0{width}d}-{r.slug}.md"
        else:
            r.output = out / f"{r.slug}.md"
        if into is not None:
            entry = r.output.resolve().relative_to(root.resolve()).as_posix()
            if entry not in listed and entry not in entries:
                entries.append(entry)
            if fallback != r.language:
                r.unsure.insert(0, (1, f"the article is {r.language} but the book is {fallback}: the build "
                                       "recognises examples, FAQ and further reading by the book's words"))
    new_book = None
    if samples is not None and plans:
        book_text = replace_placeholders(book_text, next((p.blog for p in plans if p.blog), {}), samples.notes)
        plans[0].report.book_notes = samples.notes
    if into is not None and (entries or samples) and not problems:
        try:
            new_book = add_chapters(book_text, entries) if entries else book_text
        except ArticleImportError as exc:
            problems.extend(Diagnostic(str(Path(into) / "book.yaml"), d.line, d.message) for d in exc.diagnostics)
    if problems:
        raise ArticleImportError(problems)

    book_titles = [(t, p) for p in (root / e for e in listed) if (t := front_title(p))]
    targets = Targets([(plan.title, plan.report.output) for plan in plans] + book_titles)
    for plan in plans:
        r = plan.report
        link_blocks(plan.blocks, words_for(r.language), r.language, r.output, targets, r.links)
    for plan in plans:
        r = plan.report
        copy_images(plan.blocks, plan.images, root / "images", r)
        markdown = to_markdown(plan.title, r.slug, r.language, r.source.name, plan.blocks)
        write_file(r.output, markdown.encode("utf-8"))
    if new_book is not None:  # only with --into, so root is the book's folder
        write_file(root / "book.yaml", new_book.encode("utf-8"))
    for sample in samples.files if samples else []:
        sample.unlink(missing_ok=True)
    return [plan.report for plan in plans]
