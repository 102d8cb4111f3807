"""Command-line arguments in, library calls and human-readable reports out (exit 0 done, 1 book error, 2 usage)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__
from .author.new import new_book, scaffold_languages
from .author.preview import parse_pages
from .author.preview import preview as preview_pages
from .author.progress import BuildReporter
from .build import build as build_book
from .cli_coach import answers, copies, print_diagnostics, size_text, worksheets
from .errors import Diagnostic, WorkbookError, escape_controls
from .files.output import output_folder
from .importers.articles import import_articles
from .layout.audit import audit_book
from .model.config import BookConfig, FormatName, page_size_mm, parse_formats
from .model.pages import EDITIONS, EditionName
from .model.printing import PAPERS, PROFILES, get_profile
from .source.check import CheckReport, check_book
from .targets.preflight import preflight
from .targets.printfiles import cover_name, interior_name


def _formats(ctx: click.Context, param: click.Parameter, value: str | None) -> list[FormatName] | None:
    if value is None:
        return None
    try:
        return parse_formats(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _page_size(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None

    try:
        page_size_mm(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _print_profiles(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str] | None:
    if not value:
        return None
    names = [n.strip().lower() for item in value for n in item.split(",") if n.strip()]
    unknown = [n for n in names if n not in PROFILES]
    if unknown or not names:
        raise click.BadParameter(f"unknown print profile {unknown[0]!r}; choose from {', '.join(PROFILES)}"
                                 if unknown else "no print profile given")
    return list(dict.fromkeys(names))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="workbook")
def cli() -> None:
    """Turn a book folder (book.yaml + Markdown chapters) into a workbook."""


for _command in (worksheets, answers, copies):  # the coaches' commands (cli_coach.py)
    cli.add_command(_command)


@cli.command()
@click.argument("book", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: dist/ beside the book folder).")
@click.option("-f", "--formats", callback=_formats,
              help="Comma-separated: pdf,epub,print,worksheets,site (default: book.yaml's formats).")
@click.option("--page-size", callback=_page_size, help="A4, A5, Letter, 6x9in or 'WIDTHmm HEIGHTmm' (default: book.yaml's).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors (for CI).")
@click.option("-v", "--verbose", is_flag=True, help="Also print the time each stage took.")
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. an image without alt text) as errors.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="Processes that lay out the PDF's parts (default: WORKBOOK_JOBS, else one per core).")
@click.option("--print-profile", "print_profiles", multiple=True, callback=_print_profiles, metavar="NAME",
              help="A printer's interior and cover with -f print: kdp, ingramspark or press (repeat, or a comma "
                   "list; default: book.yaml's print: profile).")
def build(book: Path, out_dir: Path | None, formats: list[str] | None, page_size: str | None, quiet: bool,
          verbose: bool, strict: bool, jobs: int | None, print_profiles: list[str] | None) -> None:
    """Build BOOK (a folder with book.yaml) into the reader's PDF, the print PDF, the EPUB, worksheets
    and the download page.

    Runs the checks of `workbook check` first: errors stop the build, warnings are printed.
    """
    if print_profiles and formats is not None and "print" not in formats:
        raise click.BadParameter("print profiles make the print format; add print to -f", param_hint="'--print-profile'")
    with BuildReporter(quiet, verbose) as reporter:
        result = build_book(book, out_dir, formats, on_stage=reporter.on_stage, on_progress=reporter.on_progress,
                            page_size=page_size, strict=strict, jobs=jobs, print_profiles=print_profiles)
    if not quiet:
        print_diagnostics(result.warnings)
        for path in result.outputs:
            click.echo(f"wrote {path} ({size_text(path)})")
        reporter.report_timings(result.timings)
        if verbose and result.parts:
            click.echo(f"  parts: {result.parts}, {result.cached} from .workbook-cache, "
                       f"{result.layouts} layouts made", err=True)
        if verbose:
            for report in result.print_profiles:
                click.echo(f"  {report.summary()}", err=True)


# --- author experience: new, check, watch (issue 7) ---------------------------------------------

@cli.command("new")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--lang", "language", type=click.Choice(scaffold_languages()), default="en", show_default=True,
              help="Language of the sample book.")
def new_command(directory: Path, language: str) -> None:
    """Start a book in DIRECTORY (new or empty): book.yaml, two sample chapters, a README."""
    written = new_book(directory, language)
    for path in written:
        click.echo(f"created {path}")
    click.echo(f"next: edit {directory / 'book.yaml'}, then `workbook watch {directory}` or `workbook build {directory}`")


@cli.command("check")
@click.argument("book", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--print-profile", "print_profiles", multiple=True, type=click.Choice(PROFILES), metavar="NAME",
              help="Also preflight the built print files of this profile (kdp, ingramspark, press); repeatable.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the built files are (default: dist/ beside the book folder).")
@click.option("--paper", type=click.Choice(PAPERS),
              help="The paper the cover's spine width is measured for (--print-profile; default: book.yaml's "
              "print: paper, else white).")
@click.option("--spine-in", type=float, help="The spine width (inches) the printer states, where it publishes "
              "no paper thickness (IngramSpark, a press; KDP's follows --paper; default: book.yaml's print: spine_in).")
@click.option("--pages", is_flag=True, help="Also lay the book out (through the build's cache) and audit its pages.")
def check_command(book: Path, strict: bool, print_profiles: tuple[str, ...], out_dir: Path | None, paper: str | None,
                  spine_in: float | None, pages: bool = False) -> None:
    """Validate BOOK without rendering: config, chapters, images, prompts, ids and links; with
    --print-profile also the built print files against that printer's rules.

    Prints `file:line: error|warning: message` per problem and a summary; exit 1 on errors
    (and on warnings with --strict). With --pages, the page audit of the laid-out book follows.
    """
    report = check_book(book)
    if pages:
        report = _audit_pages(book, report, out_dir)
    if print_profiles and report.manuscript is not None:
        report.extend(_preflight(book, report.manuscript.config, out_dir, print_profiles, paper, spine_in))
    for item in report.diagnostics:
        click.echo(str(item))
    click.echo(report.summary() + (" (--strict: warnings fail)" if strict and report.warnings else ""))
    if report.failed(strict):
        sys.exit(1)


def _preflight(book: Path, config: BookConfig, out_dir: Path | None, names: tuple[str, ...], paper: str | None,
               spine_in: float | None) -> list[Diagnostic]:
    """The preflight of each profile's built interior and cover (dist/SLUG-print-NAME.pdf,
    dist/SLUG-cover-NAME.pdf, as targets/printfiles.py names them), for the paper and spine width given,
    else book.yaml's `print:`; a missing file is an error saying how to build it."""
    settings = config.settings.print
    paper = paper or settings.paper
    out = output_folder(book, out_dir)
    found: list[Diagnostic] = []
    for name in dict.fromkeys(names):
        interior, cover = out / interior_name(config, name), out / cover_name(config, name)
        missing = [path for path in (interior, cover) if not path.is_file()]
        for path in missing:
            found.append(Diagnostic(str(path), None, f"print: {name}: not built; run `workbook build -f print "
                                    f"--print-profile {name}` first"))
        if interior in missing:
            continue
        try:
            profile = get_profile(name)
            stated = None if profile.paper_in_per_page else spine_in or settings.spine_for(name)  # KDP's follows its paper
            found += preflight(profile, interior, None if cover in missing else cover, paper, stated,
                               isbn=config.settings.isbn)
        except WorkbookError as error:  # e.g. a spine width the printer's rules do not allow
            found += error.diagnostics
    return found


def _audit_pages(book: Path, report: CheckReport, out_dir: Path | None) -> CheckReport:
    """`check --pages`: the check's findings and, for a book without errors, the page audit's (file:line:
    warning: page N: …), laid out through the cache `workbook build` uses."""
    if report.errors:
        return report
    found = audit_book(book, out_dir)
    return CheckReport(report.diagnostics + found, report.manuscript)


@cli.command("watch")
@click.argument("book", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: dist/ beside the book folder).")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("-f", "--formats", callback=_formats, help="What to rebuild on change (default: pdf,epub).")
def watch_command(book: Path, out_dir: Path | None, port: int, formats: list[FormatName] | None) -> None:
    """Rebuild BOOK on every change and serve a live preview on http://127.0.0.1:PORT."""
    # deferred: the preview server and watchfiles (with anyio) load only for `workbook watch`
    from .author.watch import serve_and_watch

    serve_and_watch(book, out_dir, port, formats)


@cli.command("import")
@click.argument("files", nargs=-1, required=True, metavar="FILE|EXPORT.xml|URL...")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the chapter files (default: BOOK/chapters with --into, else the current folder).")
@click.option("--lang", "language", help="Language of the articles (nl, en, …); default: detected.")
@click.option("--into", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A book folder: write into its chapters/ and add the chapters to book.yaml.")
@click.option("--force", is_flag=True, help="Overwrite chapters that already exist.")
@click.option("--order", "order_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A WordPress export's posts in this order: one slug or title a line (default: by date).")
@click.option("--keep-samples", is_flag=True,
              help="Into a fresh `workbook new` book: keep its sample chapters and placeholders.")
@click.option("--allow-remote", is_flag=True, help="Fetch http(s) addresses (public hosts only; off by default).")
def import_(files: tuple[str, ...], out_dir: Path | None, language: str | None, into: Path | None, force: bool,
            order_file: Path | None, keep_samples: bool, allow_remote: bool) -> None:
    """Turn articles (plain text, saved HTML pages, a WordPress export, addresses) into chapter files that build."""
    order = order_file.read_text("utf-8").splitlines() if order_file is not None else None
    sources: list[Path | str] = [f if f.startswith(("http://", "https://")) else Path(f) for f in files]
    for report in import_articles(sources, out_dir, language=language, into=into, force=force, order=order,
                                  keep_samples=keep_samples, allow_remote=allow_remote):
        click.echo(report.summary())


@cli.command()
@click.argument("book", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-e", "--edition", type=click.Choice(EDITIONS), default="screen", show_default=True,
              help="The reader's PDF (screen) or the printer's (print: with bleed and crop marks).")
@click.option("-p", "--pages", help="Pages to picture, from 1: 1-4, 7 or 2,5-6 (default: all).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the PNG files (default: dist/preview/ beside the book folder).")
@click.option("--page-size", callback=_page_size, help="A4, A5, Letter, 6x9in or 'WIDTHmm HEIGHTmm' (default: book.yaml's).")
@click.option("--dpi", type=click.IntRange(20, 600), default=80, show_default=True, help="Resolution of the pictures.")
def preview(book: Path, edition: EditionName, pages: str | None, out_dir: Path | None, page_size: str | None, dpi: int) -> None:
    """Write PNG pictures of BOOK's pages, to look at without a PDF viewer."""
    if pages is not None:
        try:
            parse_pages(pages, 10_000)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--pages'") from None
    try:
        written = preview_pages(book, out_dir, edition, pages, page_size=page_size, dpi=dpi,
                                on_warning=lambda item: print_diagnostics([item]))
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
        print_diagnostics(exc.diagnostics)
        count = sum(1 for d in exc.diagnostics if d.severity == "error")
        click.echo(f"{count} error{'s' if count != 1 else ''}; nothing was written", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug in workbook, not in the book: say so without a traceback
        if os.environ.get("WORKBOOK_DEBUG"):
            raise
        click.echo(escape_controls(f"workbook: internal error: {type(exc).__name__}: {exc}"), err=True)
        click.echo("This is a bug in workbook; set WORKBOOK_DEBUG=1 to see the traceback and report it.", err=True)
        sys.exit(1)
    sys.exit(0)
