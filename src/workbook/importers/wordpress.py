"""A WordPress export (WXR XML) in, one article per published post out: its title, HTML page text, source line,
date and slug, in date order or the order of an order file, with pictures found beside the export."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from ..errors import Diagnostic, WorkbookError

WP = "{http://wordpress.org/export/1.2/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_BLOCK_TAG = re.compile(r"<(?:p|div|h[1-6]|ul|ol|blockquote|figure|pre|table)\b", re.I)


@dataclass
class Post:
    """One published post of the export, as an HTML page the page importer reads."""

    title: str
    slug: str
    date: str
    line: int  # the export's line where the post's content starts
    page: str  # the post as an HTML page; its first line is the export's line `line`


def is_export(data: bytes) -> bool:
    """Whether a file's first bytes are a WordPress export (an RSS file with WordPress's export namespace)."""
    head = data[:4096]
    return b"<rss" in head and b"wordpress.org/export/" in head


def _autop(content: str) -> str:
    """WordPress's stored text keeps paragraphs as blank lines (the theme adds <p> when it shows a post)."""
    if _BLOCK_TAG.search(content) and "\n\n" not in re.sub(r"<!--.*?-->", "", content, flags=re.S).strip():
        return content
    parts = re.split(r"\n\s*\n", content)
    return "\n\n".join(p if _BLOCK_TAG.match(p.strip()) or p.strip().startswith("<!--") or not p.strip()
                       else f"<p>{p.strip()}</p>".replace("\n", "<br>\n") for p in parts)


def _local_pictures(content: str, folder: Path) -> str:
    """A picture's address (…/wp-content/uploads/2026/02/x.png) pointed at its copy beside the export, if there."""
    def local(m: re.Match[str]) -> str:
        path = unquote(urlsplit(html.unescape(m[2])).path)
        rest = path.split("/wp-content/", 1)[1] if "/wp-content/" in path else path.lstrip("/")
        for candidate in (rest, rest.removeprefix("uploads/"), Path(path).name):
            for base in (folder, folder / "uploads", folder / "wp-content"):
                target = base / candidate
                if candidate and target.is_file() and target.resolve().is_relative_to(folder.resolve()):
                    return f'{m[1]}{html.escape(target.relative_to(folder).as_posix())}"'
        return m[0]

    return re.sub(r'(<img\b[^>]*?\ssrc=")(https?://[^"]+)"', local, content, flags=re.I)


def read_export(path: Path, data: bytes, order: list[str] | None = None) -> tuple[list[Post], dict[str, str], str]:
    """The export's published posts (date order, or `order`: slugs or titles, one a line), the blog's title,
    description and author (when it has one), and its language. Raises WorkbookError for XML that cannot be
    read and for order lines that name no post."""
    name = str(path)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise WorkbookError([Diagnostic(name, exc.lineno, f"is not a readable WordPress export: {exc.msg}")]) from None
    channel = root.find("channel")
    if channel is None:
        raise WorkbookError([Diagnostic(name, None, "has no <channel>; is this a WordPress export (WXR)?")])
    posts: list[Post] = []
    for item in channel.iter("item"):
        if item.findtext(f"{WP}post_type") != "post" or item.findtext(f"{WP}status") != "publish":
            continue
        title = (item.findtext("title") or "").strip()
        content = item.find(CONTENT)
        body = (content.text or "") if content is not None else ""
        if not body.strip():
            continue
        slug = (item.findtext(f"{WP}post_name") or "").strip()
        line = content.sourceline if content is not None and content.sourceline else item.sourceline or 1
        page = (f"<html><head><title>{html.escape(title)}</title></head><body><article><h1>{html.escape(title)}</h1>"
                + _local_pictures(_autop(body), path.parent) + "</article></body></html>")
        posts.append(Post(title, slug, (item.findtext(f"{WP}post_date") or "").strip(), line, page))
    posts.sort(key=lambda p: p.date)
    if order is not None:
        wanted = [o.strip() for o in order if o.strip() and not o.lstrip().startswith("#")]
        keys = {k.casefold(): p for p in posts for k in (p.slug, p.title) if k}
        missing = [w for w in wanted if w.casefold() not in keys]
        if missing:
            raise WorkbookError([Diagnostic(name, None, f"the order file names {', '.join(map(repr, missing))}, "
                                                        "which is no published post of the export")])
        first = list(dict.fromkeys(keys[w.casefold()].slug or keys[w.casefold()].title for w in wanted))
        posts.sort(key=lambda p: first.index(p.slug or p.title) if (p.slug or p.title) in first else len(first))
    authors = [(a.findtext(f"{WP}author_display_name") or "").strip() for a in channel.iter(f"{WP}author")]
    blog = {"title": (channel.findtext("title") or "").strip(),
            "description": (channel.findtext("description") or "").strip(),
            "author": authors[0] if len(authors) == 1 else ""}
    language = (channel.findtext("language") or "").split("-")[0].lower()
    return posts, blog, language
