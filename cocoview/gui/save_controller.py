"""Saving the window's dataset, asking before losing edits, and crash recovery.

:class:`SaveController` owns Save and Save As (written on a worker thread,
with progress in the window's status bar), the unsaved-changes question
(:meth:`SaveController.maybe_save`), the journal of unsaved edits (written a
moment after each change, off the GUI thread) and the offer to restore a
journal left by a session that did not close normally.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QEventLoop, QObject, QSettings, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QMessageBox, QProgressBar, QWidget

from cocoview.model.dataset import Dataset
from cocoview.model.errors import CocoError
from cocoview.model.history import History
from cocoview.model.journal import (Basis, JournalInfo, find_journal, list_journals, remove_journal, restore,
                                    set_aside, write_journal)
from cocoview.model.snapshot import Snapshot, SnapshotBuilder
from cocoview.model.source_identity import SourceIdentity
from cocoview.model.text import plural as _plural
from cocoview.model.writer import save_dataset

#: how long after the last change the journal is written
JOURNAL_DELAY_MS = 2000
#: annotations copied per step of a journal snapshot (a few milliseconds each)
SNAPSHOT_SLICE = 50_000

Button = QMessageBox.StandardButton


def default_recovery_dir(settings=None) -> str:
    """Where journals live: beside a settings file given as an ini file (tests,
    portable setups), else in the application's data folder."""
    q = getattr(settings, "q", None)
    if isinstance(q, QSettings) and q.format() == QSettings.Format.IniFormat and q.fileName():
        return os.path.join(os.path.dirname(os.path.abspath(q.fileName())), "recovery")
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return os.path.join(base or os.path.expanduser("~/.cocoview"), "recovery")


def unsaved_changes(history: History) -> int:
    """How many steps separate the dataset from its saved state."""
    clean = history.clean_index
    if clean is None:  # the saved state was undone and replaced
        return max(history.index, 1)
    return abs(history.index - clean)


@dataclass
class _Session:
    """One dataset as the controller tracks it; worker jobs carry their session."""

    dataset: Dataset
    basis: Basis | None = None
    discarded: bool = False


@dataclass
class _SaveResult:
    session: _Session
    path: str
    changes_at_start: int
    error: str | None = None
    basis: Basis | None = None


class SaveController(QObject):
    """Save / Save As / unsaved-changes prompts / journal / recovery for one window.

    The window wires :attr:`save_action` and :attr:`save_as_action` into its
    menu, calls :meth:`set_dataset` before showing a newly read dataset
    (which may offer to restore unsaved changes into it), :meth:`maybe_save`
    before replacing the dataset or closing, and :meth:`close` when it closes.

    Signals: ``saved(path)``, ``save_failed(message)``, ``busy_changed(busy)``
    (editing must wait while busy), ``path_changed(path)`` after Save As,
    ``journal_written(path)``, ``restored(dataset)``.

    :attr:`ask` shows a question box and returns the button chosen, and
    :attr:`ask_path` asks where to save; tests replace both.
    """

    saved = Signal(str)
    save_failed = Signal(str)
    busy_changed = Signal(bool)
    path_changed = Signal(str)
    journal_written = Signal(str)
    restored = Signal(object)

    _save_done = Signal(object)
    _save_progress = Signal(float)
    _journal_done = Signal(str, str)

    def __init__(self, window: QWidget, recovery_dir: str | None = None,
                 open_file: Callable[[str], Any] | None = None, parent: QObject | None = None,
                 journal_delay_ms: int = JOURNAL_DELAY_MS) -> None:
        super().__init__(parent or window)
        self.window = window
        self.recovery_dir = recovery_dir if recovery_dir is not None else default_recovery_dir()
        self.open_file = open_file
        self.ask: Callable[[QMessageBox], Any] = lambda box: box.exec()
        self.ask_path: Callable[[str], str] = self._ask_path
        self.last_error: QMessageBox | None = None
        self.journal_error: str | None = None
        self._session: _Session | None = None
        self._busy = False
        self._changes = 0
        self._generation = 0
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cocoview-save")
        self._pending: list[Future] = []
        self._restore_on_load: str | None = None
        self._builder: SnapshotBuilder | None = None
        self._offered_others = False

        self.save_action = QAction("&Save", self)
        self.save_action.setShortcuts(QKeySequence.StandardKey.Save)
        self.save_action.setStatusTip("Save the edits to the file (the file is replaced safely)")
        self.save_action.triggered.connect(self.save)
        self.save_as_action = QAction("Save &As…", self)
        self.save_as_action.setShortcuts(QKeySequence.StandardKey.SaveAs)
        self.save_as_action.setStatusTip("Save the dataset to another file")
        self.save_as_action.triggered.connect(self.save_as)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setMaximumWidth(240)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()
        if isinstance(window, QMainWindow):
            window.statusBar().addPermanentWidget(self.progress_bar)

        self._journal_timer = QTimer(self)
        self._journal_timer.setSingleShot(True)
        self._journal_timer.setInterval(journal_delay_ms)
        self._journal_timer.timeout.connect(self.write_journal_now)

        self._save_done.connect(self._on_save_done, Qt.ConnectionType.QueuedConnection)
        self._save_progress.connect(self._on_save_progress, Qt.ConnectionType.QueuedConnection)
        self._journal_done.connect(self._on_journal_done, Qt.ConnectionType.QueuedConnection)
        self._update_actions()

    # ---- state -------------------------------------------------------------
    @property
    def dataset(self) -> Dataset | None:
        return self._session.dataset if self._session else None

    @property
    def busy(self) -> bool:
        """True while a save runs."""
        return self._busy

    @property
    def is_dirty(self) -> bool:
        ds = self.dataset
        return ds is not None and not ds.history.is_clean

    def set_dataset(self, dataset: Dataset | None) -> bool:
        """Track ``dataset`` (just read, not yet shown). Returns True if unsaved
        changes recorded for its file were restored into it."""
        old = self._session
        if old is not None and old.dataset is dataset:
            return False
        if old is not None:
            old.dataset.history.events.changed.disconnect(self._on_history_changed)
        self._journal_timer.stop()
        with self._lock:
            self._generation += 1
        self._session = None
        restored = False
        if dataset is not None:
            restored = self._offer_restore(dataset)
            session = _Session(dataset)
            self._session = session
            dataset.history.events.changed.connect(self._on_history_changed)
            if dataset.path and self.recovery_dir:
                snapshot = Snapshot(dataset)
                self._submit(lambda: self._find_basis(session, snapshot))
                if not dataset.history.is_clean:
                    self._journal_timer.start()
            if not self._offered_others:
                self._offered_others = True
                QTimer.singleShot(0, self._offer_other_recoveries)
        self._update_actions()
        return restored

    def _on_history_changed(self, **_: Any) -> None:
        self._changes += 1
        if self._session is not None:
            self._session.discarded = False
        self._journal_timer.start()
        self._update_actions()

    def _update_actions(self) -> None:
        has = self.dataset is not None
        self.save_action.setEnabled(has and not self._busy)
        self.save_as_action.setEnabled(has and not self._busy)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        if busy:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(0)
            self.progress_bar.setFormat(f"{text} %p%")
            self.progress_bar.show()
        else:
            self.progress_bar.hide()
        self._update_actions()
        self.busy_changed.emit(busy)

    def _submit(self, job: Callable[[], None]) -> Future | None:
        try:
            future = self._executor.submit(job)
        except RuntimeError:  # closed
            return None
        self._pending = [f for f in self._pending if not f.done()] + [future]
        return future

    def wait(self, timeout: float | None = 30.0) -> None:
        """Block until background saves and journal writes end (tests, shutdown)."""
        for future in list(self._pending):
            try:
                future.result(timeout)
            except Exception:
                pass

    # ---- saving ------------------------------------------------------------------
    def save(self) -> bool:
        """Start saving to the dataset's file (Save As when it has none).

        Returns True when a save started; the outcome comes as ``saved`` or
        ``save_failed``.
        """
        ds = self.dataset
        if ds is None or self._busy:
            return False
        if not ds.path:
            return self.save_as()
        return self._start_save(ds.path)

    def save_as(self) -> bool:
        """Ask for a file name and start saving there."""
        ds = self.dataset
        if ds is None or self._busy:
            return False
        path = self.ask_path(self._suggested_path())
        if not path:
            return False
        return self._start_save(os.path.abspath(path))

    def save_and_wait(self, save_as: bool = False) -> bool:
        """Save and keep the event loop running until done; True on success."""
        outcome: list[bool] = []
        loop = QEventLoop()

        def done_ok(_path: str) -> None:
            outcome.append(True)
            loop.quit()

        def done_failed(_message: str) -> None:
            outcome.append(False)
            loop.quit()

        self.saved.connect(done_ok)
        self.save_failed.connect(done_failed)
        try:
            started = self.save_as() if save_as else self.save()
            if not started:
                return False
            if not outcome:
                loop.exec()
        finally:
            self.saved.disconnect(done_ok)
            self.save_failed.disconnect(done_failed)
        return bool(outcome and outcome[0])

    def _suggested_path(self) -> str:
        ds = self.dataset
        if ds is not None and ds.path:
            return ds.path
        return os.path.join(os.path.expanduser("~"), "annotations.json")

    def _ask_path(self, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self.window, "Save COCO file as", suggested,
                                              "COCO JSON (*.json);;All files (*)")
        return path

    def _start_save(self, path: str) -> bool:
        session = self._session
        self._builder = None  # a journal snapshot in progress: the end of the save writes one
        self._set_busy(True, f"Saving {os.path.basename(path)}")
        builder = SnapshotBuilder(session.dataset, SNAPSHOT_SLICE)
        self._continue_save(builder, session, path, self._changes)
        return True

    def _continue_save(self, builder: SnapshotBuilder, session: _Session, path: str, changes_at_start: int) -> None:
        """Take the snapshot a slice at a time between events, then write it on the worker."""
        if self._session is not session:
            self._set_busy(False)
            self.save_failed.emit(f"{path}: not saved: another dataset was opened")
            return
        if self._changes != changes_at_start:  # an edit got through: start again from that state
            builder = SnapshotBuilder(session.dataset, SNAPSHOT_SLICE)
            changes_at_start = self._changes
        snapshot = builder.step()
        if snapshot is None:
            self._on_save_progress(0.1 * builder.fraction)
            QTimer.singleShot(0, self, lambda: self._continue_save(builder, session, path, changes_at_start))
            return
        result = _SaveResult(session, path, changes_at_start)

        def job() -> None:
            try:
                snapshot.pack(lambda f: self._save_progress.emit(0.1 + 0.5 * f))
                self._save_progress.emit(-1.0)
                save_dataset(snapshot, path)
                try:
                    result.basis = Basis.as_saved(snapshot, SourceIdentity.of(path))
                except CocoError:
                    result.basis = None
            except CocoError as e:
                result.error = str(e)
            except MemoryError:
                result.error = f"{path}: not enough memory to save; the file is unchanged"
            except Exception as e:  # a bug, not the user's doing: still say so
                result.error = f"{path}: unexpected error while saving: {type(e).__name__}: {e}"
            self._save_done.emit(result)

        if self._submit(job) is None:
            self._set_busy(False)
            self.save_failed.emit(f"{path}: not saved: the window is closing")

    def _on_save_progress(self, fraction: float) -> None:
        if fraction < 0:
            self.progress_bar.setRange(0, 0)  # writing: no measure of progress
        else:
            self.progress_bar.setValue(int(fraction * 1000))

    def _on_save_done(self, result: _SaveResult) -> None:
        self._set_busy(False)
        session = result.session
        if result.error is not None:
            if session is self._session:
                self.show_error("Cannot save", result.error)
            self.save_failed.emit(result.error)
            return
        ds = session.dataset
        old_path = ds.path
        session.basis = result.basis
        if not old_path or os.path.abspath(old_path) != os.path.abspath(result.path):
            ds.path = result.path
            if old_path and self.recovery_dir:
                remove_journal(self.recovery_dir, old_path)
            if session is self._session:
                self.path_changed.emit(result.path)
        if session is self._session:
            if self._changes == result.changes_at_start:
                ds.history.set_clean()
            self._journal_timer.stop()
            self.write_journal_now()  # removes it when clean, else rewrites it against the new file
            if isinstance(self.window, QMainWindow):
                self.window.statusBar().showMessage(f"Saved {result.path}", 5000)
        self.saved.emit(result.path)

    def show_error(self, title: str, message: str) -> QMessageBox:
        """A window-modal message that does not block the event loop."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, Button.Ok, self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_error = box
        return box

    # ---- unsaved changes ----------------------------------------------------------
    def maybe_save(self) -> bool:
        """Before closing or opening another file: False means stop (Cancel or a failed save)."""
        ds = self.dataset
        if ds is None:
            return True
        if self._busy:
            self._wait_for_save()
        if ds.history.is_clean:
            return True
        name = os.path.basename(ds.path) if ds.path else "the new dataset"
        n = unsaved_changes(ds.history)
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"Save the changes to “{name}” before closing it?",
                          Button.Save | Button.Discard | Button.Cancel, self.window)
        box.setInformativeText(f"{_plural(n, 'change')} will be lost if you don't save "
                               f"{'it' if n == 1 else 'them'}.")
        box.setDefaultButton(Button.Save)
        box.setEscapeButton(Button.Cancel)
        answer = self.ask(box)
        if answer == Button.Save:
            return self.save_and_wait()
        if answer == Button.Discard:
            self.discard()
            return True
        return False

    def discard(self) -> None:
        """Forget the journal of the current edits (the user chose not to keep them)."""
        session = self._session
        self._journal_timer.stop()
        if session is not None:
            session.discarded = True
            self._remove_journal(session.dataset.path)

    def _wait_for_save(self) -> None:
        loop = QEventLoop()
        self.busy_changed.connect(loop.quit)
        try:
            if self._busy:
                loop.exec()
        finally:
            self.busy_changed.disconnect(loop.quit)

    def close(self) -> None:
        """The window closes: wait for writes; keep the journal only for unsaved edits."""
        self._journal_timer.stop()
        if self._busy:
            self._wait_for_save()
        session = self._session
        if session is not None and session.dataset.path:
            if session.dataset.history.is_clean or session.discarded:
                self._remove_journal(session.dataset.path)
            else:
                self.write_journal_now(at_once=True)
        self.wait()
        self._executor.shutdown(wait=True)

    # ---- journal -----------------------------------------------------------------------
    def _find_basis(self, session: _Session, snapshot: Snapshot) -> None:
        try:
            session.basis = Basis.as_read(snapshot)
        except CocoError as e:
            session.basis = None
            self._journal_done.emit("", f"cannot record unsaved changes: {e}")

    def write_journal_now(self, at_once: bool = False) -> None:
        """Record the current edits (or remove the record when there are none).

        The snapshot is taken a slice at a time between events (each a few
        milliseconds), then encoded and written on the worker thread; an edit
        meanwhile abandons it (the edit schedules the next one).
        """
        session = self._session
        self._builder = None
        if session is None or not self.recovery_dir or not session.dataset.path:
            return
        ds = session.dataset
        if ds.history.is_clean:
            self._remove_journal(ds.path)
            return
        if self._busy:
            return  # the end of the save writes it
        builder = SnapshotBuilder(ds, len(ds.annotations) + 1 if at_once else SNAPSHOT_SLICE)
        self._builder = builder
        self._continue_snapshot(builder, session, self._changes)

    def _continue_snapshot(self, builder: SnapshotBuilder, session: _Session, changes_at_start: int) -> None:
        if self._builder is not builder or self._session is not session or self._changes != changes_at_start:
            return
        snapshot = builder.step()
        if snapshot is None:
            QTimer.singleShot(0, self, lambda: self._continue_snapshot(builder, session, changes_at_start))
            return
        self._builder = None
        ds = session.dataset
        changes = unsaved_changes(ds.history)
        generation = self._generation
        folder = self.recovery_dir

        def job() -> None:
            with self._lock:
                if generation != self._generation or session.basis is None:
                    return
                try:
                    path = write_journal(folder, snapshot, session.basis, changes)
                except CocoError as e:
                    self._journal_done.emit("", str(e))
                    return
            self._journal_done.emit(path, "")

        self._submit(job)

    def _remove_journal(self, source_path: str | None) -> None:
        with self._lock:
            self._generation += 1
            if source_path and self.recovery_dir:
                remove_journal(self.recovery_dir, source_path)

    def _on_journal_done(self, path: str, error: str) -> None:
        if error:
            if error != self.journal_error and isinstance(self.window, QMainWindow):
                self.window.statusBar().showMessage(f"Unsaved changes are not protected: {error}", 8000)
            self.journal_error = error
            return
        self.journal_error = None
        self.journal_written.emit(path)

    # ---- recovery ------------------------------------------------------------------------
    def _offer_restore(self, dataset: Dataset) -> bool:
        if not dataset.path or not self.recovery_dir or not dataset.history.is_clean or dataset.history.index:
            return False
        info = find_journal(self.recovery_dir, dataset.path)
        if info is None or info.is_live():
            return False
        automatic = self._restore_on_load == os.path.abspath(dataset.path)
        self._restore_on_load = None
        if not automatic:
            answer = self.ask(self._restore_question(info, opening=True))
            if answer == Button.Discard:
                remove_journal(self.recovery_dir, dataset.path)
                return False
            if answer != Button.Yes:
                return False
        if isinstance(self.window, QMainWindow):
            self.window.statusBar().showMessage(f"Restoring unsaved changes to {info.file_name}…")
            self.window.statusBar().repaint()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            restore(info, dataset=dataset)
        except CocoError as e:
            QApplication.restoreOverrideCursor()
            kept = set_aside(info)
            note = f"\n\nThe record of those changes was kept as {kept}." if kept else ""
            self.show_error("Cannot restore unsaved changes", f"{e}{note}")
            return False
        QApplication.restoreOverrideCursor()
        self.restored.emit(dataset)
        if isinstance(self.window, QMainWindow):
            self.window.statusBar().showMessage(
                f"Restored {_plural(info.changes, 'unsaved change')} to {info.file_name}; save to keep them", 8000)
        return True

    def _restore_question(self, info: JournalInfo, opening: bool) -> QMessageBox:
        n = _plural(info.changes, "unsaved change") if info.changes else "unsaved changes"
        if opening:
            text = f"Restore unsaved changes to “{info.file_name}” from {info.when}?"
        else:
            text = f"Open “{info.file_name}” and restore its unsaved changes from {info.when}?"
        box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved changes", text,
                          Button.Yes | Button.Discard | Button.Cancel, self.window)
        box.setInformativeText(
            f"cocoview did not close normally while {info.source.path} had {n}. "
            "Restore brings them back (undo shows the file as saved); Discard deletes them for good.")
        box.button(Button.Yes).setText("Restore")
        box.button(Button.Cancel).setText("Not Now")
        box.setDefaultButton(Button.Yes)
        box.setEscapeButton(Button.Cancel)
        return box

    def pending_recoveries(self) -> list[JournalInfo]:
        """Journals left by sessions that ended without closing, newest first."""
        if not self.recovery_dir:
            return []
        current = os.path.abspath(self.dataset.path) if self.dataset and self.dataset.path else None
        return [info for info in list_journals(self.recovery_dir)
                if not info.is_live() and info.source.path != current and os.path.isfile(info.source.path)]

    def _offer_other_recoveries(self) -> None:
        if self.open_file is None:
            return
        pending = self.pending_recoveries()
        if not pending:
            return
        info = pending[0]
        answer = self.ask(self._restore_question(info, opening=False))
        if answer == Button.Yes:
            self._restore_on_load = info.source.path
            self.open_file(info.source.path)
        elif answer == Button.Discard:
            remove_journal(self.recovery_dir, info.source.path)
