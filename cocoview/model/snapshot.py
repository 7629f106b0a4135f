"""Consistent copies of a dataset's document, for saving and for journals.

:class:`Snapshot` holds references to what a document is made of at one
moment, so it can be encoded on another thread while editing goes on;
:class:`SnapshotBuilder` takes one in short slices between GUI events.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable

import msgspec

from cocoview.model.annotation import Annotation
from cocoview.model.gc_pause import gc_paused
from cocoview.model.reader import Layout
from cocoview.model.writer import annotation_bytes

if TYPE_CHECKING:
    from cocoview.model.dataset import Dataset

#: how many annotations one step of packing encodes
PACK_CHUNK = 20000


class Snapshot:
    """A copy of a dataset's document that later edits do not reach.

    Taking one copies only references: the lists, the category dicts (edited
    in place by commands) and, for each annotation, what its bytes are made
    of: the bytes as read (``msgspec.Raw``), a ``(bytes, patch)`` pair, or its
    edited dict. Edits replace those objects, never change them, so encoding
    the snapshot can run on another thread while the dataset changes.

    It has what ``writer.save_dataset`` reads (``top_level``, ``layout``,
    ``absent_keys``, ``path``); call :meth:`pack` first.
    """

    def __init__(self, ds: "Dataset", items: list[Any] | None = None,
                 annotations: list[Annotation] | None = None) -> None:
        if items is None or annotations is None:
            annotations = list(ds.annotations)
            items = _items_of(annotations)
        #: per annotation, in document order: Raw, (Raw, patch) or dict
        self.items: list[Any] = items
        #: the annotation objects, in the same order
        self.annotations: list[Annotation] = annotations
        top: dict[str, Any] = {}
        for key, value in ds.top_level.items():
            if key == "annotations":
                top[key] = self.items
            elif key == "images":
                top[key] = list(value)
            elif key == "categories":
                top[key] = [dict(c) for c in value]
            else:
                top[key] = value
        self.top_level = top
        self.layout: Layout = ds.layout
        self.absent_keys = set(ds.absent_keys)
        self.path = ds.path
        self.taken_at = time.time()

    def pack(self, progress: Callable[[float], None] | None = None) -> None:
        """Turn the annotations into JSON for ``encode_document``, in chunks.

        A JSON list is its elements joined by commas, so a list of chunks,
        each a run of elements already joined, encodes to the same bytes. The
        chunks keep each step short, which keeps other threads running.
        """
        items = self.items
        if self.layout.stdlib:
            self.top_level["annotations"] = [_item_annotation(x).to_dict() for x in items]
            return
        chunks = []
        n = len(items)
        raw_type = msgspec.Raw
        for start in range(0, n, PACK_CHUNK):
            part = items[start:start + PACK_CHUNK]
            chunks.append(msgspec.Raw(b",".join([
                x if type(x) is raw_type else annotation_bytes(_item_annotation(x)) for x in part])))
            if progress is not None:
                progress(min(start + PACK_CHUNK, n) / n)
        self.top_level["annotations"] = chunks


def _items_of(anns: list[Annotation]) -> list[Any]:
    with gc_paused():
        return [(a.raw if a.patch is None else (a.raw, a.patch)) if a.data is None else a.data for a in anns]


class SnapshotBuilder:
    """Takes a :class:`Snapshot` a slice of annotations at a time.

    Each :meth:`step` takes a few milliseconds even at 800k annotations, so a
    GUI can take a snapshot between events. The dataset must not change
    between the steps (the caller starts again when it does).
    """

    def __init__(self, ds: "Dataset", chunk: int = 50_000) -> None:
        self.ds = ds
        self.chunk = max(1, chunk)
        self._live = ds.annotations
        self._items: list[Any] = []
        self._annotations: list[Annotation] = []
        self._done = 0

    @property
    def fraction(self) -> float:
        """How much of the annotations the steps so far took."""
        return self._done / len(self._live) if self._live else 1.0

    def step(self) -> Snapshot | None:
        """Take the next slice; the snapshot once complete, else None."""
        part = self._live[self._done:self._done + self.chunk]
        self._items.extend(_items_of(part))
        self._annotations.extend(part)
        self._done += len(part)
        if self._done < len(self._live):
            return None
        return Snapshot(self.ds, self._items, self._annotations)


def _item_annotation(item: Any) -> Annotation:
    """A throwaway annotation made of a snapshot item, for the writer to encode."""
    if type(item) is msgspec.Raw:
        return Annotation(raw=item)
    if type(item) is tuple:
        return Annotation(raw=item[0], patch=item[1])
    return Annotation(data=item)
