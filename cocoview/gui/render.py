"""Drawing an image with its annotations without a window.

:func:`render_image` paints an :class:`AnnotationScene` (the canvas's own
scene code) onto a QImage at the image's size; :func:`render_to_file` finds,
decodes and renders an image of a dataset and writes a PNG.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

from cocoview.model.errors import CocoError
from cocoview.model.ids import format_id
from cocoview.model.view_state import ViewState


def ensure_gui_app() -> QGuiApplication:
    """The running Qt application, or a new one (offscreen when there is no display).

    The scene belongs to Qt Widgets, so the application must be a
    QApplication; a bare QGuiApplication already running cannot be used.
    """
    from PySide6.QtWidgets import QApplication

    app = QGuiApplication.instance()
    if app is not None:
        if not isinstance(app, QApplication):
            raise RuntimeError("cocoview's renderer needs a QApplication (Qt Widgets); "
                               "a QGuiApplication is running instead")
        return app
    if not os.environ.get("QT_QPA_PLATFORM") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) \
            and os.name != "nt" and not _is_macos():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return QApplication(["cocoview-render"])


def _is_macos() -> bool:
    import sys

    return sys.platform == "darwin"


def render_image(ds: Any, image: dict, qimage: QImage | None,
                 view_state: ViewState | None = None, note: str | None = None,
                 images_dir: str | os.PathLike | None = None) -> QImage:
    """The image with its visible annotations, at the image's size (1:1).

    ``qimage`` None draws the placeholder of the recorded size with ``note``.
    """
    ensure_gui_app()
    from cocoview.gui.scene import AnnotationScene

    scene = AnnotationScene()
    if images_dir is not None:
        scene.set_images_dir(str(images_dir))  # panoptic PNGs may live beside the images
    try:
        scene.show_image(ds, image, qimage, view_state or ViewState(), note)
        rect = scene.image_rect
        width, height = max(1, int(round(rect.width()))), max(1, int(round(rect.height())))
        out = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
        if out.isNull():
            raise CocoError(f"Image {format_id(image.get('id'))} is too large to render "
                            f"({width} × {height} pixels)")
        out.fill(QColor(0, 0, 0, 0))
        painter = QPainter(out)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        target = QRectF(0, 0, width, height)
        scene.render(painter, target, QRectF(rect.left(), rect.top(), width, height),
                     Qt.AspectRatioMode.IgnoreAspectRatio)
        painter.end()
        return out
    finally:
        scene.detach()
        scene.clear()
        scene.deleteLater()


def render_to_file(ds: Any, image_id: Any, out_path: str | os.PathLike,
                   images_dir: str | os.PathLike | None = None, min_score: float = 0.0) -> str:
    """Render image ``image_id`` of ``ds`` with its annotations into a PNG file.

    The image file is found like the window finds it (``images_dir`` first);
    a missing or unreadable file gives the placeholder with a note. Returns
    the path written. Raises CocoError for an unknown image id or an output
    that cannot be written.
    """
    image = ds.image(image_id)
    if image is None:
        where = f" in {ds.path}" if getattr(ds, "path", None) else ""
        raise CocoError(f"No image with id {format_id(image_id)}{where}")
    out_path = os.fspath(out_path)
    folder = os.path.dirname(os.path.abspath(out_path))
    if not os.path.isdir(folder):
        raise CocoError(f"Cannot write {out_path}: folder {folder} does not exist")
    ensure_gui_app()
    from cocoview.gui.image_loader import ImageLoadError, decode_image
    from cocoview.model.image_paths import ImageLocator

    locator = ImageLocator(ds.path or os.path.join(os.getcwd(), "dataset.json"), images_dir)
    path = locator.resolve(image)
    qimage, note = None, None
    if path is None:
        note = f"Image not found: {image.get('file_name')}"
    else:
        try:
            qimage, _info = decode_image(path)
        except ImageLoadError as error:
            note = str(error)
    state = ViewState()
    state.set_min_score(min_score)
    rendered = render_image(ds, image, qimage, state, note, images_dir=images_dir)
    if not rendered.save(out_path, "PNG"):
        raise CocoError(f"Cannot write {out_path}: the file could not be created or written")
    return out_path
