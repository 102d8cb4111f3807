"""An RGB (or Lab, or CMYK) colour or picture in, the same in the print file's inks out: DeviceGray or DeviceCMYK.

The rule for neutrals (r, g and b within NEUTRAL of each other) is the point of a print file:
- a neutral at least as dark as SOLID (the body text's #1e1e1e is 0.118) prints as solid black:
  100 % K, no screen, no other ink; at the sizes of text the difference from #1e1e1e cannot be seen,
  the screen of an 88 % tint would ragged every letter's edge;
- any other neutral (the writing lines' #9d9d9d, the folios' #555, rules, tints of boxes) is black
  ink alone at the same lightness, K = 1 - grey (what DeviceGray means on a CMYK press): one plate,
  so a 0.5 pt line can never show the colour fringes of four screens printed slightly out of register;
- in "gray", every other colour is the grey of its luminance (CIE Y, sRGB-encoded back: as light as
  the colour looks); in "cmyk" it goes through the output profile (relative colorimetric, black
  point compensated), sRGB being what the reader's PDF means by its RGB.
Pictures follow the same rule pixel by pixel, without the snap to solid black (a photo's shadows
keep their detail).
"""
from __future__ import annotations

import functools
from pathlib import Path

from PIL import Image, ImageChops, ImageCms

from workbook.errors import OutputError

NEUTRAL = 0.03  # channels this close (about 8 of 255) are a grey
SOLID = 0.25  # a grey this dark or darker prints as 100 % K
PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")  # Debian's libgs-common (ghostscript)
PROFILE_PACKAGE = "libgs-common"

# Lab → XYZ (D50 or D65) → linear sRGB: Bradford D50→D65, then the sRGB matrix (IEC 61966-2-1).
_BRADFORD_D50_D65 = ((0.9555766, -0.0230393, 0.0631636), (-0.0282895, 1.0099416, 0.0210077),
                     (0.0122982, -0.0204830, 1.3299098))
_XYZ_SRGB = ((3.2404542, -1.5371385, -0.4985314), (-0.9692660, 1.8760108, 0.0415560),
             (0.0556434, -0.2040259, 1.0572252))


def _linear(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _encode(v: float) -> float:
    v = min(max(v, 0.0), 1.0)
    return 12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


def _times(matrix, vector) -> list[float]:
    return [sum(m * v for m, v in zip(row, vector, strict=True)) for row in matrix]


def lab_to_rgb(lightness: float, a: float, b: float, white: tuple[float, float, float]) -> tuple[float, ...]:
    """A CIE Lab colour (of a PDF /Lab space with this white point) as sRGB, clipped."""
    fy = (lightness + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200

    def inverse(t: float) -> float:
        return t ** 3 if t > 6 / 29 else 3 * (6 / 29) ** 2 * (t - 4 / 29)

    xyz = [inverse(fx) * white[0], inverse(fy) * white[1], inverse(fz) * white[2]]
    if white[2] < 0.9:  # D50 (z 0.825); D65's is 1.089
        xyz = _times(_BRADFORD_D50_D65, xyz)
    return tuple(_encode(v) for v in _times(_XYZ_SRGB, xyz))


def cmyk_to_gray(c: float, m: float, y: float, k: float) -> float:
    """DeviceCMYK as DeviceGray (PDF's own conversion, ISO 32000 10.3.5)."""
    return 1 - min(1.0, 0.3 * c + 0.59 * m + 0.11 * y + k)


class Inks:
    """The print file's inks: `mode` "gray" or "cmyk", the CMYK output profile for colours that are not grey."""

    def __init__(self, mode: str, profile: Path = PROFILE):
        if mode not in ("gray", "cmyk"):
            raise ValueError(f"print colour is gray or cmyk, not {mode!r}")
        self.mode = mode
        self.profile = profile
        self.components = 1 if mode == "gray" else 4
        self.space = "/DeviceGray" if mode == "gray" else "/DeviceCMYK"

    @functools.cached_property
    def _transforms(self) -> tuple[ImageCms.ImageCmsTransform, ImageCms.ImageCmsTransform]:
        """sRGB → the output profile: relative colorimetric for drawn colours, perceptual for pictures."""
        try:
            cmyk = ImageCms.getOpenProfile(str(self.profile))
        except (OSError, ImageCms.PyCMSError) as error:
            raise OutputError(f"the CMYK output profile {self.profile} cannot be read ({error}); the default "
                              f"comes with Debian's {PROFILE_PACKAGE} (`make sysdeps` installs it)") from None
        srgb = ImageCms.createProfile("sRGB")
        flags = ImageCms.Flags.BLACKPOINTCOMPENSATION
        return (ImageCms.buildTransform(srgb, cmyk, "RGB", "CMYK", ImageCms.Intent.RELATIVE_COLORIMETRIC, flags),
                ImageCms.buildTransform(srgb, cmyk, "RGB", "CMYK", ImageCms.Intent.PERCEPTUAL, flags))

    def gray(self, grey: float, solid: bool = True) -> list[float]:
        """A neutral of lightness `grey` (0 black, 1 white) in the print inks."""
        if solid and grey <= SOLID:
            grey = 0.0
        return [round(grey, 4)] if self.mode == "gray" else [0, 0, 0, round(1 - grey, 4)]

    def rgb(self, r: float, g: float, b: float) -> list[float]:
        """An sRGB colour (0–1 each) of drawn text or lines in the print inks."""
        return list(self._rgb(round(r, 4), round(g, 4), round(b, 4)))

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one Inks a file, a few dozen colours
    def _rgb(self, r: float, g: float, b: float) -> tuple[float, ...]:
        r, g, b = (min(max(v, 0.0), 1.0) for v in (r, g, b))
        if max(r, g, b) - min(r, g, b) <= NEUTRAL:
            return tuple(self.gray((r + g + b) / 3))
        if self.mode == "gray":
            luminance = 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)
            return (round(_encode(luminance), 4),)
        pixel = Image.new("RGB", (1, 1), tuple(round(v * 255) for v in (r, g, b)))
        converted = ImageCms.applyTransform(pixel, self._transforms[0])
        assert converted is not None  # applyTransform returns None only when converting in place
        return tuple(round(v / 255, 4) for v in converted.tobytes())

    def cmyk(self, c: float, m: float, y: float, k: float) -> list[float]:
        """A DeviceCMYK colour already in the content: kept in "cmyk", its grey in "gray"."""
        return [c, m, y, k] if self.mode == "cmyk" else [round(cmyk_to_gray(c, m, y, k), 4)]

    def picture(self, image: Image.Image) -> Image.Image:
        """An RGB or grey picture in the print inks: mode "L" (gray) or "CMYK", neutral pixels K only."""
        if image.mode != "RGB":
            image = image.convert("RGB")
        luminance = image.convert("L")
        if self.mode == "gray":
            return luminance
        r, g, b = image.split()
        spread = ImageChops.subtract(ImageChops.lighter(ImageChops.lighter(r, g), b),
                                     ImageChops.darker(ImageChops.darker(r, g), b))
        limit = round(NEUTRAL * 255)
        neutral = spread.point(lambda v: 255 if v <= limit else 0)
        zero = Image.new("L", image.size, 0)
        black = Image.merge("CMYK", (zero, zero, zero, ImageChops.invert(luminance)))
        if ImageChops.invert(neutral).getbbox() is None:
            return black  # every pixel a grey
        colour = ImageCms.applyTransform(image, self._transforms[1])
        assert colour is not None
        return Image.composite(black, colour, neutral)
