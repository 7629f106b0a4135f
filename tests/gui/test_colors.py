import itertools
import math

import pytest
from PySide6.QtGui import QColor

from cocoview.gui.colors import (
    PALETTE, UNKNOWN_COLOR, CategoryColors, category_color, colors_for, palette_color,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from cocoview.model.commands import (
    add_category, change_category_id, delete_category, merge_categories, rename_category, renumber_categories,
)
from cocoview.model.dataset import Dataset


def _lab(color: QColor) -> tuple[float, float, float]:
    def lin(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = lin(color.red()), lin(color.green()), lin(color.blue())
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _dist(a: QColor, b: QColor) -> float:
    return math.dist(_lab(a), _lab(b))


def _ds(n_categories: int = 5) -> Dataset:
    cats = [{"id": 100 + 3 * i, "name": f"c{i}"} for i in range(n_categories)]
    return Dataset.from_dict({"images": [], "annotations": [], "categories": cats})


def test_palette_has_about_a_hundred_distinct_colours():
    assert len(PALETTE) >= 100
    colors = [QColor(c) for c in PALETTE]
    assert all(c.isValid() for c in colors)
    assert len({c.rgb() for c in colors}) == len(colors)
    # The first twenty, used by most files, are far apart from each other.
    first = colors[:20]
    assert min(_dist(a, b) for a, b in itertools.combinations(first, 2)) > 20


def test_palette_colours_are_bright_enough_to_read_on_photos():
    for c in (QColor(h) for h in PALETTE):
        lightness = _lab(c)[0]
        assert lightness > 45, c.name()
        assert c.hsvSaturationF() > 0.3, c.name()


def test_colours_beyond_the_palette_keep_changing():
    extra = [palette_color(len(PALETTE) + i) for i in range(40)]
    assert len({c.rgb() for c in extra}) == 40
    consecutive = [_dist(a, b) for a, b in zip(extra, extra[1:])]
    assert min(consecutive) > 10


def test_colours_follow_file_order_when_opened():
    ds = _ds()
    for i, cat in enumerate(ds.categories):
        assert category_color(ds, cat["id"]) == QColor(PALETTE[i])
    # string and int ids are the same key; asking again gives the same colour
    assert category_color(ds, "103") == category_color(ds, 103)
    assert category_color(ds, 106) == category_color(ds, 106)


def test_unknown_category_is_grey():
    ds = _ds()
    assert category_color(ds, 999) == QColor(UNKNOWN_COLOR)
    assert category_color(ds, None) == QColor(UNKNOWN_COLOR)


def test_returned_colours_are_copies():
    ds = _ds()
    c = category_color(ds, 100)
    c.setRed(1)
    assert category_color(ds, 100) == QColor(PALETTE[0])


def test_overrides_win_and_are_announced():
    ds = _ds()
    colors = colors_for(ds)
    heard = []
    colors.events.changed.connect(lambda **kw: heard.append(kw))
    colors.set_override(103, QColor("#123456"))
    assert category_color(ds, "103") == QColor("#123456")
    assert colors.overrides[103] == QColor("#123456")
    assert heard == [{"category_ids": [103]}]
    colors.set_override(103, QColor("#123456"))  # no change, no event
    assert len(heard) == 1
    colors.set_override(103, None)
    assert category_color(ds, 103) == QColor(PALETTE[1])
    assert len(heard) == 2
    colors.set_overrides({100: QColor("red")})
    assert category_color(ds, 100) == QColor("red")
    assert len(heard) == 3


def _colours(ds) -> dict[int, QColor]:
    """Colour of every category present, keyed by the category dict's identity."""
    return {id(c): category_color(ds, c["id"]) for c in ds.categories}


def test_merging_keeps_every_other_colour_and_undo_restores_all():
    ds = _ds(6)
    before = _colours(ds)
    c1, c2 = ds.categories[1], ds.categories[2]
    ds.history.push(merge_categories(ds, [c1], c2))
    assert c1 not in ds.categories
    after = _colours(ds)
    assert after == {k: v for k, v in before.items() if k != id(c1)}
    # the categories after the merged one did not shift down the palette
    assert category_color(ds, ds.categories[-1]["id"]) == QColor(PALETTE[5])
    ds.history.undo()
    assert _colours(ds) == before
    ds.history.redo()
    assert _colours(ds) == after


def test_deleting_keeps_colours_and_undo_brings_the_category_back_in_its_colour():
    ds = _ds(3)
    assert category_color(ds, 103) == QColor(PALETTE[1])
    ds.history.push(delete_category(ds, ds.category(100)))
    assert category_color(ds, 103) == QColor(PALETTE[1])
    assert category_color(ds, 100) == QColor(UNKNOWN_COLOR)
    ds.history.undo()
    assert category_color(ds, 100) == QColor(PALETTE[0])
    assert category_color(ds, 103) == QColor(PALETTE[1])


def test_colour_follows_the_category_through_id_changes_and_renames():
    ds = _ds(4)
    cat = ds.categories[1]
    ds.history.push(change_category_id(ds, cat, "new-id"))
    assert category_color(ds, "new-id") == QColor(PALETTE[1])
    assert category_color(ds, 103) == QColor(UNKNOWN_COLOR)
    ds.history.push(rename_category(ds, cat, "renamed"))
    assert category_color(ds, "new-id") == QColor(PALETTE[1])
    # renumbering swaps ids around; colours stay with their categories
    before = _colours(ds)
    ds.history.push(renumber_categories(ds, 1))
    assert [c["id"] for c in ds.categories] == [1, 2, 3, 4]
    assert _colours(ds) == before
    ds.history.undo()
    ds.history.undo()
    ds.history.undo()
    assert category_color(ds, 103) == QColor(PALETTE[1])


def test_a_new_category_takes_the_first_free_colour():
    ds = _ds(4)
    ds.history.push(add_category(ds, "new"))
    assert category_color(ds, ds.categories[-1]["id"]) == QColor(PALETTE[4])
    ds.history.undo()
    # a slot no present category holds is free again
    ds.history.push(delete_category(ds, ds.categories[1]))
    ds.history.push(add_category(ds, "other"))
    new = ds.categories[-1]
    assert category_color(ds, new["id"]) == QColor(PALETTE[1])
    colours = [category_color(ds, c["id"]).rgb() for c in ds.categories]
    assert len(set(colours)) == len(colours)


def test_same_file_same_colours_whatever_was_edited_before():
    first, second = _ds(5), _ds(5)
    ds_colours = [category_color(first, c["id"]) for c in first.categories]
    first.history.push(delete_category(first, first.categories[0]))
    assert [category_color(second, c["id"]) for c in second.categories] == ds_colours
    assert ds_colours == [QColor(h) for h in PALETTE[:5]]


def test_overrides_keep_working_after_edits():
    ds = _ds(3)
    colors = colors_for(ds)
    colors.set_override(106, QColor("#123456"))
    ds.history.push(delete_category(ds, ds.categories[0]))
    assert category_color(ds, 106) == QColor("#123456")
    colors.set_override(106, None)
    assert category_color(ds, 106) == QColor(PALETTE[2])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["merge", "delete", "add", "id", "undo", "redo"]),
                          st.integers(0, 50), st.integers(0, 50)), max_size=12))
def test_present_categories_never_share_or_change_a_colour(steps):
    ds = _ds(6)
    seen: dict[int, int] = {}

    def check():
        colours = {id(c): category_color(ds, c["id"]).rgb() for c in ds.categories}
        assert len(set(colours.values())) == len(colours)
        for key, rgb in colours.items():
            assert seen.setdefault(key, rgb) == rgb

    check()
    for action, a, b in steps:
        cats = ds.categories
        if action == "merge" and len(cats) > 1:
            src, dst = cats[a % len(cats)], cats[b % len(cats)]
            if src is not dst:
                ds.history.push(merge_categories(ds, [src], dst))
        elif action == "delete" and cats:
            ds.history.push(delete_category(ds, cats[a % len(cats)]))
        elif action == "add":
            ds.history.push(add_category(ds, f"n{a}"))
        elif action == "id" and cats:
            ds.history.push(change_category_id(ds, cats[a % len(cats)], 1000 + a + b))
        elif action == "undo" and ds.history.can_undo:
            ds.history.undo()
        elif action == "redo" and ds.history.can_redo:
            ds.history.redo()
        check()


def test_one_colour_book_per_dataset_without_keeping_it_alive():
    import gc
    import weakref

    ds = _ds()
    assert colors_for(ds) is colors_for(ds)
    assert isinstance(colors_for(ds), CategoryColors)
    other = _ds()
    assert colors_for(other) is not colors_for(ds)
    ref = weakref.ref(ds)
    del ds
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("position", [-1, -5])
def test_negative_position_is_unknown(position):
    assert palette_color(position) == QColor(UNKNOWN_COLOR)
