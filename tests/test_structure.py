"""The package's shape: the README's map names every module (and nothing else), modules stay small and say
what goes in and out, and no import hides inside a function without saying why."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "workbook"
README = Path(__file__).resolve().parents[1] / "README.md"
MAX_LINES = 400


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if "scaffold" not in p.relative_to(PACKAGE).parts and p.name != "__init__.py")


def readme_map() -> list[str]:
    """The module paths the README's map lists (its code block under "How it is built")."""
    text = README.read_text(encoding="utf-8")
    block = text[text.index("## How it is built"):]
    block = block[block.index("```\nsrc/workbook/\n") + 4:]
    block = block[:block.index("```")]
    listed, folder = [], ""
    for line in block.splitlines()[1:]:
        match = re.match(r"^( +)(\S+)", line)
        if not match:
            continue
        indent, name = len(match[1]), match[2]
        if name.endswith("/"):
            folder = name
        elif name.endswith(".py"):
            listed.append(name if indent == 2 else folder + name)
    return listed


def test_the_readme_map_lists_every_module_and_nothing_else():
    actual = {p.relative_to(PACKAGE).as_posix() for p in modules()}
    listed = readme_map()
    assert len(listed) == len(set(listed)), "a module is listed twice"
    assert sorted(set(listed) - actual) == [], "the README lists modules that do not exist"
    assert sorted(actual - set(listed)) == [], "modules missing from the README's map"


def test_the_map_parser_sees_nested_and_top_level_modules():
    listed = readme_map()
    assert "cli.py" in listed and "layout/session.py" in listed and "errors.py" in listed


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_a_module_is_small_and_opens_with_what_goes_in_and_out(path):
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_LINES, f"{path.name} has more than {MAX_LINES} lines; split it by what it does"
    docstring = ast.get_docstring(ast.parse(text))
    assert docstring and docstring.strip(), f"{path.name} has no module docstring"


def _comment_above(lines: list[str], node: ast.stmt) -> str:
    """The import's own lines and the comment lines above the group of imports it belongs to."""
    first = node.lineno - 1
    while first > 0 and lines[first - 1].strip().startswith(("from ", "import ", "#", ")")) | (lines[first - 1].strip() == ""):
        first -= 1
        if lines[first].strip().startswith("#"):
            break
    return " ".join(lines[first:node.end_lineno])


def local_imports(path: Path) -> list[tuple[int, str, bool]]:
    """Imports inside functions: (line, module, has a comment that says why it is deferred)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []

    def visit(node: ast.AST, inside: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if inside and isinstance(child, (ast.Import, ast.ImportFrom)):
                name = child.module if isinstance(child, ast.ImportFrom) else child.names[0].name
                if isinstance(child, ast.ImportFrom) and child.level:
                    name = "." * child.level + (name or "")
                found.append((child.lineno, name or "", "defer" in _comment_above(lines, child).lower()))
            visit(child, inside or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(ast.parse("\n".join(lines)), False)
    return found


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_imports_sit_at_the_top_unless_a_comment_says_why_they_wait(path):
    """An import may wait inside a function only to defer a heavy dependency, with a comment saying so."""
    for line, name, explained in local_imports(path):
        assert explained, f"{path.name}:{line}: {name} imported inside a function without a comment saying why"


def test_the_import_check_finds_a_hidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""x"""\ndef f():\n    from .render import x\n    import json  # deferred: slow\n', encoding="utf-8")
    assert local_imports(sample) == [(3, ".render", False), (4, "json", True)]
