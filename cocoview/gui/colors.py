"""Category colours: stable for a dataset, distinct, and readable on photos.

Each category gets a palette slot the first time its :class:`CategoryColors`
sees it: the categories present when the file is opened take slots in file
order (so a file looks the same every time it is opened), and a category
that appears later takes the lowest slot no present category holds. Slots
follow the category dicts themselves, so renaming a category, changing its
id, merging or deleting other categories, and undo never recolour anything
else. The first hundred slots take colours from a fixed palette chosen so
that each one stands apart from all earlier ones (greedy, in CIELAB) and
stays bright and saturated enough to read on top of photographs; later
slots step around the hue circle by the golden ratio. User choices (from a
category editor) override the palette per category and are announced
through ``CategoryColors.events.changed``.
"""

from __future__ import annotations

import colorsys
import weakref
from typing import Any, Hashable

from PySide6.QtGui import QColor

from cocoview.model.events import EventGroup
from cocoview.model.ids import id_key

# Ten recognisable hues first, then colours that stay far from every earlier one.
PALETTE = (
    "#ff3838", "#38b6ff", "#48dc5c", "#ffc400", "#be5aff", "#ff8028", "#00e0d0", "#ff50be",
    "#a0dc28", "#6e78ff", "#bfaa56", "#e06577", "#2cf542", "#ff0073", "#ff00e6", "#56bf7b",
    "#ffa473", "#b556bf", "#00ffb3", "#bf8600", "#4382e0", "#95bf56", "#bfbf1d", "#e06343",
    "#ff73ff", "#99ff00", "#ffe373", "#e065a3", "#d900ff", "#ff4d00", "#26ff5c", "#ff4d67",
    "#bf7c39", "#ffe926", "#4cbf00", "#a4ff73", "#73ffce", "#ffb84d", "#ff9900", "#61bf56",
    "#e0437a", "#ff00bf", "#cee065", "#43e000", "#bf6900", "#00ff8c", "#9d65e0", "#cae000",
    "#ff0099", "#00bf99", "#00f2ff", "#ff000d", "#ff9d4d", "#e07e65", "#ff004d", "#43e082",
    "#ed4dff", "#e04822", "#e043c9", "#8bff4d", "#e065c2", "#bfa300", "#0080ff", "#ffc073",
    "#73abff", "#ff7a73", "#7cbf39", "#00e0a8", "#e04343", "#ff739d", "#d573ff", "#ff4d9d",
    "#738fff", "#0092e0", "#9fbf1d", "#babf56", "#ffdb4d", "#a9e065", "#00bf56", "#ff824d",
    "#73ff88", "#82e043", "#e05a00", "#e0a800", "#e0b943", "#bf9039", "#ff4ded", "#bf56a0",
    "#7be000", "#c943e0", "#7ee065", "#bf6839", "#73ffab", "#d1e043", "#4dbf39", "#00bf73",
    "#e08b22", "#da65e0", "#00ffe5", "#e0bf00",
)

#: Annotations whose category is not in the file.
UNKNOWN_COLOR = "#9a9a9a"

_GOLDEN = 0.6180339887498949


def palette_color(position: int) -> QColor:
    """The colour of palette slot ``position`` (0-based; negative: unknown grey)."""
    if position < 0:
        return QColor(UNKNOWN_COLOR)
    if position < len(PALETTE):
        return QColor(PALETTE[position])
    step = position - len(PALETTE)
    hue = (0.07 + step * _GOLDEN) % 1.0
    saturation = (0.85, 0.65, 0.75)[step % 3]
    value = (0.98, 0.9, 0.82)[(step // 3) % 3]
    r, g, b = colorsys.hsv_to_rgb(hue, saturation, value)
    return QColor.fromRgbF(r, g, b)


class CategoryColors:
    """Colours of one dataset's categories, with user overrides.

    Every category dict seen keeps its palette slot for the life of this
    object (the dicts are held so that a removed category brought back by
    undo finds its slot again). ``overrides`` maps a category's id key to
    the QColor the user chose; change it through :meth:`set_override` so
    listeners hear about it.
    """

    def __init__(self, ds: Any) -> None:
        self._ds = weakref.ref(ds)
        self.overrides: dict[Hashable, QColor] = {}
        self.events = EventGroup("changed")
        #: ``id(category dict)`` -> (the dict, its slot); the dict is kept so its id is never reused.
        self._slots: dict[int, tuple[dict, int]] = {}
        self._by_key: dict[Hashable, int] | None = None
        self._cache: dict[Hashable, QColor] = {}
        self._sync()
        events = getattr(ds, "events", None)
        if events is not None and hasattr(events, "categories_changed"):
            ref = weakref.ref(self)

            def forget(**_kw) -> None:
                colors = ref()
                if colors is not None:
                    colors.invalidate()

            # The closure holds a weak reference only; the dataset keeps it alive.
            self._listener = forget
            events.categories_changed.connect(forget)

    def invalidate(self) -> None:
        """Look at the categories again (called when they change)."""
        self._by_key = None
        self._cache.clear()

    def _sync(self) -> dict[Hashable, int]:
        """Give new categories a slot and map every present id key to its slot."""
        ds = self._ds()
        cats = [c for c in (getattr(ds, "categories", None) or []) if isinstance(c, dict)]
        slots = self._slots
        taken: set[int] = set()
        fresh: list[dict] = []
        by_key: dict[Hashable, int] = {}
        for cat in cats:
            known = slots.get(id(cat))
            if known is None or known[0] is not cat or known[1] in taken:
                fresh.append(cat)  # new, or sharing a slot with an earlier category
            else:
                taken.add(known[1])
        free = 0
        for cat in fresh:
            while free in taken:
                free += 1
            slots[id(cat)] = (cat, free)
            taken.add(free)
        for cat in cats:
            by_key.setdefault(id_key(cat.get("id")), slots[id(cat)][1])
        self._by_key = by_key
        return by_key

    def slot_of(self, category_id: Any) -> int:
        """The palette slot of a category id (-1 when no category has it)."""
        by_key = self._by_key if self._by_key is not None else self._sync()
        return by_key.get(id_key(category_id), -1)

    def color(self, category_id: Any) -> QColor:
        """The colour for a category id (grey when the file has no such category)."""
        key = id_key(category_id)
        cached = self._cache.get(key)
        if cached is None:
            override = self.overrides.get(key)
            cached = QColor(override) if override is not None else palette_color(self.slot_of(key))
            self._cache[key] = cached
        return QColor(cached)

    def set_override(self, category_id: Any, color: QColor | None) -> None:
        """Use ``color`` for a category from now on (None returns to the palette)."""
        key = id_key(category_id)
        if color is None:
            if self.overrides.pop(key, None) is None:
                return
        else:
            color = QColor(color)
            if self.overrides.get(key) == color:
                return
            self.overrides[key] = color
        self._cache.pop(key, None)
        self.events.changed.emit(category_ids=[category_id])

    def set_overrides(self, overrides: dict[Any, QColor]) -> None:
        """Replace every override at once (one ``changed`` event)."""
        self.overrides = {id_key(k): QColor(v) for k, v in overrides.items()}
        self._cache.clear()
        self.events.changed.emit(category_ids=None)


_BY_DATASET: "weakref.WeakKeyDictionary[Any, CategoryColors]" = weakref.WeakKeyDictionary()


def colors_for(ds: Any) -> CategoryColors:
    """The shared :class:`CategoryColors` of a dataset (created on first use)."""
    colors = _BY_DATASET.get(ds)
    if colors is None:
        colors = CategoryColors(ds)
        _BY_DATASET[ds] = colors
    return colors


def category_color(ds: Any, category_id: Any) -> QColor:
    """The colour cocoview draws a category with in this dataset."""
    return colors_for(ds).color(category_id)
