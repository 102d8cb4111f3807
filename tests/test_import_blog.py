"""Tests for importing a whole blog: the clean-up rules, placeholders of a `new` book, cross-links between chapters."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from workbook.importers.blocks import Block
from workbook.importers.cleanup import sentence_case, tidy
from workbook.model.placeholders import AUTHORS, DESCRIPTIONS, TITLES, placeholders

SCAFFOLD = Path(__file__).parents[1] / "src" / "workbook" / "author" / "scaffold"


# ---- clean-up rules ------------------------------------------------------------------------------------------

def test_title_case_headings_are_set_in_sentence_case_in_dutch_and_french() -> None:
    assert sentence_case("Waarom Veranderen Soms Zó Moeilijk Is", "nl", set()) == "Waarom veranderen soms zó moeilijk is"
    assert sentence_case("Pourquoi Changer Est Si Difficile", "fr", set()) == "Pourquoi changer est si difficile"
    # acronyms, inner capitals, names the article capitalises mid-sentence and the word after a colon stay
    assert sentence_case("Werken Met AI En De iPhone Van Anna", "nl", {"anna"}) == "Werken met AI en de iPhone van Anna"
    assert sentence_case("Rust: Waarom Stilstaan Helpt", "nl", set()) == "Rust: Waarom stilstaan helpt"
    # a heading that is not Title Case, a short one, and English headings are left alone
    assert sentence_case("Waarom je hoofd Kiest voor later", "nl", set()) == "Waarom je hoofd Kiest voor later"
    assert sentence_case("Even Pauze", "nl", set()) == "Even Pauze"
    assert sentence_case("Why Mornings Feel So Rushed", "en", set()) == "Why Mornings Feel So Rushed"


def test_german_headings_lose_only_capitals_on_small_words() -> None:
    # German nouns keep their capitals; only English-style capitals on articles, verbs like "ist" and particles go
    # (an adjective such as "Schwer" cannot be told from a noun by its spelling, so it keeps its capital)
    assert sentence_case("Warum Veränderung So Schwer Ist", "de", set()) == "Warum Veränderung so Schwer ist"
    assert sentence_case("Die Kraft Der Kleinen Schritte", "de", set()) == "Die Kraft der Kleinen Schritte"
    # an ordinary German heading (nouns capitalised, small words not) is untouched
    assert sentence_case("Kleine Schritte für Große Ziele", "de", set()) == "Kleine Schritte für Große Ziele"


def test_tidy_reports_each_rule() -> None:
    unsure: list[tuple[int, str]] = []
    blocks = [Block("heading", "Wat Uitstellen Eigenlijk Is", 3),
              Block("defs", "", 5, items=[("Onzekerheid", "je weet niet waar je moet beginnen."),
                                          ("Moeheid", "je hebt er vandaag de energie niet voor.")], extra="runin"),
              Block("defs", "", 8, items=[("Term", "een echte definitielijst uit een <dl>.")]),
              Block("cta", "Download het werkblad", 10),
              Block("cta", "[Download het werkblad](https://example.org/werkblad)", 11),
              Block("prompt", "Schrijf drie dingen op die je vandaag deed", 12),
              Block("prompt", "Wat heb je nodig?", 13)]
    out = tidy(blocks, "nl", unsure)
    assert [b.kind for b in out] == ["heading", "list", "defs", "para", "cta", "prompt", "prompt"]
    assert out[0].text == "Wat uitstellen eigenlijk is"
    assert out[1].items == ["**Onzekerheid:** je weet niet waar je moet beginnen.",
                            "**Moeheid:** je hebt er vandaag de energie niet voor."]
    assert out[3].text == "Download het werkblad"
    assert [n for n, _ in unsure] == [3, 5, 10, 12]
    assert "without a question mark" in unsure[-1][1] and "without an address" in unsure[2][1]


# ---- placeholders of a `workbook new` book -----------------------------------------------------------------

def test_every_sample_book_placeholder_is_known() -> None:
    for path in SCAFFOLD.glob("*/book.yaml"):
        data = yaml.safe_load(path.read_text("utf-8").replace("{identifier}", "x").replace("{date}", "2026-01-01"))
        assert data["title"] in TITLES and data["author"] in AUTHORS
        assert " ".join(data["description"].split()) in DESCRIPTIONS
        assert [key for key, _ in placeholders(data["title"], data["author"], data["description"])] == [
            "title", "author", "description"]
    assert placeholders("Rustig aan", ["An Jansen"], "Een boek over rust.") == []


def test_check_warns_about_placeholders_left_in_a_book(tmp_path: Path) -> None:
    from workbook.author.new import new_book
    from workbook.source.check import check_book

    new_book(tmp_path / "boek", "nl")
    warnings = [d for d in check_book(tmp_path / "boek").diagnostics if "placeholder" in d.message
                or "sample book's text" in d.message]
    assert [(d.file, d.line, d.severity) for d in warnings] == [
        ("book.yaml", 5, "warning"), ("book.yaml", 7, "warning"), ("book.yaml", 11, "warning")]
    assert re.search(r"title 'Mijn werkboek' is the sample book's placeholder", warnings[0].message)
