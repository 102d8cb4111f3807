"""A build's laid-out book in, the reader's PDF, the printer's PDF and the cover picture out."""
from __future__ import annotations

import io

import pypdfium2

from ..cache.store import _key
from ..layout.editions import edition_pdf
from ..layout.session import BuildSession


def build_pdf(session: BuildSession) -> bytes:
    """The reader's PDF of the whole book (the cover, live links, attachments), made from the book's one
    layout (layout/editions.py)."""
    return edition_pdf(session, "screen")


def build_print_pdf(session: BuildSession) -> bytes:
    """The printer's PDF: the same pages with bleed and crop marks, no live links (layout/editions.py)."""
    return edition_pdf(session, "print")


def cover_png(session: BuildSession, height_px: int = 2400) -> bytes:
    """The cover page rendered as PNG (the same design as the PDF's first page)."""
    pdf = session.typesetter.html_to_pdf(session.renderer.cover_html(), tags=False)
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        scale = height_px / page.get_height()
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def cover_png_cached(session: BuildSession) -> bytes:
    """The cover PNG (cover_png), from the cache when the cover's HTML has not changed."""
    key = _key("cover", session.renderer.cover_html())
    data = session.cache.read("cover", key)
    if data and data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82"):
        return data
    data = cover_png(session)
    session.cache.write("cover", key, data)
    return data
