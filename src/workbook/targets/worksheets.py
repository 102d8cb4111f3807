"""A Manuscript and worksheet options in, the coaches' worksheets PDF (fillable unless turned off) out."""
from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

import pikepdf

from ..errors import Diagnostic, WorkbookError
from ..files.assets import book_css
from ..layout.answerfields import add_fields, writing_spaces
from ..layout.session import BuildSession
from ..layout.structure import add_form_element, finish_tree
from ..model.manuscript import Chapter, Manuscript, PromptInfo
from ..render.templates import Renderer

LINE_MM = 9.0  # writing-line spacing on worksheets (8-9 mm is handwriting size)


class ChapterChoiceError(WorkbookError):
    """A chapter asked for (on the command line or in a clients file) is not in the book."""


@dataclass(frozen=True)
class WorksheetOptions:
    """What goes on the sheets: which chapters, fillable fields, example context, a client's name/date."""

    chapters: tuple[str, ...] = ()  # slugs or numbers; empty = every chapter with prompts
    fillable: bool | None = None  # None: book.yaml's `fillable`
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
        "worksheets.html", css=css, sheets=sheets, fillable=fillable(manuscript, options), with_context=options.with_context,
        client_name=options.client_name, client_date=options.client_date, line_mm=LINE_MM,
        prompt_lines=lambda prompt: worksheet_lines(manuscript, prompt),
    )


def fillable(manuscript: Manuscript, options: WorksheetOptions) -> bool:
    """Whether the sheets get fields: as asked, else as book.yaml's `fillable` says."""
    return manuscript.config.settings.fillable if options.fillable is None else options.fillable


def render_worksheets(session: BuildSession, options: WorksheetOptions | None = None) -> bytes:
    """The worksheets PDF; fillable, a multi-line text field over each prompt's lines (named by its id) and
    the name and date fields a client's copy does not print (one field each, a widget on every chapter)."""
    options = options or WorksheetOptions()
    manuscript = session.manuscript
    html = worksheets_html(manuscript, session.renderer, options)
    document = session.typesetter.document(html)
    data = session.typesetter.pdf(document)
    fields = fillable(manuscript, options)
    with pikepdf.open(io.BytesIO(data)) as out:  # the tree made whole and the fields added in one pass
        if not finish_tree(out) and not fields:
            return data
        if fields:
            words = manuscript.config.words
            tooltips = {prompt.id: prompt.text for prompt in manuscript.prompts}
            tooltips.update(name=str(words["name"]), date=str(words["date"]))
            for name, widget, page in add_fields(out, writing_spaces(document), tooltips):
                add_form_element(out, name, widget, page)
        buffer = io.BytesIO()
        out.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 deterministic_id=True)
    return buffer.getvalue()


def build_worksheets(session: BuildSession) -> bytes:
    """The `worksheets` build target: every chapter, without context, fillable unless book.yaml says not."""
    return render_worksheets(session, WorksheetOptions())
