"""weasyprint.HTML in, its layouts refused out while WORKBOOK_TEST_NO_LAYOUT names the running test (one not marked `build`)."""
from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys

# Used by tests/conftest.py in the pytest process (and so in the workers a build forks) and by sitecustomize.py
# beside this file in the Python processes a test starts (conftest.py puts this folder on their PYTHONPATH).
FLAG = "WORKBOOK_TEST_NO_LAYOUT"  # the node id of the running test, while it is not marked `build`
LOG = "WORKBOOK_TEST_LAYOUT_LOG"  # a file every refusal appends its test's node id to
METHODS = ("render", "write_pdf")  # weasyprint.HTML's layouts (write_pdf renders first)


class LayoutOutsideBuildTest(BaseException):
    """WeasyPrint laid out pages for a test not marked `build`. A BaseException, so no `except Exception`
    in the code under test turns it into an ordinary error; it also comes back from a pool worker."""


def _guarded(method):
    def layout(self, *args, **kwargs):
        test = os.environ.get(FLAG)
        if test:
            log = os.environ.get(LOG)
            if log:
                with open(log, "a", encoding="utf-8") as handle:
                    handle.write(test + "\n")
            raise LayoutOutsideBuildTest(
                f"{test} lays out pages (weasyprint.HTML.{method.__name__}) but is not marked `build`: add "
                "@pytest.mark.build (or pytestmark = pytest.mark.build), or keep page layout out of it")
        return method(self, *args, **kwargs)

    layout.__wrapped__ = method
    return layout


def guard(html_class: type) -> None:
    """Make weasyprint.HTML's layouts ask FLAG first."""
    for name in METHODS:
        method = getattr(html_class, name)
        if not hasattr(method, "__wrapped__"):
            setattr(html_class, name, _guarded(method))


def unguard(html_class: type) -> None:
    for name in METHODS:
        method = getattr(html_class, name)
        setattr(html_class, name, getattr(method, "__wrapped__", method))


class _GuardOnImport(importlib.abc.MetaPathFinder):
    """Guards weasyprint.HTML once weasyprint is imported (importing it here would slow every process)."""

    def find_spec(self, name, path=None, target=None):
        if name != "weasyprint":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_guard(module):
            exec_module(module)
            guard(module.HTML)

        spec.loader.exec_module = exec_and_guard
        return spec


def guard_on_import() -> None:
    if "weasyprint" in sys.modules:
        guard(sys.modules["weasyprint"].HTML)
    else:
        sys.meta_path.insert(0, _GuardOnImport())
