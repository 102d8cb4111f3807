"""A language code in, the book's built-in words and typographic conventions out."""
from __future__ import annotations

from collections.abc import Mapping

# Each table holds the words the templates print and the words the Markdown
# conventions recognise. Add a language by adding one table.
LOCALES: dict[str, dict[str, object]] = {
    "nl": {
        "how_to_use": "Zo gebruik je dit werkboek",
        "colophon": "Colofon",
        "isbn": "ISBN",
        "contents": "Inhoud",
        "chapter": "Hoofdstuk",
        "notes": "Aantekeningen",
        "owner": "Dit werkboek is van",
        "name": "Naam",
        "date": "Datum",
        "example": "Voorbeeld",
        "prompt": "Reflectievraag",
        "faq": "Veelgestelde vragen",
        "further_reading": "Verder lezen",
        "call_to_action": "Link",
        "note": "Let op",
        "tip": "Tip",
        "important": "Belangrijk",
        "warning": "Waarschuwing",
        "caution": "Voorzichtig",
        "cover": "Omslag",
        "title_page": "Titelpagina",
        "copy_for": "Voor {name}",  # a personal copy's title page and every page's stamp
        "group": "Groep",
        "chosen_chapters": "Gekozen hoofdstukken",
        "page": "Pagina",
        "of": "van",
        "worksheets": "Werkbladen",
        "back_to_text": "terug naar de tekst",
        "by": "door",
        "worksheet_pointer": "Liever op papier? Deze vraag staat in de werkbladen: hoofdstuk {chapter}, vraag {number}.",
        "page_list": "Pagina's",
        "landmarks": "Oriëntatiepunten",
        "start_reading": "Begin met lezen",
        "accessibility_summary": ("Dit e-boek heeft een inhoudsopgave, koppen voor elk hoofdstuk en de paginanummers "
                                  "van de PDF-uitgave. Elke afbeelding heeft een tekstalternatief. De schrijflijnen "
                                  "onder de reflectievragen zijn versiering en worden door voorleessoftware "
                                  "overgeslagen; de werkbladen bevatten dezelfde vragen om op papier te beantwoorden."),
        # words that open the conventions
        # the download page (format site) and the live preview
        "download": "Downloaden",
        "downloads": "Downloads",
        "pages": "pagina's",
        "chapters": "hoofdstukken",
        "prompts": "reflectievragen",
        "language": "Taal",
        "language_name": "Nederlands",
        "published": "Verschenen",
        "format_pdf": "PDF om op het scherm te lezen of thuis af te drukken",
        "format_epub": "E-book (EPUB) voor je e-reader of telefoon",
        "format_print": "PDF voor de drukker (met snijtekens)",
        "format_worksheets": "Werkbladen: alleen de vragen, met schrijfruimte",
        "cover_of": "Omslag van",
        "preview": "Voorbeeld van het boek",
        "example_words": ["Voorbeeld", "Bijvoorbeeld"],
        "faq_words": ["Veelgestelde vragen", "Veel gestelde vragen", "FAQ"],
        "further_reading_words": ["Verder lezen", "Lees verder", "Ontdek meer", "Meer lezen"],
        "quotes": ("“", "”", "‘", "’"),
    },
    "en": {
        "how_to_use": "How to use this workbook",
        "colophon": "Colophon",
        "isbn": "ISBN",
        "contents": "Contents",
        "chapter": "Chapter",
        "notes": "Notes",
        "owner": "This workbook belongs to",
        "name": "Name",
        "date": "Date",
        "example": "Example",
        "prompt": "Reflection question",
        "faq": "Frequently asked questions",
        "further_reading": "Further reading",
        "call_to_action": "Link",
        "note": "Note",
        "tip": "Tip",
        "important": "Important",
        "warning": "Warning",
        "caution": "Caution",
        "cover": "Cover",
        "title_page": "Title page",
        "copy_for": "For {name}",  # a personal copy's title page and every page's stamp
        "group": "Group",
        "chosen_chapters": "Chosen chapters",
        "page": "Page",
        "of": "of",
        "worksheets": "Worksheets",
        "back_to_text": "back to the text",
        "by": "by",
        # the download page (format site) and the live preview
        "download": "Download",
        "downloads": "Downloads",
        "pages": "pages",
        "chapters": "chapters",
        "prompts": "reflection questions",
        "language": "Language",
        "language_name": "English",
        "published": "Published",
        "format_pdf": "PDF to read on screen or print at home",
        "format_epub": "E-book (EPUB) for your e-reader or phone",
        "format_print": "PDF for the printer (with crop marks)",
        "format_worksheets": "Worksheets: just the questions, with room to write",
        "cover_of": "Cover of",
        "preview": "Book preview",
        "worksheet_pointer": "Prefer paper? This question is in the worksheets: chapter {chapter}, question {number}.",
        "page_list": "Pages",
        "landmarks": "Landmarks",
        "start_reading": "Start reading",
        "accessibility_summary": ("This e-book has a table of contents, headings for every chapter and the page "
                                  "numbers of the PDF edition. Every image has a text alternative. The writing lines "
                                  "under the reflection questions are decoration and are skipped by screen readers; "
                                  "the worksheets hold the same questions to answer on paper."),
        "example_words": ["Example", "For example"],
        "faq_words": ["Frequently asked questions", "FAQ"],
        "further_reading_words": ["Further reading", "Read more", "Discover more"],
        "quotes": ("“", "”", "‘", "’"),
    },
    "de": {
        "how_to_use": "So benutzen Sie dieses Arbeitsbuch",
        "colophon": "Impressum",
        "isbn": "ISBN",
        "contents": "Inhalt",
        "chapter": "Kapitel",
        "notes": "Notizen",
        "owner": "Dieses Arbeitsbuch gehört",
        "name": "Name",
        "date": "Datum",
        "example": "Beispiel",
        "prompt": "Reflexionsfrage",
        "faq": "Häufige Fragen",
        "further_reading": "Weiterlesen",
        "call_to_action": "Link",
        "note": "Hinweis",
        "tip": "Tipp",
        "important": "Wichtig",
        "warning": "Warnung",
        "caution": "Vorsicht",
        "cover": "Umschlag",
        "title_page": "Titelseite",
        "copy_for": "Für {name}",  # a personal copy's title page and every page's stamp
        "group": "Gruppe",
        "chosen_chapters": "Ausgewählte Kapitel",
        "page": "Seite",
        "of": "von",
        "worksheets": "Arbeitsblätter",
        "back_to_text": "zurück zum Text",
        "by": "von",
        # the download page (format site) and the live preview
        "download": "Herunterladen",
        "downloads": "Downloads",
        "pages": "Seiten",
        "chapters": "Kapitel",
        "prompts": "Reflexionsfragen",
        "language": "Sprache",
        "language_name": "Deutsch",
        "published": "Erschienen",
        "format_pdf": "PDF zum Lesen am Bildschirm oder Drucken zu Hause",
        "format_epub": "E-Book (EPUB) für E-Reader oder Smartphone",
        "format_print": "PDF für die Druckerei (mit Schnittmarken)",
        "format_worksheets": "Arbeitsblätter: nur die Fragen, mit Platz zum Schreiben",
        "cover_of": "Umschlag von",
        "preview": "Buchvorschau",
        "worksheet_pointer": "Lieber auf Papier? Diese Frage steht in den Arbeitsblättern: Kapitel {chapter}, Frage {number}.",
        "page_list": "Seiten",
        "landmarks": "Orientierungspunkte",
        "start_reading": "Lesen beginnen",
        "accessibility_summary": ("Dieses E-Book hat ein Inhaltsverzeichnis, Überschriften für jedes Kapitel und die "
                                  "Seitenzahlen der PDF-Ausgabe. Jedes Bild hat eine Textalternative. Die Schreiblinien "
                                  "unter den Reflexionsfragen sind Dekoration und werden von Screenreadern übersprungen; "
                                  "die Arbeitsblätter enthalten dieselben Fragen zum Beantworten auf Papier."),
        "example_words": ["Beispiel", "Zum Beispiel"],
        "faq_words": ["Häufige Fragen", "Häufig gestellte Fragen", "FAQ"],
        "further_reading_words": ["Weiterlesen", "Mehr lesen"],
        "quotes": ("„", "“", "‚", "‘"),
    },
    "fr": {
        "how_to_use": "Comment utiliser ce cahier",
        "colophon": "Colophon",
        "isbn": "ISBN",
        "contents": "Table des matières",
        "chapter": "Chapitre",
        "notes": "Notes",
        "owner": "Ce cahier appartient à",
        "name": "Nom",
        "date": "Date",
        "example": "Exemple",
        "prompt": "Question de réflexion",
        "faq": "Questions fréquentes",
        "further_reading": "Pour aller plus loin",
        "call_to_action": "Lien",
        "note": "Remarque",
        "tip": "Astuce",
        "important": "Important",
        "warning": "Avertissement",
        "caution": "Attention",
        "cover": "Couverture",
        "title_page": "Page de titre",
        "copy_for": "Pour {name}",  # a personal copy's title page and every page's stamp
        "group": "Groupe",
        "chosen_chapters": "Chapitres choisis",
        "page": "Page",
        "of": "sur",
        "worksheets": "Fiches de travail",
        "back_to_text": "retour au texte",
        "by": "par",
        # the download page (format site) and the live preview
        "download": "Télécharger",
        "downloads": "Téléchargements",
        "pages": "pages",
        "chapters": "chapitres",
        "prompts": "questions de réflexion",
        "language": "Langue",
        "language_name": "Français",
        "published": "Parution",
        "format_pdf": "PDF à lire à l’écran ou à imprimer chez soi",
        "format_epub": "Livre numérique (EPUB) pour liseuse ou téléphone",
        "format_print": "PDF pour l’imprimeur (avec traits de coupe)",
        "format_worksheets": "Fiches de travail : les questions seules, avec de la place pour écrire",
        "cover_of": "Couverture de",
        "preview": "Aperçu du livre",
        "worksheet_pointer": ("Plutôt sur papier ? Cette question figure dans les fiches de travail : "
                              "chapitre {chapter}, question {number}."),
        "page_list": "Pages",
        "landmarks": "Repères",
        "start_reading": "Commencer la lecture",
        "accessibility_summary": ("Ce livre numérique a une table des matières, des titres pour chaque chapitre et les "
                                  "numéros de page de l’édition PDF. Chaque image a une alternative textuelle. Les lignes "
                                  "d’écriture sous les questions de réflexion sont décoratives et ignorées par les lecteurs "
                                  "d’écran ; les fiches de travail reprennent les mêmes questions à remplir sur papier."),
        "example_words": ["Exemple", "Par exemple"],
        "faq_words": ["Questions fréquentes", "Foire aux questions", "FAQ"],
        "further_reading_words": ["Pour aller plus loin", "Lire aussi"],
        "quotes": ("«\u00a0", "\u00a0»", "“", "”"),  # no-break space: the book fonts lack U+202F
    },
}

DEFAULT_LANGUAGE = "en"


def base_language(language: str) -> str:
    """'nl-BE' -> 'nl'."""
    return language.split("-")[0].lower()


def locale_for(language: str, overrides: Mapping[str, object] | None = None) -> dict[str, object]:
    """The word table for a language (falling back to English), with the book's overrides."""
    table = dict(LOCALES.get(base_language(language), LOCALES[DEFAULT_LANGUAGE]))
    for key, value in (overrides or {}).items():
        table[key] = value
    return table


def known_words() -> set[str]:
    """Every key a book may override under `words:` in book.yaml."""
    return set(LOCALES[DEFAULT_LANGUAGE])
