"""One annotation: a few fields kept for indexing, the rest read on demand.

A file's annotations are kept as the exact bytes they were written with
(``raw``) plus the handful of fields the indexes and views need. The full
object is decoded when asked for (:meth:`Annotation.to_dict`); an edit stores
the edited dict instead (``data``). Saving writes untouched annotations back
byte for byte, which keeps every unknown field, key order and id as it was.
"""

from __future__ import annotations

from typing import Any

import msgspec


_decode = msgspec.json.Decoder().decode
_decode_fields = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode

# Field names that no JSON key can select, so decoding never fills them.
_RAW_NAME = "\u2063cocoview.raw"
_DATA_NAME = "\u2063cocoview.data"
_ORIGIN_NAME = "\u2063cocoview.origin"
_PATCH_NAME = "\u2063cocoview.patch"

#: fields whose change needs the whole object decoded (validation, stats and
#: drawing read the others straight from the file's bytes)
GEOMETRY_FIELDS = frozenset({"segmentation", "area", "bbox", "keypoints", "num_keypoints",
                             "segments_info", "caption", "iscrowd"})

HEAD_FIELDS = ("id", "image_id", "category_id", "bbox", "score", "iscrowd")


class Annotation(msgspec.Struct, gc=False, eq=False, repr_omit_defaults=True):
    """An annotation of the dataset. Views read it; only commands change it."""

    id: Any = None
    image_id: Any = None
    category_id: Any = None
    bbox: Any = None
    score: Any = None
    iscrowd: Any = None
    raw: Any = msgspec.field(default=None, name=_RAW_NAME)
    data: Any = msgspec.field(default=None, name=_DATA_NAME)
    #: position in the file it was read from (None for annotations made since)
    origin: Any = msgspec.field(default=None, name=_ORIGIN_NAME)
    #: top-level fields that override the bytes (cheap edits such as a new category)
    patch: Any = msgspec.field(default=None, name=_PATCH_NAME)

    @classmethod
    def from_dict(cls, data: dict) -> "Annotation":
        get = data.get
        return cls(
            get("id"), get("image_id"), get("category_id"), get("bbox"),
            get("score"), get("iscrowd"), None, data,
        )

    @classmethod
    def from_dicts(cls, items: list[dict]) -> list["Annotation"]:
        """Annotations from decoded dicts, remembering their positions."""
        out = [cls.from_dict(d) for d in items]
        for i, ann in enumerate(out):
            ann.origin = i
        return out

    def to_dict(self) -> dict:
        """The whole annotation as in the file (a fresh dict when read from bytes).

        Treat the result as read-only: changes go through commands.
        """
        if self.data is not None:
            return self.data
        if self.patch is not None:
            return {**_decode(self.raw), **self.patch}
        return _decode(self.raw)

    def fields(self) -> dict:
        """A fresh top-level dict in which untouched values stay the file's bytes (``msgspec.Raw``).

        Encoding it writes polygons and RLE counts back without parsing them.
        """
        if self.data is not None:
            return dict(self.data)
        out = _decode_fields(self.raw)
        if self.patch:
            out.update(self.patch)
        return out

    def get(self, key: str, default: Any = None) -> Any:
        return self.to_dict().get(key, default)

    def replace_data(self, data: dict) -> None:
        """Store an edited object and refresh the indexed fields (commands only)."""
        self.data = data
        self.raw = None
        self.patch = None
        get = data.get
        self.id = get("id")
        self.image_id = get("image_id")
        self.category_id = get("category_id")
        self.bbox = get("bbox")
        self.score = get("score")
        self.iscrowd = get("iscrowd")

    def patch_fields(self, fields: dict) -> None:
        """Override top-level fields (commands only); geometry changes replace the object."""
        if self.data is not None or not GEOMETRY_FIELDS.isdisjoint(fields):
            self.replace_data({**self.to_dict(), **fields})
            return
        self.patch = {**self.patch, **fields} if self.patch else dict(fields)
        for key in HEAD_FIELDS:
            if key in fields:
                setattr(self, key, fields[key])

    @property
    def is_untouched(self) -> bool:
        """True while the annotation is exactly the bytes read from the file."""
        return self.data is None and self.patch is None

    def score_value(self) -> float | None:
        """The score as a float, or None when absent or not a number."""
        s = self.score
        if type(s) is float or type(s) is int:
            return float(s)
        return None

    def snapshot(self) -> tuple:
        """Everything needed to put this annotation back as it is now."""
        return (self.id, self.image_id, self.category_id, self.bbox,
                self.score, self.iscrowd, self.raw, self.data, self.patch)

    def restore(self, snapshot: tuple) -> None:
        (self.id, self.image_id, self.category_id, self.bbox,
         self.score, self.iscrowd, self.raw, self.data, self.patch) = snapshot
