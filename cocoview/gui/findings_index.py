"""Which images have validation findings, computed off the GUI thread."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Hashable

from PySide6.QtCore import QObject, QTimer, Signal

from cocoview.model.ids import id_key
from cocoview.model.validation import validate, warm_context


class FindingsIndex(QObject):
    """Runs a full validation in the background after a load and after edits.

    ``ready`` fires (on the GUI thread) when :meth:`has_findings` is current.
    """

    ready = Signal()

    def __init__(self, parent: QObject | None = None, delay_ms: int = 800) -> None:
        super().__init__(parent)
        self._dataset = None
        self._counts: Counter[Hashable] = Counter()
        self._errors = 0
        self._warnings = 0
        self._generation = 0
        self.is_ready = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._start)
        self._done.connect(self._on_done)

    _done = Signal(int, object, int, int)

    def set_dataset(self, dataset) -> None:
        if self._dataset is not None:
            self._dataset.history.events.changed.disconnect(self.refresh)
        self._dataset = dataset
        self.is_ready = False
        self._counts = Counter()
        if dataset is not None:
            dataset.history.events.changed.connect(self.refresh)
            # Let the window settle on the first image before validating.
            self._timer.start(max(self._timer.interval(), 1500))

    def refresh(self, **_) -> None:
        self._timer.start()

    def has_findings(self, image: dict) -> bool:
        return self._counts.get(id_key(image.get("id")), 0) > 0

    def totals(self) -> tuple[int, int]:
        """(errors, warnings) over the whole dataset."""
        return self._errors, self._warnings

    def _start(self) -> None:
        self._generation += 1
        generation, dataset = self._generation, self._dataset
        if dataset is None:
            return

        def work() -> None:
            try:
                findings = validate(dataset)
                warm_context(dataset)
            except Exception:  # a concurrent edit changed the lists under us: try again later
                self._done.emit(generation, None, 0, 0)
                return
            counts: Counter[Hashable] = Counter(id_key(f.image_id) for f in findings if f.image_id is not None)
            errors = sum(1 for f in findings if f.severity == "error")
            self._done.emit(generation, counts, errors, len(findings) - errors)

        threading.Thread(target=work, name="cocoview-validate", daemon=True).start()

    def _on_done(self, generation: int, counts, errors: int, warnings: int) -> None:
        if generation != self._generation:
            return
        if counts is None:
            self.refresh()
            return
        self._counts, self._errors, self._warnings = counts, errors, warnings
        self.is_ready = True
        self.ready.emit()
