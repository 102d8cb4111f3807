"""A book folder in, a checked Manuscript out: chapters read, Markdown conventions converted, HTML sanitised,
pictures and links checked, typography refined, and `workbook check`."""
