"""The window as a user meets it: open files, look, navigate, filter, fail safely."""

import json

import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtWidgets import QGraphicsPixmapItem, QMessageBox

from cocoview.gui.colors import category_color
from cocoview.gui.main_window import MainWindow
from cocoview.gui.settings import Settings

KERAS = "keras-retinanet-test-data/coco/annotations/instances_val2017.json"


@pytest.fixture
def window(qtbot, tmp_path):
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    w = MainWindow(settings)
    w.saver.ask = lambda box: QMessageBox.StandardButton.Discard  # unsaved-changes questions
    w.resize(1200, 800)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.loader.cancel()
    w.loader.wait(5)


def open_and_wait(qtbot, window, path, images_dir=None):
    with qtbot.waitSignal(window.dataset_changed, timeout=15000):
        window.open_file(str(path), images_dir)
    qtbot.waitUntil(lambda: window.canvas.annotation_scene.image is window.current_image, timeout=5000)
    qtbot.waitUntil(lambda: isinstance(window.canvas.annotation_scene.image_item, QGraphicsPixmapItem)
                    or bool(window.canvas.annotation_scene.note_text), timeout=5000)


def viewport_color(window, scene_point):
    canvas = window.canvas
    image = canvas.viewport().grab().toImage()
    p = canvas.mapFromScene(scene_point)
    return image.pixelColor(p.x(), p.y())


def close(c1, c2, tol=40):
    return abs(c1.red() - c2.red()) + abs(c1.green() - c2.green()) + abs(c1.blue() - c2.blue()) <= tol


def test_open_real_file_draws_boxes_in_category_colour(qtbot, window, corpus):
    open_and_wait(qtbot, window, corpus / KERAS)
    ds, image = window.dataset, window.current_image
    assert isinstance(window.canvas.annotation_scene.image_item, QGraphicsPixmapItem)
    anns = ds.annotations_of_image(image["id"])
    assert len(window.canvas.annotation_scene.annotation_items()) == len(anns) == 19
    # the left edge of the largest box, halfway down, is drawn in the category's colour
    ann = max(anns, key=lambda a: a.bbox[2] * a.bbox[3])
    x, y, w, h = ann.bbox
    want = category_color(ds, ann.category_id)
    got = viewport_color(window, QPointF(x, y + h / 2))
    assert close(got, want), (got.name(), want.name())
    assert "Annotations 19 / 19" in window.count_label.text()
    assert "640×427" in window.size_label.text() or "×" in window.size_label.text()


def test_score_slider_hides_annotations_everywhere(qtbot, window):
    from cocoview.resources import demo_annotations_path, demo_images_dir
    open_and_wait(qtbot, window, demo_annotations_path(), str(demo_images_dir()))
    ds, image = window.dataset, window.current_image
    anns = ds.annotations_of_image(image["id"])
    low = [a for a in anns if a.score is not None and a.score < 0.5]
    assert low, "the demo's first image has low-scored detections"
    scene = window.canvas.annotation_scene
    before = len(scene.visible_annotations())
    window.view_toolbar.score_slider.setValue(50)
    assert window.view_state.min_score == 0.5 and window.view_toolbar.score_spin.value() == 0.5
    qtbot.waitUntil(lambda: len(scene.visible_annotations()) == before - len(low))
    assert all(a not in scene.visible_annotations() for a in low)
    assert f"Annotations {len(anns) - len(low)} / {len(anns)}" in window.count_label.text()
    model = window.tree.tree.model()
    index = window.tree.tree.currentIndex()
    count_text = model.index(index.row(), 1, index.parent()).data()
    assert str(len(anns) - len(low)) in str(count_text), count_text


def test_navigation_keys_change_the_image_and_the_tree_follows(qtbot, window, corpus):
    open_and_wait(qtbot, window, corpus / "labelme/examples/instance_segmentation/data_dataset_coco/annotations.json")
    order = window.tree.ordered_images()
    assert len(order) == 3 and window.current_image is order[0]
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.current_image is order[1])
    assert window.tree.current_image() is order[1]
    qtbot.keyClick(window.canvas, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: window.current_image is order[2])
    qtbot.keyClick(window.canvas, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: window.current_image is order[1])
    qtbot.keyClick(window.canvas, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: window.current_image is order[0])
    assert window.jump_to(2) and window.current_image is window.dataset.image(2)
    qtbot.waitUntil(lambda: window.canvas.annotation_scene.image is window.dataset.image(2))
    assert "Image 3 / 3" in window.position_label.text()


def test_missing_image_gives_placeholder_of_recorded_size(qtbot, window, corpus, tmp_path):
    doc = json.loads((corpus / KERAS).read_text())
    doc["images"][0]["file_name"] = "nowhere/missing.jpg"
    path = tmp_path / "missing.json"
    path.write_text(json.dumps(doc))
    open_and_wait(qtbot, window, path)
    scene = window.canvas.annotation_scene
    assert "missing.jpg" in scene.note_text
    assert not isinstance(scene.image_item, QGraphicsPixmapItem)
    rect = scene.image_rect
    assert (rect.width(), rect.height()) == (doc["images"][0]["width"], doc["images"][0]["height"])
    assert len(scene.annotation_items()) == 19  # annotations still drawn on the placeholder


def test_bad_file_shows_dialog_and_keeps_the_dataset(qtbot, window, corpus, tmp_path):
    open_and_wait(qtbot, window, corpus / KERAS)
    kept = window.dataset
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [1, 2')
    with qtbot.waitSignal(window.loader.failed, timeout=10000):
        window.open_file(str(bad))
    qtbot.waitUntil(lambda: window.last_error is not None and window.last_error.isVisible())
    assert str(bad) in window.last_error.text() and "line 1" in window.last_error.text()
    assert window.dataset is kept and window.current_image is not None
    window.last_error.accept()


def test_results_file_is_refused_with_a_clear_message(qtbot, window, corpus):
    with qtbot.waitSignal(window.loader.failed, timeout=10000):
        window.open_file(str(corpus / "cocoapi/results/instances_val2014_fakebbox100_results.json"))
    qtbot.waitUntil(lambda: window.last_error is not None)
    assert "results file" in window.last_error.text()
    assert window.dataset is None


def test_size_mismatch_is_a_finding(qtbot, window):
    from cocoview.resources import demo_annotations_path, demo_images_dir
    open_and_wait(qtbot, window, demo_annotations_path(), str(demo_images_dir()))
    image = next(i for i in window.dataset.images if i["file_name"] == "harbour_front.jpg")
    window.show_image(image)
    qtbot.waitUntil(lambda: window.canvas.annotation_scene.image is image
                    and isinstance(window.canvas.annotation_scene.image_item, QGraphicsPixmapItem), timeout=5000)
    findings = window.inspector.section("findings")
    texts = [findings.child(i).text(0) + findings.child(i).text(1) for i in range(findings.childCount())]
    assert any("960×540" in t and "1280×720" in t for t in texts), texts


def test_recent_files_and_images_folder_are_remembered(qtbot, window, corpus, tmp_path):
    open_and_wait(qtbot, window, corpus / KERAS)
    assert window.settings.recent_files()[0] == str(corpus / KERAS)
    window.set_images_dir(str(tmp_path))
    assert window.settings.images_dir_for(str(corpus / KERAS)) == str(tmp_path)
    # a recent file that has gone is listed but not offered
    gone = tmp_path / "gone.json"
    window.settings.add_recent_file(str(gone))
    window.menus._fill_recent_menu()
    actions = {a.text(): a.isEnabled() for a in window.menus.recent_menu.actions() if a.text()}
    assert actions[f"{gone} (not found)"] is False and actions[str(corpus / KERAS)] is True
    # the tree's footer counts in words
    assert window.tree.status_label.text() == "1 image · 19 annotations"


def test_undo_redo_menu_history_view_and_modified_title(qtbot, window, corpus):
    from cocoview.model import commands
    open_and_wait(qtbot, window, corpus / KERAS)
    ds = window.dataset
    assert not window.isWindowModified() and not window.undo_action.isEnabled()
    billboard = ds.categories[0]
    ds.history.push(commands.rename_category(ds, billboard, "signboard"))
    assert window.isWindowModified() and window.windowTitle().startswith("instances_val2017.json")
    assert window.undo_action.text() == f"&Undo Rename category '{'person'}' to 'signboard'"
    assert window.history_view.model().rowCount() == 2
    window.undo_action.trigger()
    assert ds.categories[0]["name"] == "person" and not window.isWindowModified()
    assert window.redo_action.isEnabled() and "Rename category" in window.redo_action.text()
    index = window.history_view.model().index(1, 0)
    window.history_view.clicked.emit(index)
    assert ds.categories[0]["name"] == "signboard" and window.isWindowModified()


def test_about_names_versions(window):
    import numpy
    import PySide6
    text = window.menus.about_text()
    assert f"PySide6 {PySide6.__version__}" in text and f"numpy {numpy.__version__}" in text
    assert "Qt 6." in text and "pycocotools 2." in text


def test_delete_current_image_moves_on_and_undo_brings_it_back(qtbot, window, corpus):
    open_and_wait(qtbot, window, corpus / "labelme/examples/instance_segmentation/data_dataset_coco/annotations.json")
    ds = window.dataset
    first, second = window.tree.ordered_images()[:2]
    n = len(ds.annotations)
    gone = len(ds.annotations_of_image(first["id"]))
    window.canvas.editing.delete_image_action.trigger()
    assert len(ds.images) == 2 and len(ds.annotations) == n - gone
    assert window.current_image is second
    assert window.undo_action.text().startswith("&Undo Delete image")
    window.undo_action.trigger()
    assert len(ds.images) == 3 and len(ds.annotations) == n
    assert first in window.tree.ordered_images()
    # the image brought back is shown again, and the tree follows
    qtbot.waitUntil(lambda: window.current_image is first, timeout=2000)
    assert window.tree.current_image() is first
    # redo from the history (not through the window): the neighbour is shown again
    ds.history.redo()
    qtbot.waitUntil(lambda: window.current_image is second, timeout=2000)
    assert window.canvas.annotation_scene.image is second


def test_edit_save_and_export_from_the_window(qtbot, window, corpus, tmp_path):
    import shutil

    from pycocotools.coco import COCO

    from cocoview.model import commands
    src = tmp_path / "data.json"
    shutil.copy(corpus / KERAS, src)
    open_and_wait(qtbot, window, src)
    ds = window.dataset
    ds.history.push(commands.rename_category(ds, ds.categories[0], "human"))
    assert window.isWindowModified()
    with qtbot.waitSignal(window.saver.saved, timeout=15000):
        window.saver.save_action.trigger()
    assert not window.isWindowModified()
    assert json.loads(src.read_text())["categories"][0]["name"] == "human"
    window.export_action.trigger()
    dialog = window.export_dialog
    assert dialog.isVisible()
    out = tmp_path / "subset.json"
    dialog.output_edit.setText(str(out))
    with qtbot.waitSignal(dialog.exported, timeout=15000):
        dialog.export()
    assert len(COCO(str(out)).anns) == 19
    assert json.loads(out.read_text())["categories"][0]["name"] == "human"


def test_dropping_a_json_file_opens_it(qtbot, window, corpus):
    from PySide6.QtCore import QMimeData, QPoint, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

    def drag(path, target):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, buttons, mods)
        QApplication.sendEvent(target, enter)
        return mime, enter.isAccepted()

    def drop(mime, target):
        event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, buttons, mods)
        with qtbot.waitSignal(window.dataset_changed, timeout=15000):
            QApplication.sendEvent(target, event)

    canvas = window.canvas.viewport()
    _mime, accepted = drag(corpus / "SOURCES.md", canvas)
    assert not accepted  # only JSON files are taken
    # dropped on the canvas, the file reaches the window, which opens it
    mime, accepted = drag(corpus / KERAS, canvas)
    assert accepted
    drop(mime, canvas)
    assert window.dataset.path.endswith("instances_val2017.json")
    assert len(window.dataset.images) == 1
    # on the dataset tree too
    other = corpus / "labelme/examples/instance_segmentation/data_dataset_coco/annotations.json"
    mime, accepted = drag(other, window.tree.tree.viewport())
    assert accepted
    drop(mime, window.tree.tree.viewport())
    assert window.dataset.path.endswith("annotations.json")


def test_prefetch_and_position_follow_the_tree_and_its_filter(qtbot, window, tmp_path):
    from PIL import Image

    # file order alternates between two folders; the tree groups them
    images = []
    for i in range(6):
        name = f"f{i % 2}/img{i}.png"
        (tmp_path / f"f{i % 2}").mkdir(exist_ok=True)
        Image.new("RGB", (40, 30), (10 * i, 0, 0)).save(tmp_path / name)
        images.append({"id": i + 1, "file_name": name, "width": 40, "height": 30})
    path = tmp_path / "two_folders.json"
    path.write_text(json.dumps({"images": images, "annotations": [], "categories": []}))
    asked = []
    original = window.image_loader.prefetch
    window.image_loader.prefetch = lambda wanted: (asked.append([p for _k, p in wanted]), original(wanted))
    open_and_wait(qtbot, window, path)
    order = window.tree.ordered_images()
    assert [img["file_name"] for img in order[:3]] == ["f0/img0.png", "f0/img2.png", "f0/img4.png"]
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    assert asked[-1][0].endswith("img2.png")   # the next row in the tree, not the next in the file
    assert window.position_label.text() == "Image 1 / 6"
    # a filter: the position counts the rows shown, and says so
    window.tree.filter_edit.setText("f1/")
    window.tree._apply_filter()
    qtbot.waitUntil(lambda: window.position_label.text() == "Image hidden by the filter (3 of 6 shown)",
                    timeout=2000)
    window.step(1)
    qtbot.waitUntil(lambda: window.position_label.text() == "Image 1 / 3 (filtered from 6)", timeout=2000)


def test_standard_shortcuts_keep_every_binding_of_the_platform(window):
    from PySide6.QtGui import QKeySequence

    redo = {k.toString() for k in window.redo_action.shortcuts()}
    want = {k.toString() for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)}
    assert redo == want and len(want) >= 2  # Ctrl+Y and Ctrl+Shift+Z alike
    undo = {k.toString() for k in window.undo_action.shortcuts()}
    assert undo == {k.toString() for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Undo)}


def test_a_panoptic_file_counts_segments_in_the_status_bar(qtbot, window, corpus):
    open_and_wait(qtbot, window, corpus / "panopticapi/sample_data/panoptic_examples.json")
    image = window.current_image
    [record] = window.dataset.annotations_of_image(image["id"])
    n = len(record.to_dict()["segments_info"])
    assert window.count_label.text() == f"Segments {n} / {n}"
    person = next(c for c in window.dataset.categories if c["name"] == "person")
    window.view_state.set_hidden_categories([person["id"]])
    people = sum(1 for s in record.to_dict()["segments_info"] if s["category_id"] == person["id"])
    assert people and window.count_label.text() == f"Segments {n - people} / {n}"
