"""A BuildSession in, output files' bytes out: the reader's and printer's PDF, the EPUB, worksheets (and one per
client), the download page."""
