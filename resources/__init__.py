"""Files shipped with cocoview: the demo dataset and the application icon.

``demo/`` holds painted street scenes with ``annotations.json``, a COCO file
that exercises what cocoview can show (scores, polygons, RLE masks, crowds,
keypoints, extra fields, a size mismatch and a missing image). It is written
by ``make_demo.py``. ``icons/`` holds ``cocoview.svg`` and PNG renderings of
it made by ``make_icons.py``.

The paths below point into the installed package (or the source folder for
an editable install), so they are real files on disk.
"""

from __future__ import annotations

import pathlib

HERE = pathlib.Path(__file__).resolve().parent

# Sizes, in pixels, of the PNG renderings of the icon.
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)


def demo_annotations_path() -> pathlib.Path:
    """The demo COCO file."""
    return HERE / "demo" / "annotations.json"


def demo_images_dir() -> pathlib.Path:
    """The folder the demo file's ``file_name`` entries are relative to."""
    return HERE / "demo"


def icon_path(size: int | None = None) -> pathlib.Path:
    """The application icon: the SVG when ``size`` is None, else a square PNG.

    Raises ValueError for a size that has no PNG (see ``ICON_SIZES``).
    """
    if size is None:
        return HERE / "icons" / "cocoview.svg"
    if size not in ICON_SIZES:
        raise ValueError(f"no {size} px icon; sizes: {', '.join(map(str, ICON_SIZES))}")
    return HERE / "icons" / f"cocoview-{size}.png"
