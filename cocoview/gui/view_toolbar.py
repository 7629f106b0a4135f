"""The toolbar controls of what is drawn: score threshold, layers, mask opacity."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QSlider, QToolBar, QWidget

from cocoview.model.view_state import LAYERS, ViewState

_LAYER_TEXT = {"boxes": ("Boxes", "B"), "masks": ("Masks", "M"),
               "labels": ("Labels", "L"), "keypoints": ("Keypoints", "K")}


class ViewToolBar(QToolBar):
    """Edits a :class:`ViewState`; follows it when something else changes it."""

    def __init__(self, view_state: ViewState, parent: QWidget | None = None) -> None:
        super().__init__("View", parent)
        self.setObjectName("view_toolbar")
        self.view_state = view_state

        self.addWidget(QLabel(" Score ≥ "))
        self.score_slider = QSlider(Qt.Orientation.Horizontal)
        self.score_slider.setRange(0, 100)
        self.score_slider.setFixedWidth(140)
        self.score_slider.setToolTip("Hide annotations scored below this (ground truth without scores stays)")
        self.score_spin = QDoubleSpinBox()
        self.score_spin.setRange(0.0, 1.0)
        self.score_spin.setSingleStep(0.05)
        self.score_spin.setDecimals(2)
        self.score_spin.setToolTip(self.score_slider.toolTip())
        self.addWidget(self.score_slider)
        self.addWidget(self.score_spin)
        self.addSeparator()

        self.layer_actions: dict[str, QAction] = {}
        for name in LAYERS:
            text, key = _LAYER_TEXT[name]
            action = QAction(text, self)
            action.setCheckable(True)
            action.setChecked(view_state.layers[name])
            action.setShortcut(key)
            action.setToolTip(f"Show {text.lower()} ({key})")
            action.toggled.connect(lambda on, n=name: self.view_state.set_layer(n, on))
            self.addAction(action)
            self.layer_actions[name] = action
        self.addSeparator()

        self.addWidget(QLabel(" Mask opacity "))
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setFixedWidth(100)
        self.addWidget(self.opacity_slider)

        self.score_slider.valueChanged.connect(lambda v: self.view_state.set_min_score(v / 100))
        self.score_spin.valueChanged.connect(self.view_state.set_min_score)
        self.opacity_slider.valueChanged.connect(lambda v: self.view_state.set_mask_opacity(v / 100))
        view_state.events.changed.connect(self._sync)
        self._sync()

    def _sync(self, what: str | None = None) -> None:
        state = self.view_state
        for widget, value in ((self.score_slider, round(state.min_score * 100)),
                              (self.score_spin, state.min_score),
                              (self.opacity_slider, round(state.mask_opacity * 100))):
            if widget.value() != value:
                widget.blockSignals(True)
                widget.setValue(value)
                widget.blockSignals(False)
        for name, action in self.layer_actions.items():
            if action.isChecked() != state.layers[name]:
                action.blockSignals(True)
                action.setChecked(state.layers[name])
                action.blockSignals(False)

    def close_state(self) -> None:
        self.view_state.events.changed.disconnect(self._sync)
