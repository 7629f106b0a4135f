"""Save, Save As, the unsaved-changes question and crash recovery, as the window uses them."""

import os
import threading

import pytest
from PySide6.QtWidgets import QMainWindow, QMessageBox

from cocoview.gui import save_controller as sc
from cocoview.gui.save_controller import SaveController, unsaved_changes
from cocoview.model import commands as C
from cocoview.model.dataset import Dataset
from cocoview.model.errors import CocoError
from cocoview.model.journal import find_journal, list_journals
from cocoview.model.writer import encode_document

from ..model.helpers import small_doc, write_json

Button = QMessageBox.StandardButton


def encoded(ds):
    return encode_document(ds.top_level, ds.layout, ds.absent_keys)


class Answers:
    """Answers questions in order and remembers what was asked."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.asked = []

    def __call__(self, box):
        self.asked.append((box.text(), box.informativeText()))
        return self.answers.pop(0)


@pytest.fixture
def window(qtbot):
    w = QMainWindow()
    qtbot.addWidget(w)
    return w


@pytest.fixture
def source(tmp_path):
    return write_json(tmp_path / "data.json", small_doc(), indent=2)


def make(window, tmp_path, **kw):
    controller = SaveController(window, str(tmp_path / "recovery"), journal_delay_ms=kw.pop("delay", 30), **kw)
    controller.ask = Answers()  # any unexpected question fails the test
    return controller


def edit(ds, n=1):
    for _ in range(n):
        ds.history.push(C.delete_annotations(ds, ds.annotations[:1]))


def test_save_writes_the_document_and_clears_dirty(qtbot, window, tmp_path, source):
    ds = Dataset.load(source)
    controller = make(window, tmp_path)
    controller.set_dataset(ds)
    edit(ds, 2)
    ds.history.push(C.rename_category(ds, ds.categories[0], "sign"))
    busy = []
    controller.busy_changed.connect(busy.append)
    with qtbot.waitSignal(controller.saved, timeout=10000) as saved:
        assert controller.save_action.isEnabled()
        controller.save_action.trigger()
        assert controller.busy and not controller.save_action.isEnabled()
    assert saved.args == [source]
    assert busy == [True, False]
    assert ds.history.is_clean and not controller.is_dirty
    with open(source, "rb") as f:
        assert f.read() == encoded(ds)
    assert Dataset.load(source).categories[0]["name"] == "sign"
    controller.wait()
    qtbot.waitUntil(lambda: find_journal(controller.recovery_dir, source) is None)
    controller.close()


def test_save_as_changes_the_path(qtbot, window, tmp_path, source):
    ds = Dataset.load(source)
    controller = make(window, tmp_path)
    controller.set_dataset(ds)
    edit(ds)
    target = str(tmp_path / "copy.json")
    asked = []
    controller.ask_path = lambda suggested: asked.append(suggested) or target
    with qtbot.waitSignals([controller.saved, controller.path_changed], timeout=10000):
        controller.save_as_action.trigger()
    assert asked == [source]
    assert ds.path == target and ds.history.is_clean
    with open(target, "rb") as f:
        assert f.read() == encoded(ds)
    assert len(Dataset.load(source).annotations) == 4  # the original is untouched
    controller.ask_path = lambda suggested: ""
    assert not controller.save_as()  # cancelled: nothing starts
    controller.close()


def test_a_failed_save_says_why_and_keeps_the_edits(qtbot, window, tmp_path, source, monkeypatch):
    ds = Dataset.load(source)
    controller = make(window, tmp_path)
    controller.set_dataset(ds)
    edit(ds)
    before = open(source, "rb").read()

    def disk_full(snapshot, path):
        raise CocoError(f"{path}: cannot write (No space left on device); the original file is unchanged")

    monkeypatch.setattr(sc, "save_dataset", disk_full)
    with qtbot.waitSignal(controller.save_failed, timeout=10000) as failed:
        controller.save()
    assert "No space left on device" in failed.args[0]
    box = controller.last_error
    assert box is not None and box.isVisible() and "No space left on device" in box.text()
    assert box.text().startswith(source)
    box.close()
    assert not ds.history.is_clean and not controller.busy and controller.save_action.isEnabled()
    assert open(source, "rb").read() == before
    controller.close()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a folder the user cannot write")
def test_saving_into_a_read_only_folder_fails_cleanly(qtbot, window, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = write_json(folder / "data.json", small_doc())
    ds = Dataset.load(path)
    controller = make(window, tmp_path)
    controller.set_dataset(ds)
    edit(ds)
    folder.chmod(0o555)
    try:
        with qtbot.waitSignal(controller.save_failed, timeout=10000) as failed:
            controller.save()
    finally:
        folder.chmod(0o755)
    assert "permission denied" in failed.args[0].lower()
    assert not ds.history.is_clean
    controller.close()


def test_edits_made_while_saving_keep_the_dataset_dirty(qtbot, window, tmp_path, source, monkeypatch):
    ds = Dataset.load(source)
    controller = make(window, tmp_path)
    controller.set_dataset(ds)
    edit(ds)
    release = threading.Event()
    real = sc.save_dataset

    def slow(snapshot, path):
        release.wait(10)
        return real(snapshot, path)

    monkeypatch.setattr(sc, "save_dataset", slow)
    written = encoded(ds)
    controller.save()
    edit(ds)  # the window should prevent this; the saved file is still the state when Save was chosen
    release.set()
    with qtbot.waitSignal(controller.saved, timeout=10000):
        pass
    assert open(source, "rb").read() == written
    assert not ds.history.is_clean
    controller.close()


def test_maybe_save_asks_with_the_file_name_and_count(qtbot, window, tmp_path, source):
    ds = Dataset.load(source)
    controller = make(window, tmp_path)
    controller.set_dataset(ds)
    assert controller.maybe_save()  # clean: nothing asked
    edit(ds, 3)
    assert unsaved_changes(ds.history) == 3
    controller.ask = Answers(Button.Cancel)
    assert not controller.maybe_save()
    text, detail = controller.ask.asked[0]
    assert "data.json" in text and "3 changes" in detail
    assert not ds.history.is_clean

    controller.ask = Answers(Button.Save)
    assert controller.maybe_save()
    assert ds.history.is_clean and open(source, "rb").read() == encoded(ds)

    edit(ds)
    controller.write_journal_now()
    controller.wait()
    qtbot.waitUntil(lambda: find_journal(controller.recovery_dir, source) is not None)
    controller.ask = Answers(Button.Discard)
    assert controller.maybe_save()
    assert find_journal(controller.recovery_dir, source) is None
    assert "1 change will be lost" in controller.ask.asked[0][1]
    controller.close()
    assert find_journal(controller.recovery_dir, source) is None  # discarded stays discarded


def test_maybe_save_with_a_failing_save_says_stop(qtbot, window, tmp_path, source, monkeypatch):
    ds = Dataset.load(source)
    controller = make(window, tmp_path)
    controller.set_dataset(ds)
    edit(ds)

    def fail(snapshot, path):
        raise CocoError(f"{path}: cannot write (Read-only file system); the original file is unchanged")

    monkeypatch.setattr(sc, "save_dataset", fail)
    controller.ask = Answers(Button.Save)
    assert not controller.maybe_save()
    assert "Read-only file system" in controller.last_error.text()
    controller.last_error.close()
    controller.close()


def test_journal_follows_edits_and_goes_when_clean(qtbot, window, tmp_path, source):
    ds = Dataset.load(source)
    controller = make(window, tmp_path)
    controller.set_dataset(ds)
    with qtbot.waitSignal(controller.journal_written, timeout=5000) as written:
        edit(ds)
        edit(ds)  # one write for both, a moment later
    info = find_journal(controller.recovery_dir, source)
    assert written.args == [info.journal] and info.changes == 2
    ds.history.undo()
    ds.history.undo()
    qtbot.waitUntil(lambda: find_journal(controller.recovery_dir, source) is None, timeout=5000)
    controller.close()


def test_a_crash_is_followed_by_an_offer_to_restore(qtbot, window, tmp_path, source):
    ds = Dataset.load(source)
    first = make(window, tmp_path)
    first.set_dataset(ds)
    edit(ds)
    ds.history.push(C.set_bbox(ds, ds.annotations[0], [1, 2, 3, 4]))
    ds.history.push(C.merge_categories(ds, [ds.category(9)], ds.category(3)))
    with qtbot.waitSignal(first.journal_written, timeout=5000):
        pass
    first.wait()
    del first  # the process dies: no close, no question

    again = Dataset.load(source)
    second = make(window, tmp_path)
    second.ask = Answers(Button.Yes)
    with qtbot.waitSignal(second.restored, timeout=5000):
        assert second.set_dataset(again)
    text, detail = second.ask.asked[0]
    assert "Restore unsaved changes to “data.json”" in text and "3 unsaved changes" in detail
    assert encoded(again) == encoded(ds)
    assert not again.history.is_clean and second.is_dirty
    again.history.undo()
    assert encoded(again) == open(source, "rb").read()
    assert again.history.is_clean
    again.history.redo()
    second.ask = Answers(Button.Save)
    assert second.maybe_save()
    assert Dataset.load(source).category(9) is None
    second.close()
    assert find_journal(second.recovery_dir, source) is None


def test_declined_restores_discard_or_keep(qtbot, window, tmp_path, source):
    ds = Dataset.load(source)
    first = make(window, tmp_path)
    first.set_dataset(ds)
    edit(ds)
    first.write_journal_now()
    first.wait()
    assert find_journal(first.recovery_dir, source) is not None
    later = make(window, tmp_path)
    later.ask = Answers(Button.Cancel)
    assert not later.set_dataset(Dataset.load(source))
    assert find_journal(later.recovery_dir, source) is not None  # "Not Now" keeps it
    later.ask = Answers(Button.Discard)
    assert not later.set_dataset(Dataset.load(source))
    assert find_journal(later.recovery_dir, source) is None


def test_a_changed_file_cannot_be_restored(qtbot, window, tmp_path, source):
    ds = Dataset.load(source)
    first = make(window, tmp_path)
    first.set_dataset(ds)
    edit(ds)
    first.write_journal_now()
    first.wait()
    write_json(tmp_path / "data.json", {**small_doc(), "info": {"description": "rewritten"}})
    again = Dataset.load(source)
    second = make(window, tmp_path)
    second.ask = Answers(Button.Yes)
    assert not second.set_dataset(again)
    box = second.last_error
    assert "the file changed since the unsaved changes were recorded" in box.text()
    assert "kept as" in box.text()
    box.close()
    assert again.history.is_clean and list_journals(second.recovery_dir) == []
    assert any(name.endswith(".unrestorable") for name in os.listdir(second.recovery_dir))


def test_recoveries_of_other_files_are_offered_once(qtbot, window, tmp_path, source):
    ds = Dataset.load(source)
    first = make(window, tmp_path)
    first.set_dataset(ds)
    edit(ds)
    first.write_journal_now()
    first.wait()

    opened = []
    other = Dataset.load(write_json(tmp_path / "other.json", small_doc()))
    second = make(window, tmp_path, open_file=opened.append)
    second.ask = Answers(Button.Yes)
    second.set_dataset(other)
    qtbot.waitUntil(lambda: opened == [source])
    assert "Open “data.json” and restore" in second.ask.asked[0][0]
    again = Dataset.load(source)
    assert second.set_dataset(again)  # restored without asking again
    assert encoded(again) == encoded(ds) and len(second.ask.asked) == 1
    second.set_dataset(Dataset.load(tmp_path / "other.json"))
    qtbot.wait(20)
    assert len(second.ask.asked) == 1


def test_close_keeps_the_journal_only_for_unsaved_edits(qtbot, window, tmp_path, source):
    ds = Dataset.load(source)
    controller = make(window, tmp_path, delay=60000)
    controller.set_dataset(ds)
    edit(ds)
    controller.close()  # without asking (the window did not): the edits are kept for next time
    assert find_journal(controller.recovery_dir, source) is not None
    clean = make(window, tmp_path)
    clean.ask = Answers(Button.Discard)
    clean.set_dataset(Dataset.load(source))
    clean.close()
    assert list_journals(clean.recovery_dir) == []


def test_default_recovery_folder_follows_an_ini_settings_file(tmp_path):
    from PySide6.QtCore import QSettings

    from cocoview.gui.settings import Settings

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert sc.default_recovery_dir(settings) == str(tmp_path / "recovery")
    assert sc.default_recovery_dir().endswith("recovery")
