"""The export dialog: options, live counts, writing a subset that pycocotools reads."""

import json
import shutil
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from cocoview.gui import export_dialog as ed
from cocoview.gui.export_dialog import ExportDialog
from cocoview.gui.export_options import FILTERED, SELECTED
from cocoview.model.dataset import Dataset
from cocoview.model.errors import Cancelled
from cocoview.model.export import ExportOptions, plan_export
from cocoview.model.writer import encode_document
from cocoview.resources import demo_annotations_path


@pytest.fixture
def ds(tmp_path):
    path = tmp_path / "demo.json"
    shutil.copy(demo_annotations_path(), path)
    return Dataset.load(path)


def make(qtbot, ds, **kw):
    dialog = ExportDialog(ds, **kw)
    qtbot.addWidget(dialog)
    dialog.ask = lambda box: pytest.fail(f"unexpected question: {box.text()}")
    with qtbot.waitSignal(dialog.previewed, timeout=5000):
        dialog.show()
    return dialog


def wait_preview(qtbot, dialog):
    with qtbot.waitSignal(dialog.previewed, timeout=5000) as blocker:
        pass
    return blocker.args[0]


def test_options_preview_and_export(qtbot, ds, tmp_path):
    from pycocotools.coco import COCO

    filtered = ds.images[:4]
    dialog = make(qtbot, ds, filtered_images=filtered, selected_images=[ds.images[0]], min_score=0.9)
    assert dialog.min_score_spin.value() == 0.9
    assert dialog.output_edit.text() == str(tmp_path / "demo-subset.json")
    assert not dialog.id_map_check.isEnabled()  # nothing renumbered yet

    dialog.set_image_choice(FILTERED)
    dialog.set_categories_checked([10, 12, 40])
    dialog.drop_empty_check.setChecked(True)
    dialog.reindex_combo.setCurrentIndex(2)  # from 0
    dialog.reindex_categories_check.setChecked(True)
    assert dialog.preview_label.text() == "Counting…"
    plan = wait_preview(qtbot, dialog)

    options = ExportOptions(image_ids=[i["id"] for i in filtered], categories=[10, 12, 40], min_score=0.9,
                            drop_empty=True, reindex=True, start_id=0, reindex_categories=True)
    assert dialog.options() == options
    want = plan_export(ds, options)
    assert plan.counts() == want.counts()
    c = want.counts()
    assert dialog.preview_label.text() == (f"{c['images']} images · {c['annotations']} annotations · "
                                           "3 categories")
    assert "3 of 8 categories checked" == dialog.category_count_label.text()

    out = tmp_path / "out" / "subset.json"
    out.parent.mkdir()
    dialog.output_edit.setText(str(out))
    assert dialog.id_map_check.isEnabled() and dialog.id_map_edit.text() == str(tmp_path / "out" / "subset.idmap.json")
    with qtbot.waitSignal(dialog.exported, timeout=10000) as done:
        assert dialog.export()
        assert dialog.close_button.text() == "Cancel" and not dialog.export_button.isEnabled()
    assert done.args[0] == str(out)
    assert "Wrote" in dialog.status_label.text() and str(out) in dialog.status_label.text()
    assert dialog.close_button.text() == "Close" and dialog.export_button.isEnabled()

    written = json.loads(out.read_text())
    coco = COCO(str(out))
    assert len(coco.imgs) == c["images"] and len(coco.anns) == c["annotations"]
    assert [i["id"] for i in written["images"]] == list(range(c["images"]))
    assert [a["id"] for a in written["annotations"]] == list(range(c["annotations"]))
    assert [(k["id"], k["name"]) for k in written["categories"]] == [(1, "signboard"), (2, "storefront"), (3, "tree")]
    assert list(written) == list(ds.top_level)  # info, licenses, ..., tracks: all kept, in order
    assert written["tracks"] == ds.top_level["tracks"]
    first = written["images"][0]
    assert first["attributes"] == filtered[0]["attributes"] and first["file_name"] == filtered[0]["file_name"]
    assert all(a.get("score") is None or a["score"] >= 0.9 for a in written["annotations"])
    assert any("attributes" in a for a in written["annotations"])
    id_map = json.loads((tmp_path / "out" / "subset.idmap.json").read_text())
    assert id_map["categories"] == [[10, 1], [12, 2], [40, 3]]
    assert [new for _, new in id_map["images"]] == list(range(c["images"]))
    assert {old for old, _ in id_map["images"]} <= {i["id"] for i in filtered}


def test_plain_export_is_the_dataset(qtbot, ds, tmp_path):
    dialog = make(qtbot, ds)
    assert not dialog.image_radios[FILTERED].isEnabled() and not dialog.image_radios[SELECTED].isEnabled()
    assert dialog.options() == ExportOptions()
    assert dialog.preview_label.text() == "7 images · 79 annotations · 8 categories"
    out = tmp_path / "all.json"
    dialog.output_edit.setText(str(out))
    with qtbot.waitSignal(dialog.exported, timeout=10000):
        dialog.export()
    assert out.read_bytes() == encode_document(ds.top_level, ds.layout, ds.absent_keys)
    assert not (tmp_path / "all.idmap.json").exists()  # nothing renumbered: no map


def test_preview_counts_at_most_once_per_pause(qtbot, ds, monkeypatch):
    dialog = make(qtbot, ds)
    calls = []
    real = ed.plan_export

    def counting(dataset, options):
        calls.append(options.min_score)
        return real(dataset, options)

    monkeypatch.setattr(ed, "plan_export", counting)
    for value in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6):
        dialog.min_score_spin.setValue(value)
        qtbot.wait(20)
    assert dialog.preview_label.text() == "Counting…"
    wait_preview(qtbot, dialog)
    assert calls == [0.6]
    anns = [a for a in ds.annotations if a.score is None or a.score >= 0.6]
    assert dialog.preview_label.text().split(" · ")[1] == f"{len(anns)} annotations"


def test_failures_are_shown(qtbot, ds, tmp_path):
    dialog = make(qtbot, ds)
    failed = []
    dialog.export_failed.connect(failed.append)
    dialog.output_edit.setText(ds.path)
    assert not dialog.export()
    assert "open in cocoview" in dialog.status_label.text()
    dialog.output_edit.setText(str(tmp_path / "missing" / "out.json"))
    with qtbot.waitSignal(dialog.export_failed, timeout=10000):
        assert dialog.export()
    assert failed and "missing" in failed[0] and "does not exist" in failed[0]
    assert failed[0] in dialog.status_label.text()
    assert dialog.status_label.palette().color(dialog.status_label.foregroundRole()) == ed._ERROR_COLOR


def test_existing_files_are_replaced_only_when_confirmed(qtbot, ds, tmp_path):
    out = tmp_path / "taken.json"
    out.write_text("{}")
    dialog = make(qtbot, ds, output_path=str(out))
    asked = []
    dialog.ask = lambda box: asked.append(box.text()) or QMessageBox.StandardButton.Cancel
    assert not dialog.export()
    assert "“taken.json” already exists" in asked[0] and out.read_text() == "{}"
    dialog.ask = lambda box: QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(dialog.exported, timeout=10000):
        assert dialog.export()
    assert len(json.loads(out.read_text())["images"]) == 7


def test_cancel_stops_the_export(qtbot, ds, tmp_path, monkeypatch):
    started = threading.Event()

    def slow(dataset, out, options, id_map_path=None, progress=None, cancel=None):
        progress("Exporting", 0.1)
        started.set()
        cancel.wait(10)
        raise Cancelled()

    monkeypatch.setattr(ed, "export_dataset", slow)
    dialog = make(qtbot, ds, output_path=str(tmp_path / "x.json"))
    assert dialog.export()
    assert started.wait(5)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)  # "Cancel"
    qtbot.waitUntil(lambda: not dialog.is_exporting, timeout=5000)
    assert "cancelled" in dialog.status_label.text() and dialog.isVisible()
    assert not (tmp_path / "x.json").exists()


def test_categories_search_and_bulk_checks(qtbot, ds):
    dialog = make(qtbot, ds)
    dialog.category_filter.setText("BOARD")
    shown = [dialog.category_list.topLevelItem(i).text(0) for i in range(dialog.category_list.topLevelItemCount())
             if not dialog.category_list.topLevelItem(i).isHidden()]
    assert shown == ["signboard", "billboard"]
    dialog.no_categories_button.click()
    assert [c["name"] for c in dialog.checked_categories()] == ["storefront", "person", "car", "bicycle",
                                                              "tree", "street lamp"]
    dialog.category_filter.clear()
    dialog.no_categories_button.click()
    assert dialog.checked_categories() == []
    plan = wait_preview(qtbot, dialog)
    assert plan.counts() == {"images": 7, "annotations": 0, "categories": 0}
    dialog.all_categories_button.click()
    assert len(dialog.checked_categories()) == 8 and dialog.options().categories is None
