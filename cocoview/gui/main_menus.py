"""The main window's menus and their actions."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from cocoview import __version__

if TYPE_CHECKING:
    from cocoview.gui.main_window import MainWindow


class MainMenus:
    """Builds the menu bar of a :class:`MainWindow`; the actions call the window's slots."""

    def __init__(self, window: "MainWindow") -> None:
        self.window = window
        w = window
        menu = w.menuBar()

        self.file_menu = file_menu = menu.addMenu("&File")
        self.action(file_menu, "&Open…", w.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.action(file_menu, "Open &Demo Dataset", w.open_demo)
        self.action(file_menu, "Choose &Image Folder…", w.choose_images_dir, "Ctrl+I")
        file_menu.addSeparator()
        self.quit_action = self.action(file_menu, "&Quit", w.close, QKeySequence.StandardKey.Quit)

        self.edit_menu = edit_menu = menu.addMenu("&Edit")
        self.undo_action = self.action(edit_menu, "&Undo", w.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self.action(edit_menu, "&Redo", w.redo, QKeySequence.StandardKey.Redo)
        edit_menu.addSeparator()

        self.view_menu = view_menu = menu.addMenu("&View")
        canvas = w.canvas
        self.action(view_menu, "&Fit to Window", canvas.fit, ["F", "Ctrl+0"])
        self.action(view_menu, "&Actual Size (1:1)", canvas.actual_size, ["1", "Ctrl+1"])
        self.action(view_menu, "Zoom &In", lambda: canvas.zoom_by(1.25), QKeySequence.StandardKey.ZoomIn)
        self.action(view_menu, "Zoom &Out", lambda: canvas.zoom_by(0.8), QKeySequence.StandardKey.ZoomOut)
        view_menu.addSeparator()
        for action in w.view_toolbar.layer_actions.values():
            view_menu.addAction(action)
        view_menu.addSeparator()
        for dock in w.docks():
            view_menu.addAction(dock.toggleViewAction())

        self.go_menu = go_menu = menu.addMenu("&Go")
        self.action(go_menu, "&Next Image", lambda: w.step(1), ["Right", "D", "PgDown"])
        self.action(go_menu, "&Previous Image", lambda: w.step(-1), ["Left", "A", "PgUp"])
        self.action(go_menu, "&First Image", lambda: w.go_to_position(0), "Home")
        self.action(go_menu, "&Last Image", lambda: w.go_to_position(-1), "End")
        self.action(go_menu, "&Jump to Image Id…", w.jump_dialog, "Ctrl+G")

        self.help_menu = help_menu = menu.addMenu("&Help")
        self.action(help_menu, "&About cocoview", self.about)

    def action(self, menu: QMenu, text: str, slot, shortcut=None, tip: str | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                action.setShortcuts([QKeySequence(s) for s in shortcut])
            elif isinstance(shortcut, QKeySequence.StandardKey):
                action.setShortcuts(shortcut)   # every binding of the platform (Redo: Ctrl+Y and Ctrl+Shift+Z)
            else:
                action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def about_text(self) -> str:
        import numpy
        import PySide6
        from PySide6.QtCore import qVersion
        try:
            from importlib.metadata import version
            pycocotools_version = version("pycocotools")
        except Exception:
            pycocotools_version = "unknown"
        return (f"<h3>cocoview {__version__}</h3>"
                "<p>An inspector and editor for COCO annotation files.</p>"
                f"<p>Qt {qVersion()}<br>PySide6 {PySide6.__version__}<br>numpy {numpy.__version__}<br>"
                f"pycocotools {pycocotools_version}</p>")

    def about(self) -> None:
        QMessageBox.about(self.window, "About cocoview", self.about_text())

    def _fill_recent_menu(self) -> None:
        menu, settings = self.recent_menu, self.window.settings
        menu.clear()
        files = settings.recent_files()
        for path in files:
            if os.path.exists(path):
                action = menu.addAction(path)
                action.triggered.connect(lambda checked=False, p=path: self.window.open_file(p))
            else:   # moved or deleted (or on a drive not mounted now): shown, not offered
                action = menu.addAction(f"{path} (not found)")
                action.setEnabled(False)
        if not files:
            menu.addAction("(none)").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear Recent Files", settings.clear_recent_files)
