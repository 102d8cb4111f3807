"""A chapter file and the book's settings in, the converted Chapter (and its diagnostics) out, from
`.workbook-cache/chapters/` when nothing it depends on has changed.

The key is a hash of the workbook version, the chapter's bytes, its place in the book, the book's
settings and words, and a fingerprint (name, size, modification time) of every other file in the book
folder (pictures a chapter checks, the how-to-use page, styles). An entry is JSON (the Chapter's fields and
its diagnostics, checked against their types when read back), never code: one that is not whole (store.py
checks its SHA-256) or does not validate is ignored and the chapter converted again.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from ..errors import Diagnostic, Report
from ..model.config import BookConfig
from ..model.manuscript import Chapter
from .store import Cache, code_fingerprint

SKIP_DIRS = {".git", ".workbook-cache", "dist", "__pycache__"}


def book_fingerprint(config: BookConfig) -> str:
    """Name, size and mtime of every file in the book folder except the chapters themselves."""
    chapters = {p.resolve() for p in config.chapter_files}
    digest = hashlib.sha256()
    root = config.root
    for path in sorted(root.rglob("*")):
        if any(part in SKIP_DIRS for part in path.relative_to(root).parts) or not path.is_file():
            continue
        if path.resolve() in chapters:
            continue
        stat = path.stat()
        digest.update(f"{path.relative_to(root).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _entry_type() -> TypeAdapter:
    """A converted chapter (None when it had errors) and the diagnostics converting it gave, as JSON."""
    return TypeAdapter(tuple[Chapter | None, list[Diagnostic]])


def encode_entry(chapter: Chapter | None, items: list[Diagnostic]) -> bytes:
    """A chapter cache entry: the Chapter's fields (and its PromptInfo, Heading, ImageRef) as JSON."""
    return _entry_type().dump_json((chapter, items))


def decode_entry(data: bytes) -> tuple[Chapter | None, list[Diagnostic]] | None:
    """The (Chapter or None, diagnostics) of an entry, or None when it is not valid JSON of those types."""
    try:
        return _entry_type().validate_json(data)
    except (ValidationError, ValueError):
        return None


def chapter_reader(config: BookConfig, cache: Cache | None, read: Callable) -> Callable:
    """`read(config, path, rel, number, report)` wrapped with the build's cache (None: no cache)."""
    if cache is None or cache.folder is None:
        return read
    common = hashlib.sha256("\0".join([
        # a chapter is converted the same at any page size: --page-size reuses the entries of book.yaml's
        code_fingerprint(), config.settings.model_dump_json(exclude={"page_size", "print"}),
        json.dumps(config.words, sort_keys=True, default=str),
        str(config.root), book_fingerprint(config)]).encode()).hexdigest()

    def cached(config: BookConfig, path: Path, rel: str, number: int, report: Report):
        try:
            source = path.read_bytes()
        except OSError:
            return read(config, path, rel, number, report)
        key = hashlib.sha256(f"{common}\0{rel}\0{number}\0".encode() + source).hexdigest()
        entry = decode_entry(cache.read("chapters", key) or b"null")
        if entry is not None:
            chapter, items = entry
            report.extend(items)
            return chapter
        before = len(report.diagnostics)
        chapter = read(config, path, rel, number, report)
        cache.write("chapters", key, encode_entry(chapter, report.diagnostics[before:]))
        return chapter

    return cached
