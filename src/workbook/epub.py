"""A Manuscript in, an EPUB 3 (nav, NCX, cover, landmarks, metadata) out, via ebooklib; zipped reproducibly."""
from __future__ import annotations

import dataclasses
import io
import urllib.parse
import zipfile

import lxml.etree
from ebooklib import epub

from .errors import Diagnostic, OutputError
from .fetcher import BookFetchError
from .images import ImageProblem, inspect_image
from .sanitise import serialise_fragment
from .manuscript import Manuscript
from .pdf import cover_png
from .render import Renderer, book_date

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class XhtmlDocument(epub.EpubHtml):
    """A content document we render ourselves: ebooklib's HTML re-parse would lower-case SVG's
    viewBox and silently drop a document it cannot parse."""

    def get_content(self, default=None) -> bytes:
        return self.content


def _document(uid: str, file_name: str, title: str, language: str, body: str, renderer: Renderer,
              body_class: str = "") -> XhtmlDocument:
    content = renderer.render("epub-document.xhtml", title=title, body=body, body_class=body_class,
                              stylesheet="styles/book.css")
    data = content.encode("utf-8")
    try:
        lxml.etree.fromstring(data)
    except lxml.etree.XMLSyntaxError as exc:
        raise OutputError([Diagnostic(file_name, exc.lineno, f"EPUB document is not well-formed XHTML: {exc.msg}")]) from None
    item = XhtmlDocument(uid=uid, file_name=file_name, title=title, lang=language)
    item.content = data
    if "<svg" in body:
        item.properties.append("svg")
    return item


def build_epub(manuscript: Manuscript, renderer: Renderer | None = None) -> bytes:
    """The reader's EPUB 3 of the whole book, byte-identical for the same input."""
    renderer = renderer or Renderer(manuscript)
    config = manuscript.config
    settings = config.settings
    words = config.words
    language = config.language

    book = epub.EpubBook()
    book.set_identifier(config.identifier)
    book.set_title(settings.title)
    book.set_language(language)
    for number, author in enumerate(config.authors, start=1):
        book.add_author(author, role="aut", uid=f"creator{number}")
    if settings.description:
        book.add_metadata("DC", "description", settings.description)
    if settings.rights:
        book.add_metadata("DC", "rights", settings.rights)
    if settings.publisher:
        book.add_metadata("DC", "publisher", settings.publisher)
    if settings.date:
        book.add_metadata("DC", "date", settings.date.isoformat())
    if settings.subtitle:
        book.add_metadata("DC", "title", settings.subtitle, {"id": "subtitle"})
        book.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})

    css = epub.EpubItem(uid="style", file_name="styles/book.css", media_type="text/css",
                        content=renderer.stylesheet("epub.css").encode("utf-8"))
    book.add_item(css)

    cover_image = epub.EpubCover(uid="cover-image", file_name="images/cover.png")
    cover_image.content = cover_png(manuscript, renderer)
    book.add_item(cover_image)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})
    cover = _document("cover", "cover.xhtml", str(words["cover"]), language,
                      renderer.render("epub-cover.xhtml", cover_src="images/cover.png"), renderer, "cover-page")
    book.add_item(cover)
    title_page = _document("titlepage", "titlepage.xhtml", str(words["title_page"]), language,
                           renderer.render("epub-titlepage.xhtml"), renderer)
    book.add_item(title_page)

    chapters = []
    media = package_images(manuscript, renderer, book)
    for chapter in manuscript.chapters:
        if chapter.images:
            chapter = dataclasses.replace(chapter, html=_relink_images(chapter.html, media))
        item = _document(f"ch-{chapter.slug}", f"chapter-{chapter.number:02d}-{chapter.slug}.xhtml", chapter.title,
                         language, renderer.render("epub-chapter.xhtml", chapter=chapter), renderer)
        book.add_item(item)
        chapters.append(item)

    book.toc = [epub.Link(item.file_name, chapter.title, item.id) for item, chapter in zip(chapters, manuscript.chapters)]
    book.add_item(epub.EpubNcx())
    nav = epub.EpubNav(uid="nav", file_name="nav.xhtml", title=str(words["contents"]))
    nav.add_item(css)
    book.add_item(nav)
    book.spine = [cover, title_page, "nav", *chapters]
    book.guide = [
        {"type": "cover", "href": cover.file_name, "title": str(words["cover"])},
        {"type": "toc", "href": nav.file_name, "title": str(words["contents"])},
        {"type": "text", "href": chapters[0].file_name, "title": manuscript.chapters[0].title},
    ]
    raw = io.BytesIO()
    options = {"mtime": book_date(manuscript).replace(tzinfo=None), "raise_exceptions": True,
               "epub3_landmark": True, "landmark_title": str(words["contents"]), "epub3_pages": False}
    try:
        epub.write_epub(raw, book, options)
    except Exception as exc:  # ebooklib raises whatever its writer hit
        raise OutputError([Diagnostic("epub", None, f"could not assemble the EPUB: {exc}")]) from exc
    return reproducible_zip(raw.getvalue())


def package_images(manuscript: Manuscript, renderer: Renderer, book: epub.EpubBook) -> dict[str, str]:
    """Every picture the chapters use, fetched through the build's SafeFetcher (the PDF's rules) and
    checked again, added as `media/image-NNN.ext`; returns {src in the chapter HTML: href in the EPUB}."""
    fetcher = renderer.fetcher
    base = manuscript.config.root.as_uri() + "/"
    media: dict[str, str] = {}
    problems = []
    for chapter in manuscript.chapters:
        for image in chapter.images:
            if image.src in media:
                continue
            try:
                data, _content_type = fetcher.read(urllib.parse.urljoin(base, image.src))
                info = inspect_image(data)
            except BookFetchError as exc:
                problems.append(Diagnostic(chapter.rel_source, image.line, f"image {image.src}: {exc.reason}"))
                continue
            except ImageProblem as exc:
                problems.append(Diagnostic(chapter.rel_source, image.line, f"image {image.src} {exc}"))
                continue
            href = f"media/image-{len(media) + 1:03d}.{info.extension}"
            book.add_item(epub.EpubItem(uid=f"image-{len(media) + 1:03d}", file_name=href,
                                        media_type=info.media_type, content=data))
            media[image.src] = href
    if problems:
        raise OutputError(problems)
    return media


def _relink_images(html: str, media: dict[str, str]) -> str:
    """Point each <img src> of a chapter fragment at its packaged copy (same folder level as the chapters)."""
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
    root = lxml.etree.fromstring(f"<div>{html}</div>".encode("utf-8"), parser)
    for element in root.iter("img"):
        src = element.get("src")
        if src in media:
            element.set("src", media[src])
    return serialise_fragment(root)


def reproducible_zip(data: bytes) -> bytes:
    """Re-pack an EPUB: `mimetype` first and stored, fixed timestamps and permissions, stable order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    if "mimetype" not in names:
        raise OutputError([Diagnostic("epub", None, "EPUB has no mimetype entry")])
    ordered = ["mimetype", "META-INF/container.xml"] + sorted(n for n in names if n not in ("mimetype", "META-INF/container.xml"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in ordered:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            stored = name == "mimetype" or name.endswith((".png", ".jpg", ".gif", ".webp"))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(name), compresslevel=None if stored else 9)
    return out.getvalue()
