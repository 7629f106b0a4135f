"""The dataset: a COCO document with indexes kept current on every change.

Views read through the query methods and listen to ``dataset.events``.
Changes go through command objects on ``dataset.history``; the underscore
methods here are the primitives those commands are built from.
"""

from __future__ import annotations

import bisect
import math
import os
import threading
from collections import defaultdict
from typing import Any, Hashable, Iterable

from cocoview.model.annotation import Annotation
from cocoview.model.events import EventGroup
from cocoview.model.gc_pause import gc_paused
from cocoview.model.history import History
from cocoview.model.ids import id_key
from cocoview.model.reader import Layout, Parts, Progress, parts_from_dict, read_parts


# Moving more annotations than this (and over a quarter of all) rebuilds every index list.
_REBUILD_OVER = 2000


def _file_position(ann: Annotation) -> float:
    return ann.origin if ann.origin is not None else math.inf


def _image_key(ann: Annotation) -> Hashable:
    return id_key(ann.image_id)


def _category_key(ann: Annotation) -> Hashable:
    return id_key(ann.category_id)


def _take_out(items: list, targets: Iterable[Any]) -> list[tuple[int, Any]]:
    """Remove ``targets`` (by identity) from ``items``; returns (position, item) pairs."""
    wanted = {id(t) for t in targets}
    removed: list[tuple[int, Any]] = []
    kept: list = []
    for i, x in enumerate(items):
        if id(x) in wanted:
            removed.append((i, x))
        else:
            kept.append(x)
    items[:] = kept
    return removed


def _put_back(items: list, placed: list[tuple[int, Any]]) -> None:
    """Undo :func:`_take_out`: put items back at their positions, in one pass."""
    merged: list = []
    source = iter(items)
    for pos, item in sorted(placed, key=lambda p: p[0]):
        while len(merged) < pos:
            nxt = next(source, None)
            if nxt is None:
                break
            merged.append(nxt)
        merged.append(item)
    merged.extend(source)
    items[:] = merged


def _insert_in_file_order(lst: list[Annotation], ann: Annotation) -> None:
    """Insert by position in the file read (annotations keep that order in the list)."""
    if not lst or _file_position(lst[-1]) <= _file_position(ann):
        lst.append(ann)
    else:
        lst.insert(bisect.bisect_right(lst, _file_position(ann), key=_file_position), ann)


class Dataset:
    """A COCO dataset held losslessly, with indexes and an undo history."""

    def __init__(self, parts: Parts, path: str | None = None) -> None:
        self.path = path
        self.layout: Layout = parts.layout
        self._top: dict[str, Any] = parts.top
        self.images: list[dict] = self._top.get("images", [])
        self.annotations: list[Annotation] = self._top.get("annotations", [])
        self.categories: list[dict] = self._top.get("categories", [])
        # Lists the file did not have are written only once they hold something.
        self.absent_keys = {k for k in ("annotations", "categories") if k not in self._top}
        for key, value in (("images", self.images), ("annotations", self.annotations),
                           ("categories", self.categories)):
            self._top.setdefault(key, value)
        self.events = EventGroup(
            "annotations_added", "annotations_removed", "annotations_changed",
            "images_added", "images_removed", "images_changed",
            "categories_changed",
        )
        self.history = History()
        self._build_indexes()

    # ---- construction -------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike, progress: Progress | None = None,
             cancel: threading.Event | None = None) -> "Dataset":
        """Read a COCO file. Raises CocoError with a message naming the file."""
        with gc_paused(freeze=True):
            parts = read_parts(os.fspath(path), progress, cancel)
            if progress is not None:
                progress("Indexing", 0.95)
            dataset = cls(parts, os.fspath(path))
        if progress is not None:
            progress("Ready", 1.0)
        return dataset

    @classmethod
    def from_dict(cls, obj: dict, path: str | None = None) -> "Dataset":
        """A dataset from decoded JSON (the dict is used, not copied)."""
        return cls(parts_from_dict(obj, path or "<data>"), path)

    # ---- indexes ------------------------------------------------------
    def _build_indexes(self) -> None:
        self._rebuild_image_index()
        self._build_annotation_indexes()
        self._build_category_index()

    def _build_annotation_indexes(self) -> None:
        by_image: dict[Hashable, list[Annotation]] = defaultdict(list)
        by_category: dict[Hashable, list[Annotation]] = defaultdict(list)
        for ann in self.annotations:
            by_image[id_key(ann.image_id)].append(ann)
            by_category[id_key(ann.category_id)].append(ann)
        self._by_image = by_image
        self._by_category = by_category

    def _build_category_index(self) -> None:
        self._category_by_key = {}
        for cat in self.categories:
            self._category_by_key.setdefault(id_key(cat.get("id")), cat)

    # ---- queries --------------------------------------------------------
    @property
    def top_level(self) -> dict[str, Any]:
        """Top-level keys in file order (annotations as Annotation objects)."""
        return self._top

    def image(self, image_id: Any) -> dict | None:
        return self._image_by_key.get(id_key(image_id))

    def category(self, category_id: Any) -> dict | None:
        return self._category_by_key.get(id_key(category_id))

    def image_of(self, ann: Annotation) -> dict | None:
        return self._image_by_key.get(id_key(ann.image_id))

    def category_of(self, ann: Annotation) -> dict | None:
        return self._category_by_key.get(id_key(ann.category_id))

    def annotations_of_image(self, image_id: Any) -> list[Annotation]:
        """Annotations whose image_id matches (read-only list)."""
        return self._by_image.get(id_key(image_id), [])

    def annotations_of_category(self, category_id: Any) -> list[Annotation]:
        return self._by_category.get(id_key(category_id), [])

    def category_count(self, category_id: Any) -> int:
        return len(self._by_category.get(id_key(category_id), ()))

    def category_counts(self) -> dict[Hashable, int]:
        """Annotation count per category key (including keys with no category)."""
        return {k: len(v) for k, v in self._by_category.items() if v}

    def annotation_image_keys(self) -> Iterable[Hashable]:
        return (k for k, v in self._by_image.items() if v)

    @property
    def is_panoptic(self) -> bool:
        """Panoptic files keep their segments in ``segments_info`` per image."""
        return bool(self.annotations) and "segments_info" in self.annotations[0].to_dict()

    # ---- primitives for commands ---------------------------------------
    def _remove_annotations(self, anns: Iterable[Annotation]) -> list[tuple[int, Annotation]]:
        removed = _take_out(self.annotations, anns)
        gone = [a for _, a in removed]
        self._unindex(gone)
        if gone:
            self.events.annotations_removed.emit(annotations=gone)
        return removed

    def _insert_annotations(self, placed: list[tuple[int, Annotation]]) -> None:
        """Put annotations back at their positions (ascending), as before a removal."""
        if not placed:
            return
        _put_back(self.annotations, placed)
        added = [a for _, a in placed]
        self._index(added)
        self.events.annotations_added.emit(annotations=added)

    def _index(self, anns: list[Annotation]) -> None:
        """Add annotations to the per-image and per-category lists, in file order."""
        if len(anns) <= 32:
            for a in anns:
                _insert_in_file_order(self._by_image[id_key(a.image_id)], a)
                _insert_in_file_order(self._by_category[id_key(a.category_id)], a)
            return
        for index, key_of in ((self._by_image, _image_key), (self._by_category, _category_key)):
            groups: dict[Hashable, list[Annotation]] = defaultdict(list)
            for a in anns:
                groups[key_of(a)].append(a)
            for key, added in groups.items():
                lst = index[key]
                lst.extend(added)
                lst.sort(key=_file_position)  # two sorted runs: a linear merge

    def _unindex(self, anns: list[Annotation]) -> None:
        per_image: dict[Hashable, set[int]] = defaultdict(set)
        per_cat: dict[Hashable, set[int]] = defaultdict(set)
        for a in anns:
            per_image[id_key(a.image_id)].add(id(a))
            per_cat[id_key(a.category_id)].add(id(a))
        for index, groups in ((self._by_image, per_image), (self._by_category, per_cat)):
            for key, ids in groups.items():
                lst = index.get(key)
                if lst is not None:
                    lst[:] = [a for a in lst if id(a) not in ids]
                    if not lst:
                        del index[key]

    def _set_annotations(self, changes: list[tuple[Annotation, dict]]) -> list[tuple[Annotation, tuple]]:
        """Replace annotations' objects; returns snapshots for :meth:`_restore_annotations`."""
        anns = [a for a, _ in changes]
        before = [(a, a.snapshot()) for a in anns]
        moved = [a for a, data in changes if id_key(data.get("image_id")) != id_key(a.image_id)
                 or id_key(data.get("category_id")) != id_key(a.category_id)]
        self._change_annotations(anns, moved, lambda: [ann.replace_data(data) for ann, data in changes])
        return before

    def _patch_annotations(self, changes: list[tuple[Annotation, dict]]) -> list[tuple[Annotation, tuple]]:
        """Override some top-level fields of annotations (no decoding of their geometry)."""
        before = [(a, a.snapshot()) for a, _ in changes]
        moved = [a for a, fields in changes
                 if ("image_id" in fields and id_key(fields["image_id"]) != id_key(a.image_id))
                 or ("category_id" in fields and id_key(fields["category_id"]) != id_key(a.category_id))]
        self._change_annotations([a for a, _ in changes], moved,
                                 lambda: [ann.patch_fields(fields) for ann, fields in changes])
        return before

    def _restore_annotations(self, before: list[tuple[Annotation, tuple]]) -> None:
        moved = [a for a, snap in before if id_key(snap[1]) != id_key(a.image_id)
                 or id_key(snap[2]) != id_key(a.category_id)]
        self._change_annotations([a for a, _ in before], moved,
                                 lambda: [ann.restore(snap) for ann, snap in before])

    def _change_annotations(self, anns: list[Annotation], moved: list[Annotation], apply) -> None:
        """Run ``apply`` and keep the indexes current for the ``moved`` annotations."""
        bulk = len(moved) > _REBUILD_OVER and len(moved) * 4 > len(self.annotations)
        if not bulk:
            self._unindex(moved)
        apply()
        if bulk:
            self._build_annotation_indexes()
        else:
            self._index(moved)
        if anns:
            self.events.annotations_changed.emit(annotations=anns)

    def _remove_images(self, images: Iterable[dict]) -> list[tuple[int, dict]]:
        removed = _take_out(self.images, images)
        self._rebuild_image_index()
        gone = [img for _, img in removed]
        if gone:
            self.events.images_removed.emit(images=gone)
        return removed

    def _insert_images(self, placed: list[tuple[int, dict]]) -> None:
        if not placed:
            return
        _put_back(self.images, placed)
        self._rebuild_image_index()
        self.events.images_added.emit(images=[img for _, img in placed])

    def _rebuild_image_index(self) -> None:
        self._image_by_key = {}
        for image in self.images:
            self._image_by_key.setdefault(id_key(image.get("id")), image)

    def _set_category(self, category: dict, data: dict) -> dict:
        """Replace a category's fields in place; returns the old fields."""
        old = dict(category)
        category.clear()
        category.update(data)
        self._build_category_index()
        self.events.categories_changed.emit()
        return old

    def _remove_categories(self, categories: Iterable[dict]) -> list[tuple[int, dict]]:
        removed = _take_out(self.categories, categories)
        self._build_category_index()
        self.events.categories_changed.emit()
        return removed

    def _insert_categories(self, placed: list[tuple[int, dict]]) -> None:
        _put_back(self.categories, placed)
        self._build_category_index()
        self.events.categories_changed.emit()
