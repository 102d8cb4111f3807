"""The workbook conventions in Markdown: prompts, examples, alerts, quotes, FAQ, further reading, safety."""
from __future__ import annotations

import xml.etree.ElementTree as etree

import pytest

from workbook.model.locales import locale_for
from workbook.source.conventions import ChapterState
from workbook.source.convert import convert

SVG = "{http://www.w3.org/2000/svg}"


def render(text: str, language: str = "nl", lines: int = 6) -> tuple[etree.Element, ChapterState]:
    state = ChapterState(slug="ch", default_lines=lines, words=locale_for(language))
    html = convert(text, state, language)
    return etree.fromstring(f"<div>{html}</div>"), state


def test_prompt_with_and_without_variation_selector():
    root, state = render("💡 Eerste vraag?\n\n💡\ufe0f Tweede vraag?\n")
    assert [p.text for p in state.prompts] == ["Eerste vraag?", "Tweede vraag?"]
    assert [p.id for p in state.prompts] == ["ch-1", "ch-2"]
    boxes = root.findall(".//div[@class='prompt']")
    assert [b.get("id") for b in boxes] == ["ch-1", "ch-2"]
    assert all(len(b.find("div[@class='prompt-lines']")) == 6 for b in boxes)
    svg = boxes[0].find(f"p/{SVG}svg")
    assert svg.get("role") == "img" and svg.get("aria-label") == "Reflectievraag"
    assert "\U0001F4A1" not in etree.tostring(root, encoding="unicode")


def test_prompt_lines_option_and_bad_values():
    root, state = render("💡 Vraag? {lines=9}\n\n💡 Fout? {lines=abc}\n\n💡 Te veel? {lines=400}\n")
    assert state.prompts[0].lines == 9
    assert len(root.find(".//div[@id='ch-1']/div")) == 9
    errors = [d.message for d in state.report.errors]
    assert len(errors) == 2 and "{lines=abc}" in errors[0] and "{lines=400}" in errors[1]


def test_prompt_problem_lines_are_source_lines():
    _, state = render("Tekst.\n\n\n💡 Fout? {lines=x}\n")
    assert state.report.diagnostics[0].line == 4


def test_multi_line_prompt_paragraph():
    _, state = render("💡 Een vraag\nover twee regels?\n")
    assert state.prompts[0].text == "Een vraag over twee regels?"


def test_example_callout_keeps_its_label():
    root, state = render("Voorbeeld: Iemand zegt *nee*.\n")
    box = root.find("div[@class='example']")
    assert box.find("p/span").text == "Voorbeeld"
    assert "".join(box.itertext()).strip() == "Voorbeeld Iemand zegt nee."
    root, _ = render("Example: Someone says no.\n", "en")
    assert root.find("div[@class='example']/p/span").text == "Example"


def test_alerts_and_quotes():
    root, _ = render("> Kort citaat.\n\n> [!WARNING]\n> Pas op.\n\n> Een langer citaat.\n>\n> Met twee alinea's.\n")
    assert root.find("blockquote[@class='pull-quote']") is not None
    alert = root.find("div[@class='callout callout-warning']")
    assert alert.find("p[@class='callout-title']").text == "Waarschuwing"
    assert root.find("blockquote[@class='quote']") is not None


def test_faq_becomes_questions_and_answers():
    root, state = render("## Veelgestelde vragen\n\n### Waarom?\n\nDaarom.\n\n### Hoe?\n\nZo.\n\nEn zo.\n\n## Daarna\n\nTekst.\n")
    faq = root.find("dl[@class='faq']")
    assert [dt.text for dt in faq.findall("dt")] == ["Waarom?", "Hoe?"]
    assert [len(dd) for dd in faq.findall("dd")] == [1, 2]
    assert root.find("h2[@id='ch--daarna']") is not None
    assert state.counts["faq"] == 2


def test_further_reading_and_call_to_action():
    root, _ = render("## Verder lezen\n\n- [A](https://example.org/a)\n\n🔗 [Meedoen](https://example.org/j)\n")
    assert root.find("ul[@class='further-reading']") is not None
    cta = root.find("p[@class='cta']")
    assert cta.find("a").get("href") == "https://example.org/j"
    assert cta.find(f"{SVG}svg").get("aria-label")


def test_ids_are_unique_per_chapter_and_links_follow():
    root, _ = render("## Kop\n\nZie [kop](#kop).[^1]\n\n[^1]: Noot.\n")
    assert root.find("h2").get("id") == "ch--kop"
    assert root.find(".//a[.='kop']").get("href") == "#ch--kop"
    assert root.find(".//sup").get("id").startswith("ch--fnref")


def test_smart_quotes_follow_the_language():
    root, _ = render('Hij zei "ja" en \'nee\'.\n', "nl")
    assert "".join(root.find("p").itertext()) == "Hij zei “ja” en\u00a0‘nee’."
    root, _ = render('Er sagte "ja".\n', "de")
    assert "".join(root.find("p").itertext()) == "Er sagte\u00a0„ja“."


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<p onclick="steal()">x</p>',
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="https://example.org"></iframe>',
    '<img src="file:///etc/passwd" alt="x">',
])
def test_raw_html_is_sanitised_with_a_warning(hostile):
    root, state = render(f"Tekst.\n\n{hostile}\n")
    html = etree.tostring(root, encoding="unicode")
    for bad in ("<script", "onclick", "javascript:", "<iframe", "file:"):
        assert bad not in html
    assert any(d.severity == "warning" and "sanitised" in d.message and d.line == 3 for d in state.report.diagnostics)


def test_named_entities_become_characters():
    root, _ = render("A&nbsp;B &mdash; C &amp; D\n")
    assert "".join(root.find("p").itertext()) == "A\u00a0B\u00a0— C &\u00a0D"  # typography: a spaced dash keeps to the word before it


def test_prompts_inside_code_are_code():
    root, state = render("```\n💡 niet echt?\n```\n")
    assert state.prompts == []
    assert "💡 niet echt?" in root.find(".//code").text


def test_a_blocks_last_words_are_kept_whole_and_together():
    """A paragraph's last two words share its last line and are not hyphenated; a spaced dash before the last word
    comes with the word before it; a word after an inline element keeps to it; labels (a callout's title) are left."""
    root, _ = render("Wie alleen thee wil zetten.\n\nAn em – dash.\n\nRead *this* twice.\n\nA *very long emphasised*"
                     " word.\n")
    kept = [[span.text for span in p.iter("span") if span.get("class") == "keep-whole"] for p in root.iter("p")]
    assert kept == [[" wil\u00a0zetten."], [" em\u00a0–\u00a0dash."], ["twice."], ["word."]]
    assert root.findall("p")[3][0].tail == "\u00a0"  # "word." keeps to the emphasised words before it
