"""QR codes for printing (station posters, joining posters), drawn by segno as inline SVG."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str) -> SafeString:
    """An SVG QR code that scales to its box; error level Q survives a scuffed or taped poster."""
    code = segno.make(data, error="q", micro=False)
    return mark_safe(code.svg_inline(scale=10, omitsize=True, dark="#000", light="#fff", border=2))  # noqa: S308 - segno's own markup
