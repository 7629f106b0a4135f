"""The dataset panel: filter box with debounce, options, grouping, selection."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from cocoview.gui.dataset_tree_model import CATEGORIES, FOLDERS
from cocoview.gui.dataset_tree_view import TYPING_DELAY_MS, DatasetTreeView
from cocoview.model.commands import rename_category
from cocoview.model.dataset import Dataset
from cocoview.model.view_state import ViewState

LABELME = "labelme/examples/instance_segmentation/data_dataset_coco/annotations.json"
VISDRONE = "sahi/tests/data/coco_utils/visdrone2019-det-train-first50image.json"
COCO_SAMPLE = "mmdetection/tests/data/coco_sample.json"


def make_view(qtbot, ds, vs=None):
    view = DatasetTreeView(None, ds, vs or ViewState())
    qtbot.addWidget(view)
    view.resize(360, 500)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_typing_filters_after_a_pause(qtbot, corpus):
    ds = Dataset.load(corpus / VISDRONE)
    view = make_view(qtbot, ds)
    qtbot.keyClicks(view.filter_edit, "0000166")
    assert view.model.image_filter.text == ""  # not on every key
    assert view._typing.isActive() and view._typing.interval() == TYPING_DELAY_MS
    qtbot.waitUntil(lambda: view.model.image_filter.text == "0000166", timeout=2000)
    assert [i["file_name"] for i in view.ordered_images()] == ["images/9999960_00000_d_0000166.jpg"]
    assert view.status_label.text() == "1 of 50 images shown"
    # The folder opens by itself to show the match.
    assert view.tree.isExpanded(view.model.index(0, 0))
    view.filter_edit.clear()
    qtbot.waitUntil(lambda: view.model.shown_count() == 50, timeout=2000)
    assert view.status_label.text() == "50 images · 3,326 annotations"


def test_options_filter_by_category_and_annotations(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    view = make_view(qtbot, ds)
    combo = view.category_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["All categories", "bus  (1)", "car  (2)"]
    combo.setCurrentIndex(2)
    assert view.ordered_images() == [ds.images[0]]
    combo.setCurrentIndex(0)
    view.annotated_check.setChecked(True)
    assert view.ordered_images() == ds.images[:2]
    assert not view.findings_check.isEnabled()
    view.set_findings_predicate(lambda image: image["id"] == 1)
    assert view.findings_check.isEnabled()
    view.findings_check.setChecked(True)
    assert view.ordered_images() == [ds.images[1]]
    view.set_findings_predicate(None)
    assert not view.findings_check.isChecked()


def test_category_list_follows_renames(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    view = make_view(qtbot, ds)
    view.category_combo.setCurrentIndex(2)
    ds.history.push(rename_category(ds, ds.categories[1], "truck"))
    assert view.category_combo.currentText() == "truck  (2)"
    assert view.model.image_filter.category_id == 2


def test_select_image_expands_and_does_not_echo(qtbot, corpus):
    ds = Dataset.load(corpus / LABELME)
    view = make_view(qtbot, ds)
    view.tree.collapseAll()
    emitted = []
    view.image_activated.connect(emitted.append)
    assert view.select_image(ds.images[2])
    assert view.tree.isExpanded(view.model.index(0, 0))
    assert view.current_image() is ds.images[2]
    assert emitted == []
    # Moving with the keyboard announces the image, the very dict of the dataset.
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_Up)
    assert len(emitted) == 1 and emitted[0] is ds.images[1]
    qtbot.keyClick(view.tree, Qt.Key.Key_Up)
    assert emitted[-1] is ds.images[0]
    # Up again reaches the folder: no image, nothing announced.
    qtbot.keyClick(view.tree, Qt.Key.Key_Up)
    assert len(emitted) == 2
    view.filter_edit.setText("000025")
    view._apply_filter()
    assert not view.select_image(ds.images[0])  # filtered out


def test_click_announces_the_image(qtbot, corpus):
    ds = Dataset.load(corpus / VISDRONE)
    view = make_view(qtbot, ds)
    index = view.model.index_for_image(ds.images[4])
    rect = view.tree.visualRect(index)
    with qtbot.waitSignal(view.image_activated) as blocker:
        qtbot.mouseClick(view.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args[0] is ds.images[4]


def test_grouping_switch_keeps_the_current_image(qtbot, corpus):
    ds = Dataset.load(corpus / COCO_SAMPLE)
    view = make_view(qtbot, ds)
    view.select_image(ds.images[1])
    view.categories_button.click()
    assert view.model.grouping == CATEGORIES
    current = view.tree.currentIndex()
    assert view.model.image_at(current) is ds.images[1]
    assert current.parent().data() == "bus"
    view.folders_button.click()
    assert view.model.grouping == FOLDERS
    assert view.current_image() is ds.images[1]


def test_copy_file_name(qtbot, corpus):
    ds = Dataset.load(corpus / LABELME)
    view = make_view(qtbot, ds)
    view.select_image(ds.images[1])
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "JPEGImages/2011_000025.jpg"


def test_new_dataset_and_view_state(qtbot, corpus):
    view = make_view(qtbot, None)
    assert view.status_label.text() == "No dataset"
    assert view.model.rowCount() == 0 and view.current_image() is None
    ds = Dataset.load(corpus / COCO_SAMPLE)
    vs = ViewState()
    view.set_dataset(ds, vs)
    vs.set_min_score(1.5)
    index = view.model.index_for_image(ds.images[0])
    assert index.siblingAtColumn(1).data() == "0 / 2"
    assert view.model.index(0, 0, QModelIndex()).isValid()


def test_grouped_by_category_the_row_chosen_stays_in_its_group(qtbot, corpus):
    ds = Dataset.load(corpus / LABELME)
    view = make_view(qtbot, ds)
    view.set_grouping(CATEGORIES)
    model = view.model
    # an image that shows under two categories; pick it under its second one
    image = next(img for img in ds.images
                 if len({a.category_id for a in ds.annotations_of_image(img["id"])}) >= 2)
    cids = sorted({a.category_id for a in ds.annotations_of_image(image["id"])})
    second = model.index_for_image(image, category_id=cids[1])
    first = model.index_for_image(image, category_id=cids[0])
    assert second.isValid() and first.isValid() and second.parent() != first.parent()
    view.tree.setCurrentIndex(second)
    # the window answers the click by selecting the image: the row stays where it was clicked
    assert view.select_image(image)
    assert view.tree.currentIndex() == second
    # stepping to another image of that category stays in the category
    siblings = [model.image_at(model.index(r, 0, second.parent())) for r in range(model.rowCount(second.parent()))]
    other = next((img for img in siblings if img is not None and img is not image), None)
    if other is not None:
        assert view.select_image(other)
        assert view.tree.currentIndex().parent() == second.parent()


def test_a_filter_opens_only_the_first_page_of_a_huge_folder(qtbot):
    images = [{"id": i, "file_name": f"big/{i:03d}.jpg"} for i in range(40)]
    images += [{"id": 100 + i, "file_name": f"small/{i}.jpg"} for i in range(3)]
    anns = [{"id": i + 1, "image_id": img["id"], "category_id": 1} for i, img in enumerate(images)]
    ds = Dataset.from_dict({"images": images, "annotations": anns, "categories": [{"id": 1, "name": "x"}]})
    view = DatasetTreeView(None)
    qtbot.addWidget(view)
    view.model.page_size, view.model.page_above = 10, 20
    view.set_dataset(ds, ViewState())
    view.show()
    view.annotated_check.setChecked(True)
    model = view.model
    big = model.index_for_group(("folder", "big"))
    assert view.tree.isExpanded(big)
    pages = [model.index(r, 0, big) for r in range(model.rowCount(big))]
    assert len(pages) == 4 and all(model.group_at(p)[0] == "page" for p in pages)
    assert [view.tree.isExpanded(p) for p in pages] == [True, False, False, False]
    assert view.tree.isExpanded(model.index_for_group(("folder", "small")))
