"""A chapter's HTML fragment and Markdown source in, its images and links checked (with file:line) out."""
from __future__ import annotations

import urllib.parse
import xml.etree.ElementTree as etree
from pathlib import Path

from ..errors import Report
from ..files.bookfiles import IMAGE_TYPES, BookFileProblem, image_path, picture_file
from ..model.manuscript import ImageRef

__all__ = ["IMAGE_TYPES", "ImageRef", "check_image_file", "check_images", "check_internal_links", "check_links"]

WEB_SCHEMES = ("http", "https", "mailto", "tel")


class _Locator:
    """Finds the source line of each use of a string, the next use on each call (repeats move on)."""

    def __init__(self, source: str, offset: int):
        self.source, self.offset = source, offset
        self.cursor: dict[str, int] = {}

    def __call__(self, *needles: str) -> int | None:
        for needle in needles:
            if not needle:
                continue
            at = self.source.find(needle, self.cursor.get(needle, 0))
            if at < 0:
                at = self.source.find(needle)
            if at >= 0:
                self.cursor[needle] = at + len(needle)
                return self.source[:at].count("\n") + 1 + self.offset
        return None


def check_image_file(root: Path, relative: str) -> str | None:
    """Why the picture at `relative` (inside the book folder) cannot be used, or None if it can
    (bookfiles.picture_file: inside the book, size by stat, Pillow's header and decoding, format)."""
    try:
        picture_file(root, relative)
    except BookFileProblem as exc:
        return str(exc)
    return None


def check_images(root: Path, rel: str, fragment: etree.Element | None, source: str, offset: int,
                 report: Report, validate: bool = True) -> list[ImageRef]:
    """Every <img> of a chapter: the file must exist inside the book; missing alt text is a warning.

    With `validate=False` the pictures were already checked (sanitise.secure_fragment reported
    missing, remote and broken ones): only the alt text is reported and the good ones returned."""
    images: list[ImageRef] = []
    locate = _Locator(source, offset)
    if fragment is None:
        return images
    for element in fragment.iter("img"):
        src = (element.get("src") or "").strip()
        alt = element.get("alt")
        line = locate(src)
        scheme = urllib.parse.urlsplit(src).scheme.lower()
        problem = None
        if not src:
            problem = "an image has no source; write ![description](images/file.png)"
        elif scheme in ("http", "https") or src.startswith("//"):
            problem = f"image {src}: network access is off; download the file into the book folder (e.g. images/)"
        elif scheme and scheme != "data":
            problem = f"image {src}: only files inside the book folder can be shown"
        if problem:
            if validate:
                report.error(rel, line, problem)
            elif scheme in ("http", "https"):  # allowed by allow_remote (the security pass said so)
                images.append(ImageRef(src, None, alt, line))
            continue
        if not (alt or "").strip():
            report.warning(rel, line, f"image {src} has no alt text; describe it for readers who cannot see it: "
                                      f"![what it shows]({src})")
        if scheme == "data":
            continue
        path = image_path(src)
        problem = check_image_file(root, path) if path else "file not found"
        if problem:
            if validate:
                report.error(rel, line, f"image {src}: {problem} "
                                        "(paths are relative to the book folder, e.g. images/photo.jpg)")
            continue
        images.append(ImageRef(src, path, alt, line))
    return images


def check_links(rel: str, fragment: etree.Element | None, source: str, offset: int,
                report: Report) -> list[tuple[str, int | None]]:
    """Links that lead nowhere in a book (relative paths such as /url) are warnings; returns the
    in-book links (#id) with their lines, for the book-wide check of their targets."""
    internal: list[tuple[str, int | None]] = []
    locate = _Locator(source, offset)
    if fragment is None:
        return internal
    for element in fragment.iter("a"):
        written = element.get("href")
        if written is None:
            continue
        href = written.strip()
        if not href:
            report.warning(rel, locate("]()"), "a link has no address; write [text](https://…) "
                                               "(it is kept as plain text in the EPUB)")
            continue
        scheme = urllib.parse.urlsplit(href).scheme.lower()
        if href.startswith("#"):
            if "footnote" not in (element.get("class") or ""):
                internal.append((href[1:], locate("#" + href[1:].split("--", 1)[-1])))
        elif not scheme and href.split("#")[0].split("?")[0].endswith(".md"):
            continue  # a link to another chapter: resolved by manuscript.link_chapters, checked by check.py
        elif scheme not in WEB_SCHEMES:
            report.warning(rel, locate(f"({href}", f"<{href}", f'"{href}"', href),
                           f"link {href!r} leads nowhere in a book; use a full web address (https://…) "
                           "or #a-section of this book (it is kept as plain text in the EPUB)")
    return internal


def check_internal_links(chapters: list[tuple[str, str, str, list[tuple[str, int | None]]]], report: Report) -> None:
    """A link to #somewhere must find that place in one of the book's chapters.

    `chapters`: (source file, chapter anchor, HTML fragment, [(link target, line)]) per chapter."""
    ids: set[str] = set()
    for _rel, anchor, html, _links in chapters:
        ids.add(anchor)
        try:
            fragment = etree.fromstring(f"<div>{html}</div>")
        except etree.ParseError:
            continue
        ids.update(ident for el in fragment.iter() if (ident := el.get("id")))
    for rel, _anchor, _html, links in chapters:
        for target, line in links:
            if target not in ids:
                report.warning(rel, line, f"link #{target.split('--', 1)[-1]} points at no heading or "
                               "place in this book; check the spelling (it is kept as plain text in the EPUB)")
