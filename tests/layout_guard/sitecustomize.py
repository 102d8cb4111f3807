"""A Python process a test not marked `build` starts (WORKBOOK_TEST_NO_LAYOUT set) in, its WeasyPrint layouts refused out."""
import os

if os.environ.get("WORKBOOK_TEST_NO_LAYOUT"):
    import layout_guard

    layout_guard.guard_on_import()
