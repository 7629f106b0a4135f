"""The look of the dataset tree's rows: roles, columns and the icon cache."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon

from cocoview.gui.dataset_tree_display import (COL_COUNT, COL_ID, COL_NAME, HEADERS, CountsRole,
                                               DatasetTreeDisplay, GroupRole, ImageRole)


def test_roles_and_columns_do_not_clash():
    roles = {ImageRole, CountsRole, GroupRole}
    assert len(roles) == 3 and all(r > Qt.ItemDataRole.UserRole for r in roles)
    assert sorted((COL_NAME, COL_COUNT, COL_ID)) == list(range(len(HEADERS)))


def test_swatches_follow_colours_and_standard_icons_stay(qtbot):
    display = DatasetTreeDisplay()
    display._icons = {}
    display._color_for = lambda key: QColor("#ff0000") if key == "1" else QColor("#0000ff")
    red = display._swatch("1")
    assert display._swatch("1") is red  # cached
    display._icons["standard"] = QIcon()
    display._forget_swatches()
    assert list(display._icons) == ["standard"]
    assert display._swatch("1") is not red
