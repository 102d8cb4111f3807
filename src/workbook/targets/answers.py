"""Filled reader's PDFs or worksheets of a book in, the answers typed into them out: Markdown in book order
(chapter, question, answer) for one file, or one CSV (a row per file, a column per prompt id) for a coach.

Which book a PDF belongs to: the first element of its trailer /ID is the book's identifier (WeasyPrint
writes it; the join and viewers that save by incremental update, such as pdf.js, keep it). A file without
a book identifier is accepted when its fields are this book's (and said so). Every file is read before
anything is returned, so a bad file means no output at all.
"""
from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Diagnostic, WorkbookError
from ..model.manuscript import Manuscript

OWN_FIELDS = ("name", "date")  # the worksheets' fields besides the prompts'


class AnswersError(WorkbookError):
    """A PDF whose answers cannot be read: damaged, encrypted, of another book, flattened, unfilled."""


@dataclass
class FileAnswers:
    """One file's answers: prompt id (or `notes-SLUG`, `name`, `date`) -> the text typed, and notes to tell."""

    path: Path
    values: dict[str, str]
    notes: list[Diagnostic] = field(default_factory=list)


def read_answers(manuscript: Manuscript, paths: list[Path]) -> list[FileAnswers]:
    """Every file's answers, or an AnswersError naming each file that cannot be read."""
    found, problems = [], []
    for path in paths:
        try:
            found.append(_read_one(manuscript, Path(path)))
        except AnswersError as exc:
            problems += exc.diagnostics
    if problems:
        raise AnswersError(problems)
    return found


def _fail(path: Path, message: str) -> AnswersError:
    return AnswersError([Diagnostic(str(path), None, message)])


def _read_one(manuscript: Manuscript, path: Path) -> FileAnswers:
    # deferred: pypdf (and the cryptography it loads) only for `workbook answers`
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(path, f"cannot be read: {exc.strerror or exc}") from None
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged file is our one-line error, not pypdf's warnings
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except (NotImplementedError, PyPdfError):
                raise _fail(path, "is encrypted; save it without a password and try again") from None
        ids = reader.trailer.get("/ID")
        first = bytes(ids[0].original_bytes) if ids else b""
        fields = reader.get_fields() or {}
        values = {name: _text(info.get("/V")) for name, info in fields.items()}
    except FileNotDecryptedError:
        raise _fail(path, "is encrypted; save it without a password and try again") from None
    except AnswersError:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged input (PdfReadError, ValueError, KeyError, …)
        raise _fail(path, f"is damaged or not a PDF ({type(exc).__name__})") from None
    identifier = manuscript.config.identifier
    ours = {p.id for p in manuscript.prompts} | {f"notes-{c.slug}" for c in manuscript.chapters}
    notes = []
    if first != identifier.encode():
        if first.startswith(b"urn:"):
            other = first.decode("latin-1")
            raise _fail(path, f"is from another book ({other}), not {manuscript.config.settings.title} ({identifier})")
        if not fields or not set(fields) <= ours | set(OWN_FIELDS) or not set(fields) & ours:
            raise _fail(path, f"is not a PDF of {manuscript.config.settings.title}: "
                              "neither its identifier nor its fields are the book's")
        notes.append(Diagnostic(str(path), None, "could not confirm the book from the file's identifier; "
                                                 "its fields are the book's", "warning"))
    if not fields:
        raise _fail(path, "has no form fields: flattened or printed to PDF, its answers are part of the page "
                          "now and cannot be read back")
    answers = {name: value for name, value in values.items() if name in ours | set(OWN_FIELDS) and value.strip()}
    if not any(name in ours for name in answers):
        raise _fail(path, "has no answers: none of its fields is filled in")
    return FileAnswers(path, answers, notes)


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def answers_markdown(manuscript: Manuscript, answers: FileAnswers) -> str:
    """One file's answers as Markdown in book order: `## 2. Chapter`, `**2.3 Question**`, the answer."""
    words = manuscript.config.words
    lines = [f"# {manuscript.config.settings.title}", ""]
    who = [answers.values[key] for key in OWN_FIELDS if answers.values.get(key)]
    if who:
        lines += [" · ".join(who), ""]
    for chapter in manuscript.chapters:
        items = [(f"**{chapter.number}.{p.number} {p.text}**", answers.values.get(p.id, "")) for p in chapter.prompts]
        items.append((f"**{words['notes']}**", answers.values.get(f"notes-{chapter.slug}", "")))
        items = [(head, text) for head, text in items if text]
        if not items:
            continue
        lines += [f"## {chapter.number}. {chapter.title}", ""]
        for head, text in items:
            lines += [head, "", text, ""]  # as typed, its line breaks kept
    return "\n".join(lines).rstrip("\n") + "\n"


def answers_csv(manuscript: Manuscript, answers: list[FileAnswers]) -> str:
    """One row per file, a column per prompt id in book order (and name, date, notes pages when any is
    filled in), RFC 4180 with CRLF line ends."""
    columns = ["file"]
    extra = [key for key in OWN_FIELDS if any(key in a.values for a in answers)]
    columns += extra
    for chapter in manuscript.chapters:
        columns += [p.id for p in chapter.prompts]
        notes = f"notes-{chapter.slug}"
        if any(notes in a.values for a in answers):
            columns.append(notes)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for item in answers:
        writer.writerow([item.path.name] + [item.values.get(column, "") for column in columns[1:]])
    return buffer.getvalue()
