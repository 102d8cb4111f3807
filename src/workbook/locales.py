"""A language code in, the book's built-in words and typographic conventions out."""
from __future__ import annotations

from typing import Mapping

# Each table holds the words the templates print and the words the Markdown
# conventions recognise. Add a language by adding one table.
LOCALES: dict[str, dict[str, object]] = {
    "nl": {
        "contents": "Inhoud",
        "chapter": "Hoofdstuk",
        "notes": "Aantekeningen",
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
        "page": "Pagina",
        "of": "van",
        "worksheets": "Werkbladen",
        "back_to_text": "terug naar de tekst",
        "by": "door",
        "worksheet_pointer": "Liever op papier? Deze vraag staat in de werkbladen: hoofdstuk {chapter}, vraag {number}.",
        "pages": "Pagina's",
        "landmarks": "Oriëntatiepunten",
        "start_reading": "Begin met lezen",
        "accessibility_summary": ("Dit e-boek heeft een inhoudsopgave, koppen voor elk hoofdstuk en de paginanummers "
                                  "van de PDF-uitgave. Elke afbeelding heeft een tekstalternatief. De schrijflijnen "
                                  "onder de reflectievragen zijn versiering en worden door voorleessoftware "
                                  "overgeslagen; de werkbladen bevatten dezelfde vragen om op papier te beantwoorden."),
        # words that open the conventions
        "example_words": ["Voorbeeld", "Bijvoorbeeld"],
        "faq_words": ["Veelgestelde vragen", "Veel gestelde vragen", "FAQ"],
        "further_reading_words": ["Verder lezen", "Lees verder", "Ontdek meer", "Meer lezen"],
        "quotes": ("“", "”", "‘", "’"),
    },
    "en": {
        "contents": "Contents",
        "chapter": "Chapter",
        "notes": "Notes",
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
        "page": "Page",
        "of": "of",
        "worksheets": "Worksheets",
        "back_to_text": "back to the text",
        "by": "by",
        "worksheet_pointer": "Prefer paper? This question is in the worksheets: chapter {chapter}, question {number}.",
        "pages": "Pages",
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
        "contents": "Inhalt",
        "chapter": "Kapitel",
        "notes": "Notizen",
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
        "page": "Seite",
        "of": "von",
        "worksheets": "Arbeitsblätter",
        "back_to_text": "zurück zum Text",
        "by": "von",
        "worksheet_pointer": "Lieber auf Papier? Diese Frage steht in den Arbeitsblättern: Kapitel {chapter}, Frage {number}.",
        "pages": "Seiten",
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
        "contents": "Table des matières",
        "chapter": "Chapitre",
        "notes": "Notes",
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
        "page": "Page",
        "of": "sur",
        "worksheets": "Fiches de travail",
        "back_to_text": "retour au texte",
        "by": "par",
        "worksheet_pointer": "Plutôt sur papier ? Cette question figure dans les fiches de travail : chapitre {chapter}, question {number}.",
        "pages": "Pages",
        "landmarks": "Repères",
        "start_reading": "Commencer la lecture",
        "accessibility_summary": ("Ce livre numérique a une table des matières, des titres pour chaque chapitre et les "
                                  "numéros de page de l’édition PDF. Chaque image a une alternative textuelle. Les lignes "
                                  "d’écriture sous les questions de réflexion sont décoratives et ignorées par les lecteurs "
                                  "d’écran ; les fiches de travail reprennent les mêmes questions à remplir sur papier."),
        "example_words": ["Exemple", "Par exemple"],
        "faq_words": ["Questions fréquentes", "Foire aux questions", "FAQ"],
        "further_reading_words": ["Pour aller plus loin", "Lire aussi"],
        "quotes": ("«\u202f", "\u202f»", "“", "”"),
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
