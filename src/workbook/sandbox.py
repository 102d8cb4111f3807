"""Template folders in, a sandboxed Jinja environment out: templates (the book's or the project's) can show
the values they are given but not run code, touch files or grow without bound; a template that tries is
reported as `layouts/FILE:line: error: ...`.

On top of Jinja's `ImmutableSandboxedEnvironment` (no `_private` or internal attributes, no changing lists
or dicts): no path or file objects, modules or classes (other than Jinja's own helpers) are reachable, `**`
and `*` refuse results beyond a few thousand digits or `MAX_SIZE` items, and all `{% for %}` loops of one
render share a budget of `MAX_LOOPS` turns.
"""
from __future__ import annotations

import io
import types
from pathlib import Path, PurePath
from typing import Any, Iterable, Iterator

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from .errors import Diagnostic

MAX_LOOPS = 1_000_000  # turns of all {% for %} loops in one render (a whole book's writing lines use a few 10,000)
MAX_SIZE = 1_000_000  # items of a string or list that `*` may make
MAX_BITS = 10_000  # bits of an integer that `**` or `*` may make
_HELPERS = (jinja2.utils.Cycler, jinja2.utils.Joiner, jinja2.utils.Namespace)
_HIDDEN = (PurePath, io.IOBase, types.ModuleType, type)


class TemplateLimit(SecurityError):
    """A template asked for more work or memory than a layout needs."""


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """The one Jinja environment every template is rendered with."""

    intercepted_binops = frozenset({"**", "*"})

    def __init__(self, folders: Iterable[Path], **options: Any):
        self.folders = [Path(folder) for folder in folders]
        super().__init__(loader=jinja2.FileSystemLoader([str(folder) for folder in self.folders]), **options)
        self.globals.pop("lipsum", None)  # makes text at any length; no layout needs it
        self.filters["wb_counted"] = self._counted
        self.loops_left = MAX_LOOPS

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):  # every loop's items go through the shared budget
            loop.iter = nodes.Filter(loop.iter, "wb_counted", [], [], None, None, lineno=loop.iter.lineno)
        return tree

    def _counted(self, items: Iterable) -> Iterator:
        for item in items:
            self.loops_left -= 1
            if self.loops_left < 0:
                raise TemplateLimit(f"loops ran more than {MAX_LOOPS:,} times in one page; a layout should loop "
                                    "over the book's chapters and prompts, not build work of its own")
            yield item

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, _HIDDEN) or isinstance(value, _HIDDEN) and not _jinja_helper(value):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def is_safe_callable(self, obj: Any) -> bool:
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, _HIDDEN) or isinstance(obj, type) and not _jinja_helper(obj):
            return False
        return super().is_safe_callable(obj)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            if right * abs(left).bit_length() > MAX_BITS:
                raise TemplateLimit(f"{left} ** {right} is too large a number for a template")
        if operator == "*":
            if isinstance(left, int) and isinstance(right, int):
                if abs(left).bit_length() + abs(right).bit_length() > MAX_BITS:
                    raise TemplateLimit("too large a number for a template")
            else:
                size, times = (len(left), right) if isinstance(right, int) and hasattr(left, "__len__") else \
                    (len(right), left) if isinstance(left, int) and hasattr(right, "__len__") else (0, 0)
                if size * times > MAX_SIZE:
                    raise TemplateLimit(f"repeating {size:,} items {times:,} times is more than a template may make")
        return super().call_binop(context, operator, left, right)

    def render_page(self, name: str, context: dict[str, Any]) -> str:
        """Render template `name` with `context`, with a fresh loop budget."""
        self.loops_left = MAX_LOOPS
        return self.get_template(name).render(context)

    def problem(self, exc: BaseException, template: str) -> Diagnostic:
        """What went wrong in a template, placed at the template's file and line where Jinja knows it."""
        name, line = self._place(exc, template)
        if isinstance(exc, TemplateLimit):
            message = str(exc)
        elif isinstance(exc, SecurityError):
            message = f"{str(exc).rstrip('.')}; templates may show the values they are given, not run code"
        elif isinstance(exc, jinja2.TemplateError):
            message = exc.message or str(exc)
        elif isinstance(exc, RecursionError):
            message = "macros call each other too deeply (a macro that calls itself without end?)"
        elif isinstance(exc, MemoryError):
            message = "rendering needs more memory than there is; make the template loop or repeat less"
        else:
            message = f"{exc}"
        return Diagnostic(f"layouts/{name}", line, f"template error: {message}")

    def _place(self, exc: BaseException, template: str) -> tuple[str, int | None]:
        if isinstance(exc, jinja2.TemplateSyntaxError):
            return exc.name or template, exc.lineno
        place = (template, None)
        trace = exc.__traceback__
        while trace is not None:  # Jinja rewrites its frames to carry the template's file name and line
            filename = Path(trace.tb_frame.f_code.co_filename)
            for folder in self.folders:
                if filename.is_relative_to(folder):
                    place = (filename.relative_to(folder).as_posix(), trace.tb_lineno)
            trace = trace.tb_next
        return place


def _jinja_helper(value: Any) -> bool:
    """Jinja's own cycler, joiner and namespace (classes a template may call)."""
    return isinstance(value, type) and issubclass(value, _HELPERS)
