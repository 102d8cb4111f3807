"""The author's tools around a build: a new book folder, the live preview (watch), progress on the terminal and
PNG pictures of pages."""
