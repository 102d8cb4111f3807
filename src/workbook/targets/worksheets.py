"""A Manuscript and worksheet options in, the coaches' worksheets PDF (optionally fillable) out."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import Diagnostic, WorkbookError
from ..files.assets import book_css
from ..layout.forms import finish_form
from ..layout.session import BuildSession
from ..layout.structure import finish_document
from ..model.manuscript import Chapter, Manuscript, PromptInfo
from ..render.templates import Renderer

LINE_MM = 9.0  # writing-line spacing on worksheets (8-9 mm is handwriting size)


class ChapterChoiceError(WorkbookError):
    """A chapter asked for (on the command line or in a clients file) is not in the book."""


@dataclass(frozen=True)
class WorksheetOptions:
    """What goes on the sheets: which chapters, fillable fields, example context, a client's name/date."""

    chapters: tuple[str, ...] = ()  # slugs or numbers; empty = every chapter with prompts
    fillable: bool = False
    with_context: bool = False
    client_name: str | None = None
    client_date: str | None = None


def resolve_chapter(manuscript: Manuscript, spec: str) -> Chapter | None:
    """'2' or 'grenzen' -> that chapter, or None."""
    spec = str(spec).strip()
    for chapter in manuscript.chapters:
        if spec == chapter.slug or (spec.isdigit() and int(spec) == chapter.number):
            return chapter
    return None


def chapter_choices(manuscript: Manuscript) -> str:
    return ", ".join(f"{c.number} ({c.slug})" for c in manuscript.chapters)


def select_chapters(manuscript: Manuscript, specs: Iterable[str] = ()) -> list[Chapter]:
    """The chapters named by number or slug, in book order; all chapters with prompts if none are named."""
    specs = [s for s in specs if str(s).strip()]
    if not specs:
        return [c for c in manuscript.chapters if c.prompts]
    wanted: set[int] = set()
    for spec in specs:
        chapter = resolve_chapter(manuscript, spec)
        if chapter is None:
            why = f"no chapter {spec!r}; choose from {chapter_choices(manuscript)}"
            raise ChapterChoiceError([Diagnostic("book.yaml", None, why)])
        wanted.add(chapter.number)
    return [c for c in manuscript.chapters if c.number in wanted]


def worksheet_lines(manuscript: Manuscript, prompt: PromptInfo) -> int:
    """book.yaml's `worksheet_lines`, or the prompt's own `{lines=N}` when that is larger."""
    return max(manuscript.config.settings.worksheet_lines, prompt.own_lines or 0)


def worksheets_html(manuscript: Manuscript, renderer: Renderer, options: WorksheetOptions) -> str:
    """The worksheets as one HTML document (layouts/worksheets.html + styles/worksheets.css)."""
    sheets = select_chapters(manuscript, options.chapters)
    if not sheets:
        why = "the book has no prompts (💡 paragraphs), so there are no worksheets to make"
        raise WorkbookError([Diagnostic("book.yaml", None, why)])
    css = book_css(manuscript.config.settings.fonts, renderer.stylesheet("worksheets.css"))
    return renderer.render(
        "worksheets.html", css=css, sheets=sheets, fillable=options.fillable, with_context=options.with_context,
        client_name=options.client_name, client_date=options.client_date, line_mm=LINE_MM,
        prompt_lines=lambda prompt: worksheet_lines(manuscript, prompt),
    )


def render_worksheets(session: BuildSession, options: WorksheetOptions | None = None) -> bytes:
    """The worksheets PDF; with `options.fillable`, one multi-line field per prompt plus name and date."""
    options = options or WorksheetOptions()
    html = worksheets_html(session.manuscript, session.renderer, options)
    pdf = finish_document(session.typesetter.html_to_pdf(html, forms=options.fillable))
    return finish_form(pdf) if options.fillable else pdf


def build_worksheets(session: BuildSession) -> bytes:
    """The `worksheets` build target: every chapter, printable (not fillable), without context."""
    return render_worksheets(session, WorksheetOptions())
