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


def _page_size(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from .config import page_size_mm

    try:
        page_size_mm(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="workbook")
def cli() -> None:
    """Turn a book folder (book.yaml + Markdown chapters) into a workbook."""


@cli.command()
@click.argument("book", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: dist/ beside the book folder).")
@click.option("-f", "--formats", callback=_formats, help="Comma-separated: pdf,epub (default: book.yaml's formats).")
@click.option("--page-size", callback=_page_size, help="A4, A5, Letter, 6x9in or 'WIDTHmm HEIGHTmm' (default: book.yaml's).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def build(book: Path, out_dir: Path | None, formats: list[str] | None, page_size: str | None, quiet: bool) -> None:
    """Build BOOK (a folder with book.yaml) into PDF, print PDF and EPUB."""
    def stage(name: str) -> None:
        if not quiet:
            click.echo(f"building {name}…", err=True)

    result = build_book(book, out_dir, formats, on_stage=stage, page_size=page_size)
    if not quiet:
        _print_diagnostics(result.warnings)
        for path in result.outputs:
            click.echo(f"wrote {path} ({_size(path)})")


@cli.command()
@click.argument("book", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-e", "--edition", type=click.Choice(["screen", "print"]), default="screen", show_default=True,
              help="The reader's PDF (screen) or the printer's (print: with bleed and crop marks).")
@click.option("-p", "--pages", help="Pages to picture, from 1: 1-4, 7 or 2,5-6 (default: all).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the PNG files (default: dist/preview/ beside the book folder).")
@click.option("--page-size", callback=_page_size, help="A4, A5, Letter, 6x9in or 'WIDTHmm HEIGHTmm' (default: book.yaml's).")
@click.option("--dpi", type=click.IntRange(20, 600), default=80, show_default=True, help="Resolution of the pictures.")
def preview(book: Path, edition: str, pages: str | None, out_dir: Path | None, page_size: str | None, dpi: int) -> None:
    """Write PNG pictures of BOOK's pages, to look at without a PDF viewer."""
    from .preview import parse_pages
    from .preview import preview as preview_pages

    if pages is not None:
        try:
            parse_pages(pages, 10_000)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--pages'") from None
    try:
        written = preview_pages(book, out_dir, edition, pages, page_size=page_size, dpi=dpi)
    except ValueError as exc:  # a range beyond the book's last page
        raise click.BadParameter(str(exc), param_hint="'--pages'") from None
    for path in written:
        click.echo(f"wrote {path}")


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
