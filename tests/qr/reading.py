"""Reading QR codes as a phone would: zxing-cpp on a raster image (SVGs rasterised by cairosvg)."""

from __future__ import annotations

import io
import re

import cairosvg
import zxingcpp
from PIL import Image


def read_qr(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def read_svg(svg: str) -> list[str]:
    png = cairosvg.svg2png(bytestring=svg.encode(), scale=4, background_color="white")
    return read_qr(Image.open(io.BytesIO(png)))


def inline_svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
