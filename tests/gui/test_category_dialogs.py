"""The category editor's dialogs: what they show before running, and the command they build."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cocoview.gui.category_dialogs import (AddCategoryDialog, ChangeIdDialog, ConfirmDialog, DeleteCategoryDialog,
                                           MergeCategoriesDialog, merge_question, next_category_id,
                                           parse_category_id)
from cocoview.model.dataset import Dataset
from cocoview.resources import demo_annotations_path

PANOPTIC = "panopticapi/sample_data/panoptic_examples.json"


@pytest.fixture
def ds():
    return Dataset.load(demo_annotations_path())


def show(qtbot, dialog):
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def names(ds):
    return [c["name"] for c in ds.categories]


def test_ids_typed_by_the_user():
    ints = Dataset.from_dict({"images": [], "categories": [{"id": 3, "name": "a"}]})
    strs = Dataset.from_dict({"images": [], "categories": [{"id": "n01", "name": "a"}]})
    assert parse_category_id(" 12 ", ints) == 12 and parse_category_id("-1", ints) == -1
    assert parse_category_id("x7", ints) is None and parse_category_id("", ints) is None
    assert parse_category_id("n02", strs) == "n02" and parse_category_id("5", strs) == 5
    assert next_category_id(ints) == 4 and next_category_id(strs) == 1


def test_add_dialog_defaults_and_refusals(qtbot, ds):
    dialog = show(qtbot, AddCategoryDialog(ds, supercategory="sign"))
    assert dialog.id_edit.text() == "42"  # one above the largest id (41)
    assert dialog.super_combo.currentText() == "sign"
    assert [dialog.super_combo.itemText(i) for i in range(dialog.super_combo.count())] == [
        "sign", "building", "person", "vehicle", "plant", "street furniture"]
    assert not dialog.ok_button.isEnabled() and dialog.command() is None
    qtbot.keyClicks(dialog.name_edit, "traffic sign")
    assert dialog.ok_button.isEnabled()
    assert "Add category 'traffic sign' (id 42)" in dialog.summary.text()
    dialog.id_edit.setText("11")
    assert not dialog.ok_button.isEnabled() and "Id 11 is taken by 'billboard'" in dialog.summary.text()
    dialog.id_edit.setText("abc")
    assert not dialog.ok_button.isEnabled() and "whole number" in dialog.summary.text()
    dialog.name_edit.setText("car")
    dialog.id_edit.setText("50")
    assert dialog.ok_button.isEnabled() and "'car' (id 30) already has this name" in dialog.summary.text()
    dialog.name_edit.setText("traffic sign")
    dialog.super_combo.setCurrentText("")
    cmd = dialog.command()
    ds.history.push(cmd)
    assert ds.categories[-1] == {"id": 50, "name": "traffic sign"}  # no empty supercategory written


def test_merge_dialog_keeps_the_largest_and_shows_the_count(qtbot, ds):
    billboard, signboard = ds.category(11), ds.category(10)
    dialog = show(qtbot, MergeCategoriesDialog(ds, [billboard, signboard]))
    assert dialog.target() is signboard  # 21 annotations against 6
    assert dialog.command().text == "Merge 'billboard' into 'signboard' (6 annotations)"
    assert "6 annotations will move to 'signboard'; 'billboard' will be removed." in dialog.summary.text()
    dialog.set_target(billboard)
    assert dialog.command().text == "Merge 'signboard' into 'billboard' (21 annotations)"
    dialog.set_target(signboard)
    ds.history.push(dialog.command())
    assert names(ds)[:2] == ["signboard", "storefront"] and ds.category_count(10) == 27


def test_merge_dialog_with_one_category_chooses_among_the_others(qtbot, ds):
    billboard = ds.category(11)
    dialog = show(qtbot, MergeCategoriesDialog(ds, [billboard]))
    assert dialog.target_combo.count() == 7
    assert dialog.target_combo.itemText(0) == "signboard  ·  id 10  ·  21 annotations"
    dialog.set_target(ds.category(12))
    assert dialog.command().text == "Merge 'billboard' into 'storefront' (6 annotations)"
    with pytest.raises(ValueError):
        dialog.set_target(billboard)


def test_delete_dialog_offers_deletion_or_reassignment(qtbot, ds):
    dialog = show(qtbot, DeleteCategoryDialog(ds, ds.category(11)))
    assert dialog.intro.text() == "'billboard' (id 11) has 6 annotations."
    assert dialog.delete_radio.text() == "Delete its 6 annotations" and dialog.delete_radio.isChecked()
    assert not dialog.target_combo.isEnabled()
    assert dialog.command().text == "Delete category 'billboard' and 6 annotations"
    assert "6 annotations will be deleted." in dialog.summary.text()
    qtbot.mouseClick(dialog.reassign_radio, Qt.MouseButton.LeftButton)
    assert dialog.target_combo.isEnabled() and dialog.target() is ds.category(10)
    assert dialog.command().text == "Delete category 'billboard', moving 6 annotations to 'signboard'"
    dialog.reassign_to(ds.category(12))
    assert "6 annotations will move to 'storefront'." in dialog.summary.text()
    before = len(ds.annotations)
    ds.history.push(dialog.command())
    assert len(ds.annotations) == before and ds.category_count(12) == 24 and ds.category(11) is None


def test_delete_dialog_for_an_empty_category(qtbot, ds):
    dialog = show(qtbot, DeleteCategoryDialog(ds, ds.category(31)))
    assert dialog.intro.text() == "'bicycle' (id 31) has no annotations."
    assert not dialog.delete_radio.isVisible() and not dialog.target_combo.isVisible()
    assert dialog.command().text == "Delete category 'bicycle' and 0 annotations"
    assert dialog.ok_button.isEnabled()


def test_change_id_dialog_turns_into_a_merge_on_a_taken_id(qtbot, ds):
    billboard = ds.category(11)
    dialog = show(qtbot, ChangeIdDialog(ds, billboard))
    assert dialog.id_edit.text() == "11" and not dialog.ok_button.isEnabled()
    dialog.id_edit.setText("7")
    assert dialog.ok_button.text() == "Change Id"
    assert dialog.command().text == "Change id of category 'billboard' to 7"
    assert "6 annotations will follow." in dialog.summary.text()
    dialog.id_edit.setText("10")
    assert dialog.ok_button.text() == "Merge" and dialog.merges_into() is ds.category(10)
    assert dialog.command().text == "Merge 'billboard' into 'signboard' (6 annotations)"
    assert ("Id 10 belongs to 'signboard': 'billboard' will be merged into it and its 6 annotations will move."
            in dialog.summary.text())
    dialog.id_edit.setText("ten")
    assert not dialog.ok_button.isEnabled()
    dialog.id_edit.setText("7")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    ds.history.push(dialog.command())
    assert billboard["id"] == 7 and ds.category_count(7) == 6 and ds.category_count(11) == 0


def test_accept_without_a_command_does_nothing(qtbot, ds):
    dialog = show(qtbot, ChangeIdDialog(ds, ds.category(11)))
    dialog.accept()
    assert dialog.isVisible() and dialog.result() != dialog.DialogCode.Accepted


def test_merge_question_names_both_and_the_count(qtbot, ds):
    dialog = show(qtbot, merge_question(ds, ds.category(11), ds.category(10)))
    assert isinstance(dialog, ConfirmDialog)
    assert dialog.intro.text() == "Id 10 already belongs to 'signboard'. Merge 'billboard' into it?"
    assert "Merge 'billboard' into 'signboard' (6 annotations)" in dialog.summary.text()
    assert dialog.ok_button.text() == "Merge" and dialog.command().touches == 6


def test_panoptic_delete_counts_images_with_segments(qtbot, corpus):
    ds = Dataset.load(corpus / PANOPTIC)
    used = next(c for c in ds.categories if any(
        s["category_id"] == c["id"] for a in ds.annotations for s in a.to_dict()["segments_info"]))
    images = sum(1 for a in ds.annotations if any(s["category_id"] == used["id"] for s in a.to_dict()["segments_info"]))
    dialog = show(qtbot, DeleteCategoryDialog(ds, used))
    assert dialog.intro.text().endswith(f"has {images} annotation{'s' if images > 1 else ''}.")
    cmd = dialog.command()
    assert cmd.touches == images >= 1
    ds.history.push(cmd)
    assert not any(s["category_id"] == used["id"] for a in ds.annotations for s in a.to_dict()["segments_info"])
