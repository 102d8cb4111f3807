"""The download page and the live preview in headless Chromium: links resolve, layout fits a phone,
and an edit to a chapter reloads the preview by itself. Screenshots go to $WORKBOOK_SCREENSHOTS if set."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import workbook
from cdp import Browser, chromium_path
from helpers import ROOTS

pytestmark = pytest.mark.skipif(chromium_path() is None,
                                reason="chromium is not installed (the Makefile's sysdeps installs it as root)")


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("WORKBOOK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    instance = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield instance
    instance.close()


@pytest.mark.build
def test_download_page_links_resolve_and_fit_phone_and_desktop(browser, tmp_path):
    out = tmp_path / "dist"
    workbook.build(ROOTS / "mini", out, ["pdf", "epub", "site"])
    for width, height, mobile in ((390, 844, True), (1280, 900, False)):
        browser.viewport(width, height, mobile)
        browser.goto((out / "index.html").as_uri())
        links = browser.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        files = [link for link in links if link.startswith("file:") and "#" not in link]
        assert len(files) == 2
        anchors = [link.split("#", 1)[1] for link in links if "#" in link]
        assert anchors and all(browser.evaluate(f"!!document.getElementById({a!r})") for a in anchors)
        for link in files:
            assert Path(urllib.request.url2pathname(link.split("#")[0][len("file://"):])).is_file(), link
        assert browser.wait_for("document.querySelector('img.cover').complete && "
                                "document.querySelector('img.cover').naturalWidth > 0")
        assert browser.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        assert browser.evaluate("document.querySelector('h1').textContent") == "Small Steps"
        cards = browser.evaluate("Array.from(document.querySelectorAll('.download a'))"
                                 ".map(a => a.getBoundingClientRect().height)")
        assert all(h >= 44 for h in cards)  # comfortable touch targets
        browser.screenshot(shots(tmp_path) / f"download-page-{width}.png")


def save(path: Path, text: str) -> None:
    """Save as editors do: a temporary file renamed over the old one (never a half-written chapter)."""
    temp = path.with_name("." + path.name + ".tmp")
    temp.write_text(text)
    os.replace(temp, path)


def _wait_ok(url: str, process: subprocess.Popen, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            state = json.load(urllib.request.urlopen(url + "__build", timeout=5))
            if state["status"] in ("ok", "error"):
                return state
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError("the watcher never finished its first build")


@pytest.mark.build
def test_live_preview_reloads_on_edit_and_survives_a_broken_edit(browser, tmp_path, books):
    book = books("mini")
    process = subprocess.Popen(
        [sys.executable, "-m", "workbook", "watch", str(book), "-o", str(tmp_path / "dist"), "--port", "0",
         "-f", "pdf,epub"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = process.stdout.readline()
        assert line.startswith("serving http://127.0.0.1:"), line + process.stderr.read()
        url = line.split()[1]
        assert _wait_ok(url, process)["status"] == "ok"
        browser.viewport(1100, 900)
        browser.goto(url)
        text = browser.evaluate("document.body.innerText").replace("\u00a0", " ")  # a question's last words: no-break
        assert "Which small step could you take this week?" in text
        hrefs = browser.evaluate("Array.from(document.querySelectorAll('.bar a')).map(a => a.href)")
        assert {h.rsplit("/", 1)[1] for h in hrefs} == {"small-steps.pdf", "small-steps.epub"}
        for href in hrefs:
            with urllib.request.urlopen(href, timeout=10) as response:
                assert response.status == 200 and len(response.read()) > 1000
        browser.evaluate("window.notReloaded = true")

        chapter = book / "chapters" / "02-more.md"
        save(chapter, chapter.read_text() + "\nA sentence written while the preview was open.\n")
        browser.wait_for("document.body.innerText.replace(/\\u00a0/g, ' ')"
                         ".includes('A sentence written while the preview was open.')", 120)
        assert browser.evaluate("window.notReloaded") is None  # the page reloaded itself
        browser.wait_for("document.body.dataset.status === 'ok'", 120)
        browser.screenshot(shots(tmp_path) / "live-preview.png", full_page=False)

        save(chapter, chapter.read_text() + "\n💡 How many lines? {lines=abc}\n")
        browser.wait_for("document.body.dataset.status === 'error' && "
                         "document.querySelector('.problems').innerText.includes('lines=abc')", 120)
        text = browser.evaluate("document.querySelector('.problems').innerText")
        assert "chapters/02-more.md:" in text and "{lines=abc}: the number of lines must be a whole number" in text
        browser.screenshot(shots(tmp_path) / "live-preview-error.png", full_page=False)
        assert process.poll() is None  # the watcher lives on

        save(chapter, chapter.read_text().replace("{lines=abc}", "{lines=2}"))
        browser.wait_for("document.body.dataset.status === 'ok' && document.body.innerText.replace(/\\u00a0/g, ' ').includes('How many lines?')", 120)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
