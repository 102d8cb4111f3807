"""Command-line arguments in, library calls and human-readable reports out (exit 0 done, 1 book error, 2 usage)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__
from .build import build as build_book
from .build import parse_formats
from .errors import Diagnostic, WorkbookError
from .progress import BuildReporter
from .scaffold import scaffold_languages


def _print_diagnostics(items: list[Diagnostic]) -> None:
    for item in items:
        click.echo(str(item), err=True)


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} kB"


def _formats(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    if value is None:
        return None
    try:
        return parse_formats(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="workbook")
def cli() -> None:
    """Turn a book folder (book.yaml + Markdown chapters) into a workbook."""


@cli.command()
@click.argument("book", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: dist/ beside the book folder).")
@click.option("-f", "--formats", callback=_formats, help="Comma-separated: pdf,epub (default: book.yaml's formats).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors (for CI).")
@click.option("-v", "--verbose", is_flag=True, help="Also print the time each stage took.")
def build(book: Path, out_dir: Path | None, formats: list[str] | None, quiet: bool, verbose: bool) -> None:
    """Build BOOK (a folder with book.yaml) into PDF, EPUB and the download page.

    Runs the checks of `workbook check` first: errors stop the build, warnings are printed.
    """
    with BuildReporter(quiet, verbose) as reporter:
        result = build_book(book, out_dir, formats, on_stage=reporter.on_stage, on_progress=reporter.on_progress)
    if not quiet:
        _print_diagnostics(result.warnings)
        for path in result.outputs:
            click.echo(f"wrote {path} ({_size(path)})")
        reporter.report_timings(result.timings)


# --- author experience: new, check, watch (issue 7) ---------------------------------------------

@cli.command("new")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--lang", "language", type=click.Choice(scaffold_languages()), default="en", show_default=True,
              help="Language of the sample book.")
def new_command(directory: Path, language: str) -> None:
    """Start a book in DIRECTORY (new or empty): book.yaml, two sample chapters, a README."""
    from .scaffold import new_book

    written = new_book(directory, language)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: edit {directory / 'book.yaml'}, then `workbook watch {directory}` or `workbook build {directory}`")


@cli.command("check")
@click.argument("book", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
def check_command(book: Path, strict: bool) -> None:
    """Validate BOOK without rendering: config, chapters, images, prompts, ids and links.

    Prints `file:line: error|warning: message` per problem and a summary; exit 1 on errors
    (and on warnings with --strict).
    """
    from .check import check_book

    report = check_book(book)
    for item in report.diagnostics:
        click.echo(str(item))
    click.echo(report.summary() + (" (--strict: warnings fail)" if strict and report.warnings else ""))
    if report.failed(strict):
        sys.exit(1)


@cli.command("watch")
@click.argument("book", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: dist/ beside the book folder).")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("-f", "--formats", callback=_formats, help="What to rebuild on change (default: pdf,epub).")
def watch_command(book: Path, out_dir: Path | None, port: int, formats: list[str] | None) -> None:
    """Rebuild BOOK on every change and serve a live preview on http://127.0.0.1:PORT."""
    from .watch import serve_and_watch

    serve_and_watch(book, out_dir, port, formats)


def main() -> None:
    """Entry point: book errors exit 1 with file:line messages, never a traceback."""
    try:
        cli.main(standalone_mode=False, prog_name="workbook")
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except WorkbookError as exc:
        _print_diagnostics(exc.diagnostics)
        count = sum(1 for d in exc.diagnostics if d.severity == "error")
        click.echo(f"{count} error{'s' if count != 1 else ''}; nothing was written", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug in workbook, not in the book: say so without a traceback
        if os.environ.get("WORKBOOK_DEBUG"):
            raise
        click.echo(f"workbook: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("This is a bug in workbook; set WORKBOOK_DEBUG=1 to see the traceback and report it.", err=True)
        sys.exit(1)
    sys.exit(0)
