"""Render the application icon (icons/cocoview.svg) to PNGs of every size.

    python resources/make_icons.py

Uses Qt's SVG renderer without a display, so the PNGs look the way Qt draws
the SVG. Writes icons/cocoview-<size>.png for each size in ICON_SIZES.
"""

from __future__ import annotations

import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)


def render(svg: pathlib.Path, size: int, target: pathlib.Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(target), "PNG"):
        raise SystemExit(f"{target}: could not write")


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = HERE / "icons" / "cocoview.svg"
    for size in ICON_SIZES:
        target = HERE / "icons" / f"cocoview-{size}.png"
        render(svg, size, target)
        print(f"{target.name}: {target.stat().st_size} bytes")
    del app


if __name__ == "__main__":
    main()
