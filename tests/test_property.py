"""Property: any chapter Markdown either builds (an EPUB that EPUBCheck passes with 0 errors and
0 warnings, a PDF for some) or fails with a WorkbookError — never another exception, never a leak."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbook
from helpers import Books, chapter, epubcheck_problems
from test_bad_input import assert_no_leak

pytestmark = pytest.mark.build  # builds books

ALPHABET = list("ab é\u00a0\t\n<>&[]()*_`#-:{}=|!\\\"'~^$%/.1") + ["💡", "🔗", "🌱", "\u200b"]
SNIPPETS = [
    "\n\n💡 Why now? {lines=3}\n\n", "\n\n💡 {lines=99}\n\n", "\n\n🔗 [Join](https://example.org)\n\n",
    "\n\n> quote\n", "\n\n> [!NOTE]\n> careful\n", "\n\n- a\n- b\n    - c\n", "\n\n1. one\n2. two\n",
    "\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", "<div>", "</div>", "<script>x()</script>", "<b>", "</i>",
    "[x](javascript:y)", "[y](../../etc/passwd)", "![i](images/none.png)", "![e](file:///etc/hostname)",
    "[^1]", "\n\n[^1]: a note\n", "&nbsp;", "&bogus;", "&#0;", "\n\n```\n<code>\n```\n", "{#id .cls onclick=x}",
    "\n\nExample: this\n\n", "\n\n## FAQ\n\n### Q?\n\nA.\n", "\n\n## Further reading\n\n- [T](https://example.org)\n",
    "\n\n---\n", "<svg><script/></svg>", '<a href="data:text/html,x">d</a>', "<!-- c -->", "<?php ?>", "\n\n    indented\n",
]
MARKDOWN = st.lists(st.one_of(st.text(alphabet=ALPHABET, max_size=60), st.sampled_from(SNIPPETS)),
                    min_size=1, max_size=10).map("".join)


def test_random_chapters_build_cleanly_or_fail_with_a_workbook_error(tmp_path_factory):
    built: list[str] = []
    counter = itertools.count()

    @settings(max_examples=12, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(MARKDOWN)
    def check(body: str) -> None:
        number = next(counter)
        root = tmp_path_factory.mktemp(f"random-{number}")
        book = Books(root).write({"01-random.md": chapter(body)})
        formats = ["epub", "pdf"] if number % 4 == 0 else ["epub"]
        try:
            result = workbook.build(book, root / "dist", formats)
        except workbook.WorkbookError:
            return
        for path in result.outputs:
            assert_no_leak(path)
        built.append(body)

    check()
    assert built, "no random chapter built at all"
    # One EPUBCheck run (a JVM start is slow) over a book made of every chapter that built.
    root = tmp_path_factory.mktemp("random-all")
    book = Books(root).write({f"{n + 1:02d}-random-{n}.md": chapter(body, f"R{n}") for n, body in enumerate(built)})
    result = workbook.build(book, root / "dist", ["epub"])
    problems = epubcheck_problems(result.outputs[0])
    assert problems == [], (problems, built)
