"""The main window: wires the dataset, the views and the image loader together."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget, QFileDialog, QInputDialog, QLabel, QMainWindow, QMessageBox, QProgressBar,
    QPushButton, QWidget,
)

from cocoview.gui.canvas import CanvasView
from cocoview.gui.categories_view import CategoriesView
from cocoview.gui.colors import category_color
from cocoview.gui.model_events import Listeners
from cocoview.gui.dataset_loader import DatasetLoader
from cocoview.gui.dataset_tree_view import DatasetTreeView
from cocoview.gui.export_dialog import ExportDialog
from cocoview.gui.findings_index import FindingsIndex
from cocoview.gui.history_view import HistoryView
from cocoview.gui.main_menus import MainMenus
from cocoview.gui.image_findings import findings_complete, image_findings
from cocoview.gui.image_groups import image_counts
from cocoview.gui.image_loader import ImageLoader
from cocoview.gui.inspector_view import InspectorView
from cocoview.gui.save_controller import SaveController, default_recovery_dir
from cocoview.gui.settings import Settings
from cocoview.gui.view_toolbar import ViewToolBar
from cocoview.model.commands import delete_images
from cocoview.model.dataset import Dataset
from cocoview.model.image_paths import ImageLocator
from cocoview.model.view_state import ViewState

PREFETCH_AHEAD = 2
PREFETCH_BEHIND = 1


class MainWindow(QMainWindow):
    """cocoview's window. ``dataset_changed`` fires after a file is opened."""

    dataset_changed = Signal(object)
    image_shown = Signal(object)

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.dataset: Dataset | None = None
        self.locator: ImageLocator | None = None
        self.images_dir_override: str | None = None
        self.current_image: dict | None = None
        self.last_error: QMessageBox | None = None
        self._shown_qimage = None
        self._positions: dict[int, int] = {}
        self._positions_of: list | None = None
        self._pending_key: Any = None
        self.view_state = ViewState()

        self.setWindowTitle("cocoview")
        self.setAcceptDrops(True)
        self.resize(1400, 900)

        self.canvas = CanvasView(self)
        self.setCentralWidget(self.canvas)
        self.tree = DatasetTreeView(self)
        self.inspector = InspectorView(self)
        self.categories = CategoriesView(self)
        self.tree_dock = self._dock("Dataset", self.tree, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self.categories_dock = self._dock("Categories", self.categories, Qt.DockWidgetArea.RightDockWidgetArea)
        self.history_view = HistoryView(self)
        self.history_dock = self._dock("History", self.history_view, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.categories_dock, self.history_dock)
        self.categories_dock.raise_()

        self.view_toolbar = ViewToolBar(self.view_state, self)
        self.addToolBar(self.view_toolbar)

        self.loader = DatasetLoader(self)
        self.loader.progress.connect(self._on_load_progress)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.loader.cancelled.connect(self._on_load_cancelled)

        self.image_loader = ImageLoader(self)
        self.image_loader.loaded.connect(self._on_image_loaded)
        self.image_loader.failed.connect(self._on_image_failed)

        self.findings = FindingsIndex(self)
        self._image_listeners = Listeners(self)
        self._follow_target: dict | None = None
        self._shown_position = -1
        self.findings.ready.connect(self._on_findings_ready)

        self.tree.image_activated.connect(self.show_image)
        self.tree.model.filtered.connect(self._update_status)
        self.canvas.annotation_selected.connect(self.inspector.show_annotation)
        self.inspector.finding_activated.connect(self._on_finding_activated)
        self.canvas.zoom_changed.connect(self._update_status)
        self.view_state.events.changed.connect(self._on_view_changed)

        self._build_status_bar()
        self.menus = MainMenus(self)
        self.categories.set_settings(self.settings)
        categories_menu = self.menus.edit_menu.addMenu("&Categories")
        categories_menu.addActions(self.categories.actions_for_menu())
        self.categories.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.categories.colors_changed.connect(self._on_category_colors_changed)
        editing = self.canvas.editing
        edit_menu = self.menus.edit_menu
        edit_menu.addSeparator()
        edit_menu.addActions([editing.select_all_action, editing.clear_selection_action, editing.delete_action])
        edit_menu.addSeparator()
        edit_menu.addAction(editing.delete_image_action)
        editing.delete_image_requested.connect(self.delete_image)
        editing.hint_changed.connect(
            lambda text: self.statusBar().showMessage(text) if text else self.statusBar().clearMessage())
        self.undo_action, self.redo_action = self.menus.undo_action, self.menus.redo_action
        self.saver = SaveController(self, default_recovery_dir(self.settings), open_file=self.open_file)
        self.saver.path_changed.connect(lambda _path: self.update_title())
        self.saver.busy_changed.connect(self._on_saving)
        file_menu, quit_action = self.menus.file_menu, self.menus.quit_action
        file_menu.insertActions(quit_action, [self.saver.save_action, self.saver.save_as_action])
        self.export_action = self.menus.action(file_menu, "&Export Subset…", self.export_subset, "Ctrl+E")
        file_menu.insertAction(quit_action, self.export_action)
        file_menu.insertSeparator(quit_action)
        self._update_undo_actions()
        self.resizeDocks([self.tree_dock, self.inspector_dock], [300, 360], Qt.Orientation.Horizontal)
        self._restore_window_state()

    # ---- construction -----------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower() + "_dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def docks(self) -> list[QDockWidget]:
        return [self.tree_dock, self.inspector_dock, self.categories_dock, self.history_dock]

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.position_label = QLabel()
        self.size_label = QLabel()
        self.zoom_label = QLabel()
        self.count_label = QLabel()
        for label in (self.position_label, self.size_label, self.count_label, self.zoom_label):
            bar.addPermanentWidget(label)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.loader.cancel)
        self.choose_folder_button = QPushButton("Choose image folder…")
        self.choose_folder_button.setToolTip("The image file was not found: pick the folder that holds the images")
        self.choose_folder_button.clicked.connect(self.choose_images_dir)
        self.choose_folder_button.hide()
        self.validation_label = QLabel()
        self.validation_label.setToolTip("Validation of the whole dataset (Findings filter in the Dataset panel)")
        bar.addPermanentWidget(self.choose_folder_button)
        bar.addPermanentWidget(self.validation_label)
        bar.addWidget(self.progress_bar)
        bar.addWidget(self.cancel_button)
        self.progress_bar.hide()
        self.cancel_button.hide()

    # ---- opening files ------------------------------------------------------
    def open_dialog(self) -> None:
        start = os.path.dirname(self.dataset.path) if self.dataset and self.dataset.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open COCO file", start, "COCO JSON (*.json);;All files (*)")
        if path:
            self.open_file(path)

    def open_demo(self) -> None:
        from cocoview.resources import demo_annotations_path, demo_images_dir
        self.open_file(str(demo_annotations_path()), str(demo_images_dir()))

    def open_file(self, path: str, images_dir: str | None = None) -> None:
        """Start loading ``path``; the current dataset stays until it is ready."""
        if not self.saver.maybe_save():
            return
        self.images_dir_override = images_dir
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(f"Opening {os.path.basename(path)} %p%")
        self.progress_bar.show()
        self.cancel_button.show()
        self.loader.load(path)

    def _on_load_progress(self, message: str, fraction: float) -> None:
        self.progress_bar.setFormat(f"{message} %p%")
        self.progress_bar.setValue(int(fraction * 1000))

    def _end_progress(self) -> None:
        self.progress_bar.hide()
        self.cancel_button.hide()

    def _on_load_failed(self, path: str, message: str) -> None:
        self._end_progress()
        self.show_error("Cannot open file", message)

    def show_error(self, title: str, message: str) -> QMessageBox:
        """A window-modal message that does not block the event loop."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_error = box
        return box

    def _on_load_cancelled(self, path: str) -> None:
        self._end_progress()
        self.statusBar().showMessage(f"Opening {os.path.basename(path)} cancelled", 4000)

    def _on_loaded(self, dataset: Dataset, path: str) -> None:
        self._end_progress()
        self.set_dataset(dataset, self.images_dir_override)
        self.settings.add_recent_file(path)

    def set_dataset(self, dataset: Dataset, images_dir: str | None = None) -> None:
        self.saver.set_dataset(dataset)  # may restore unsaved edits before the views see it
        if self.dataset is not None:
            self.dataset.events.categories_changed.disconnect(self._update_status)
            self.dataset.history.events.changed.disconnect(self._on_history_changed)
        self.dataset = dataset
        self.current_image = None
        path = dataset.path or ""
        if images_dir is None and path:
            images_dir = self.settings.images_dir_for(path)
        self.locator = ImageLocator(path or ".", images_dir)
        self.canvas.annotation_scene.set_images_dir(images_dir)  # panoptic PNGs may live there
        self.image_loader.clear_cache()
        self.view_state.set_hidden_categories([])
        self.tree.set_dataset(dataset, self.view_state)
        self.categories.set_dataset(dataset, self.view_state, lambda cid: category_color(dataset, cid))
        dataset.events.categories_changed.connect(self._update_status)
        self.tree.set_findings_predicate(None)
        self.findings.set_dataset(dataset)
        dataset.history.events.changed.connect(self._on_history_changed)
        self._image_listeners.clear()
        self._image_listeners.listen(dataset.events.images_added, "_on_images_added")
        self._image_listeners.listen(dataset.events.images_removed, "_on_images_removed")
        self.history_view.set_history(dataset.history)
        self._on_history_changed()
        self.dataset_changed.emit(dataset)
        ordered = self.tree.ordered_images()
        if ordered:
            self.show_image(ordered[0])
        else:
            self.canvas.clear()
            self._update_status()

    # ---- edits ----------------------------------------------------------------
    def undo(self) -> None:
        if self.dataset is not None:
            self.dataset.history.undo()

    def redo(self) -> None:
        if self.dataset is not None:
            self.dataset.history.redo()

    def _update_undo_actions(self) -> None:
        history = self.dataset.history if self.dataset is not None else None
        self.undo_action.setEnabled(bool(history and history.can_undo))
        self.redo_action.setEnabled(bool(history and history.can_redo))
        self.undo_action.setText(f"&Undo {history.undo_text}" if history and history.can_undo else "&Undo")
        self.redo_action.setText(f"&Redo {history.redo_text}" if history and history.can_redo else "&Redo")

    def _on_history_changed(self, **_) -> None:
        self._update_undo_actions()
        self.update_title()
        self._update_status()

    def _on_images_added(self, images=(), **_) -> None:
        # Undo brought images back: show the first of them once the edit is done.
        if images:
            self._follow_target = images[0]
            QTimer.singleShot(0, self, self._follow_images)

    def _on_images_removed(self, images=(), **_) -> None:
        if self.current_image is not None and any(img is self.current_image for img in images):
            self._follow_target = None   # the image shown is gone: its neighbour, once the edit is done
            QTimer.singleShot(0, self, self._follow_images)

    def _follow_images(self) -> None:
        ds, target = self.dataset, self._follow_target
        self._follow_target = None
        if ds is None:
            return
        if target is not None and ds.image(target.get("id")) is target:
            self.show_image(target)
            return
        current = self.current_image
        if current is None or ds.image(current.get("id")) is not current:
            self._show_near(self._shown_position)

    def _show_near(self, pos: int) -> None:
        """Show the image at tree position ``pos`` (or the last), none when the tree is empty."""
        remaining = self.tree.ordered_images()
        if remaining:
            self.show_image(remaining[min(max(pos, 0), len(remaining) - 1)])
        else:
            self.current_image = None
            self.canvas.clear()
            self.inspector.clear()
            self._update_status()

    def delete_image(self, image: dict) -> None:
        """Remove an image and its annotations (one undo step), then show its neighbour."""
        if self.dataset is None or image is None:
            return
        pos = self.position_of(image)
        self.dataset.history.push(delete_images(self.dataset, [image]))
        self._show_near(pos)

    def _on_saving(self, busy: bool) -> None:
        """No edits while a save takes its snapshot and writes."""
        for widget in (self.canvas, self.categories_dock, self.history_dock):
            widget.setEnabled(not busy)
        for action in self.menus.edit_menu.actions():
            action.setEnabled(not busy)
        if not busy:
            self._update_undo_actions()
            self.canvas.editing.refresh_actions()

    def export_subset(self) -> None:
        if self.dataset is None:
            return
        filtered = self.tree.ordered_images() if not self.tree.current_filter().is_empty() else None
        selected = [self.current_image] if self.current_image is not None else None
        dialog = ExportDialog(self.dataset, filtered, selected, self.view_state.min_score, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.export_dialog = dialog

    def update_title(self) -> None:
        path = self.dataset.path if self.dataset is not None else None
        name = os.path.basename(path) if path else ("untitled" if self.dataset is not None else "")
        self.setWindowTitle(f"{name}[*] — cocoview" if name else "cocoview")
        self.setWindowModified(self.dataset is not None and not self.dataset.history.is_clean)

    # ---- images ---------------------------------------------------------------
    def show_image(self, image: dict) -> None:
        """Show ``image`` (a dict of the dataset): from cache at once, else when decoded."""
        if self.dataset is None or image is None:
            return
        self.current_image = image
        key = id(image)
        self._pending_key = key
        self.tree.select_image(image)
        path = self.locator.resolve(image) if self.locator else None
        cached = self.image_loader.cached(key)
        if cached is not None:
            self._display(image, cached, None)
        elif path is None:
            names = ", ".join(str(p) for p in self.locator.candidates(image)[:2]) if self.locator else ""
            self._display(image, None, f"Image not found: {image.get('file_name')}\nlooked in {names}")
        else:
            # Decode this one alone first; neighbours are prefetched once it is shown.
            self.image_loader.request(key, str(path))
            return
        self._prefetch(image)

    def _prefetch(self, image: dict) -> None:
        if self.dataset is None or self.locator is None:
            return
        # The neighbours in the tree's order, the order Next and Previous follow.
        ordered = self.tree.ordered_images()
        pos = self.position_of(image)
        wanted = []
        for step in list(range(1, PREFETCH_AHEAD + 1)) + [-s for s in range(1, PREFETCH_BEHIND + 1)]:
            i = pos + step
            if pos >= 0 and 0 <= i < len(ordered):
                neighbour = ordered[i]
                path = self.locator.resolve(neighbour)
                if path is not None:
                    wanted.append((id(neighbour), str(path)))
        self.image_loader.prefetch(wanted)

    def _on_image_loaded(self, key: Any, qimage, info) -> None:
        if key == self._pending_key and self.current_image is not None:
            self._display(self.current_image, qimage, None)
            self._prefetch(self.current_image)

    def _on_image_failed(self, key: Any, message: str) -> None:
        if key == self._pending_key and self.current_image is not None:
            self._display(self.current_image, None, message)
            self._prefetch(self.current_image)

    def _display(self, image: dict, qimage, note: str | None) -> None:
        self._shown_position = self.position_of(image)
        self.choose_folder_button.setVisible(qimage is None)
        # Quick: a large dataset's duplicate-id counts come from the background validation.
        findings = image_findings(self.dataset, image, qimage, quick=True)
        self._shown_qimage = qimage
        self.canvas.show_image(self.dataset, image, qimage, self.view_state, note)
        self.inspector.show_image(self.dataset, image, findings)
        self._update_status()
        self.image_shown.emit(image)

    # ---- navigation ------------------------------------------------------------
    def position_of(self, image: dict | None) -> int:
        if self.dataset is None or image is None:
            return -1
        images = self.tree.ordered_images()
        if images is not self._positions_of:
            self._positions = {id(img): i for i, img in enumerate(images)}
            self._positions_of = images
        return self._positions.get(id(image), -1)

    def step(self, delta: int) -> None:
        images = self.tree.ordered_images()
        if not images:
            return
        pos = self.position_of(self.current_image)
        target = min(max(pos + delta, 0), len(images) - 1) if pos >= 0 else 0
        if images[target] is not self.current_image:
            self.show_image(images[target])

    def go_to_position(self, pos: int) -> None:
        images = self.tree.ordered_images()
        if images:
            self.show_image(images[pos])

    def jump_dialog(self) -> None:
        if self.dataset is None:
            return
        text, ok = QInputDialog.getText(self, "Jump to image", "Image id:")
        if ok and text.strip():
            self.jump_to(text.strip())

    def jump_to(self, image_id: Any) -> bool:
        image = self.dataset.image(image_id) if self.dataset else None
        if image is None:
            QMessageBox.information(self, "Jump to image", f"No image with id {image_id}.")
            return False
        self.show_image(image)
        return True

    def choose_images_dir(self) -> None:
        if self.dataset is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Choose the folder holding the images")
        if folder:
            self.set_images_dir(folder)

    def set_images_dir(self, folder: str) -> None:
        if self.dataset is None or self.locator is None:
            return
        self.locator.set_images_dir(folder)
        self.canvas.annotation_scene.set_images_dir(folder)
        if self.dataset.path:
            self.settings.set_images_dir_for(self.dataset.path, folder)
        self.image_loader.clear_cache()
        if self.current_image is not None:
            self.show_image(self.current_image)

    def _on_category_colors_changed(self, *_) -> None:
        if self.dataset is not None:
            dataset = self.dataset
            self.tree.set_color_for(lambda cid: category_color(dataset, cid))

    def _on_finding_activated(self, finding) -> None:
        """Select the annotation a finding names (double-click in the inspector)."""
        if self.dataset is None or self.current_image is None or finding.annotation_id is None:
            return
        for ann in self.dataset.annotations_of_image(self.current_image.get("id")):
            if ann.id == finding.annotation_id:
                self.canvas.select_annotation(ann, reveal=True)
                self.inspector.show_annotation(ann)
                return

    def _on_findings_ready(self) -> None:
        self.tree.set_findings_predicate(self.findings.has_findings)
        image = self.current_image
        if image is not None and self.dataset is not None and findings_complete(self.dataset):
            findings = image_findings(self.dataset, image, self._shown_qimage, quick=True)
            selected = self.canvas.selected_annotations()
            self.inspector.show_image(self.dataset, image, findings)
            if selected:
                self.inspector.show_annotation(selected[0])
        errors, warnings = self.findings.totals()
        self.validation_label.setText(f"{errors:,} errors, {warnings:,} warnings")
        self.validation_label.setStyleSheet("color: #b3261e;" if errors else "")

    # ---- status -----------------------------------------------------------------
    def _on_view_changed(self, what: str) -> None:
        self._update_status()

    def _update_status(self, *args) -> None:
        ds, image = self.dataset, self.current_image
        if ds is None or image is None:
            for label in (self.position_label, self.size_label, self.count_label):
                label.clear()
        else:
            if ds.is_panoptic:   # a record per image: count its segments, as the tree does
                visible, total, _per = image_counts(ds, self.view_state, image, panoptic=True)
                what = "Segments"
            else:
                anns = ds.annotations_of_image(image.get("id"))
                visible, total, what = len(self.view_state.visible(anns)), len(anns), "Annotations"
            shown = len(self.tree.ordered_images())
            pos = self.position_of(image)
            n_images = len(ds.images)
            if pos < 0:
                text = f"Image hidden by the filter ({shown:,} of {n_images:,} shown)"
            else:
                text = f"Image {pos + 1:,} / {shown:,}" + (f" (filtered from {n_images:,})" if shown != n_images else "")
            self.position_label.setText(text)
            self.size_label.setText(f"{image.get('width', '?')}×{image.get('height', '?')}")
            self.count_label.setText(f"{what} {visible:,} / {total:,}")
        self.zoom_label.setText(f"{self.canvas.zoom * 100:.0f}%")

    # ---- window -------------------------------------------------------------------
    def _restore_window_state(self) -> None:
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.saver.maybe_save():
            event.ignore()
            return
        self.saver.close()
        self.settings.save_window_state(self.saveGeometry(), self.saveState())
        self.loader.cancel()
        super().closeEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile() and urls[0].toLocalFile().lower().endswith(".json"):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            self.open_file(urls[0].toLocalFile())
            event.acceptProposedAction()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(1400, 900)
