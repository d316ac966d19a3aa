"""Fonts: families from Debian packages, falling back to DejaVu (always installed) when a file
is missing; the fallback is reported once per process on stderr.

Debian packages used when present: fonts-dejavu-core (required), fonts-liberation,
fonts-freefont-ttf, fonts-urw-base35."""

from __future__ import annotations

import os
import sys

from PIL import ImageFont

_DJ = "/usr/share/fonts/truetype/dejavu/"
_LIB = "/usr/share/fonts/truetype/liberation/"
_FREE = "/usr/share/fonts/truetype/freefont/"
_URW = "/usr/share/fonts/opentype/urw-base35/"

# family -> (regular, bold, italic)
FAMILIES = {
    "dejavu-sans": (_DJ + "DejaVuSans.ttf", _DJ + "DejaVuSans-Bold.ttf", _DJ + "DejaVuSans-Oblique.ttf"),
    "dejavu-serif": (_DJ + "DejaVuSerif.ttf", _DJ + "DejaVuSerif-Bold.ttf", _DJ + "DejaVuSerif-Italic.ttf"),
    "dejavu-condensed": (_DJ + "DejaVuSansCondensed.ttf", _DJ + "DejaVuSansCondensed-Bold.ttf",
                         _DJ + "DejaVuSansCondensed-Oblique.ttf"),
    "liberation-sans": (_LIB + "LiberationSans-Regular.ttf", _LIB + "LiberationSans-Bold.ttf",
                        _LIB + "LiberationSans-Italic.ttf"),
    "liberation-serif": (_LIB + "LiberationSerif-Regular.ttf", _LIB + "LiberationSerif-Bold.ttf",
                         _LIB + "LiberationSerif-Italic.ttf"),
    "liberation-narrow": (_LIB + "LiberationSansNarrow-Regular.ttf", _LIB + "LiberationSansNarrow-Bold.ttf",
                          _LIB + "LiberationSansNarrow-Italic.ttf"),
    "free-sans": (_FREE + "FreeSans.ttf", _FREE + "FreeSansBold.ttf", _FREE + "FreeSansOblique.ttf"),
    "free-serif": (_FREE + "FreeSerif.ttf", _FREE + "FreeSerifBold.ttf", _FREE + "FreeSerifItalic.ttf"),
    "urw-gothic": (_URW + "URWGothic-Book.otf", _URW + "URWGothic-Demi.otf", _URW + "URWGothic-BookOblique.otf"),
    "urw-bookman": (_URW + "URWBookman-Light.otf", _URW + "URWBookman-Demi.otf",
                    _URW + "URWBookman-LightItalic.otf"),
    "urw-palladio": (_URW + "P052-Roman.otf", _URW + "P052-Bold.otf", _URW + "P052-Italic.otf"),
    "urw-helvetica": (_URW + "NimbusSans-Regular.otf", _URW + "NimbusSans-Bold.otf",
                      _URW + "NimbusSans-Italic.otf"),
    "urw-times": (_URW + "NimbusRoman-Regular.otf", _URW + "NimbusRoman-Bold.otf", _URW + "NimbusRoman-Italic.otf"),
    "urw-courier": (_URW + "NimbusMonoPS-Regular.otf", _URW + "NimbusMonoPS-Bold.otf",
                    _URW + "NimbusMonoPS-Italic.otf"),
}
SERIF = {"dejavu-serif", "liberation-serif", "free-serif", "urw-bookman", "urw-palladio", "urw-times"}
_FALLBACK = FAMILIES["dejavu-serif"], FAMILIES["dejavu-sans"]
_warned: set = set()
_cache: dict = {}


def family_names() -> list[str]:
    return list(FAMILIES)


def _path(family: str, style: int) -> str:
    p = FAMILIES.get(family, FAMILIES["dejavu-sans"])[style]
    if os.path.exists(p):
        return p
    fb = (_FALLBACK[0] if family in SERIF else _FALLBACK[1])[style]
    if family not in _warned:
        _warned.add(family)
        print(f"[blind] font {family!r} not installed ({p}); falling back to DejaVu", file=sys.stderr)
    return fb


def font(family: str, px: float, style: str = "regular") -> ImageFont.FreeTypeFont:
    st = {"regular": 0, "bold": 1, "italic": 2}[style]
    px = max(5, int(round(px)))
    key = (family, st, px)
    f = _cache.get(key)
    if f is None:
        f = ImageFont.truetype(_path(family, st), px)
        _cache[key] = f
    return f
