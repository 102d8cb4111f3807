"""The guards of `make test-fast` in action: layout refused without `build` (here and in started processes), processes without `slow`."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import weasyprint

from layout_guard import LOG, LayoutOutsideBuildTest

PAGE = "<p>One page.</p>"


@pytest.fixture
def refusals(tmp_path, monkeypatch):
    """The refusals of this test, written here instead of the run's log (which would fail the test)."""
    log = tmp_path / "refused.txt"
    monkeypatch.setenv(LOG, str(log))
    return lambda: log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_an_unmarked_test_cannot_lay_out_pages(refusals, request):
    with pytest.raises(LayoutOutsideBuildTest, match="not marked `build`"):
        weasyprint.HTML(string=PAGE).render()
    with pytest.raises(LayoutOutsideBuildTest, match=r"HTML\.write_pdf"):
        weasyprint.HTML(string=PAGE).write_pdf()
    assert refusals() == [request.node.nodeid] * 2


def test_a_fast_test_starts_no_process(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="starts a process .*marked neither `slow` nor `build`"):
        subprocess.run(["touch", str(tmp_path / "started")], check=False)
    assert not (tmp_path / "started").exists()


@pytest.mark.slow
def test_a_process_a_test_not_marked_build_starts_cannot_lay_out_pages(refusals, request):
    code = f"import weasyprint; weasyprint.HTML(string={PAGE!r}).write_pdf()"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                         env={**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")})  # its own env, too
    assert run.returncode != 0
    assert "LayoutOutsideBuildTest" in run.stderr and "not marked `build`" in run.stderr
    assert refusals() == [request.node.nodeid]


@pytest.mark.build
def test_a_build_test_lays_out_pages():
    assert len(weasyprint.HTML(string=PAGE).render().pages) == 1
