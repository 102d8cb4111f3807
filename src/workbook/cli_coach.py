"""Command-line arguments of the coaches' commands in (worksheets, personal copies, typed answers read back),
library calls and reports out; cli.py adds them to the `workbook` group and shares the report helpers."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .author.progress import RowsBar
from .errors import Diagnostic, WorkbookError
from .files.output import output_folder, write_bytes
from .layout.session import BuildSession
from .source.load import load_book
from .targets.worksheets import ChapterChoiceError, WorksheetOptions, render_worksheets


def print_diagnostics(items: list[Diagnostic]) -> None:
    """Each diagnostic as one `file:line: severity: message` line on stderr."""
    for item in items:
        click.echo(str(item), err=True)


def size_text(path: Path) -> str:
    """A file's size for people: 12 kB, 1.4 MB."""
    size = path.stat().st_size
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"


@click.command()
@click.argument("book", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: dist/ beside the book folder).")
@click.option("--chapter", "chapters", multiple=True, metavar="SLUG|N",
              help="Only this chapter (number or slug); repeat for more. Default: every chapter.")
@click.option("--fillable/--no-fillable", default=None,
              help="A text field over each prompt's lines, plus name and date (default: book.yaml's fillable, on).")
@click.option("--with-context", is_flag=True, help="Print the example that comes before each prompt in the book.")
@click.option("--clients", "clients_csv", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with columns name, date, chapters: one personalised PDF per client in OUT/worksheets/.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="Worker processes for --clients (default: one per CPU core).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def worksheets(book: Path, out_dir: Path | None, chapters: tuple[str, ...], fillable: bool | None, with_context: bool,
               clients_csv: Path | None, jobs: int | None, quiet: bool) -> None:
    """Worksheets for coaches: the prompts of BOOK by chapter, with writing lines and a name/date line."""
    options = WorksheetOptions(chapters=chapters, fillable=fillable, with_context=with_context)
    if clients_csv is not None:
        _client_worksheets(book, clients_csv, out_dir, options, jobs, quiet)
        return
    out = output_folder(book, out_dir)
    manuscript = load_book(book)
    if not quiet:
        print_diagnostics(manuscript.warnings)
    try:
        data = render_worksheets(BuildSession.start(manuscript, out), options)
    except ChapterChoiceError as exc:
        raise click.BadParameter(exc.diagnostics[0].message, param_hint="'--chapter'") from None
    path = write_bytes(out / f"{manuscript.config.slug}-worksheets.pdf", data)
    if not quiet:
        click.echo(f"wrote {path} ({size_text(path)})")


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-b", "--book", default=".", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="The book folder the PDFs were made from.")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV: a row per file, a column per prompt id.")
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (default: standard output).")
def answers(files: tuple[Path, ...], book: Path, as_csv: bool, out_file: Path | None) -> None:
    """The answers typed into filled reader's PDFs or worksheets (FILE.pdf...) of BOOK, as Markdown or CSV."""
    # deferred: the answers' reader (pypdf) loads only for `workbook answers`
    from .targets.answers import answers_csv, answers_markdown, read_answers

    if len(files) > 1 and not as_csv:
        raise click.UsageError("several files make one table: add --csv")
    manuscript = load_book(book)
    try:
        found = read_answers(manuscript, list(files))
    except WorkbookError as exc:
        print_diagnostics(exc.diagnostics)
        sys.exit(1)
    for item in found:
        print_diagnostics(item.notes)
    text = answers_csv(manuscript, found) if as_csv else answers_markdown(manuscript, found[0])
    if out_file is None:
        click.echo(text, nl=False)
    else:
        write_bytes(out_file, text.encode())


def _client_worksheets(book: Path, clients_csv: Path, out_dir: Path | None, options, jobs: int | None, quiet: bool) -> None:
    # deferred: the clients' process pool loads only for `worksheets --clients`
    from .targets.clients import build_client_worksheets

    with RowsBar("worksheets", quiet) as bar:
        try:
            result = build_client_worksheets(book, clients_csv, out_dir, options, workers=jobs,
                                             on_progress=lambda client: bar.advance(client.name), on_start=bar.start)
        except ChapterChoiceError as exc:
            raise click.BadParameter(exc.diagnostics[0].message, param_hint="'--chapter'") from None
    if not quiet:
        print_diagnostics(result.warnings)
        folder = result.outputs[0].parent if result.outputs else None
        workers = f"{result.workers} worker{'s' if result.workers != 1 else ''}"
        click.echo(f"wrote {len(result.outputs)} worksheets to {folder} ({workers})")


@click.command()
@click.argument("book", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--clients", "clients_csv", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="CSV with columns name, date, group, chapters, note: one personal copy per row.")
@click.option("-f", "--formats", default="pdf", show_default=True,
              help="pdf (the reader's PDF with the reader's name), worksheets, or pdf,worksheets.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the copies (default: dist/copies/ beside the book folder).")
@click.option("--resume", is_flag=True, help="Make only the rows whose files are missing.")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="A Dask scheduler whose workers make the copies (they need workbook and the book folder).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="Local worker processes without --scheduler (default: one per CPU core).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def copies(book: Path, clients_csv: Path, formats: str, out_dir: Path | None, resume: bool, scheduler: str | None,
           jobs: int | None, quiet: bool) -> None:
    """Personal copies of BOOK: one reader's PDF (and/or worksheets) per row of the clients CSV, with the
    reader's name on the title page and on every page. Exit 1 if a row failed."""
    from .targets.copies import make_copies  # deferred: the copies' pool loads only for `workbook copies`

    kinds = [kind.strip() for kind in formats.split(",") if kind.strip()]
    if not kinds or any(kind not in ("pdf", "worksheets") for kind in kinds):
        raise click.BadParameter("choose pdf, worksheets or pdf,worksheets", param_hint="'-f'")
    if scheduler is not None and not scheduler.startswith(("tcp://", "tls://", "ws://", "wss://", "inproc://")):
        raise click.BadParameter("a Dask scheduler's address, such as tcp://10.0.0.5:8786", param_hint="'--scheduler'")
    with RowsBar("copies", quiet) as bar:
        result = make_copies(book, clients_csv, out_dir, kinds, scheduler=scheduler, resume=resume, workers=jobs,
                             on_progress=lambda client, done, total: bar.advance(client.name), on_start=bar.start)
    print_diagnostics(result.failures)
    if not quiet:
        print_diagnostics(result.warnings)
        click.echo(result.summary())
    if result.failures:
        sys.exit(1)
