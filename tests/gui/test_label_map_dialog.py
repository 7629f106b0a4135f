"""The label-map dialog: reading a map, the preview table, and the command it applies."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from cocoview.gui.label_map_dialog import (COL_ACTION, COL_NAME, COL_NEW, COL_OLD, COL_TOUCHES, LabelMapDialog,
                                           RenumberDialog)
from cocoview.model import label_map as lm
from cocoview.model.dataset import Dataset
from cocoview.resources import demo_annotations_path

KERAS = "keras-retinanet-test-data/coco/annotations/instances_val2017.json"
DEMO_MAP = "signboard 1\nbillboard 1\nstorefront 2\nperson 3\ncar 4\ntree 5\nstreet lamp 6\nbus 7\n"


@pytest.fixture
def ds():
    return Dataset.load(demo_annotations_path())


def open_dialog(qtbot, ds):
    dialog = LabelMapDialog(ds)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def table_rows(table):
    return [tuple(table.item(r, c).text() for c in range(table.columnCount())) for r in range(table.rowCount())]


def test_preview_table_of_a_text_file(qtbot, ds, tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text(DEMO_MAP, encoding="utf-8")
    dialog = open_dialog(qtbot, ds)
    assert not dialog.ok_button.isEnabled()
    assert dialog.load_file(str(path))
    assert dialog.path_edit.text() == str(path)
    assert dialog.text_edit.toPlainText() == DEMO_MAP
    assert table_rows(dialog.table) == [
        ("signboard", "10", "1", "21", "merge target"),
        ("billboard", "11", "1", "6", "merge into 'signboard'"),
        ("storefront", "12", "2", "18", "change id"),
        ("person", "20", "3", "16", "change id"),
        ("car", "30", "4", "4", "change id"),
        ("bicycle", "31", "31", "", "not in map"),
        ("tree", "40", "5", "8", "change id"),
        ("street lamp", "41", "6", "6", "change id"),
        ("bus", "—", "—", "", "not in dataset"),
    ]
    assert dialog.table_caption.text() == (
        "Preview: 8 categories · 7 changing · 1 merged · 1 not in the map · 1 map name not found")
    assert dialog.table.item(2, COL_NEW).font().bold() and not dialog.table.item(5, COL_NEW).font().bold()
    summary = dialog.summary.text()
    assert "Apply label map 'labels.txt' (6 ids changed, 1 category merged, 79 annotations)" in summary
    assert "1 name in the map matches no category and is ignored." in summary
    assert dialog.ok_button.isEnabled()
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert ds.categories[0]["id"] == 10  # the dialog itself changes nothing
    ds.history.push(dialog.command())
    assert [(c["id"], c["name"]) for c in ds.categories][:2] == [(1, "signboard"), (2, "storefront")]
    assert ds.category_count(1) == 27


def test_editing_the_map_refreshes_the_preview(qtbot, ds):
    dialog = open_dialog(qtbot, ds)
    dialog.text_edit.setPlainText('{"signboard": 10, "billboard": 10}')
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 8, timeout=2000)
    assert dialog.table.item(1, COL_ACTION).text() == "merge into 'signboard'"
    assert dialog.command().text == "Apply label map (1 category merged, 6 annotations)"
    # A typo: the error names the line; Apply is off until it is fixed.
    dialog.set_text("signboard 10\nbillboard\n", "typed")
    assert not dialog.ok_button.isEnabled()
    assert "typed, line 2: expected 'name id'" in dialog.summary.text()
    assert dialog.table.rowCount() == 0
    marks = dialog.text_edit.extraSelections()
    assert len(marks) == 1 and marks[0].cursor.block().text() == "billboard"
    dialog.set_text("signboard 10\nbillboard 10\n", "typed")
    assert dialog.text_edit.extraSelections() == [] and dialog.ok_button.isEnabled()


def test_conflicts_block_apply_until_unmapped_are_deleted(qtbot, ds):
    dialog = open_dialog(qtbot, ds)
    dialog.set_text("signboard 31\nbillboard 1")  # bicycle keeps 31
    conflict = next(r for r in range(dialog.table.rowCount()) if dialog.table.item(r, COL_NAME).text() == "bicycle")
    assert dialog.table.item(conflict, COL_ACTION).text() == "conflict: keeps id 31, which the map gives to 'signboard'"
    assert not dialog.ok_button.isEnabled()
    assert "'bicycle' (id 31) is not in the label map" in dialog.summary.text()
    dialog.set_unmapped(lm.DELETE_UNMAPPED)
    assert dialog.ok_button.isEnabled()
    assert dialog.unmapped_combo.currentText() == "delete them and their annotations"
    assert dialog.command().text == (
        "Apply label map (2 ids changed, 6 categories deleted, 79 annotations)")
    assert "79 annotations change category id or are deleted." in dialog.summary.text()
    ds.history.push(dialog.command())
    assert [(c["id"], c["name"]) for c in ds.categories] == [(31, "signboard"), (1, "billboard")]
    assert len(ds.annotations) == 27


def test_a_map_already_followed_has_nothing_to_apply(qtbot, ds, tmp_path):
    path = tmp_path / "same.json"
    path.write_text(json.dumps(lm.label_map_of(ds.categories)), encoding="utf-8")
    dialog = open_dialog(qtbot, ds)
    dialog.load_file(str(path))
    assert not dialog.ok_button.isEnabled() and dialog.command() is None
    assert "nothing to do" in dialog.summary.text()


def test_unreadable_file(qtbot, ds, tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"\x00\xff\xfe\x81")
    dialog = open_dialog(qtbot, ds)
    assert not dialog.load_file(str(path))
    assert "weights.bin: cannot read the file (not a UTF-8 text file)" in dialog.summary.text()
    assert not dialog.ok_button.isEnabled()


def test_corpus_file_gets_contiguous_ids(qtbot, corpus, tmp_path):
    ds = Dataset.load(corpus / KERAS)
    path = tmp_path / "coco80.txt"
    path.write_text("".join(f"{c['name']},{i}\n" for i, c in enumerate(ds.categories)), encoding="utf-8")
    dialog = open_dialog(qtbot, ds)
    dialog.load_file(str(path))
    rows = table_rows(dialog.table)
    assert len(rows) == 80
    assert rows[0] == ("person", "1", "0", rows[0][COL_TOUCHES], "change id")
    assert rows[-1][COL_NAME] == "toothbrush" and rows[-1][COL_OLD] == "90" and rows[-1][COL_NEW] == "79"
    assert sum(int(r[COL_TOUCHES] or 0) for r in rows) == len(ds.annotations) == dialog.command().touches
    ds.history.push(dialog.command())
    assert [c["id"] for c in ds.categories] == list(range(80))


def test_renumber_dialog_lists_every_change(qtbot, ds):
    dialog = RenumberDialog(ds, 0)
    qtbot.addWidget(dialog)
    assert table_rows(dialog.table)[:2] == [("signboard", "10", "0", "21", "change id"),
                                            ("billboard", "11", "1", "6", "change id")]
    assert dialog.command().text == "Renumber categories 0..7"
    assert "8 ids change; 79 annotations follow." in dialog.summary.text()
    ds.history.push(dialog.command())
    same = RenumberDialog(ds, 0)
    qtbot.addWidget(same)
    assert same.command() is None and not same.ok_button.isEnabled()
    assert {r[COL_ACTION] for r in table_rows(same.table)} == {"keep"}


def test_table_rows_are_colour_coded(qtbot, ds):
    dialog = open_dialog(qtbot, ds)
    dialog.set_text(DEMO_MAP)
    merge = dialog.table.item(1, COL_ACTION).foreground().color()
    change = dialog.table.item(2, COL_ACTION).foreground().color()
    muted = dialog.table.item(5, COL_ACTION).foreground().color()
    assert len({merge.name(), change.name(), muted.name()}) == 3
    assert dialog.table.item(0, COL_OLD).textAlignment() & Qt.AlignmentFlag.AlignRight
