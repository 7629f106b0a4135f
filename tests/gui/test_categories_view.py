"""The categories panel: visibility through the view state, counts, edits."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from cocoview.gui.categories_model import (COL_COUNT, COL_ID, COL_NAME, COL_SHOWN, COL_SUPER, FIELD_OF_COLUMN,
                                           CategoriesModel, CountsRole)
from cocoview.gui.categories_view import CategoriesView
from cocoview.model.commands import add_category, delete_annotations, rename_category, set_annotation_fields
from cocoview.model.dataset import Dataset
from cocoview.model.view_state import ViewState

COCO_SAMPLE = "mmdetection/tests/data/coco_sample.json"
KERAS = "keras-retinanet-test-data/coco/annotations/instances_val2017.json"
VISDRONE = "sahi/tests/data/coco_utils/visdrone2019-det-train-first50image.json"
PANOPTIC = "panopticapi/sample_data/panoptic_examples.json"


def make_view(qtbot, ds, vs=None, color_for=None):
    view = CategoriesView(None, ds, vs or ViewState(), color_for)
    qtbot.addWidget(view)
    view.resize(420, 500)
    view.show()
    qtbot.waitExposed(view)
    return view


def cell(view, row, column):
    return view.proxy.index(row, column)


def test_rows_show_category_fields(qtbot, corpus):
    ds = Dataset.load(corpus / KERAS)
    view = make_view(qtbot, ds)
    assert view.proxy.rowCount() == 80
    first = ds.categories[0]
    assert cell(view, 0, COL_ID).data() == str(first["id"])
    assert cell(view, 0, COL_NAME).data() == first["name"]
    assert cell(view, 0, COL_SUPER).data() == first["supercategory"]
    total = len(ds.annotations_of_category(first["id"]))
    assert cell(view, 0, COL_COUNT).data(CountsRole) == (total, total)
    assert sum(cell(view, r, COL_COUNT).data(CountsRole)[1] for r in range(80)) == len(ds.annotations)
    assert view.summary_label.text() == "80 categories"
    assert FIELD_OF_COLUMN[COL_NAME] == "name" and FIELD_OF_COLUMN[COL_SUPER] == "supercategory"


def test_checkbox_hides_the_category_in_the_view_state(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    vs = ViewState()
    view = make_view(qtbot, ds, vs)
    box = cell(view, 1, COL_SHOWN)
    assert box.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert box.flags() & Qt.ItemFlag.ItemIsUserCheckable
    # What a click on the indicator does: setData through the sorting proxy.
    assert view.proxy.setData(box, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert vs.hidden_categories == {2}
    assert box.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert cell(view, 1, COL_COUNT).data() == "0 / 1"
    assert view.summary_label.text() == "2 categories · 1 hidden"
    # Changes made elsewhere show here.
    vs.set_category_hidden(2, False)
    assert box.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert cell(view, 1, COL_COUNT).data() == "1"


def test_space_on_the_checkbox_toggles(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    vs = ViewState()
    view = make_view(qtbot, ds, vs)
    rect = view.table.visualRect(cell(view, 0, COL_SHOWN))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    view.table.setCurrentIndex(cell(view, 0, COL_SHOWN))
    qtbot.keyClick(view.table, Qt.Key.Key_Space)
    assert vs.hidden_categories == {1}


def test_show_only_and_show_all(qtbot, corpus):
    ds = Dataset.load(corpus / KERAS)
    vs = ViewState()
    view = make_view(qtbot, ds, vs)
    rect = view.table.visualRect(cell(view, 2, COL_SHOWN))
    swatch = rect.center() + QPoint(8, 0)  # right of the check box
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=swatch)
    assert vs.hidden_categories == set()  # a click on the swatch does not toggle
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=swatch)
    third = ds.categories[2]["id"]
    assert vs.hidden_categories == {c["id"] for c in ds.categories} - {third}
    assert view.summary_label.text() == "80 categories · 79 hidden"
    assert view.show_all_button.isEnabled()
    view.show_all_button.click()
    assert vs.hidden_categories == set()
    assert not view.show_all_button.isEnabled()
    view.hide_all_button.click()
    assert len(vs.hidden_categories) == 80


def test_counts_follow_score_threshold(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    vs = ViewState()
    view = make_view(qtbot, ds, vs)
    assert cell(view, 0, COL_COUNT).data(CountsRole) == (2, 2)
    vs.set_min_score(0.5)
    ds.history.push(set_annotation_fields(ds, ds.annotations[0], score=0.1))
    assert cell(view, 0, COL_COUNT).data(CountsRole) == (1, 2)
    assert cell(view, 0, COL_COUNT).data() == "1 / 2"
    vs.set_min_score(0.05)
    assert cell(view, 0, COL_COUNT).data(CountsRole) == (2, 2)
    vs.set_min_score(1.5)
    assert [cell(view, r, COL_COUNT).data(CountsRole) for r in range(2)] == [(0, 2), (0, 1)]


def test_annotation_commands_update_counts(qtbot, corpus):
    ds = Dataset.load(corpus / VISDRONE)
    view = make_view(qtbot, ds)
    before = [cell(view, r, COL_COUNT).data(CountsRole) for r in range(2)]
    doomed = ds.annotations_of_category(ds.categories[1]["id"])[:7]
    with qtbot.waitSignal(view.model.dataChanged):
        ds.history.push(delete_annotations(ds, doomed))
    after = [cell(view, r, COL_COUNT).data(CountsRole) for r in range(2)]
    assert after[0] == before[0]
    assert after[1] == (before[1][0] - 7, before[1][1] - 7)
    ds.history.undo()
    assert [cell(view, r, COL_COUNT).data(CountsRole) for r in range(2)] == before


def test_category_commands_update_rows(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    view = make_view(qtbot, ds)
    ds.history.push(rename_category(ds, ds.categories[0], "coach"))
    assert cell(view, 0, COL_NAME).data() == "coach"
    ds.history.push(add_category(ds, "tram", supercategory="vehicle"))
    assert view.proxy.rowCount() == 3
    assert cell(view, 2, COL_NAME).data() == "tram" and cell(view, 2, COL_COUNT).data() == "0"
    assert view.summary_label.text() == "3 categories"
    ds.history.undo()
    ds.history.undo()
    assert view.proxy.rowCount() == 2 and cell(view, 0, COL_NAME).data() == "bus"


def test_sorting_filtering_and_selection(qtbot, corpus):
    ds = Dataset.load(corpus / KERAS)
    view = make_view(qtbot, ds)
    view.table.sortByColumn(COL_COUNT, Qt.SortOrder.DescendingOrder)
    most = max(ds.categories, key=lambda c: len(ds.annotations_of_category(c["id"])))
    assert cell(view, 0, COL_NAME).data() == most["name"]
    view.table.sortByColumn(COL_ID, Qt.SortOrder.AscendingOrder)
    ids = [int(cell(view, r, COL_ID).data()) for r in range(view.proxy.rowCount())]
    assert ids == sorted(ids)  # as numbers: 9 before 10
    view.filter_edit.setText("traffic")
    assert view.proxy.rowCount() == 1 and cell(view, 0, COL_NAME).data() == "traffic light"
    with qtbot.waitSignal(view.category_activated) as blocker:
        assert view.select_category(1)  # hidden by the filter: the filter is cleared
    assert view.filter_edit.text() == ""
    assert blocker.args[0] is ds.categories[0] or blocker.args[0] == ds.categories[0]
    assert view.current_category() == ds.categories[0]


def test_swatches_use_the_injected_colours(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    colors = {1: QColor(255, 0, 0), 2: QColor(0, 0, 255)}
    view = make_view(qtbot, ds, color_for=lambda cid: colors[cid])

    def center(row):
        icon = cell(view, row, COL_SHOWN).data(Qt.ItemDataRole.DecorationRole)
        return icon.pixmap(14, 14).toImage().pixelColor(7, 7)

    assert center(0) == colors[1] and center(1) == colors[2]
    view.set_color_for(None)
    assert center(0) == QColor(150, 150, 150)


def test_panoptic_counts_segments(qtbot, corpus):
    ds = Dataset.load(corpus / PANOPTIC)
    vs = ViewState()
    model = CategoriesModel(ds, vs)
    segments = sum(len(a.to_dict()["segments_info"]) for a in ds.annotations)
    totals = [model.counts(c)[1] for c in ds.categories]
    assert sum(totals) == segments == 50
    used = next(c for c, t in zip(ds.categories, totals) if t)
    vs.set_category_hidden(used["id"], True)
    assert model.counts(used)[0] == 0
