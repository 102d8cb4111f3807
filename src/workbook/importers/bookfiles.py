"""The book folder side of an import: book.yaml read and its `chapters:` list extended, chapter files' front
matter peeked at, files written with their permissions kept, and the articles' pictures copied into images/."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import yaml

from ..errors import Diagnostic, OutputError, WorkbookError
from ..files.output import write_bytes
from ..files.textfile import TooLarge, read_bounded
from ..files.yamlsource import YamlProblem, load_with_lines
from ..model.config import MAX_CONFIG_BYTES, slugify
from .blocks import Block
from .report import ImportReport

TOKEN = re.compile("\uE010(\\d+)\uE011")  # html_page's stand-in for the n-th picture of an article


class ArticleImportError(WorkbookError):
    """An article cannot be imported: unreadable, empty, binary, or its chapter already exists."""


def yaml_string(text: str) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def front_slug(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:  # the front matter only, however large the file
            head = handle.read(8000).decode("utf-8", errors="replace")[:2000]
    except OSError:
        return None
    m = re.search(r"^slug:\s*[\"']?([a-z0-9-]+)", head, re.M) if head.startswith("---") else None
    return m[1] if m else None


def front_title(path: Path) -> str | None:
    """A chapter file's front-matter title, or None (no file, no front matter, no title)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8000).decode("utf-8", errors="replace")
    except OSError:
        return None
    m = re.match(r"---\r?\n(.*?)\r?\n---", head, re.S)
    try:
        meta = yaml.safe_load(m[1]) if m else None
    except yaml.YAMLError:
        return None
    return str(meta["title"]) if isinstance(meta, dict) and meta.get("title") else None


def read_book(into: Path) -> tuple[str, dict]:
    path = into / "book.yaml"
    if not path.is_file():
        raise ArticleImportError([Diagnostic(str(path), None, "not found; --into needs a book folder with book.yaml")])
    try:
        text = read_bounded(path, MAX_CONFIG_BYTES).decode("utf-8-sig")
        data, _lines = load_with_lines(text)  # no aliases: add_chapters parses this text again
    except TooLarge as exc:
        raise ArticleImportError([Diagnostic(str(path), None, exc.describe(MAX_CONFIG_BYTES, "book.yaml"))]) from None
    except UnicodeDecodeError:
        raise ArticleImportError([Diagnostic(str(path), None, "is not UTF-8 text; save it as UTF-8")]) from None
    except YamlProblem as exc:
        raise ArticleImportError([Diagnostic(str(path), exc.line, f"is not valid; fix it first ({exc.message})")]) from None
    if not isinstance(data, dict) or not isinstance(data.get("chapters") or [], list):
        raise ArticleImportError([Diagnostic(str(path), None, "must be a mapping with a `chapters:` list")])
    return text, data


def add_chapters(text: str, entries: list[str]) -> str:
    """book.yaml text with entries appended to its `chapters:` list, touching nothing else; checked by re-parsing."""
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    quoted = [e if re.fullmatch(r"[\w./-]+", e) else yaml_string(e) for e in entries]
    key = next((i for i, line in enumerate(lines) if re.match(r"chapters\s*:", line)), None)
    old = (yaml.safe_load(text) or {}).get("chapters") or []
    if key is None:
        new = text + ("" if not text or text.endswith("\n") else nl) + f"chapters:{nl}"
        new += "".join(f"  - {e}{nl}" for e in quoted)
    elif m := re.match(r"(chapters\s*:\s*\[)(.*?)\](.*)$", lines[key].rstrip("\r\n")):
        inner = m[2].strip()
        lines[key] = f"{m[1]}{inner + ', ' if inner else ''}{', '.join(quoted)}]{m[3]}{nl}"
        new = "".join(lines)
    elif re.match(r"chapters\s*:\s*(#.*)?$", lines[key].rstrip("\r\n")):
        last, indent, gap = key, None, " "
        for j in range(key + 1, len(lines)):
            line = lines[j].rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.match(r"(\s*)-(\s+)", line)
            if m and indent in (None, len(m[1])):
                last, indent, gap = j, len(m[1]), m[2]
            elif indent is not None and len(line) - len(line.lstrip()) > indent:
                last = j
            else:
                break
        pad = " " * (2 if indent is None else indent)
        if not lines[last].endswith("\n"):
            lines[last] += nl
        lines[last + 1:last + 1] = [f"{pad}-{gap}{e}{nl}" for e in quoted]
        new = "".join(lines)
    else:
        new = None
    try:
        ok = new is not None and (yaml.safe_load(new) or {}).get("chapters") == list(old) + entries
    except yaml.YAMLError:
        ok = False
    if new is None or not ok:
        raise ArticleImportError([Diagnostic("book.yaml", key + 1 if key is not None else None,
                                             "the `chapters:` list is written in a form the importer cannot extend; "
                                             f"add {', '.join(entries)} by hand")])
    return new


def write_file(path: Path, data: bytes) -> None:
    """output.write_bytes (atomic, parent folders made), but a file that is replaced keeps its own permissions."""
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    write_bytes(path, data)
    if mode is not None and path.stat().st_mode & 0o777 != mode:
        try:
            os.chmod(path, mode)
        except OSError as exc:
            why = f"written, but its permissions could not be kept: {exc.strerror or exc}"
            raise OutputError([Diagnostic(str(path), None, why)]) from None


def copy_images(blocks: list[Block], sources: list[Path], images_dir: Path, report: ImportReport) -> None:
    """Copy the article's local images into the book's images/ folder and point the blocks at them."""
    names: list[str] = []
    for source in sources:
        data = source.read_bytes()
        stem, suffix = slugify(source.stem) or "image", source.suffix.lower()
        name, k = f"{stem}{suffix}", 1
        while (images_dir / name).exists() and (images_dir / name).read_bytes() != data or f"images/{name}" in names:
            k += 1
            name = f"{report.slug}-{stem}{'' if k == 2 else f'-{k}'}{suffix}"
        if not (images_dir / name).exists():
            write_bytes(images_dir / name, data)
        names.append(f"images/{name}")

    def fix(text: str) -> str:
        return TOKEN.sub(lambda m: names[int(m[1])], text)

    for b in blocks:
        b.text, b.extra = fix(b.text), fix(b.extra)
        b.items = [tuple(map(fix, item)) if isinstance(item, tuple) else fix(item) for item in b.items]
