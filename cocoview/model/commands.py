"""Edits as commands: each does and undoes itself on one history.

Build a command with one of the functions here and push it:
``dataset.history.push(delete_annotations(dataset, anns))``. Every command
knows its ``text`` ("Merge 'billboard' into 'signboard' (214 annotations)")
and ``touches`` (annotations affected) before it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterable

from cocoview.model.history import Command
from cocoview.model.ids import format_id, id_key
from cocoview.model.text import plural as _plural

if TYPE_CHECKING:
    from cocoview.model.annotation import Annotation
    from cocoview.model.dataset import Dataset

Undo = Callable[[], None]
Op = Callable[[], Undo]


class Edit(Command):
    """A command made of primitive steps, undone in reverse order."""

    def __init__(self, text: str, ops: list[Op], touches: int = 0) -> None:
        self.text = text
        self.touches = touches
        self._ops = ops
        self._undos: list[Undo] = []

    def do(self) -> None:
        self._undos = [op() for op in self._ops]

    def undo(self) -> None:
        for undo in reversed(self._undos):
            undo()
        self._undos = []


# ---- primitive steps -------------------------------------------------------
def _set_annotations(ds: "Dataset", changes: list[tuple["Annotation", dict]]) -> Op:
    def run() -> Undo:
        before = ds._set_annotations(changes)
        return lambda: ds._restore_annotations(before)
    return run


def _patch_annotations(ds: "Dataset", changes: list[tuple["Annotation", dict]]) -> Op:
    def run() -> Undo:
        before = ds._patch_annotations(changes)
        return lambda: ds._restore_annotations(before)
    return run


def _remove_annotations(ds: "Dataset", anns: list["Annotation"]) -> Op:
    def run() -> Undo:
        removed = ds._remove_annotations(anns)
        return lambda: ds._insert_annotations(removed)
    return run


def _remove_images(ds: "Dataset", images: list[dict]) -> Op:
    def run() -> Undo:
        removed = ds._remove_images(images)
        return lambda: ds._insert_images(removed)
    return run


def _set_category(ds: "Dataset", cat: dict, data: dict) -> Op:
    def run() -> Undo:
        old = ds._set_category(cat, data)
        return lambda: ds._set_category(cat, old)
    return run


def _remove_categories(ds: "Dataset", cats: list[dict]) -> Op:
    def run() -> Undo:
        removed = ds._remove_categories(cats)
        return lambda: ds._insert_categories(removed)
    return run


def _insert_category(ds: "Dataset", cat: dict, position: int) -> Op:
    def run() -> Undo:
        ds._insert_categories([(position, cat)])
        return lambda: ds._remove_categories([cat])
    return run


# ---- helpers ------------------------------------------------------------------
def category_label(cat: dict) -> str:
    return f"'{cat.get('name', format_id(cat.get('id')))}'"


def _with(data: dict, **fields: Any) -> dict:
    new = dict(data)
    new.update(fields)
    return new


def _remapped(data: dict, mapping: dict[Hashable, Any]) -> dict:
    """A copy with category ids rewritten (panoptic segments too)."""
    new = dict(data)
    key = id_key(data.get("category_id"))
    if "category_id" in data and key in mapping:
        new["category_id"] = mapping[key]
    segments = data.get("segments_info")
    if isinstance(segments, list):
        new["segments_info"] = [
            _with(s, category_id=mapping[id_key(s.get("category_id"))])
            if isinstance(s, dict) and id_key(s.get("category_id")) in mapping else s
            for s in segments
        ]
    return new


def annotations_in_categories(ds: "Dataset", keys: Iterable[Hashable]) -> list["Annotation"]:
    """Annotations that refer to any of the category keys (panoptic segments too)."""
    keys = set(keys)
    if ds.is_panoptic:
        found = []
        for ann in ds.annotations:
            data = ann.to_dict()
            segs = data.get("segments_info") or []
            if id_key(data.get("category_id")) in keys or any(
                    isinstance(s, dict) and id_key(s.get("category_id")) in keys for s in segs):
                found.append(ann)
        return found
    out: list = []
    for key in keys:
        out.extend(ds.annotations_of_category(key))
    return out


def _recategorize(ds: "Dataset", mapping: dict[Hashable, Any]) -> tuple[Op | None, int]:
    anns = annotations_in_categories(ds, mapping)
    if not anns:
        return None, 0
    if ds.is_panoptic:
        return _set_annotations(ds, [(a, _remapped(a.to_dict(), mapping)) for a in anns]), len(anns)
    return _patch_annotations(ds, [(a, {"category_id": mapping[id_key(a.category_id)]}) for a in anns]), len(anns)


# ---- annotation edits ------------------------------------------------------------
def set_category(ds: "Dataset", anns: Iterable["Annotation"], category_id: Any) -> Edit:
    anns = list(anns)
    cat = ds.category(category_id)
    label = category_label(cat) if cat else format_id(category_id)
    changes = [(a, {"category_id": category_id}) for a in anns]
    return Edit(f"Set category of {_plural(len(anns), 'annotation')} to {label}",
                [_patch_annotations(ds, changes)], len(anns))


def segments_info(record: "Annotation") -> list:
    """A panoptic record's ``segments_info`` (empty when absent or malformed)."""
    segments = record.to_dict().get("segments_info")
    return segments if isinstance(segments, list) else []


def set_segment_category(ds: "Dataset", record: "Annotation", index: int, category_id: Any) -> Edit:
    """Give segment ``index`` of a panoptic record (its place in ``segments_info``) a category."""
    data = record.to_dict()
    segments = list(data.get("segments_info") or [])
    cat = ds.category(category_id)
    label = category_label(cat) if cat else format_id(category_id)
    segments[index] = _with(segments[index], category_id=category_id)
    return Edit(f"Set category of segment {format_id(segments[index].get('id'))} "
                f"(image {format_id(record.image_id)}) to {label}",
                [_set_annotations(ds, [(record, _with(data, segments_info=segments))])], 1)


def delete_segment(ds: "Dataset", record: "Annotation", index: int) -> Edit:
    """Take segment ``index`` out of a panoptic record's ``segments_info`` (its
    pixels in the PNG then count as unlabelled, as the panoptic format says)."""
    data = record.to_dict()
    segments = list(data.get("segments_info") or [])
    gone = segments.pop(index)
    return Edit(f"Delete segment {format_id(gone.get('id'))} (image {format_id(record.image_id)})",
                [_set_annotations(ds, [(record, _with(data, segments_info=segments))])], 1)


def set_bbox(ds: "Dataset", ann: "Annotation", bbox: list[float], text: str | None = None) -> Edit:
    data = ann.to_dict()
    fields: dict[str, Any] = {"bbox": [float(v) for v in bbox]}
    if not data.get("segmentation") and "area" in data:
        fields["area"] = float(bbox[2]) * float(bbox[3])
    return Edit(text or f"Edit box of annotation {format_id(ann.id)}",
                [_set_annotations(ds, [(ann, _with(data, **fields))])], 1)


def set_annotation_fields(ds: "Dataset", ann: "Annotation", text: str | None = None, **fields: Any) -> Edit:
    names = ", ".join(fields)
    return Edit(text or f"Set {names} of annotation {format_id(ann.id)}",
                [_patch_annotations(ds, [(ann, fields)])], 1)


def delete_annotations(ds: "Dataset", anns: Iterable["Annotation"]) -> Edit:
    anns = list(anns)
    return Edit(f"Delete {_plural(len(anns), 'annotation')}", [_remove_annotations(ds, anns)], len(anns))


def delete_images(ds: "Dataset", images: Iterable[dict]) -> Edit:
    images = list(images)
    anns: list = []
    seen: set[Hashable] = set()
    for img in images:
        key = id_key(img.get("id"))
        if key not in seen:
            seen.add(key)
            anns.extend(ds.annotations_of_image(key))
    if len(images) == 1:
        text = f"Delete image {format_id(images[0].get('id'))} ({_plural(len(anns), 'annotation')})"
    else:
        text = f"Delete {len(images)} images ({_plural(len(anns), 'annotation')})"
    return Edit(text, [_remove_annotations(ds, anns), _remove_images(ds, images)], len(anns))


# ---- category edits ------------------------------------------------------------------
def set_category_fields(ds: "Dataset", cat: dict, **fields: Any) -> Edit:
    if set(fields) == {"name"}:
        text = f"Rename category {category_label(cat)} to '{fields['name']}'"
    else:
        text = f"Edit {', '.join(fields)} of category {category_label(cat)}"
    return Edit(text, [_set_category(ds, cat, _with(cat, **fields))], 0)


def rename_category(ds: "Dataset", cat: dict, name: str) -> Edit:
    return set_category_fields(ds, cat, name=name)


def merge_categories(ds: "Dataset", sources: Iterable[dict], target: dict) -> Edit:
    """Move every annotation of ``sources`` to ``target`` and remove the sources."""
    sources = [c for c in sources if c is not target]
    target_id = target.get("id")
    mapping = {id_key(c.get("id")): target_id for c in sources}
    mapping.pop(id_key(target_id), None)
    op, n = _recategorize(ds, mapping)
    ops = [op] if op else []
    ops.append(_remove_categories(ds, sources))
    names = ", ".join(category_label(c) for c in sources)
    return Edit(f"Merge {names} into {category_label(target)} ({_plural(n, 'annotation')})", ops, n)


def change_category_id(ds: "Dataset", cat: dict, new_id: Any) -> Edit:
    """Give a category a new id; annotations follow. Into an existing id: a merge."""
    existing = ds.category(new_id)
    if existing is not None and existing is not cat:
        return merge_categories(ds, [cat], existing)
    return remap_category_ids(ds, {id(cat): new_id},
                              text=f"Change id of category {category_label(cat)} to {format_id(new_id)}")


def remap_category_ids(ds: "Dataset", new_ids: dict[int, Any], text: str | None = None) -> Edit:
    """Change several category ids at once (keys: ``id(category_dict)``), swaps allowed."""
    cats = [c for c in ds.categories if id(c) in new_ids]
    mapping = {id_key(c.get("id")): new_ids[id(c)] for c in cats
               if id_key(c.get("id")) != id_key(new_ids[id(c)]) or c.get("id") != new_ids[id(c)]}
    op, n = _recategorize(ds, mapping)
    ops = [_set_category(ds, c, _with(c, id=new_ids[id(c)])) for c in cats]
    if op:
        ops.append(op)
    return Edit(text or f"Change ids of {_plural(len(cats), 'category')} ({_plural(n, 'annotation')})", ops, n)


def renumber_categories(ds: "Dataset", start: int = 1) -> Edit:
    """Number categories contiguously from ``start`` in their current order."""
    new_ids = {id(c): start + i for i, c in enumerate(ds.categories)}
    return remap_category_ids(ds, new_ids,
                              text=f"Renumber categories {start}..{start + len(ds.categories) - 1}")


def delete_category(ds: "Dataset", cat: dict, reassign_to: Any = None) -> Edit:
    """Remove a category with its annotations, or moving them to ``reassign_to``."""
    key = id_key(cat.get("id"))
    if reassign_to is not None:
        target = ds.category(reassign_to)
        op, n = _recategorize(ds, {key: reassign_to})
        ops = ([op] if op else []) + [_remove_categories(ds, [cat])]
        label = category_label(target) if target else format_id(reassign_to)
        return Edit(f"Delete category {category_label(cat)}, moving {_plural(n, 'annotation')} to {label}", ops, n)
    anns = annotations_in_categories(ds, [key])
    if ds.is_panoptic:
        changes = []
        for a in anns:
            data = a.to_dict()
            segs = [s for s in data.get("segments_info") or [] if id_key(s.get("category_id")) != key]
            changes.append((a, _with(data, segments_info=segs)))
        ops = [_set_annotations(ds, changes)] if changes else []
    else:
        ops = [_remove_annotations(ds, anns)] if anns else []
    ops.append(_remove_categories(ds, [cat]))
    return Edit(f"Delete category {category_label(cat)} and {_plural(len(anns), 'annotation')}", ops, len(anns))


def delete_categories(ds: "Dataset", cats: Iterable[dict], reassign_to: Any = None) -> Edit:
    """Remove several categories, with their annotations or moving them to ``reassign_to``."""
    cats = [c for c in cats if reassign_to is None or id_key(c.get("id")) != id_key(reassign_to)]
    if len(cats) == 1:
        return delete_category(ds, cats[0], reassign_to)
    keys = [id_key(c.get("id")) for c in cats]
    names = ", ".join(category_label(c) for c in cats)
    if reassign_to is not None:
        target = ds.category(reassign_to)
        op, n = _recategorize(ds, {k: reassign_to for k in keys})
        label = category_label(target) if target else format_id(reassign_to)
        return Edit(f"Delete categories {names}, moving {_plural(n, 'annotation')} to {label}",
                    ([op] if op else []) + [_remove_categories(ds, cats)], n)
    parts = [delete_category(ds, c) for c in cats]
    ops: list[Op] = [op for part in parts for op in part._ops]
    n = sum(part.touches for part in parts)
    return Edit(f"Delete categories {names} and {_plural(n, 'annotation')}", ops, n)


def add_category(ds: "Dataset", name: str, category_id: Any = None, supercategory: str | None = None,
                 **extra: Any) -> Edit:
    if category_id is None:
        ints = [c.get("id") for c in ds.categories if type(c.get("id")) is int]
        category_id = max(ints) + 1 if ints else 1
    cat: dict[str, Any] = {"id": category_id, "name": name}
    if supercategory is not None:
        cat["supercategory"] = supercategory
    cat.update(extra)
    return Edit(f"Add category '{name}' (id {format_id(category_id)})",
                [_insert_category(ds, cat, len(ds.categories))], 0)
