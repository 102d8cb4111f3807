"""Build events in, progress on stderr out: rich bars on a terminal, plain lines otherwise, nothing when quiet."""
from __future__ import annotations

import sys
from typing import IO, Any

import click


class BuildReporter:
    """Pass `on_stage` and `on_progress` to `workbook.build`; use as a context manager around it."""

    def __init__(self, quiet: bool = False, verbose: bool = False, stream: IO[str] | None = None):
        self.quiet = quiet
        self.verbose = verbose
        self.stream = stream or sys.stderr
        self.fancy = not quiet and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> BuildReporter:
        if self.fancy:
            # deferred: rich's bars load only on a terminal (a quiet build, CI or a pipe never needs them)
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[label]}"), TimeElapsedColumn(),
                console=Console(file=self.stream), transient=not self.verbose,
            )
            self._progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.stop()

    def on_progress(self, kind: str, done: int, total: int, label: str) -> None:
        if self._progress is None:
            return
        task = self._tasks.get(kind)
        if task is None:
            task = self._tasks[kind] = self._progress.add_task(kind, total=total, label="")
        self._progress.update(task, completed=done, total=total, label=label)

    def on_stage(self, name: str) -> None:
        if not self.quiet and not self.fancy:
            click.echo(f"building {name}…", err=True)

    def report_timings(self, timings: dict[str, float]) -> None:
        """With --verbose: the time each stage took, and the total."""
        if not self.verbose:
            return
        for stage, seconds in timings.items():
            click.echo(f"  {stage:<12} {seconds:6.2f} s", err=True)
        click.echo(f"  {'total':<12} {sum(timings.values()):6.2f} s", err=True)


class RowsBar:
    """One bar over the rows of a clients file (`worksheets --clients`, `copies`): `start(total)`, then
    `advance(name)` per row made; nothing when quiet. Use as a context manager."""

    def __init__(self, label: str, quiet: bool = False):
        # deferred: rich's bars load only for the commands that make a file per client
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                  TextColumn("{task.description}"), console=Console(stderr=True), disable=quiet,
                                  transient=True)
        self._task: Any = None

    def __enter__(self) -> RowsBar:
        self._progress.__enter__()
        self._task = self._progress.add_task("", total=None)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._progress.__exit__(*exc)

    def start(self, total: int) -> None:
        self._progress.update(self._task, total=total)

    def advance(self, name: str) -> None:
        self._progress.update(self._task, advance=1, description=name)
