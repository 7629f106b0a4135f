"""What the user chose to see: score threshold, hidden categories, layers.

Shared by the canvas, the dataset tree and the counts; Qt-free, with events.
"""

from __future__ import annotations

from typing import Any, Hashable

from cocoview.model.annotation import Annotation
from cocoview.model.events import EventGroup
from cocoview.model.ids import id_key

LAYERS = ("boxes", "masks", "labels", "keypoints")


class ViewState:
    """Display filters. ``events.changed(what=...)`` fires on every change."""

    def __init__(self) -> None:
        self.min_score = 0.0
        self.hidden_categories: set[Hashable] = set()
        self.layers = {name: True for name in LAYERS}
        self.mask_opacity = 0.45
        self.events = EventGroup("changed")

    def is_visible(self, ann: Annotation) -> bool:
        """Visible under the score threshold and category filter.

        Annotations without a score (ground truth) are never hidden by score.
        """
        if self.hidden_categories and id_key(ann.category_id) in self.hidden_categories:
            return False
        if self.min_score > 0.0:
            score = ann.score
            if (type(score) is float or type(score) is int) and score < self.min_score:
                return False
        return True

    def visible(self, anns: list[Annotation]) -> list[Annotation]:
        if not self.hidden_categories and self.min_score <= 0.0:
            return anns
        return [a for a in anns if self.is_visible(a)]

    def set_min_score(self, value: float) -> None:
        value = float(value)
        if value != self.min_score:
            self.min_score = value
            self.events.changed.emit(what="min_score")

    def set_category_hidden(self, category_id: Any, hidden: bool) -> None:
        key = id_key(category_id)
        if hidden == (key in self.hidden_categories):
            return
        if hidden:
            self.hidden_categories.add(key)
        else:
            self.hidden_categories.discard(key)
        self.events.changed.emit(what="categories")

    def set_hidden_categories(self, category_ids) -> None:
        keys = {id_key(c) for c in category_ids}
        if keys != self.hidden_categories:
            self.hidden_categories = keys
            self.events.changed.emit(what="categories")

    def set_layer(self, name: str, shown: bool) -> None:
        if name not in self.layers:
            raise KeyError(name)
        if self.layers[name] != shown:
            self.layers[name] = bool(shown)
            self.events.changed.emit(what="layers")

    def set_mask_opacity(self, value: float) -> None:
        value = min(max(float(value), 0.0), 1.0)
        if value != self.mask_opacity:
            self.mask_opacity = value
            self.events.changed.emit(what="mask_opacity")
