"""The book's data: settings from book.yaml, locales, page geometry and the Manuscript (chapters, prompts,
pictures), with no reading or rendering of its own."""
