"""Tests for importing a whole blog: the clean-up rules, placeholders of a `new` book, cross-links between chapters."""
from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import pytest
import yaml

from workbook.errors import WorkbookError
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


def test_titles_of_other_articles_do_not_pass_for_names() -> None:
    """A heading's "Zonder" stays capitalised only if the article's sentences capitalise it; the Title Case of an
    article named in an emphasised run or a further-reading item does not count."""
    blocks = [Block("heading", "Een Nee Zonder Verdediging", 3),
              Block("para", "Lees in *Rust Nemen Zonder Schuldgevoel* hoe je pauzes plant.", 5),
              Block("para", "Ze noemde het „Zeggen Zonder Zorgen” en lachte erom; Anna zei niets.", 6),
              Block("further", "", 8, items=["**Rust Nemen Zonder Schuldgevoel**: pauzes die je nodig hebt"])]
    unsure: list[tuple[int, str]] = []
    assert tidy(blocks, "nl", unsure)[0].text == "Een nee zonder verdediging"


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


# ---- saved blog pages: WordPress, Medium, Ghost ------------------------------------------------------------

BLOG = Path(__file__).parent / "fixtures" / "import" / "blog"
WXR = Path(__file__).parent / "fixtures" / "import" / "wxr" / "export.xml"
# page furniture of each saved page: menus, sidebar, share buttons, cookie banner, comments, related posts
FURNITURE = {
    "wordpress": ["Home", "Over mij", "cookies", "Accepteren", "Delen", "Facebook", "Gerelateerd", "winterdip",
                  "Henk", "Geef een reactie", "Recente berichten", "Over Lotte", "© 2026", "Geplaatst", "Vorig bericht"],
    "medium": ["Sign in", "Get started", "Sign up", "Follow", "min read", "Listen", "Share", "Responses", "More from",
               "Recommended", "Followers", "127", "Mindfulness", "avatar", "Brood bakken"],
    "ghost": ["Inloggen", "Abonneren", "nieuwsbrief", "Meer lezen", "Tijd voor jezelf", "Sandra", "cookies",
              "Powered by", "3 min lezen", "Noor Hendriks", "Grenzen\n"],
}


def _source_prompts(page: Path) -> list[str]:
    """The 💡 questions of a saved page, read with a regex (Ghost's callout card holds its 💡 and text in two divs)."""
    text = re.sub(r"</div><div class=\"kg-callout-text\">", " ", page.read_text("utf-8"))
    text = re.sub(r"<[^>]+>", "\n", text)
    return [re.sub(r"\s+", " ", t.split("💡", 1)[1]).strip() for t in text.split("\n")
            if "💡" in t and t.split("💡", 1)[1].strip()]


def _import_pages(into: Path | None, out: Path | None = None) -> list:
    from workbook.importers.articles import import_articles

    pages = [BLOG / f"{name}.html" for name in ("wordpress", "medium", "ghost")]
    return import_articles(pages, out, into=into)


def test_saved_blog_pages_keep_the_article_text_only(tmp_path: Path) -> None:
    reports = _import_pages(None, tmp_path)
    for name, report in zip(("wordpress", "medium", "ghost"), reports, strict=True):
        body = report.output.read_text("utf-8").split("\n---\n", 1)[1]
        for gone in FURNITURE[name]:
            assert gone not in body, (name, gone)
        # every prompt of the page is there, in order (Ghost's is a callout card: its emoji and text in two divs)
        assert [line[2:] for line in body.splitlines() if line.startswith("💡 ")] == _source_prompts(BLOG / f"{name}.html")
        assert report.counts["prompts"] == len(_source_prompts(BLOG / f"{name}.html")) >= 2
    wp, medium, ghost = reports
    wp_body = wp.output.read_text("utf-8")
    assert "![Een trap naar een stille zolder](images/trap.png)" in wp_body and (tmp_path / "images" / "trap.png").is_file()
    assert "*Even naar boven, even weg van het scherm.*" in wp_body  # a caption trafilatura leaves out is kept
    assert "🔗 [Download het pauzewerkblad](https://hetstilleuur.example/werkblad-pauze/)" in wp_body
    assert "### Telt scrollen op mijn telefoon als pauze?" in wp_body and wp.counts["faq"] == 2
    assert [why for _, why in wp.dropped] == ["header", "<div> sharedaddy block (sharedaddy sd-sharing-enabled)",
                                              "<div> relatedposts block (jp-relatedposts jp-relatedposts)", "footer"]
    # Medium: the further reading trafilatura drops is kept; the author box after it is dropped, line by line
    assert "## Ontdek meer" in medium.output.read_text("utf-8") and medium.counts["further_reading"] == 2
    assert [why for _, why in medium.dropped if "trafilatura" in why] == [
        "not main text (trafilatura): Mindfulness", "not main text (trafilatura): 127",
        "not main text (trafilatura): Written by Mirjam de Boer", "not main text (trafilatura): 312 Followers",
        "not main text (trafilatura): Schrijft over langzaam leven, koken en wandelen.",
        "not main text (trafilatura): Follow"]
    # Ghost: a call to action without an address is plain text and reported; so is the prompt without "?"
    ghost_body = ghost.output.read_text("utf-8")
    assert "\nVraag het gratis grenzenkaartje aan\n" in ghost_body and "🔗" not in ghost_body
    assert {why.split(":")[0] for _, why in ghost.unsure} >= {"🔗 call to action without an address",
                                                              "💡 prompt without a question mark; is it a question for the reader?"}
    assert "[Een hek in de duinen](https://ruimtemaken.example/content/images/2026/02/grens.jpg)" in ghost_body
    assert [r.title for r in reports] == ["Rust in je hoofd: Waarom een pauze werkt", "Een ochtend zonder haast",
                                          "Grenzen stellen zonder schuld"]


def test_articles_that_name_each_other_are_linked_and_the_report_says_so(tmp_path: Path) -> None:
    wp, medium, ghost = _import_pages(None, tmp_path)
    wp_body, medium_body = wp.output.read_text("utf-8"), medium.output.read_text("utf-8")
    assert "Lees in [“Een ochtend zonder haast”](een-ochtend-zonder-haast.md) hoe je" in wp_body
    assert "- [Grenzen stellen zonder schuld](grenzen-stellen-zonder-schuld.md) — waarom nee" in wp_body
    assert "- [Slapen als een blok](https://hetstilleuur.example/slaap/)" in wp_body  # not in the book: stays outside
    # fuzzy on case and punctuation: "rust in je hoofd — waarom een pauze werkt" names "Rust in je hoofd: Waarom …"
    assert "- [rust in je hoofd — waarom een pauze werkt](rust-in-je-hoofd.md)" in medium_body
    assert "Lees in [“Rust in je hoofd: waarom een pauze werkt”](rust-in-je-hoofd.md) waarom" in ghost.output.read_text("utf-8")
    assert [what.split(":")[0] for _, what in wp.links] == ["linked", "linked", "outside"]
    assert (48, "linked: “Een ochtend zonder haast” → een-ochtend-zonder-haast.md") in wp.links
    assert "link    wordpress.html:52: outside: “Slapen als een blok” (https://hetstilleuur.example/slaap/)" in wp.summary()


# ---- a WordPress export --------------------------------------------------------------------------------------

def test_wordpress_export_gives_one_chapter_per_published_post_in_date_order(tmp_path: Path) -> None:
    from workbook.importers.articles import import_articles

    reports = import_articles([WXR], tmp_path / "out")
    assert [r.title for r in reports] == ["Thee als pauzeknop", "Slapen als een blok", "Een wandeling zonder doel"]
    assert [r.source.name for r in reports] == ["export.xml#thee-als-pauzeknop", "export.xml#slapen-als-een-blok",
                                                "export.xml#wandeling-zonder-doel"]
    thee, slapen, wandeling = (r.output.read_text("utf-8") for r in reports)
    for gone in ("Concept", "Over mij", "Henk", "rooibos", "wp:paragraph", "<!--"):
        assert all(gone not in text for text in (thee, slapen, wandeling)), gone
    assert "![Een theepot op een houten tafel](images/thee.png)" in thee  # the picture beside the export
    assert (tmp_path / "out" / "images" / "thee.png").is_file()
    assert "Sla bij elke kruising af" in wandeling and "\n\nWandelen zonder bestemming voelt eerst vreemd." in wandeling
    assert "- **Licht:** dim de lampen na negen uur." in slapen and "### Hoeveel uur slaap heb ik nodig?" in slapen
    assert sum(r.counts["prompts"] for r in reports) == 4
    # report lines are the export's lines
    lines = WXR.read_text("utf-8").splitlines()
    n, why = next((n, why) for n, why in reports[2].unsure if "call to action" in why)
    assert "🔗 Print de wandelkaart" in lines[n - 1]
    assert (80, "linked: “Thee als pauzeknop” → thee-als-pauzeknop.md") in reports[2].links

    ordered = import_articles([WXR], tmp_path / "ordered", order=["wandeling-zonder-doel", "Thee als pauzeknop"])
    assert [r.slug for r in ordered] == ["een-wandeling-zonder-doel", "thee-als-pauzeknop", "slapen-als-een-blok"]
    with pytest.raises(WorkbookError, match="names 'fietsen', which is no published post"):
        import_articles([WXR], tmp_path / "bad", order=["fietsen"])


# ---- into a fresh `workbook new` book ------------------------------------------------------------------------

def test_import_into_a_new_book_replaces_its_samples_and_placeholders(tmp_path: Path) -> None:
    from workbook.author.new import new_book
    from workbook.importers.articles import import_articles
    from workbook.source.check import check_book

    new_book(tmp_path / "boek", "nl")
    reports = import_articles([WXR], into=tmp_path / "boek")
    book = yaml.safe_load((tmp_path / "boek" / "book.yaml").read_text("utf-8"))
    assert book["chapters"] == ["chapters/01-thee-als-pauzeknop.md", "chapters/02-slapen-als-een-blok.md",
                                "chapters/03-een-wandeling-zonder-doel.md"]
    assert (book["title"], book["author"]) == ("Het Stille Uur", "Lotte Verbeek")
    assert book["description"] == "Een blog over rust, ritme en kleine stappen" and "Jouw Naam" not in book["rights"]
    assert sorted(p.name for p in (tmp_path / "boek" / "chapters").iterdir()) == [
        "01-thee-als-pauzeknop.md", "02-slapen-als-een-blok.md", "03-een-wandeling-zonder-doel.md"]
    assert not (tmp_path / "boek" / "images" / "steps.svg").exists()
    assert "# verplicht" in (tmp_path / "boek" / "book.yaml").read_text("utf-8")  # the comments stay
    assert reports[0].book_notes[0].startswith("replaced the sample chapters chapters/01-beginnen.md")
    assert not [d for d in check_book(tmp_path / "boek").diagnostics]

    # saved pages know no book title: the samples go, the placeholders stay and are reported (and check warns)
    new_book(tmp_path / "pagina", "nl")
    (tmp_path / "pagina" / "chapters" / "02-volhouden.md").write_text("---\ntitle: Mijn eigen\n---\n\nTekst.\n")
    [report] = import_articles([BLOG / "ghost.html"], into=tmp_path / "pagina")
    book = yaml.safe_load((tmp_path / "pagina" / "book.yaml").read_text("utf-8"))
    assert book["chapters"] == ["chapters/02-volhouden.md", "chapters/03-grenzen-stellen-zonder-schuld.md"]
    assert "description" not in book
    assert "sample chapter chapters/02-volhouden.md was edited since `workbook new`; kept it" in report.book_notes
    assert "book.yaml title is still the sample's placeholder; write the book's own" in report.book_notes
    assert [d.message.split(" is ")[0] for d in check_book(tmp_path / "pagina").diagnostics if d.severity == "warning"
            and "placeholder" in d.message] == ["title 'Mijn werkboek'", "author 'Jouw Naam'"]

    new_book(tmp_path / "houden", "en")
    import_articles([BLOG / "ghost.html"], into=tmp_path / "houden", keep_samples=True)
    assert len(yaml.safe_load((tmp_path / "houden" / "book.yaml").read_text("utf-8"))["chapters"]) == 3


# ---- addresses -----------------------------------------------------------------------------------------------

class _Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the http.server name)
        if self.path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/hostname")
            self.end_headers()
            return
        body = (BLOG / "ghost.html").read_bytes() if self.path == "/grenzen/" else b"<p>x</p>" * 400_000
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_blog():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_an_address_is_fetched_only_when_allowed_and_never_from_a_local_host(tmp_path: Path, local_blog) -> None:
    from workbook.files.remote import download
    from workbook.importers.articles import import_articles

    url = local_blog + "/grenzen/"
    with pytest.raises(WorkbookError, match="pass --allow-remote"):
        import_articles([url], tmp_path / "off")
    with pytest.raises(WorkbookError, match="private or local address"):  # the users' rule: public hosts only
        import_articles([url], tmp_path / "local", allow_remote=True)
    assert not (tmp_path / "off").exists() and not (tmp_path / "local").exists()

    # the test's own server, through the same download with its host check turned off (a library parameter only)
    def fetch(address: str) -> tuple[bytes, str, str]:
        return download(address, public_only=False, deadline=20)

    [report] = import_articles([url], tmp_path / "out", allow_remote=True, fetch=fetch)
    body = report.output.read_text("utf-8")
    assert report.title == "Grenzen stellen zonder schuld" and report.counts["prompts"] == 2
    assert "Abonneren" not in body and "Sandra" not in body
    with pytest.raises(WorkbookError, match="file:.*not allowed|not an http"):  # a redirect is checked too
        import_articles([local_blog + "/to-file"], tmp_path / "redirect", allow_remote=True, fetch=fetch)
    with pytest.raises(WorkbookError, match="larger than 1 MB"):
        download(local_blog + "/big", public_only=False, max_bytes=1_000_000)


# ---- the imported blog builds ----------------------------------------------------------------------------------

def _internal_links(pdf_path: Path) -> tuple[dict[str, int], dict[int, set[int]]]:
    """The named destinations' pages, and page index -> the pages its internal links lead to."""
    import pikepdf

    with pikepdf.open(pdf_path) as pdf:
        pages = {page.objgen: i for i, page in enumerate(pdf.pages)}
        names = {}
        if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
            for key, value in pikepdf.NameTree(pdf.Root.Names.Dests).items():
                array = value if isinstance(value, pikepdf.Array) else value.get("/D")
                names[key] = pages.get(array[0].objgen)
        found: dict[int, set[int]] = {}
        for i, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", []):
                action = annot.get("/A")
                dest = action.get("/D") if action is not None and action.get("/S") == "/GoTo" else annot.get("/Dest")
                if annot.get("/Subtype") != "/Link" or dest is None:
                    continue
                target = pages.get(dest[0].objgen) if isinstance(dest, pikepdf.Array) else names.get(str(dest))
                found.setdefault(i, set()).add(target)
        return names, found


@pytest.mark.build
def test_an_imported_blog_builds_epubcheck_clean_with_every_prompt_and_its_internal_links(tmp_path: Path) -> None:
    import workbook
    from helpers import epub_files, epubcheck_problems, normalise, output, pdf_pages_text
    from workbook.author.new import new_book
    from workbook.importers.articles import import_articles

    new_book(tmp_path / "boek", "nl")
    pages = [BLOG / f"{name}.html" for name in ("wordpress", "medium", "ghost")]
    reports = import_articles([*pages, WXR], into=tmp_path / "boek")
    assert yaml.safe_load((tmp_path / "boek" / "book.yaml").read_text("utf-8"))["title"] == "Het Stille Uur"
    result = workbook.build(tmp_path / "boek", tmp_path / "dist", ["pdf", "epub"])
    epub, pdf = output(result, ".epub"), output(result, ".pdf")
    assert epubcheck_problems(epub) == []
    prompts = [p for page in pages for p in _source_prompts(page)] + [
        "Wat doe jij terwijl het water kookt?", "Welk klein ritueel geeft jou drie minuten rust?",
        "Wat is het laatste dat je doet voordat je gaat slapen?",
        "Wanneer liep jij voor het laatst zonder te weten waar je uit zou komen?"]
    assert sum(r.counts["prompts"] for r in reports) == len(prompts) == 10
    text = normalise(" ".join(pdf_pages_text(pdf)))
    files = epub_files(epub)
    xhtml = normalise(re.sub(r"<[^>]+>", "", " ".join(v.decode() for k, v in files.items() if k.endswith(".xhtml"))))
    for prompt in prompts:
        assert normalise(prompt) in text and normalise(prompt) in xhtml, prompt
    # the two articles that name each other: a PDF link each way, an EPUB href to the other chapter's file
    names, targets = _internal_links(pdf)
    rust, ochtend = names["chapter-rust-in-je-hoofd"], names["chapter-een-ochtend-zonder-haast"]
    assert any(ochtend in targets.get(page, set()) for page in range(rust, ochtend))
    assert any(rust in targets.get(page, set()) for page in range(ochtend, ochtend + 2))
    one = files["EPUB/chapter-01-rust-in-je-hoofd.xhtml"].decode()
    two = files["EPUB/chapter-02-een-ochtend-zonder-haast.xhtml"].decode()
    assert 'href="chapter-02-een-ochtend-zonder-haast.xhtml#chapter-een-ochtend-zonder-haast"' in one
    assert 'href="chapter-01-rust-in-je-hoofd.xhtml#chapter-rust-in-je-hoofd"' in two


def test_plain_text_pointers_link_to_a_chapter_already_in_the_book(books) -> None:
    """A "Lees in “…”" sentence and a further-reading title of a plain-text article name a chapter the book
    already has (its title in other case and punctuation): both become links to its file."""
    from workbook.importers.articles import import_articles

    nl = Path(__file__).parent / "fixtures" / "import" / "nl-uitstellen.txt"
    book = books.write({"01-kleine-stappen.md": "---\ntitle: Kleine stappen, grote rust — zo bouw je een gewoonte\n"
                        "---\n\nTekst.\n\n💡 Wat is jouw kleinste stap?\n"}, to="boek")
    [report] = import_articles([nl], into=book)
    body = report.output.read_text("utf-8")
    assert "Lees in *[“Kleine Stappen, Grote Rust: Zo Bouw Je Een Gewoonte”](01-kleine-stappen.md)* hoe je" in body
    assert "- **[Kleine Stappen, Grote Rust: Zo Bouw Je Een Gewoonte](01-kleine-stappen.md)**: Ontdek waarom" in body
    assert [what.split(":")[0] for _, what in report.links] == ["linked", "linked", "outside", "outside"]
    from workbook.source.check import check_book

    assert [str(d) for d in check_book(book).diagnostics if "link" in d.message] == []


def test_the_command_line_asks_for_allow_remote_and_takes_an_order_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from workbook.cli import cli

    refused = CliRunner().invoke(cli, ["import", "https://blog.example/post/", "-o", str(tmp_path / "out")])
    assert refused.exit_code == 1 and "pass --allow-remote" in str(refused.exception)
    (tmp_path / "order.txt").write_text("# first\nEen wandeling zonder doel\n", "utf-8")
    done = CliRunner().invoke(cli, ["import", str(WXR), "--order", str(tmp_path / "order.txt"), "-o", str(tmp_path / "o")])
    assert done.exit_code == 0, done.output
    assert [line.split(" -> ")[0].rsplit("#", 1)[1] for line in done.output.splitlines() if " -> " in line] == [
        "wandeling-zonder-doel", "thee-als-pauzeknop", "slapen-als-een-blok"]
