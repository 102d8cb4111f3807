"""A book folder made by `workbook new` and what an import knows of the blog in, its sample chapters and placeholder
title, author and description replaced out (book.yaml edited line by line, its comments kept)."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..model.placeholders import SAMPLE_FILES, placeholders
from .bookfiles import yaml_string


@dataclass
class Samples:
    """What replacing a fresh sample book's samples does: entries and files to remove, notes for the report."""

    entries: list[str] = field(default_factory=list)  # book.yaml chapter entries to drop
    files: list[Path] = field(default_factory=list)  # unchanged sample files to delete
    notes: list[str] = field(default_factory=list)


def _unchanged(path: Path, rel: str) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == SAMPLE_FILES[rel]
    except OSError:
        return False


def plan_samples(root: Path, book: dict, listed: list[str]) -> Samples | None:
    """For a fresh sample book (placeholder title, only sample chapters listed): the samples to replace; else None."""
    if not listed or not all(entry in SAMPLE_FILES for entry in listed):
        return None
    if not any(key == "title" for key, _ in placeholders(str(book.get("title") or ""), "", None)):
        return None
    out = Samples()
    for entry in listed:
        if _unchanged(root / entry, entry):
            out.entries.append(entry)
            out.files.append(root / entry)
        else:
            out.notes.append(f"sample chapter {entry} was edited since `workbook new`; kept it")
    picture = "images/steps.svg"
    if len(out.entries) == len(listed) and _unchanged(root / picture, picture):
        out.files.append(root / picture)
    if out.entries:
        out.notes.insert(0, f"replaced the sample chapters {', '.join(out.entries)} (--keep-samples keeps them)")
    return out


def _set_line(text: str, key: str, value: str | None) -> str:
    """`key: old   # comment` -> `key: value   # comment` (a folded `>-` block and its lines replaced too);
    value None removes the key."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        m = re.match(rf"{key}\s*:\s*(.*?)(\s+#.*)?$", line.rstrip("\r\n"))
        if not m:
            continue
        end = i + 1
        if m[1] in (">", ">-", "|", "|-", ">+", "|+"):
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
                if not lines[end].strip() and (end + 1 >= len(lines) or not lines[end + 1].startswith((" ", "\t"))):
                    break
                end += 1
        nl = "\r\n" if line.endswith("\r\n") else "\n"
        new = [] if value is None else [f"{key}: {yaml_string(value)}{m[2] or ''}{nl}"]
        lines[i:end] = new
        return "".join(lines)
    return text


def replace_placeholders(text: str, blog: dict[str, str], notes: list[str]) -> str:
    """book.yaml text with the sample's title, author and description replaced by the blog's (from a WordPress
    export), or the description removed; what stays a placeholder is noted (`check` and `build` warn about it)."""
    data = yaml.safe_load(text) or {}
    found = {key for key, _ in placeholders(str(data.get("title") or ""), data.get("author") or "",
                                            str(data.get("description") or "") or None)}
    old_author = data.get("author") if isinstance(data.get("author"), str) else None
    for key in ("title", "author"):
        if key in found and blog.get(key):
            text = _set_line(text, key, blog[key])
            notes.append(f"book.yaml {key}: “{blog[key]}” (from the export) instead of the sample's")
        elif key in found:
            notes.append(f"book.yaml {key} is still the sample's placeholder; write the book's own")
    if "author" in found and blog.get("author") and old_author and isinstance(data.get("rights"), str):
        text = _set_line(text, "rights", data["rights"].replace(old_author, blog["author"]))
    if "description" in found:
        text = _set_line(text, "description", blog.get("description") or None)
        notes.append("book.yaml description: " + ("the blog's (from the export)" if blog.get("description")
                                                   else "the sample's removed"))
    return text


def remove_entries(text: str, entries: list[str]) -> str:
    """book.yaml text without the `  - entry` lines of `entries` in its chapters list."""
    keep = [line for line in text.splitlines(keepends=True)
            if not (m := re.match(r"\s*-\s*[\"']?([^\"'#\s]+)[\"']?\s*(#.*)?$", line.rstrip("\r\n"))) or m[1] not in entries]
    return "".join(keep)
