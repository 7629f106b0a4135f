"""Starting the window: ``cocoview [FILE] [--images DIR] [--demo]``."""

from __future__ import annotations

import os
import sys


def _prepare_platform() -> None:
    # Without a display (SSH, CI), fall back to the offscreen platform rather than abort.
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def create_application(argv: list[str] | None = None):
    _prepare_platform()
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName("cocoview")
    app.setOrganizationName("cocoview")
    app.setDesktopFileName("io.github.cocoview.CocoView")
    app.setStyle("Fusion")
    try:
        from cocoview.resources import icon_path
        icon = QIcon(str(icon_path()))
        for size in (16, 32, 48, 64, 128, 256):
            path = icon_path(size)
            if path.exists():
                icon.addFile(str(path))
        app.setWindowIcon(icon)
    except (ImportError, FileNotFoundError):
        pass
    return app


def run(file: str | None = None, images_dir: str | None = None, demo: bool = False) -> int:
    """Open the window, on the demo dataset when no file is given (or with ``demo``)."""
    app = create_application()
    from cocoview.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    if file:
        window.open_file(os.path.abspath(file), images_dir)
    else:
        window.open_demo()
    window.settings.mark_started()
    return app.exec()
