"""A Manuscript in, HTML out: sandboxed Jinja templates, the safe resource fetcher, QR codes for print."""
