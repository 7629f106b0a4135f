"""A dataset's images in groups (folders of ``file_name``, or categories) and filters.

Qt-free helpers of the dataset tree. Groups hold references to the
dataset's own image dicts in file order plus their id keys, built in one pass
over the images, so a hundred thousand images cost a few lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Hashable

from cocoview.model.ids import id_key
from cocoview.model.view_state import ViewState

_SEPARATORS = re.compile(r"[\\/]")
_DIGITS = re.compile(r"(\d+)")

#: identity of the category-grouping node for images without annotations
NO_ANNOTATIONS = ("none",)


@dataclass(frozen=True)
class ImageFilter:
    """Which images the tree shows. An empty filter shows every image.

    ``text`` is a case-insensitive substring of ``file_name``; ``category_id``
    keeps images with at least one visible annotation of that category;
    ``has_annotations`` keeps images with at least one visible annotation;
    ``has_findings`` keeps images the findings predicate accepts.
    """

    text: str = ""
    category_id: Any = None
    has_annotations: bool = False
    has_findings: bool = False

    def is_empty(self) -> bool:
        return not (self.text or self.category_id is not None or self.has_annotations or self.has_findings)

    def uses_visibility(self) -> bool:
        return self.category_id is not None or self.has_annotations


class Group:
    """A folder, category or page node of the tree.

    ``ident`` names it across rebuilds: ``("root",)``, ``("folder", path)``,
    ``("category", key)``, :data:`NO_ANNOTATIONS` or ``("page", base ident,
    first position)``. ``images`` are its own images in file order (``keys``
    their id keys); after filtering, ``all_shown`` holds those that pass,
    shown directly (``shown_images``) or split into page groups (``pages``).
    ``folders`` are child groups, ``shown_folders`` the child groups shown.
    """

    __slots__ = ("name", "ident", "parent", "row", "folders", "pages", "images", "keys", "all_shown",
                 "shown_folders", "shown_images", "shown_total", "rows", "category")

    def __init__(self, name: str, ident: Any, parent: int, images: list | None = None,
                 keys: list | None = None) -> None:
        self.name = name
        self.ident = ident
        self.parent = parent
        self.row = 0
        self.folders: list[int] = []
        self.pages: list[int] = []
        self.images: list[dict] = images if images is not None else []
        self.keys: list[Hashable] = keys if keys is not None else []
        self.all_shown: list[dict] = self.images
        self.shown_folders: list[int] = []
        self.shown_images: list[dict] = self.images
        self.shown_total = len(self.images)
        self.rows: dict[int, int] | None = None
        self.category: dict | None = None


def natural_key(name: str) -> list:
    """Sort key that orders ``img2`` before ``img10``."""
    return [int(p) if p.isdigit() else p.lower() for p in _DIGITS.split(name)]


def split_file_name(file_name: Any) -> tuple[str, str]:
    """(folder, base name) of a ``file_name``; the folder uses ``/`` and may be empty."""
    if not isinstance(file_name, str):
        return "", "" if file_name is None else str(file_name)
    parts = [p for p in _SEPARATORS.split(file_name) if p and p != "."]
    if not parts:
        return "", file_name
    return "/".join(parts[:-1]), parts[-1]


def segments_of(ann) -> list[dict]:
    """A panoptic annotation's ``segments_info`` entries."""
    segs = ann.to_dict().get("segments_info")
    return [s for s in segs if isinstance(s, dict)] if isinstance(segs, list) else []


def _key(value: Any) -> Hashable:
    return value if type(value) is int else id_key(value)


def image_counts(ds, view_state: ViewState, image: dict, panoptic: bool = False):
    """(visible, total, {category key: [visible, total]}) for one image.

    Panoptic files count their ``segments_info`` entries; the others their
    annotations, visible as :meth:`ViewState.is_visible` says.
    """
    per: dict[Hashable, list[int]] = {}
    visible = total = 0
    hidden = view_state.hidden_categories
    for ann in ds.annotations_of_image(image.get("id")):
        if panoptic:
            items = [(k, k not in hidden) for k in (id_key(s.get("category_id")) for s in segments_of(ann))]
        else:
            items = [(_key(ann.category_id), view_state.is_visible(ann))]
        for key, shown in items:
            pair = per.get(key)
            if pair is None:
                pair = per[key] = [0, 0]
            pair[1] += 1
            total += 1
            if shown:
                pair[0] += 1
                visible += 1
    return visible, total, per


def image_category_keys(ds, image: dict, panoptic: bool = False) -> list[Hashable]:
    """Keys of the categories an image's annotations use, first use first."""
    anns = ds.annotations_of_image(image.get("id"))
    if panoptic:
        keys = [id_key(s.get("category_id")) for a in anns for s in segments_of(a)]
    else:
        keys = [_key(a.category_id) for a in anns]
    return list(dict.fromkeys(keys))


def _add(groups: list[Group], group: Group) -> int:
    groups.append(group)
    groups[group.parent].folders.append(len(groups) - 1)
    return len(groups) - 1


def folder_groups(images: list[dict]) -> list[Group]:
    """Root then folders (parents before children, natural order); images in file order.

    Backslashes count as separators. A folder holding only one folder is
    shown with it as one node (``data/coco/train2017``).
    """
    by_folder: dict[str, tuple[list, list]] = {}
    for image in images:
        fn = image.get("file_name")
        folder = ""
        if type(fn) is str:
            cut = max(fn.rfind("/"), fn.rfind("\\"))
            if cut >= 0:
                folder = fn[:cut]
                if "\\" in folder or "//" in folder or folder.startswith(("/", "./")) or "/./" in folder:
                    folder = split_file_name(fn)[0]
        entry = by_folder.get(folder)
        if entry is None:
            entry = by_folder[folder] = ([], [])
        entry[0].append(image)
        entry[1].append(_key(image.get("id")))
    groups = [Group("", ("folder", ""), -1, *by_folder.pop("", ([], [])))]
    children: dict[str, set[str]] = {"": set()}
    for path in by_folder:
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            children.setdefault("/".join(parts[:depth - 1]), set()).add("/".join(parts[:depth]))
            children.setdefault("/".join(parts[:depth]), set())

    def add(path: str, parent: int, label: str) -> None:
        subs = children[path]
        if path not in by_folder and len(subs) == 1:
            (only,) = subs
            add(only, parent, label + "/" + only.rsplit("/", 1)[-1])
            return
        g = _add(groups, Group(label, ("folder", path), parent, *by_folder.get(path, ([], []))))
        for sub in sorted(subs, key=natural_key):
            add(sub, g, sub.rsplit("/", 1)[-1])

    for top in sorted(children[""], key=natural_key):
        add(top, 0, top)
    return groups


def category_groups(ds, panoptic: bool = False) -> list[Group]:
    """Root, one group per category (file order), unknown categories, then images without any."""
    by_raw: dict[Any, tuple[list, list]] = {}
    bare: tuple[list, list] = ([], [])
    for image in ds.images:
        key = _key(image.get("id"))
        anns = ds.annotations_of_image(key)
        if not anns:
            bare[0].append(image)
            bare[1].append(key)
            continue
        if panoptic:
            cats = {id_key(s.get("category_id")) for a in anns for s in segments_of(a)}
        else:
            cats = {a.category_id for a in anns} if len(anns) > 1 else (anns[0].category_id,)
        for c in cats:
            entry = by_raw.get(c)
            if entry is None:
                entry = by_raw[c] = ([], [])
            entry[0].append(image)
            entry[1].append(key)
    merged: dict[Hashable, tuple[list, list]] = {}
    for raw, entry in by_raw.items():
        key = _key(raw)
        if key in merged:  # "3" and 3 name one category: one list, in file order, each image once
            chosen = {id(img) for img in merged[key][0]} | {id(img) for img in entry[0]}
            pairs = [(img, _key(img.get("id"))) for img in ds.images if id(img) in chosen]
            merged[key] = ([p[0] for p in pairs], [p[1] for p in pairs])
        else:
            merged[key] = entry
    groups = [Group("", ("root",), -1)]
    for cat in ds.categories:
        key = id_key(cat.get("id"))
        if any(g.ident == ("category", key) for g in groups[1:]):
            continue
        g = _add(groups, Group(str(cat.get("name", cat.get("id"))), ("category", key), 0,
                               *merged.pop(key, ([], []))))
        groups[g].category = cat
    for key, entry in merged.items():
        _add(groups, Group(f"unknown category {key}", ("category", key), 0, *entry))
    _add(groups, Group("without annotations", NO_ANNOTATIONS, 0, *bare))
    return groups


def show_groups(groups: list[Group], n_base: int, keep: Callable[[list, list], list], only: int | None,
                filtering: bool, page_size: int, page_above: int) -> None:
    """Decide what each group shows after a filter; groups past ``n_base`` (pages) are redone.

    ``keep(images, keys)`` filters a group's images; with ``only`` set, other
    groups under the root show nothing. A group with more than ``page_above``
    images shows them in page groups of ``page_size``. Without a filter,
    empty groups stay shown.
    """
    del groups[n_base:]
    for g in range(n_base):
        grp = groups[g]
        images = [] if only is not None and g not in (0, only) else keep(grp.images, grp.keys)
        grp.all_shown = grp.shown_images = images
        grp.rows = None
        grp.pages = []
        if len(images) > page_above:
            grp.shown_images = []
            for start in range(0, len(images), page_size):
                chunk = images[start:start + page_size]
                name = f"{split_file_name(chunk[0].get('file_name'))[1]} … " \
                       f"{split_file_name(chunk[-1].get('file_name'))[1]}"
                groups.append(Group(name, ("page", grp.ident, start), g, chunk))
                grp.pages.append(len(groups) - 1)
    # Children come after their parents, so totals add up from the end.
    for g in range(len(groups) - 1, -1, -1):
        grp = groups[g]
        if filtering:
            grp.shown_folders = [c for c in grp.folders if groups[c].shown_total] + grp.pages
        else:
            grp.shown_folders = grp.folders + grp.pages
        for row, c in enumerate(grp.shown_folders):
            groups[c].row = row
        grp.shown_total = len(grp.shown_images) + sum(groups[c].shown_total for c in grp.shown_folders)


def allowed_image_keys(ds, view_state: ViewState, image_filter: ImageFilter,
                       panoptic: bool = False) -> set | None:
    """Image keys that pass the visibility-dependent parts of a filter (None: all pass)."""
    if ds is None or not image_filter.uses_visibility():
        return None
    vs = view_state
    hidden = vs.hidden_categories
    if image_filter.category_id is not None:
        wanted = {id_key(image_filter.category_id)} - hidden
    else:
        wanted = None
    if panoptic:
        return {_key(a.image_id) for a in ds.annotations
                if any((k in wanted) if wanted is not None else (k not in hidden)
                       for k in (id_key(s.get("category_id")) for s in segments_of(a)))}
    minimum = vs.min_score
    if wanted is None:
        if not hidden and minimum <= 0:
            return set(ds.annotation_image_keys())
        # One pass in file order: much faster than visiting categories' scattered lists.
        raw = _visible_image_ids(ds.annotations, minimum, hidden)
    else:
        raw = set()
        for key in wanted:
            raw |= _visible_image_ids(ds.annotations_of_category(key), minimum, set())
    return {r if type(r) is int else id_key(r) for r in raw}


def _visible_image_ids(anns, minimum: float, hidden: set) -> set:
    """Raw ``image_id`` of the annotations :meth:`ViewState.is_visible` would show."""
    try:
        if minimum <= 0:
            return {a.image_id for a in anns
                    if (a.category_id if type(a.category_id) is int else id_key(a.category_id)) not in hidden}
        if not hidden:
            return {a.image_id for a in anns if a.score is None or a.score >= minimum}
        return {a.image_id for a in anns if (a.score is None or a.score >= minimum)
                and (a.category_id if type(a.category_id) is int else id_key(a.category_id)) not in hidden}
    except TypeError:  # a score that is not a number is never hidden by score
        return {a.image_id for a in anns
                if not ((type(a.score) is float or type(a.score) is int) and a.score < minimum)
                and _key(a.category_id) not in hidden}


def matching_names(images: list[dict], text: str) -> set[int]:
    """``id()`` of the images whose ``file_name`` contains ``text``, ignoring case."""
    needle = text.casefold()
    return {id(img) for img in images
            if needle in (fn.casefold() if type(fn := img.get("file_name")) is str else str(fn).casefold())}
