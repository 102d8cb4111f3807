"""Script names from book.yaml's `fonts:` in, the Debian font files that cover them and their @font-face rules out."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont

# Each face only serves the Unicode ranges of its script (`unicode-range`), so the book's own fonts
# keep the Latin letters, digits and punctuation.
_CJK_RANGES = ((0x2E80, 0x2FDF), (0x3000, 0x30FF), (0x3190, 0x31FF), (0x3200, 0x33FF), (0x3400, 0x4DBF),
               (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x2FFFF))
_HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))


@dataclass(frozen=True)
class Face:
    """One font file serving one family ("serif" or "sans") at one weight, for some Unicode ranges."""

    package: str  # the Debian package that installs it
    group: str  # its own family name suffix: WeasyPrint tells fonts apart by family, weight and style
    path: str
    family: str
    weight: int
    ranges: tuple[tuple[int, int], ...]


def _faces(package: str, group: str, folder: str, ranges: tuple[tuple[int, int], ...], **files: str) -> tuple[Face, ...]:
    """`serif_400="NotoNaskhArabic-Regular.ttf", ...` -> Faces."""
    faces = []
    for key, name in files.items():
        family, weight = key.split("_")
        faces.append(Face(package, group, f"{folder}/{name}", family, int(weight), ranges))
    return tuple(faces)


_NOTO = "/usr/share/fonts/truetype/noto"
SCRIPTS: dict[str, tuple[Face, ...]] = {
    "arabic": _faces("fonts-noto-core", "Arabic", _NOTO,
                     ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
                     serif_400="NotoNaskhArabic-Regular.ttf", serif_700="NotoNaskhArabic-Bold.ttf",
                     sans_400="NotoSansArabic-Regular.ttf", sans_700="NotoSansArabic-Bold.ttf"),
    "hebrew": _faces("fonts-noto-core", "Hebrew", _NOTO, ((0x0590, 0x05FF), (0xFB1D, 0xFB4F)),
                     serif_400="NotoSerifHebrew-Regular.ttf", serif_700="NotoSerifHebrew-Bold.ttf",
                     sans_400="NotoSansHebrew-Regular.ttf", sans_700="NotoSansHebrew-Bold.ttf"),
    "thai": _faces("fonts-noto-core", "Thai", _NOTO, ((0x0E00, 0x0E7F),),
                   serif_400="NotoSerifThai-Regular.ttf", serif_700="NotoSerifThai-Bold.ttf",
                   sans_400="NotoSansThai-Regular.ttf", sans_700="NotoSansThai-Bold.ttf"),
    "devanagari": _faces("fonts-noto-core", "Devanagari", _NOTO, ((0x0900, 0x097F), (0x1CD0, 0x1CFF), (0xA8E0, 0xA8FF)),
                         serif_400="NotoSerifDevanagari-Regular.ttf", serif_700="NotoSerifDevanagari-Bold.ttf",
                         sans_400="NotoSansDevanagari-Regular.ttf", sans_700="NotoSansDevanagari-Bold.ttf"),
    # Chinese and Japanese from Droid Sans Fallback (1.8 MB; Noto CJK is 56 MB), Korean from Nanum.
    "cjk": _faces("fonts-droid-fallback", "CJK", "/usr/share/fonts/truetype/droid", _CJK_RANGES,
                  serif_400="DroidSansFallbackFull.ttf", sans_400="DroidSansFallbackFull.ttf")
    + _faces("fonts-nanum", "Korean", "/usr/share/fonts/truetype/nanum", _HANGUL_RANGES,
             serif_400="NanumMyeongjo.ttf", serif_700="NanumMyeongjoBold.ttf",
             sans_400="NanumGothic.ttf", sans_700="NanumGothicBold.ttf"),
}
SCRIPT_LABELS = {"arabic": "Arabic", "hebrew": "Hebrew", "thai": "Thai", "devanagari": "Devanagari", "cjk": "CJK"}


def script_of(char: str) -> str | None:
    """The `fonts:` name whose fonts would cover `char`, if any."""
    code = ord(char)
    for name, faces in SCRIPTS.items():
        if any(low <= code <= high for face in faces for low, high in face.ranges):
            return name
    return None


def missing_packages(scripts: list[str] | tuple[str, ...]) -> dict[str, list[str]]:
    """Debian package -> the scripts that need it, for every enabled script whose font files are absent."""
    missing: dict[str, list[str]] = {}
    for name in scripts:
        for face in SCRIPTS[name]:
            if not Path(face.path).is_file() and name not in missing.get(face.package, []):
                missing.setdefault(face.package, []).append(name)
    return missing


def script_faces(scripts: list[str] | tuple[str, ...]) -> list[Face]:
    """The faces of the enabled scripts whose files are installed."""
    return [face for name in scripts for face in SCRIPTS[name] if Path(face.path).is_file()]


def script_font_files(scripts: list[str] | tuple[str, ...]) -> list[Path]:
    """The font files a render may read for the enabled scripts (the fetcher allows exactly these)."""
    return sorted({Path(face.path).resolve() for face in script_faces(scripts)})


def script_font_face_css(scripts: list[str] | tuple[str, ...], families: dict[str, str]) -> str:
    """@font-face rules adding the enabled scripts' faces to the book's families, each for its ranges only."""
    rules = []
    for face in script_faces(scripts):
        ranges = ", ".join(f"U+{low:X}-{high:X}" for low, high in face.ranges)
        rules.append(f'@font-face {{ font-family: "{families[face.family]} {face.group}"; font-weight: {face.weight}; '
                     f'font-style: normal; src: url("{Path(face.path).resolve().as_uri()}") format("truetype"); '
                     f'unicode-range: {ranges}; }}')
    return "\n".join(rules)


def with_script_families(css: str, scripts: list[str] | tuple[str, ...], families: dict[str, str]) -> str:
    """Every `"Workbook Serif"` (or Sans) in a stylesheet followed by the enabled scripts' families of that
    style, so that each script's letters come from its own font (not for @font-face rules)."""
    groups = list(dict.fromkeys(face.group for face in script_faces(scripts)))
    if not groups:
        return css
    for name in families.values():
        stack = ", ".join([f'"{name}"'] + [f'"{name} {group}"' for group in groups])
        css = re.sub(rf'(["\']){re.escape(name)}\1', stack, css)
    return css


@functools.cache
def cmap_of(path: str) -> frozenset[int]:
    """The code points a font file has glyphs for."""
    with TTFont(path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap() or {})


def covered(scripts: list[str] | tuple[str, ...], shipped: list[Path]) -> frozenset[int]:
    """Every code point the book's fonts draw: the shipped fonts' and the enabled scripts' (within their ranges)."""
    points: set[int] = set()
    for path in shipped:
        points |= cmap_of(str(path))
    for face in script_faces(scripts):
        cmap = cmap_of(face.path)
        points |= {code for code in cmap if any(low <= code <= high for low, high in face.ranges)}
    return frozenset(points)
