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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="workbook")
def cli() -> None:
    """Turn a book folder (book.yaml + Markdown chapters) into a workbook."""


@cli.command()
@click.argument("book", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: dist/ beside the book folder).")
@click.option("-f", "--formats", callback=_formats, help="Comma-separated: pdf,epub (default: book.yaml's formats).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. an image without alt text) as errors.")
def build(book: Path, out_dir: Path | None, formats: list[str] | None, quiet: bool, strict: bool) -> None:
    """Build BOOK (a folder with book.yaml) into PDF and EPUB."""
    def stage(name: str) -> None:
        if not quiet:
            click.echo(f"building {name}…", err=True)

    result = build_book(book, out_dir, formats, on_stage=stage, strict=strict)
    if not quiet:
        _print_diagnostics(result.warnings)
        for path in result.outputs:
            click.echo(f"wrote {path} ({_size(path)})")


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
