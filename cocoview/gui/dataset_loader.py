"""Loading a dataset on a worker thread, with progress and cancel."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from cocoview.model.dataset import Dataset
from cocoview.model.errors import Cancelled, CocoError


class DatasetLoader(QObject):
    """Reads a COCO file off the GUI thread.

    Signals arrive on the GUI thread: ``progress(message, fraction)``,
    ``loaded(dataset, path)``, ``failed(path, message)``, ``cancelled(path)``.
    Starting a new load cancels the one in flight.
    """

    progress = Signal(str, float)
    loaded = Signal(object, str)
    failed = Signal(str, str)
    cancelled = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._generation = 0

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def load(self, path: str) -> None:
        self.cancel()
        self._generation += 1
        generation = self._generation
        cancel = threading.Event()
        self._cancel = cancel

        def report(message: str, fraction: float) -> None:
            if generation == self._generation:
                self.progress.emit(message, fraction)

        def work() -> None:
            try:
                dataset = Dataset.load(path, progress=report, cancel=cancel)
            except Cancelled:
                self.cancelled.emit(path)
            except CocoError as e:
                if generation == self._generation:
                    self.failed.emit(path, str(e))
            except MemoryError:
                self.failed.emit(path, f"{path}: not enough memory to open this file")
            except Exception as e:  # a bug, not the user's doing: still no silent death
                self.failed.emit(path, f"{path}: unexpected error while reading: {type(e).__name__}: {e}")
            else:
                if generation == self._generation and not cancel.is_set():
                    self.loaded.emit(dataset, path)
                else:
                    self.cancelled.emit(path)

        self._thread = threading.Thread(target=work, name="cocoview-load", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current load ends (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True
