"""A language code in, the book's built-in words and typographic conventions out."""
from __future__ import annotations

from typing import Mapping

# Each table holds the words the templates print and the words the Markdown
# conventions recognise. Add a language by adding one table.
LOCALES: dict[str, dict[str, object]] = {
    "nl": {
        "how_to_use": "Zo gebruik je dit werkboek",
        "colophon": "Colofon",
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
        # words that open the conventions
        "example_words": ["Voorbeeld", "Bijvoorbeeld"],
        "faq_words": ["Veelgestelde vragen", "Veel gestelde vragen", "FAQ"],
        "further_reading_words": ["Verder lezen", "Lees verder", "Ontdek meer", "Meer lezen"],
        "quotes": ("“", "”", "‘", "’"),
    },
    "en": {
        "how_to_use": "How to use this workbook",
        "colophon": "Colophon",
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
        "example_words": ["Example", "For example"],
        "faq_words": ["Frequently asked questions", "FAQ"],
        "further_reading_words": ["Further reading", "Read more", "Discover more"],
        "quotes": ("“", "”", "‘", "’"),
    },
    "de": {
        "how_to_use": "So benutzen Sie dieses Arbeitsbuch",
        "colophon": "Impressum",
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
        "example_words": ["Beispiel", "Zum Beispiel"],
        "faq_words": ["Häufige Fragen", "Häufig gestellte Fragen", "FAQ"],
        "further_reading_words": ["Weiterlesen", "Mehr lesen"],
        "quotes": ("„", "“", "‚", "‘"),
    },
    "fr": {
        "how_to_use": "Comment utiliser ce cahier",
        "colophon": "Colophon",
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
