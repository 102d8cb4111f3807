"""Asset names in, paths of the project's own layouts, styles and fonts (and a book's overrides) out."""
from __future__ import annotations

import functools
from pathlib import Path

import font_source_sans_pro
import font_source_serif_pro

from .scripts import script_font_face_css, script_font_files, with_script_families

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/workbook, or workbook/ in an installed wheel


@functools.cache
def project_dir(name: str) -> Path:
    """`layouts` or `styles`: the package's folder of that name (in a source checkout a link to the
    project's top-level folder; a wheel holds a copy)."""
    folder = PACKAGE_DIR / name
    if not folder.is_dir():
        raise FileNotFoundError(f"workbook is installed without its {name}/ folder")
    return folder


@functools.cache
def font_files() -> dict[str, Path]:
    """The shipped book fonts (from pinned PyPI packages), by family-weight-style key."""
    serif = Path(font_source_serif_pro.font_directory)
    sans = Path(font_source_sans_pro.font_directory)
    return {
        "serif-400-normal": serif / "SourceSerifPro-Regular.ttf",
        "serif-400-italic": serif / "SourceSerifPro-It.ttf",
        "serif-600-normal": serif / "SourceSerifPro-Semibold.ttf",
        "serif-600-italic": serif / "SourceSerifPro-SemiboldIt.ttf",
        "serif-700-normal": serif / "SourceSerifPro-Bold.ttf",
        "serif-700-italic": serif / "SourceSerifPro-BoldIt.ttf",
        "sans-400-normal": sans / "SourceSansPro-Regular.ttf",
        "sans-400-italic": sans / "SourceSansPro-It.ttf",
        "sans-600-normal": sans / "SourceSansPro-Semibold.ttf",
        "sans-700-normal": sans / "SourceSansPro-Bold.ttf",
    }


def font_dirs() -> list[Path]:
    return sorted({path.parent for path in font_files().values()})


FAMILIES = {"serif": "Workbook Serif", "sans": "Workbook Sans"}


def font_face_css(scripts: list[str] | tuple[str, ...] = ()) -> str:
    """@font-face rules pointing at the shipped font files and those of the scripts book.yaml's `fonts:`
    enables, each by its path (never the system's fonts by name)."""
    rules = []
    for key, path in font_files().items():
        family, weight, style = key.split("-")
        rules.append(
            f'@font-face {{ font-family: "{FAMILIES[family]}"; font-weight: {weight}; '
            f'font-style: {style}; src: url("{path.as_uri()}") format("truetype"); }}'
        )
    if scripts:
        rules.append(script_font_face_css(scripts, FAMILIES))
    return "\n".join(rules)


def book_css(scripts: list[str] | tuple[str, ...], stylesheet: str) -> str:
    """The @font-face rules and `stylesheet`, whose font stacks name the enabled scripts' families too."""
    return font_face_css(scripts) + "\n" + with_script_families(stylesheet, scripts, FAMILIES)


def asset_roots(book_root: Path, scripts: list[str] | tuple[str, ...] = ()) -> list[Path]:
    """Every folder (or file) a render may read from: the book, the project's layouts and styles, the
    shipped fonts and the font files of the enabled scripts."""
    return [book_root, project_dir("layouts"), project_dir("styles"), *font_dirs(), *script_font_files(scripts)]
