"""Template folders in, a sandboxed Jinja environment out: templates (the book's or the project's) can show
the values they are given but not run code, touch files or grow without bound; a template that tries is
reported as `layouts/FILE:line: error: ...`.

On top of Jinja's `ImmutableSandboxedEnvironment` (no `_private` or internal attributes, no changing lists
or dicts): no path or file objects, modules or classes (other than Jinja's own helpers) are reachable, `**`
and `*` refuse results beyond a few thousand digits or `MAX_SIZE` items, all `{% for %}` loops of one render share
a budget of `MAX_LOOPS` turns, widths and counts given to filters and formats are at most `MAX_WIDTH`, every
value a filter or `~` makes at most `MAX_TEXT` long and a whole page at most `MAX_PAGE`.
"""
from __future__ import annotations

import functools
import io
import re
import types
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePath
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from ..errors import Diagnostic

MAX_TEMPLATE_BYTES = 1_000_000  # a template file (the project's largest is a few kB)
MAX_LOOPS = 1_000_000  # turns of all {% for %} loops in one render (a whole book's writing lines use a few 10,000)
MAX_SIZE = 1_000_000  # items of a string or list that `*` may make
MAX_BITS = 10_000  # bits of an integer that `**` or `*` may make
MAX_WIDTH = 10_000  # a width, count or padding asked of a filter or a format
MAX_TEXT = 64_000_000  # characters (or items) of one value a filter or `~` makes (a 4 MB chapter, escaped)
MAX_PAGE = 256_000_000  # characters of one rendered page
_SIZED_FILTERS = {"center", "indent", "batch", "slice", "wordwrap"}  # their numbers say how much they make
_PRINTF_WIDTH = re.compile(r"%(?:\([^)]*\))?[-+ #0_^]*(?:\*|\d{5,}|\d*\.(?:\*|\d{5,}))")  # also strftime's
_FORMAT_WIDTH = re.compile(r"\{[^{}]*:[^{}]*(?:\d{5,}|\{)")
_HELPERS = (jinja2.utils.Cycler, jinja2.utils.Joiner, jinja2.utils.Namespace)
_HIDDEN = (PurePath, io.IOBase, types.ModuleType, type)


class TemplateLimit(SecurityError):
    """A template asked for more than a layout may: work, memory, or a file outside its folder."""


class ContainedLoader(jinja2.FileSystemLoader):
    """Templates from folders, each file checked first: inside its folder's boundary after resolving links
    (a book's layouts stay inside the book), and at most MAX_TEMPLATE_BYTES (checked before reading)."""

    def __init__(self, folders: list[Path], book_root: Path | None):
        super().__init__([str(folder) for folder in folders])
        self.bounds = [book_root.resolve() if book_root is not None and folder.absolute().is_relative_to(book_root.absolute())
                       else folder.resolve() for folder in folders]

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = jinja2.loaders.split_template_path(template)
        for folder, bound in zip(self.searchpath, self.bounds, strict=True):
            path = Path(folder, *pieces)
            if path.is_file():
                if not path.resolve().is_relative_to(bound):
                    raise TemplateLimit(f"{template} leads outside {bound} (a link?); layouts are read from the "
                                        "book folder only")
                if path.stat().st_size > MAX_TEMPLATE_BYTES:
                    raise TemplateLimit(f"{template} is larger than {MAX_TEMPLATE_BYTES:,} bytes")
                break
        return super().get_source(environment, template)


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """The one Jinja environment every template is rendered with."""

    intercepted_binops = frozenset({"**", "*", "%"})

    def __init__(self, folders: Iterable[Path], book_root: Path | None = None, **options: Any):
        """Templates from `folders` (first wins); those inside `book_root` may not lead out of it."""
        self.folders = [Path(folder) for folder in folders]
        super().__init__(loader=ContainedLoader(self.folders, book_root), **options)
        self.globals.pop("lipsum", None)  # makes text at any length; no layout needs it
        self.filters = {name: _guarded(name, function) for name, function in self.filters.items()}
        self.filters["wb_counted"] = self._counted
        self.filters["wb_sized"] = _sized
        self.loops_left = MAX_LOOPS

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):  # every loop's items go through the shared budget
            loop.iter = nodes.Filter(loop.iter, "wb_counted", [], [], None, None, lineno=loop.iter.lineno)
        for parent in list(tree.find_all(nodes.Node)):  # every `a ~ b` is measured
            for field in parent.fields:
                value = getattr(parent, field, None)
                if isinstance(value, nodes.Concat):
                    setattr(parent, field, nodes.Filter(value, "wb_sized", [], [], None, None, lineno=value.lineno))
                elif isinstance(value, list):
                    setattr(parent, field, [nodes.Filter(item, "wb_sized", [], [], None, None, lineno=item.lineno)
                                            if isinstance(item, nodes.Concat) else item for item in value])
        return tree

    def concat(self, pieces: Iterable[str]) -> str:
        """Join a page's (or a block's) pieces, refusing a page longer than MAX_PAGE characters."""
        kept, total = [], 0
        for piece in pieces:
            total += len(piece)
            if total > MAX_PAGE:
                raise TemplateLimit(f"the page grew beyond {MAX_PAGE:,} characters")
            kept.append(piece)
        return "".join(kept)

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None and _FORMAT_WIDTH.search(value.__self__):
            raise TemplateLimit(f"a width or nested field in {value.__self__[:60]!r} is more than a template may ask")
        return wrapped

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
        if operator == "%" and isinstance(left, str) and _PRINTF_WIDTH.search(left):
            raise TemplateLimit(f"a width in {left[:60]!r} is more than a template may ask")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - as Jinja's
        if getattr(__obj, "__name__", "") == "strftime" and any(isinstance(a, str) and _PRINTF_WIDTH.search(a)
                                                               for a in (*args, *kwargs.values())):
            raise TemplateLimit("a width in a strftime() pattern is more than a template may ask")
        return super().call(__context, __obj, *args, **kwargs)

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
        place: tuple[str, int | None] = (template, None)
        trace = exc.__traceback__
        while trace is not None:  # Jinja rewrites its frames to carry the template's file name and line
            filename = Path(trace.tb_frame.f_code.co_filename)
            for folder in self.folders:
                if filename.is_relative_to(folder):
                    place = (filename.relative_to(folder).as_posix(), trace.tb_lineno)
            trace = trace.tb_next
        return place


def _sized(value: Any) -> Any:
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_TEXT:
        raise TemplateLimit(f"a value of {len(value):,} characters or items is more than a template may make")
    return value


def _guarded(name: str, function: Any) -> Any:
    """A Jinja filter that refuses widths and counts beyond MAX_WIDTH and results beyond MAX_TEXT."""

    @functools.wraps(function)  # keeps Jinja's pass_context/pass_eval_context mark
    def guarded(*args: Any, **kwargs: Any) -> Any:
        values = [v for v in (*args, *kwargs.values()) if not isinstance(v, (jinja2.nodes.EvalContext,
                                                                             jinja2.runtime.Context, jinja2.Environment))]
        numbers = [v for v in values[1:] if isinstance(v, int) or isinstance(v, str) and name == "indent"]
        if name in _SIZED_FILTERS and any((v if isinstance(v, int) else len(v)) > MAX_WIDTH for v in numbers):
            raise TemplateLimit(f"|{name} was asked for more than {MAX_WIDTH:,}")
        if name == "format" and values and isinstance(values[0], str) and _PRINTF_WIDTH.search(values[0]):
            raise TemplateLimit(f"a width in {values[0][:60]!r} is more than a template may ask")
        if name == "replace" and len(values) >= 3 and all(isinstance(v, str) for v in values[:3]):
            text, old, new = (str(v) for v in values[:3])
            grows = (len(text) + 1 if not old else text.count(old)) * max(0, len(new) - len(old))
            if len(text) + grows > MAX_TEXT:
                raise TemplateLimit(f"|replace would make more than {MAX_TEXT:,} characters")
        if name == "join" and values and hasattr(values[0], "__len__") and len(values) > 1:
            if len(values[0]) * len(str(values[1])) > MAX_TEXT:
                raise TemplateLimit(f"|join would make more than {MAX_TEXT:,} characters")
        return _sized(function(*args, **kwargs))

    return guarded


def _jinja_helper(value: Any) -> bool:
    """Jinja's own cycler, joiner and namespace (classes a template may call)."""
    return isinstance(value, type) and issubclass(value, _HELPERS)
