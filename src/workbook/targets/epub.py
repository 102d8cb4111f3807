"""A Manuscript in, an EPUB 3 (nav with landmarks and page list, NCX, cover, accessibility metadata)
out, via ebooklib; zipped reproducibly."""
from __future__ import annotations

import io
import posixpath
import urllib.parse
import zipfile
from dataclasses import dataclass

import lxml.etree
from ebooklib import epub

from ..errors import Diagnostic, OutputError
from ..files.bookfiles import IMAGE_TYPES, BookFileProblem, image_path, read_bounded
from ..files.images import MAX_IMAGE_BYTES
from ..layout.editions import edition_pages
from ..layout.pagelist import PageMap, map_pages, marker_id
from ..layout.session import BuildSession
from ..model.manuscript import Manuscript
from ..model.pages import EditionName
from ..render.templates import Renderer, book_date
from . import epub_content as content_
from .pdf import cover_png_cached

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# The page numbers the page list carries: those of the book's one layout, the same in every PDF edition.
PAGE_EDITION: EditionName = "print"  # page numbers a coach and a reader of the printed book share
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class XhtmlDocument(epub.EpubHtml):
    """A content document we render ourselves: ebooklib's HTML re-parse would lower-case SVG's
    viewBox and silently drop a document it cannot parse."""

    def get_content(self, default=None) -> bytes:
        return self.content


@dataclass
class _Doc:
    uid: str
    title: str
    content: content_.Content
    body_class: str = ""
    properties: tuple[str, ...] = ()


def _render_doc(renderer: Renderer, uid: str, file_name: str, title: str, body: str, body_class: str = "") -> _Doc:
    xhtml = renderer.render("epub-document.xhtml", title=title, body=body, body_class=body_class,
                            stylesheet="styles/book.css")
    return _Doc(uid, title, content_.parse(file_name, xhtml.encode("utf-8")), body_class)


def _item(doc: _Doc, language: str) -> XhtmlDocument:
    item = XhtmlDocument(uid=doc.uid, file_name=doc.content.file_name, title=doc.title, lang=language)
    item.content = doc.content.serialise()
    if doc.content.root.find(".//{http://www.w3.org/2000/svg}svg") is not None:
        item.properties.append("svg")
    item.properties.extend(doc.properties)
    return item


def _pictures(manuscript: Manuscript) -> tuple[dict[str, str], str | None]:
    """Picture key (book path, or URL of an allowed remote picture) -> package name `media/image-NNN.ext`
    for every picture the chapters show, the author's cover first."""
    keys = [image.path or image.src for chapter in manuscript.chapters for image in chapter.images]
    cover = manuscript.config.settings.cover
    cover_path = image_path(cover) if cover else None
    if cover_path:
        keys.insert(0, cover_path)
    names: dict[str, str] = {}
    for key in keys:
        if key not in names:
            extension = posixpath.splitext(urllib.parse.urlsplit(key).path)[1].lower()
            names[key] = f"media/image-{len(names) + 1:03d}{extension if extension in IMAGE_TYPES else ''}"
    return names, cover_path


def _picture_bytes(session: BuildSession, key: str) -> tuple[bytes, str]:
    """A picture's bytes and media type: from the book folder, or (allow_remote) through the build's fetcher."""
    if urllib.parse.urlsplit(key).scheme in ("http", "https"):
        data, content_type = session.fetcher.read(key)
        return data, (content_type or "").split(";")[0].strip() or "application/octet-stream"
    try:  # checked when the book was loaded; read again with the same bound in case it changed since
        data = read_bounded(session.manuscript.config.root / key, MAX_IMAGE_BYTES, "make the picture smaller")
    except BookFileProblem as exc:
        raise OutputError([Diagnostic(key, None, f"{exc} (it changed during the build?)")]) from None
    return data, IMAGE_TYPES[posixpath.splitext(key)[1].lower()]


def _page_map(session: BuildSession, docs: list[_Doc]) -> PageMap:
    anchors, labels = edition_pages(session)
    return map_pages([(d.content.file_name, d.content.ids()) for d in docs], anchors, labels)


def _accessibility(book: epub.EpubBook, manuscript: Manuscript, has_pages: bool) -> None:
    """schema.org accessibility metadata: what the book offers, stated only where it is true."""
    all_alt = all((image.alt or "").strip() for chapter in manuscript.chapters for image in chapter.images)
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if all_alt:
        features.append("alternativeText")
    if has_pages:
        features += ["pageBreakMarkers", "pageNavigation"]
    meta = [("schema:accessMode", "textual"), ("schema:accessMode", "visual")]
    meta += [("schema:accessModeSufficient", "textual" if all_alt else "textual,visual")]
    meta += [("schema:accessibilityFeature", feature) for feature in features]
    meta += [("schema:accessibilityHazard", "none"),
             ("schema:accessibilitySummary", str(manuscript.config.words["accessibility_summary"]))]
    if has_pages:
        meta.append(("pageBreakSource", f"{manuscript.config.slug}{'-print' if PAGE_EDITION == 'print' else ''}.pdf"))
    for prop, value in meta:
        book.add_metadata(None, "meta", value, {"property": prop})


def build_epub(session: BuildSession) -> bytes:
    """The reader's EPUB 3 of the whole book, byte-identical for the same input."""
    manuscript, renderer = session.manuscript, session.renderer
    config = manuscript.config
    settings = config.settings
    words = config.words
    language = config.language

    book = epub.EpubBook()
    book.set_identifier(config.identifier)
    book.set_title(settings.title)
    book.set_language(language)
    if config.direction == "rtl":
        book.set_direction("rtl")  # the spine's page-progression-direction and the package's dir
    for number, author in enumerate(config.authors, start=1):
        book.add_author(author, role="aut", uid=f"creator{number}")
    for key in ("description", "rights", "publisher"):
        if getattr(settings, key):
            book.add_metadata("DC", key, getattr(settings, key))
    if settings.date:
        book.add_metadata("DC", "date", settings.date.isoformat())
    if settings.subtitle:
        book.add_metadata("DC", "title", settings.subtitle, {"id": "subtitle"})
        book.add_metadata(None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"})

    css = epub.EpubItem(uid="style", file_name="styles/book.css", media_type="text/css",
                        content=renderer.stylesheet("epub.css").encode("utf-8"))
    book.add_item(css)

    pictures, cover_path = _pictures(manuscript)
    for path, name in pictures.items():
        data, media_type = _picture_bytes(session, path)
        if not posixpath.splitext(name)[1]:
            name = pictures[path] = name + next((e for e, t in IMAGE_TYPES.items() if t == media_type), "")
        if path == cover_path:
            item = epub.EpubCover(uid="cover-image", file_name=name)
        else:
            item = epub.EpubImage(uid=f"img-{len(book.items)}", file_name=name, media_type=media_type)
        item.content, item.media_type = data, media_type
        book.add_item(item)
    if cover_path is None:
        cover_name = "cover.png" if "cover.png" not in {n.lower() for n in pictures.values()} else "cover-generated.png"
        item = epub.EpubCover(uid="cover-image", file_name=cover_name)
        item.content = cover_png_cached(session)
        book.add_item(item)
    else:
        cover_name = pictures[cover_path]
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})

    cover = _render_doc(renderer, "cover", "cover.xhtml", str(words["cover"]),
                        renderer.render("epub-cover.xhtml", cover_src=cover_name), "cover-page")
    title_page = _render_doc(renderer, "titlepage", "titlepage.xhtml", str(words["title_page"]),
                             renderer.render("epub-titlepage.xhtml"))
    chapters = [_render_doc(renderer, f"ch-{chapter.slug}", f"chapter-{chapter.number:02d}-{chapter.slug}.xhtml",
                            chapter.title, renderer.render("epub-chapter.xhtml", chapter=chapter))
                for chapter in manuscript.chapters]
    targets = {ident: doc.content.file_name for doc in chapters for ident in doc.content.ids()}
    for doc, chapter in zip(chapters, manuscript.chapters, strict=True):
        content_.relink_images(doc.content, pictures)
        content_.unwrap_dead_links(doc.content, targets)
        content_.worksheet_pointers(doc.content, chapter.number, str(words["worksheet_pointer"]))

    toc = [{"href": doc.content.file_name, "title": chapter.title,
            "sections": [{"href": f"{doc.content.file_name}#{h.id}", "title": h.text}
                         for h in chapter.headings if h.level == 2 and h.id]}
           for doc, chapter in zip(chapters, manuscript.chapters, strict=True)]
    landmarks = [
        {"type": "cover", "href": "cover.xhtml", "title": str(words["cover"])},
        {"type": "titlepage", "href": "titlepage.xhtml", "title": str(words["title_page"])},
        {"type": "toc", "href": "nav.xhtml#toc", "title": str(words["contents"])},
        {"type": "bodymatter", "href": chapters[0].content.file_name, "title": str(words["start_reading"])},
    ]
    # The nav is laid out once without pages so its ids are known, then again with the page list.
    nav_body = renderer.render("epub-nav.xhtml", toc=toc, landmarks=landmarks, pages=[])
    nav = _render_doc(renderer, "nav", "nav.xhtml", str(words["contents"]), nav_body, "nav")
    spine_docs = [cover, title_page, nav, *chapters]
    page_map = _page_map(session, spine_docs)
    pages = [{"href": f"{b.document}#{marker_id(b.label)}", "label": b.label} for b in page_map.breaks]
    nav = _render_doc(renderer, "nav", "nav.xhtml", str(words["contents"]),
                      renderer.render("epub-nav.xhtml", toc=toc, landmarks=landmarks, pages=pages), "nav")
    nav.properties = ("nav",)
    spine_docs[2] = nav
    for doc in spine_docs:
        content_.insert_page_breaks(doc.content, page_map.for_document(doc.content.file_name))

    _accessibility(book, manuscript, bool(pages))
    items = [_item(doc, language) for doc in spine_docs]
    for item in items:
        book.add_item(item)
    book.toc = [epub.Link(doc.content.file_name, chapter.title, doc.uid)
                for doc, chapter in zip(chapters, manuscript.chapters, strict=True)]
    book.add_item(epub.EpubNcx())
    book.spine = items
    book.guide = [
        {"type": "cover", "href": "cover.xhtml", "title": str(words["cover"])},
        {"type": "toc", "href": "nav.xhtml", "title": str(words["contents"])},
        {"type": "text", "href": chapters[0].content.file_name, "title": manuscript.chapters[0].title},
    ]
    raw = io.BytesIO()
    options = {"mtime": book_date(manuscript).replace(tzinfo=None), "raise_exceptions": True,
               "epub3_landmark": False, "epub3_pages": False}
    # ebooklib's write_epub() turns an OSError into a warning and `False`: drive its writer ourselves
    # so that every failure is an error, and close its half-written archive.
    writer = epub.EpubWriter(raw, book, options)
    try:
        writer.process()
        writer.write()
    except Exception as exc:  # ebooklib raises whatever its writer hit
        archive = getattr(writer, "out", None)
        if archive is not None:
            try:
                archive.close()
            except Exception:  # the archive is broken anyway; the error below says why
                pass
        raise OutputError([Diagnostic("epub", None, f"could not assemble the EPUB: {type(exc).__name__}: {exc}")]) from exc
    return reproducible_zip(raw.getvalue(), language)


def _package_language(opf: bytes, language: str) -> bytes:
    """ebooklib writes no xml:lang on <package>; reading systems and Ace want it."""
    root = lxml.etree.fromstring(opf)
    root.set(XML_LANG, language)
    return lxml.etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def reproducible_zip(data: bytes, language: str | None = None) -> bytes:
    """Re-pack an EPUB: `mimetype` first and stored, fixed timestamps and permissions, stable order."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        names = source.namelist()
    except zipfile.BadZipFile as exc:
        raise OutputError([Diagnostic("epub", None, f"the EPUB writer produced a broken archive: {exc}")]) from None
    if "mimetype" not in names:
        raise OutputError([Diagnostic("epub", None, "EPUB has no mimetype entry")])
    ordered = ["mimetype", "META-INF/container.xml"] + sorted(n for n in names if n not in ("mimetype", "META-INF/container.xml"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in ordered:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            stored = name == "mimetype" or name.endswith((".png", ".jpg", ".jpeg", ".gif", ".webp"))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            payload = source.read(name)
            if language and name.endswith(".opf"):
                payload = _package_language(payload, language)
            target.writestr(info, payload, compresslevel=None if stored else 9)
    return out.getvalue()
