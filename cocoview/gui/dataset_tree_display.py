"""How the rows of the dataset tree look: texts, counts, alignment, icons, fonts, tooltips.

:class:`DatasetTreeDisplay` answers :meth:`DatasetTreeModel.data` for an image
leaf or a group, role by role, and keeps the icons it hands out (standard
file and folder icons, category swatches). The item roles and column numbers
of the tree are defined here too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from cocoview.gui.categories_model import DEFAULT_COLOR, swatch_icon
from cocoview.gui.image_groups import Group, split_file_name
from cocoview.model.text import plural as _plural

if TYPE_CHECKING:
    from cocoview.model.view_state import ViewState

ImageRole = Qt.ItemDataRole.UserRole + 1      #: a leaf's image (a copy through Qt: use image_at for the dict)
CountsRole = Qt.ItemDataRole.UserRole + 2     #: (visible, total) annotations of a leaf
GroupRole = Qt.ItemDataRole.UserRole + 3      #: a group's identity (see image_groups.Group)

COL_NAME, COL_COUNT, COL_ID = 0, 1, 2
HEADERS = ("Name", "Count", "Id")
ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _format_id(value: Any) -> str:
    return "" if value is None else str(value)


class DatasetTreeDisplay:
    """The look of the dataset tree's rows (mixed into :class:`DatasetTreeModel`).

    The model provides ``_vs`` (the view state), ``_color_for`` (category id
    to colour, or None), ``_icons`` (the icon cache), :meth:`counts` and
    ``_leaf_counts(image, g)`` (the counts a leaf shows under group ``g``).
    """

    _vs: "ViewState"
    _color_for: Callable[[Any], QColor] | None
    _icons: dict[Any, QIcon]

    def _image_data(self, image: dict, g: int, column: int, role: int):
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_NAME:
                return split_file_name(image.get("file_name"))[1] or f"(image {_format_id(image.get('id'))})"
            if column == COL_COUNT:
                visible, total = self._leaf_counts(image, g)
                return f"{visible:,}" if visible == total else f"{visible:,} / {total:,}"
            return _format_id(image.get("id")) if column == COL_ID else None
        if role == ImageRole:
            return image
        if role == CountsRole:
            return self._leaf_counts(image, g)
        if role == Qt.ItemDataRole.TextAlignmentRole and column != COL_NAME:
            return ALIGN_RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_COUNT:
            return QApplication.palette().placeholderText() if self._leaf_counts(image, g)[0] == 0 else None
        if role == Qt.ItemDataRole.DecorationRole and column == COL_NAME:
            return self._style_icon(QStyle.StandardPixmap.SP_FileIcon)
        if role == Qt.ItemDataRole.ToolTipRole:
            visible, total = self.counts(image)
            lines = [str(image.get("file_name", "(no file_name)")), f"id {_format_id(image.get('id'))}"]
            if image.get("width") is not None or image.get("height") is not None:
                lines.append(f"{image.get('width')} × {image.get('height')} px")
            lines.append(f"{visible:,} of {_plural(total, 'annotation')} shown")
            return "\n".join(lines)
        return None

    def _group_data(self, grp: Group, column: int, role: int):
        kind = grp.ident[0]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_NAME:
                return grp.name
            if column == COL_COUNT:
                return f"{grp.shown_total:,}"
            if column == COL_ID and grp.category is not None:
                return _format_id(grp.category.get("id"))
            return None
        if role == GroupRole:
            return grp.ident
        if role == Qt.ItemDataRole.TextAlignmentRole and column != COL_NAME:
            return ALIGN_RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and (column == COL_COUNT or kind == "page" or (
                kind == "category" and grp.ident[1] in self._vs.hidden_categories)):
            return QApplication.palette().placeholderText()
        if role == Qt.ItemDataRole.DecorationRole and column == COL_NAME:
            if kind == "folder":
                return self._style_icon(QStyle.StandardPixmap.SP_DirIcon)
            if kind == "category":
                return self._swatch(grp.ident[1])
            return None
        if role == Qt.ItemDataRole.FontRole and column == COL_NAME and kind in ("category", "none"):
            font = QFont()
            font.setBold(kind == "category")
            font.setItalic(kind == "none")
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if kind == "folder":
                return f"{grp.ident[1]}/\n{_plural(grp.shown_total, 'image')} shown"
            if kind == "page":
                start = grp.ident[2]
                return f"Images {start + 1:,}–{start + grp.shown_total:,} of {grp.name}"
            return f"{grp.name}\n{grp.shown_total:,} of {_plural(len(grp.images), 'image')} shown"
        return None

    def _style_icon(self, which) -> QIcon:
        icon = self._icons.get(which)
        if icon is None:
            icon = self._icons[which] = QApplication.style().standardIcon(which)
        return icon

    def _swatch(self, key) -> QIcon:
        icon = self._icons.get(("swatch", key))
        if icon is None:
            color = self._color_for(key) if self._color_for is not None else DEFAULT_COLOR
            icon = self._icons[("swatch", key)] = swatch_icon(QColor(color), size=12)
        return icon

    def _forget_swatches(self) -> None:
        """Drop the category swatches (their colours changed); standard icons stay."""
        self._icons = {k: v for k, v in self._icons.items() if not (isinstance(k, tuple) and k[0] == "swatch")}
