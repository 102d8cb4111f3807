"""A build's laid-out book in, the reader's PDF, the printer's PDF and the cover picture out."""
from __future__ import annotations

from ..model.manuscript import Manuscript
from ..render.templates import Renderer
from ..cache.store import _key, cache_dir, read_entry, write_entry
from ..layout.document import html_to_pdf


def build_pdf(manuscript: Manuscript, renderer: Renderer | None = None) -> bytes:
    """The reader's PDF of the whole book (the cover, live links, attachments), made from the book's one
    layout (editions.py)."""
    from ..layout.editions import edition_pdf

    return edition_pdf(manuscript, renderer or Renderer(manuscript), "screen")


def build_print_pdf(manuscript: Manuscript, renderer: Renderer | None = None) -> bytes:
    """The printer's PDF: the same pages with bleed and crop marks, no live links (editions.py)."""
    from ..layout.editions import edition_pdf

    return edition_pdf(manuscript, renderer or Renderer(manuscript), "print")


def cover_png(manuscript: Manuscript, renderer: Renderer | None = None, height_px: int = 2400) -> bytes:
    """The cover page rendered as PNG (the same design as the PDF's first page)."""
    import io

    import pypdfium2

    renderer = renderer or Renderer(manuscript)
    pdf = html_to_pdf(manuscript, renderer.cover_html(), renderer.fetcher)
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


def cover_png_cached(manuscript: Manuscript, renderer: Renderer) -> bytes:
    """The cover PNG (pdf.cover_png), from the cache when the cover's HTML has not changed."""
    from .pdf import cover_png

    folder = cache_dir(renderer)
    key = _key("cover", renderer.cover_html())
    data = read_entry(folder, "cover", key)
    if data and data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82"):
        return data
    data = cover_png(manuscript, renderer)
    write_entry(folder, "cover", key, data)
    return data
