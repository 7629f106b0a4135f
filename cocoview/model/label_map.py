"""Label maps: the category ids a training setup expects, by name.

A label map says which id each category name must have. It is read from

- JSON: ``{"person": 1, "car": 2}``, the reverse ``{"1": "person"}``, a list
  of category objects ``[{"id": 1, "name": "person"}, …]``, or a whole COCO
  file (its ``categories``);
- text, one entry a line: ``person 1``, ``person: 1``, ``person,1``,
  ``person=1`` or the same with the id first (``1: person``); blank lines and
  lines starting with ``#`` or ``//`` are skipped;
- TensorFlow ``.pbtxt``: ``item { id: 1 name: "person" }``.

:func:`apply_label_map` builds ONE command that gives every category of the
dataset the id the map names for it. Nothing is renamed. Categories that
map to the same id are merged (the one already holding that id, else the one
listed first in the map, keeps its fields); categories the map does not name
keep their ids or, if asked, are deleted with their annotations.
:func:`preview` lists what the command will do, one row per category.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from typing import Any, Callable, Hashable, Iterable, NamedTuple

from cocoview.model.commands import (Edit, annotations_in_categories, category_label, delete_category,
                                     merge_categories, remap_category_ids)
from cocoview.model.errors import CocoError
from cocoview.model.ids import format_id, id_key
from cocoview.model.text import plural as _plural

#: what to do with categories the map does not name
KEEP_UNMAPPED = "keep"
DELETE_UNMAPPED = "delete"

# Row kinds (the start of ``LabelMapRow.action``).
KEEP = "keep"
CHANGE = "change id"
MERGE = "merge into"
TARGET = "merge target"
UNMAPPED = "not in map"
DELETE = "not in map: delete"
MISSING = "not in dataset"
CONFLICT = "conflict"
_KINDS = (DELETE, UNMAPPED, MISSING, CONFLICT, TARGET, MERGE, CHANGE, KEEP)


class LabelMapRow(NamedTuple):
    """One line of a preview: what happens to one category (or one map entry)."""

    name: str
    old_id: Any        # None for a map entry no category has
    new_id: Any        # the id after the command (None when deleted)
    touches: int       # annotations whose category id changes or that are deleted
    action: str        # starts with one of the kinds above, e.g. "merge into 'signboard'"

    @property
    def kind(self) -> str:
        return next(k for k in _KINDS if self.action.startswith(k))

    @property
    def changes(self) -> bool:
        return self.kind in (CHANGE, MERGE, DELETE) or (self.kind == TARGET and self.old_id != self.new_id)


# ---- reading ----------------------------------------------------------------------------
def read_label_map(path: str | os.PathLike) -> dict[str, Any]:
    """The label map in a file. Raises CocoError naming the file and line."""
    name = os.path.basename(os.fspath(path))
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise CocoError(f"{name}: not a text file (expected UTF-8)") from None
    except OSError as e:
        raise CocoError(f"{name}: cannot read the file ({e.strerror or e})") from None
    return parse_label_map(text, name)


def parse_label_map(text: str, source: str = "label map") -> dict[str, Any]:
    """Names to ids, in the order given. ``source`` names the input in errors."""
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        raise CocoError(f"{source}: the label map is empty")
    if stripped[0] in "{[":
        return _from_json(stripped, source)
    if re.search(r"^\s*item\s*\{", stripped, re.M):
        return _from_pbtxt(stripped, source)
    return _from_lines(stripped, source)


def _as_id(value: Any) -> int | None:
    """A whole-number id from JSON or text, else None."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is str and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return text


class _Builder:
    """Collects entries, refusing a name given two different ids."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.mapping: dict[str, Any] = {}

    def add(self, name: str, cid: Any, where: str) -> None:
        if not name:
            raise CocoError(f"{self.source}{where}: an entry has an empty name")
        old = self.mapping.get(name)
        if old is not None and old != cid:
            raise CocoError(f"{self.source}{where}: '{name}' is given id {cid} but already has id {old}")
        self.mapping[name] = cid

    def result(self) -> dict[str, Any]:
        if not self.mapping:
            raise CocoError(f"{self.source}: the label map has no entries")
        return self.mapping


def _from_json(text: str, source: str) -> dict[str, Any]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise CocoError(f"{source}, line {e.lineno}: not valid JSON ({e.msg})") from None
    out = _Builder(source)
    if isinstance(obj, dict) and isinstance(obj.get("categories"), list):
        obj = obj["categories"]
    if isinstance(obj, list):
        for i, cat in enumerate(obj):
            cid = _as_id(cat.get("id")) if isinstance(cat, dict) else None
            if cid is None or not isinstance(cat.get("name"), str):
                raise CocoError(f"{source}, entry {i + 1}: expected a category with a name and a whole-number id")
            out.add(cat["name"], cid, f", entry {i + 1}")
        return out.result()
    # {"1": "person"} is the same map written the other way round.
    reverse = bool(obj) and all(_as_id(k) is not None and isinstance(v, str) and _as_id(v) is None
                                for k, v in obj.items())
    for key, value in obj.items():
        name, cid = (value, _as_id(key)) if reverse else (key, _as_id(value))
        if cid is None:
            raise CocoError(f"{source}: '{key}' has id {json.dumps(value)}; ids are whole numbers")
        out.add(name, cid, "")
    return out.result()


_PBTXT_ITEM = re.compile(r"item\s*\{(.*?)\}", re.S)
_PBTXT_FIELD = r"\b{}\s*:\s*(?:\"([^\"]*)\"|'([^']*)'|(-?\d+))"


def _pbtxt_field(body: str, field: str) -> str | None:
    m = re.search(_PBTXT_FIELD.format(field), body)
    if m is None:
        return None
    return next(g for g in m.groups() if g is not None)


def _from_pbtxt(text: str, source: str) -> dict[str, Any]:
    out = _Builder(source)
    for m in _PBTXT_ITEM.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        body = m.group(1)
        cid = _as_id(_pbtxt_field(body, "id"))
        name = _pbtxt_field(body, "name") or _pbtxt_field(body, "display_name")
        if cid is None or name is None:
            raise CocoError(f"{source}, line {line}: an item needs an id and a name")
        out.add(name, cid, f", line {line}")
    return out.result()


def _halves(line: str, sep: str | None, last: bool) -> tuple[str, str] | None:
    """Split at the last (or first) separator; None splits at whitespace."""
    parts = line.rsplit(sep, 1) if last else line.split(sep, 1)
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _split_entry(line: str) -> tuple[str, int] | None:
    """(name, id) from 'name id' or 'id name' with any of the separators."""
    for sep in ("\t", ",", ":", "=", None):
        if sep is not None and sep not in line:
            continue
        halves = _halves(line, sep, last=True)
        if halves is not None and halves[0].strip() and _as_id(halves[1]) is not None:
            return _unquote(halves[0]), _as_id(halves[1])
        halves = _halves(line, sep, last=False)
        if halves is not None and halves[1].strip() and _as_id(halves[0]) is not None:
            return _unquote(halves[1]), _as_id(halves[0])
    return None


def _from_lines(text: str, source: str) -> dict[str, Any]:
    out = _Builder(source)
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", "//")):
            continue
        entry = _split_entry(line)
        if entry is None:
            shown = line if len(line) <= 60 else line[:57] + "…"
            raise CocoError(f"{source}, line {number}: expected 'name id', 'name: id' or 'name,id', "
                            f"got '{shown}'")
        out.add(entry[0], entry[1], f", line {number}")
    return out.result()


# ---- planning -----------------------------------------------------------------------------
def _name(cat: dict) -> str:
    name = cat.get("name")
    return name if isinstance(name, str) else format_id(cat.get("id"))


def annotation_counts(ds: Any) -> dict[Hashable, int]:
    """Annotations that refer to each category key, panoptic segments included (once per key)."""
    if not ds.is_panoptic:
        return ds.category_counts()
    counts: dict[Hashable, int] = defaultdict(int)
    for ann in ds.annotations:
        data = ann.to_dict()
        keys = {id_key(data.get("category_id"))} if "category_id" in data else set()
        for seg in data.get("segments_info") or []:
            if isinstance(seg, dict):
                keys.add(id_key(seg.get("category_id")))
        for key in keys:
            counts[key] += 1
    return counts


class _Plan:
    """Which category goes where; shared by the preview and the command."""

    def __init__(self, ds: Any, mapping: dict[str, Any], unmapped: str) -> None:
        if unmapped not in (KEEP_UNMAPPED, DELETE_UNMAPPED):
            raise ValueError(f"unmapped must be {KEEP_UNMAPPED!r} or {DELETE_UNMAPPED!r}")
        self.ds = ds
        cats = list(ds.categories)
        order = {name: i for i, name in enumerate(mapping)}
        # Exact names first, then a unique match ignoring case and spacing.
        folded: dict[str, list[dict]] = defaultdict(list)
        for cat in cats:
            folded[" ".join(_name(cat).split()).casefold()].append(cat)
        self.entry_of: dict[int, str] = {}
        for cat in cats:
            if _name(cat) in mapping:
                self.entry_of[id(cat)] = _name(cat)
        matched = set(self.entry_of.values())
        for entry in mapping:
            if entry in matched:
                continue
            found = [c for c in folded.get(" ".join(entry.split()).casefold(), []) if id(c) not in self.entry_of]
            if len(found) == 1:
                self.entry_of[id(found[0])] = entry
        self.missing = [e for e in mapping if e not in set(self.entry_of.values())]
        self.mapped = [c for c in cats if id(c) in self.entry_of]
        self.unmapped = [c for c in cats if id(c) not in self.entry_of]
        self.new_id = {id(c): mapping[self.entry_of[id(c)]] for c in self.mapped}

        groups: dict[Hashable, list[dict]] = defaultdict(list)
        for cat in self.mapped:
            groups[id_key(self.new_id[id(cat)])].append(cat)
        self.merges: list[tuple[dict, list[dict]]] = []
        self.target_of: dict[int, dict] = {}
        for key, members in groups.items():
            if len(members) < 2:
                continue
            holder = [c for c in members if id_key(c.get("id")) == key]
            target = holder[0] if holder else min(
                members, key=lambda c: order.get(self.entry_of[id(c)], len(order)))
            sources = [c for c in members if c is not target]
            self.merges.append((target, sources))
            for c in sources:
                self.target_of[id(c)] = target
        self.survivors = [c for c in self.mapped if id(c) not in self.target_of]
        self.renumbered = [c for c in self.survivors if id_key(c.get("id")) != id_key(self.new_id[id(c)])]
        self.deleted = list(self.unmapped) if unmapped == DELETE_UNMAPPED else []
        self.conflicts: dict[int, dict] = {}
        if unmapped == KEEP_UNMAPPED:
            taken = {id_key(self.new_id[id(c)]): c for c in self.survivors}
            for cat in self.unmapped:
                other = taken.get(id_key(cat.get("id")))
                if other is not None:
                    self.conflicts[id(cat)] = other

        counts = annotation_counts(ds)
        self.count = lambda cat: counts.get(id_key(cat.get("id")), 0)
        moved = [c for _, sources in self.merges for c in sources]
        self.moved_keys = [id_key(c.get("id")) for c in moved + self.renumbered + self.deleted]
        if ds.is_panoptic:
            self.touches = len(annotations_in_categories(ds, self.moved_keys)) if self.moved_keys else 0
        else:
            self.touches = sum(self.count(c) for c in moved + self.renumbered + self.deleted)

    def rows(self) -> list[LabelMapRow]:
        rows = []
        for cat in self.ds.categories:
            old = cat.get("id")
            n = self.count(cat)
            if id(cat) in self.conflicts:
                other = self.conflicts[id(cat)]
                rows.append(LabelMapRow(_name(cat), old, old, 0,
                                        f"{CONFLICT}: keeps id {format_id(old)}, which the map gives to "
                                        f"{category_label(other)}"))
            elif id(cat) not in self.entry_of:
                if self.deleted:
                    rows.append(LabelMapRow(_name(cat), old, None, n, DELETE))
                else:
                    rows.append(LabelMapRow(_name(cat), old, old, 0, UNMAPPED))
            elif id(cat) in self.target_of:
                target = self.target_of[id(cat)]
                rows.append(LabelMapRow(_name(cat), old, self.new_id[id(target)], n,
                                        f"{MERGE} {category_label(target)}"))
            else:
                new = self.new_id[id(cat)]
                is_target = any(t is cat for t, _ in self.merges)
                changed = id_key(old) != id_key(new)
                new_shown = new if changed else old
                if is_target:
                    rows.append(LabelMapRow(_name(cat), old, new_shown, n if changed else 0, TARGET))
                elif changed:
                    rows.append(LabelMapRow(_name(cat), old, new, n, CHANGE))
                else:
                    rows.append(LabelMapRow(_name(cat), old, old, 0, KEEP))
        for entry in self.missing:
            rows.append(LabelMapRow(entry, None, None, 0, MISSING))
        return rows

    def text(self, source: str | None) -> str:
        parts = []
        if self.renumbered:
            parts.append(_plural(len(self.renumbered), "id") + " changed")
        if self.merges:
            parts.append(_plural(sum(len(s) for _, s in self.merges), "category", "categories") + " merged")
        if self.deleted:
            parts.append(_plural(len(self.deleted), "category", "categories") + " deleted")
        if not parts:
            parts.append("no changes")
        parts.append(_plural(self.touches, "annotation"))
        where = f" '{source}'" if source else ""
        return f"Apply label map{where} ({', '.join(parts)})"


# ---- public API -----------------------------------------------------------------------------
def preview(ds: Any, mapping: dict[str, Any], unmapped: str = KEEP_UNMAPPED) -> list[LabelMapRow]:
    """What :func:`apply_label_map` would do: a row per category in file order,
    then a row per map entry that names no category."""
    return _Plan(ds, mapping, unmapped).rows()


def conflicts(ds: Any, mapping: dict[str, Any], unmapped: str = KEEP_UNMAPPED) -> list[str]:
    """Why the map cannot be applied as it stands (empty when it can)."""
    plan = _Plan(ds, mapping, unmapped)
    return [f"{category_label(c)} (id {format_id(c.get('id'))}) is not in the label map and keeps its id, "
            f"which the map gives to {category_label(plan.conflicts[id(c)])}"
            for c in plan.unmapped if id(c) in plan.conflicts]


def _later(build: Callable[[], Edit]) -> Callable[[], Callable[[], None]]:
    """A step that builds its command when it runs, against the data as it is then."""
    def run() -> Callable[[], None]:
        command = build()
        command.do()
        return command.undo
    return run


def apply_label_map(ds: Any, mapping: dict[str, Any], unmapped: str = KEEP_UNMAPPED,
                    source: str | None = None) -> Edit:
    """One command giving each category the id the map names for it.

    Raises CocoError when a category the map does not name would keep an id
    the map gives to another one (choose ``unmapped="delete"`` or add it).
    """
    plan = _Plan(ds, mapping, unmapped)
    problems = conflicts(ds, mapping, unmapped)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CocoError(f"Label map{' ' + repr(source) if source else ''}: {problems[0]}{more}")
    steps = []
    for cat in plan.deleted:
        steps.append(_later(lambda cat=cat: delete_category(ds, cat)))
    for target, sources in plan.merges:
        steps.append(_later(lambda t=target, s=tuple(sources): merge_categories(ds, s, t)))
    if plan.renumbered:
        new_ids = {id(c): plan.new_id[id(c)] for c in plan.renumbered}
        steps.append(_later(lambda: remap_category_ids(ds, new_ids)))
    return Edit(plan.text(source), steps, plan.touches)


def label_map_of(categories: Iterable[dict]) -> dict[str, Any]:
    """The label map a list of categories follows (first id for a repeated name)."""
    out: dict[str, Any] = {}
    for cat in categories:
        out.setdefault(_name(cat), cat.get("id"))
    return out
