"""The canvas's context menu texts and its category submenu."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QMenu

from cocoview.gui.categories_model import swatch_icon
from cocoview.gui.colors import colors_for
from cocoview.model.annotation import Annotation
from cocoview.model.ids import format_id, id_key

#: More categories than this: the first nine flat, the others grouped in submenus.
FLAT_CATEGORY_MENU = 24
GROUP_SIZE = 25


def menu_text(text: str) -> str:
    """``text`` shown as is in a menu (``&`` would mark a shortcut letter)."""
    return text.replace("&", "&&")


def category_name(ds: Any, category_id: Any, cat: dict | None = None) -> str:
    cat = cat if cat is not None else ds.category(category_id)
    if cat is None:
        return f"{format_id(category_id)} (unknown)"
    name = cat.get("name")
    return str(name) if name not in (None, "") else f"category {format_id(category_id)}"


def selection_title(ds: Any, selected: list[Annotation]) -> str:
    if len(selected) > 1:
        return f"{len(selected)} annotations selected"
    ann = selected[0]
    return f"Annotation {format_id(ann.id)} · {category_name(ds, ann.category_id)}"


def fill_category_menu(menu: QMenu, ds: Any, selected: list[Annotation],
                       set_category: Callable[[Any], None]) -> None:
    """One entry per category (keys 1–9 on the first nine), grouped by
    supercategory or in runs when there are many; the current one in bold."""
    cats = list(ds.categories)
    if not cats:
        menu.addAction("(the file has no categories)").setEnabled(False)
        return
    current = {id_key(a.category_id) for a in selected}
    colors = colors_for(ds)

    def add(target: QMenu, position: int, cat: dict) -> None:
        cid = cat.get("id")
        text = menu_text(category_name(ds, cid, cat))
        if position < 9:
            text += f"\t{position + 1}"
        action = target.addAction(swatch_icon(colors.color(cid), size=14), text)
        action.setToolTip(f"id {format_id(cid)}")
        if len(current) == 1 and id_key(cid) in current:
            font = QFont(target.font())
            font.setBold(True)
            action.setFont(font)
        action.triggered.connect(lambda _checked=False, c=cid: set_category(c))

    if len(cats) <= FLAT_CATEGORY_MENU:
        for position, cat in enumerate(cats):
            add(menu, position, cat)
        return
    for position, cat in enumerate(cats[:9]):
        add(menu, position, cat)
    menu.addSeparator()
    rest = list(enumerate(cats))[9:]
    groups: dict[str, list] = {}
    if all(isinstance(c.get("supercategory"), str) and c.get("supercategory") for _, c in rest):
        for position, cat in rest:
            groups.setdefault(cat["supercategory"], []).append((position, cat))
    else:
        for start in range(0, len(rest), GROUP_SIZE):
            chunk = rest[start:start + GROUP_SIZE]
            groups[f"{chunk[0][0] + 1}–{chunk[-1][0] + 1}"] = chunk
    for title, members in groups.items():
        sub = menu.addMenu(menu_text(title))
        for position, cat in members:
            add(sub, position, cat)
