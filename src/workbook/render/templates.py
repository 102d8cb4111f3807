"""A Manuscript in, rendered HTML documents (one per target) out, via Jinja templates in layouts/."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..errors import Diagnostic, OutputError
from ..files.assets import FAMILIES, book_css, project_dir
from ..model.manuscript import Manuscript
from ..model.pages import LAYOUT, Margins, PageGeometry, geometry
from ..source.icons import icon_markup
from ..source.typography import join_last_words
from .heads import fit_head
from .qr import print_links
from .sandbox import TemplateSandbox

MAX_STYLE_BYTES = 2_000_000  # one stylesheet (the project's largest is a few kB)


def book_date(manuscript: Manuscript) -> dt.datetime:
    """The build's timestamp: SOURCE_DATE_EPOCH if set, else the book's date, else 2000-01-01."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    date = manuscript.config.settings.date or dt.date(2000, 1, 1)
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)


class Renderer:
    """Loads templates and styles (a book's own override the project's) and renders them."""

    def __init__(self, manuscript: Manuscript, *, margins: Margins | None = None):
        self.manuscript = manuscript
        self.margins = margins  # wider margins than the book's (a printer's rules: by page count, from the trim)
        self._pdf_css: dict[str, str] = {}
        root = manuscript.config.root
        self.style_dirs = [d for d in (root / "styles", project_dir("styles")) if d.is_dir()]
        # Sandboxed: a book's own layouts are data, they can show values but not run code (sandbox.py).
        self.env = TemplateSandbox(
            [d for d in (root / "layouts", project_dir("layouts")) if d.is_dir()], root,
            autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["css_string"] = css_string
        self.env.filters["print_links"] = print_links
        self.env.filters["running_head"] = self.running_head
        self.env.filters["last_words"] = join_last_words  # a title set as a heading never ends on one word
        self.env.filters["title_lines"] = title_lines
        self.env.globals["icon"] = lambda name, label: jinja2.utils.markupsafe.Markup(icon_markup(name, label))

    def stylesheet(self, *names: str) -> str:
        """The named stylesheets, each from the book's styles/ if it has one, else the project's."""
        parts = []
        for name in names:
            for directory in self.style_dirs:
                path = directory / name
                if path.is_file():
                    parts.append(self._read_style(path, name))
                    break
            else:
                raise OutputError([Diagnostic(f"styles/{name}", None, "stylesheet not found")])
        extra = self.manuscript.config.root / "styles" / "extra.css"
        if extra.is_file():
            parts.append(self._read_style(extra, "extra.css"))
        return "\n".join(parts)

    def _read_style(self, path: Path, name: str) -> str:
        """A stylesheet's text: a book's from inside the book folder only (links resolved), at most MAX_STYLE_BYTES."""
        root = self.manuscript.config.root
        bound = root.resolve() if path.absolute().is_relative_to(root.absolute()) else path.parent.resolve()
        problem = None
        if not path.resolve().is_relative_to(bound):
            problem = f"leads outside {bound} (a link?); stylesheets are read from the book folder only"
        elif path.stat().st_size > MAX_STYLE_BYTES:
            problem = f"is larger than {MAX_STYLE_BYTES:,} bytes"
        else:
            try:
                return path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                problem = f"is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        raise OutputError([Diagnostic(f"styles/{name}", None, f"stylesheet {problem}")])

    def context(self, **extra: Any) -> dict[str, Any]:
        config = self.manuscript.config
        settings = config.settings
        when = book_date(self.manuscript)
        width, height = config.page_size_mm
        return {
            "book": settings,
            "slug": config.slug,
            "authors": config.authors,
            "author_line": ", ".join(config.authors),
            "language": config.language,
            "direction": config.direction,
            "identifier": config.identifier,
            "words": config.words,
            "chapters": self.manuscript.chapters,
            "build_date": when,
            "date_text": (settings.date or when.date()).isoformat(),
            "page_width": width,
            "page_height": height,
            "families": FAMILIES,
            **extra,
        }

    def render(self, template: str, **extra: Any) -> str:
        try:
            return self.env.render_page(template, self.context(**extra))
        except (jinja2.TemplateError, ArithmeticError, MemoryError, RecursionError) as exc:
            raise OutputError([self.env.problem(exc, template)]) from None

    def geometry(self, edition: str = LAYOUT) -> PageGeometry:
        """The page design of the book at its trim size (one for every edition: they share their pages), with
        each margin at least as wide as the renderer's `margins` where it was made with them."""
        width, height = self.manuscript.config.page_size_mm
        page = geometry(width, height, self.manuscript.config.settings.bleed)
        return page.at_least(self.margins) if self.margins is not None else page

    def running_head(self, text: str) -> str:
        """A running head cut to one line of the page's text width (heads.py)."""
        page = self.geometry()
        return fit_head(str(text), page.width - page.inner - page.outer)

    def pdf_html(self, edition: str = LAYOUT, **part: Any) -> str:
        """The whole book as one HTML document for WeasyPrint: the pages both PDF editions are made of.

        `part_front`, `part_chapters` and `toc_pages` render one part of it instead (pdfparts.py).
        """
        if LAYOUT not in self._pdf_css:  # read once per build: every part uses it
            sheets = ["book.css", "cover.css", "pdf.css", "print.css"]
            self._pdf_css[LAYOUT] = book_css(self.manuscript.config.settings.fonts, self.stylesheet(*sheets))
        return self.render("pdf.html", css=self._pdf_css[LAYOUT], edition=LAYOUT, geometry=self.geometry(),
                           how_to_use=self.manuscript.how_to_use, **part)

    def cover_html(self) -> str:
        css = book_css(self.manuscript.config.settings.fonts, self.stylesheet("book.css", "cover.css"))
        return self.render("cover.html", css=css)

    def cover_wrap_html(self, **wrap: Any) -> str:
        """A printer's full-wrap cover (cover-wrap.html): `wrap` holds its geometry (targets/printcover.py)."""
        css = book_css(self.manuscript.config.settings.fonts, self.stylesheet("book.css", "cover.css", "cover-wrap.css"))
        return self.render("cover-wrap.html", css=css, **wrap)


def css_string(text: str) -> jinja2.utils.markupsafe.Markup:
    """Text for use inside a double-quoted CSS string (escapes quotes, backslashes, newlines)."""
    out = []
    for char in str(text):
        if char in '"\\' or ord(char) < 32 or char in "<>":
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return jinja2.utils.markupsafe.Markup("".join(out))


def title_lines(title: str) -> Markup:
    """A title set as a heading: never ending on one word, and a title with a colon ("Nee zeggen: zo doe je
    dat") breaking after its colon when it needs two lines or more (each side a `title-part`, an inline
    block in the page styles), not after a short word of its second half."""
    head, colon, rest = title.partition(": ")
    if not colon or not head.strip() or not rest.strip():
        return Markup.escape(join_last_words(title))
    return Markup('<span class="title-part">{}:</span> <span class="title-part">{}</span>').format(
        join_last_words(head), join_last_words(rest))

