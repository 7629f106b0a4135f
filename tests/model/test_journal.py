"""Journals of unsaved edits: compact, exact after restore, refused when the file changed."""

import json
import os
import tempfile

import msgspec
import msgspec.structs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cocoview.model import commands as C
from cocoview.model.dataset import Dataset
from cocoview.model.errors import CocoError
from cocoview.model.journal import (Basis, find_journal, journal_path, list_journals, read_info, remove_journal, restore,
                                    set_aside, write_journal)
from cocoview.model.snapshot import Snapshot
from cocoview.model.source_identity import SourceIdentity
from cocoview.model.writer import encode_document, save_dataset

from .helpers import small_doc, write_json
from .test_properties import apply, documents


def encoded(ds):
    return encode_document(ds.top_level, ds.layout, ds.absent_keys)


def journal_of(ds, folder, basis=None, changes=1):
    basis = basis or Basis.as_read(Snapshot(ds))
    return write_journal(folder, Snapshot(ds), basis, changes)


def body_of(path):
    with open(path, "rb") as f:
        f.readline()
        return json.loads(f.read())


def save(ds):
    """What the save controller does: snapshot, pack, write, renumber, clean."""
    snapshot = Snapshot(ds)
    snapshot.pack()
    save_dataset(snapshot, ds.path)
    basis = Basis.as_saved(snapshot)
    ds.history.set_clean()
    return basis


@pytest.fixture
def ds(tmp_path):
    return Dataset.load(write_json(tmp_path / "in.json", small_doc(), indent=1))


def edit_everything(ds):
    h = ds.history
    anns = ds.annotations
    h.push(C.delete_annotations(ds, [anns[1]]))
    h.push(C.set_category(ds, [ds.annotations[0]], 9))
    h.push(C.set_bbox(ds, ds.annotations[1], [1, 2, 3, 4]))
    h.push(C.delete_images(ds, [ds.images[2]]))
    h.push(C.merge_categories(ds, [ds.category(12)], ds.category(3)))
    h.push(C.add_category(ds, "tram", supercategory="vehicle"))
    h.push(C.rename_category(ds, ds.category(7), "poster"))


def test_restore_gives_the_edited_document_exactly(ds, tmp_path):
    original = encoded(ds)
    basis = Basis.as_read(Snapshot(ds))
    edit_everything(ds)
    path = write_journal(tmp_path / "rec", Snapshot(ds), basis, 7)
    assert path == journal_path(tmp_path / "rec", ds.path)
    info = read_info(path)
    assert info.source == SourceIdentity.of(ds.path) and info.changes == 7 and info.file_name == "in.json"

    back = restore(path)
    assert encoded(back) == encoded(ds)
    assert not back.history.is_clean and back.history.can_undo
    assert "Restore unsaved changes" in back.history.undo_text
    # indexes follow the restored lists
    assert [a.id for a in back.annotations_of_image(0)] == [a.id for a in ds.annotations_of_image(0)]
    assert back.category(3)["name"] == "signboard" and back.category(12) is None
    assert back.category_count(9) == ds.category_count(9)
    back.history.undo()
    assert encoded(back) == original and back.history.is_clean
    back.history.redo()
    assert encoded(back) == encoded(ds)


def test_untouched_annotations_are_written_as_positions(ds, tmp_path):
    basis = Basis.as_read(Snapshot(ds))
    ds.history.push(C.delete_annotations(ds, [ds.annotations[0]]))
    ds.history.push(C.set_bbox(ds, ds.annotations[1], [5, 5, 5, 5]))
    body = body_of(write_journal(tmp_path, Snapshot(ds), basis))
    entries = body["top"]["annotations"]
    assert entries[0] == 1 and entries[2] == 3
    assert entries[1]["id"] == 12 and entries[1]["bbox"] == [5.0, 5.0, 5.0, 5.0]
    assert list(body["top"]) == list(ds.top_level)
    assert body["top"]["images"] == ds.images and body["top"]["info"] == ds.top_level["info"]


def test_restore_onto_a_freshly_read_dataset(ds, tmp_path):
    edit_everything(ds)
    path = journal_of(ds, tmp_path)
    fresh = Dataset.load(ds.path)
    assert restore(path, dataset=fresh) is fresh
    assert encoded(fresh) == encoded(ds)
    with pytest.raises(ValueError):
        restore(path, dataset=fresh)  # not as read any more


def test_refused_when_the_source_changed(ds, tmp_path):
    ds.history.push(C.delete_annotations(ds, ds.annotations[:1]))
    path = journal_of(ds, tmp_path / "rec")
    doc = small_doc()
    doc["annotations"].pop()
    write_json(tmp_path / "in.json", doc, indent=1)
    with pytest.raises(CocoError, match=r"in\.json: the file changed since the unsaved changes were recorded"):
        restore(path)


def test_refused_when_only_the_modification_time_changed(ds, tmp_path):
    ds.history.push(C.delete_annotations(ds, ds.annotations[:1]))
    path = journal_of(ds, tmp_path / "rec")
    st = os.stat(ds.path)
    os.utime(ds.path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    with pytest.raises(CocoError, match="it was modified at"):
        restore(path)


def test_refused_when_the_source_is_gone_or_the_journal_damaged(ds, tmp_path):
    ds.history.push(C.delete_annotations(ds, ds.annotations[:1]))
    path = journal_of(ds, tmp_path / "rec")
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[:-40])
    with pytest.raises(CocoError, match="damaged recovery record"):
        restore(path)
    header, body = data.split(b"\n", 1)
    doc = json.loads(body)
    doc["top"]["annotations"][0] = 99
    with open(path, "wb") as f:
        f.write(header + b"\n" + json.dumps(doc).encode())
    with pytest.raises(CocoError, match="points to position 99 of 4"):
        restore(path)
    with open(path, "wb") as f:
        f.write(b"{}\n{}")
    with pytest.raises(CocoError, match="unreadable recovery record"):
        restore(path)
    with open(path, "wb") as f:
        f.write(data)
    os.unlink(ds.path)
    with pytest.raises(CocoError, match=r"in\.json: no such file; the unsaved changes recorded at .* cannot be restored"):
        restore(path)


def test_after_a_save_positions_refer_to_the_saved_file(ds, tmp_path):
    """Annotations brought back by undo after a save are not in the new file: written out."""
    h = ds.history
    h.push(C.delete_annotations(ds, ds.annotations[:2]))          # 10, 11
    h.push(C.set_bbox(ds, ds.annotations[0], [7, 7, 7, 7]))       # 12 (a new object)
    basis = save(ds)
    assert open(ds.path, "rb").read() == encoded(ds)
    entries = body_of(write_journal(tmp_path / "rec", Snapshot(ds), basis))["top"]["annotations"]
    assert entries == [0, 1]  # the edited 12 is now in the file as it is
    h.undo()   # 12's old bytes are not those of the saved file
    h.undo()   # 10 and 11 come back
    h.push(C.set_category(ds, [ds.annotations[3]], 3))
    entries = body_of(write_journal(tmp_path / "rec", Snapshot(ds), basis))["top"]["annotations"]
    texts = [e[0] for e in entries[:3]]
    assert all(isinstance(t, str) and e[1] is None for t, e in zip(texts, entries))
    assert [json.loads(t)["id"] for t in texts] == [10, 11, 12]
    assert entries[3] == [1, {"category_id": 3}]
    assert encoded(restore(write_journal(tmp_path / "rec", Snapshot(ds), basis))) == encoded(ds)
    h.undo()
    entries = body_of(write_journal(tmp_path / "rec", Snapshot(ds), basis))["top"]["annotations"]
    assert entries[3] == 1


def test_patched_annotations_are_written_as_patches(ds, tmp_path):
    ds.history.push(C.merge_categories(ds, [ds.category(7)], ds.category(9)))
    entries = body_of(journal_of(ds, tmp_path))["top"]["annotations"]
    assert entries == [[0, {"category_id": 9}], 1, [2, {"category_id": 9}], 3]
    back = restore(journal_of(ds, tmp_path))
    assert encoded(back) == encoded(ds) and back.category_count(9) == 3


def test_lists_the_file_lacked_stay_absent_unless_filled(tmp_path):
    doc = {"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": []}
    path = write_json(tmp_path / "bare.json", doc)
    ds = Dataset.load(path)
    ds.history.push(C.delete_images(ds, ds.images))
    back = restore(journal_of(ds, tmp_path / "rec"))
    assert json.loads(encoded(back)) == {"images": [], "annotations": []}
    ds = Dataset.load(path)
    ds.history.push(C.add_category(ds, "thing"))
    back = restore(journal_of(ds, tmp_path / "rec"))
    assert encoded(back) == encoded(ds)
    assert json.loads(encoded(back))["categories"] == [{"id": 1, "name": "thing"}]


def test_nan_files_are_journaled_with_python_json(tmp_path):
    text = json.dumps({"images": [{"id": 1, "file_name": "a.jpg", "q": float("nan")}],
                       "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1],
                                        "score": float("inf")},
                                       {"id": 2, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]}],
                       "categories": [{"id": 1, "name": "x"}]})
    (tmp_path / "nan.json").write_text(text)
    ds = Dataset.load(tmp_path / "nan.json")
    assert ds.layout.stdlib
    ds.history.push(C.delete_annotations(ds, ds.annotations[1:]))
    back = restore(journal_of(ds, tmp_path / "rec"))
    assert encoded(back) == encoded(ds)
    assert b"NaN" in encoded(back) and b"Infinity" in encoded(back)


def test_finding_listing_and_removing(ds, tmp_path):
    folder = tmp_path / "rec"
    assert find_journal(folder, ds.path) is None and list_journals(folder) == []
    ds.history.push(C.delete_annotations(ds, ds.annotations[:1]))
    path = journal_of(ds, folder, changes=3)
    other = Dataset.load(write_json(tmp_path / "other.json", small_doc()))
    other.history.push(C.delete_annotations(other, other.annotations[:1]))
    journal_of(other, folder)
    (folder / "junk.journal").write_bytes(b"not json\n")
    info = find_journal(folder, ds.path)
    assert info.journal == path and info.changes == 3 and not info.is_live()
    assert {i.file_name for i in list_journals(folder)} == {"in.json", "other.json"}
    kept = set_aside(info)
    assert os.path.exists(kept) and find_journal(folder, ds.path) is None
    assert remove_journal(folder, other.path) and not remove_journal(folder, other.path)
    assert list_journals(folder) == []


def test_a_journal_of_another_running_process_is_live(ds, tmp_path):
    info = find_journal(tmp_path, "x") or read_info(journal_of(ds, tmp_path))
    other = type(info)(info.journal, info.source, info.written_at, info.changes, os.getppid(), info.host)
    if os.name == "posix":
        assert other.is_live()
    gone = type(info)(info.journal, info.source, info.written_at, info.changes, 2**22 + 12345, info.host)
    assert not gone.is_live()


# ---- random edits, saves and restores ------------------------------------------------
OPS = ["set_category", "delete", "delete_image", "bbox", "rename", "change_id", "merge",
       "delete_category", "reassign", "add", "renumber", "undo", "redo", "save"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 1000), st.integers(0, 1000)),
                             max_size=12), st.sampled_from([None, 1]))
def test_restore_matches_after_any_edits_and_saves(doc, script, indent):
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "doc.json")
        with open(source, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False, indent=indent)
        ds = Dataset.load(source)
        basis = Basis.as_read(Snapshot(ds))
        for op, a, b in script:
            if op == "save":
                basis = save(ds)
            else:
                apply(ds, op, a, b)
        path = write_journal(os.path.join(folder, "rec"), Snapshot(ds), basis)
        back = restore(path)
        assert encoded(back) == encoded(ds)
        back.history.undo()
        assert encoded(back) == encoded(Dataset.load(source))  # undo: the file as on disk


def test_a_position_stands_for_one_annotation_only(ds, tmp_path):
    basis = Basis.as_read(Snapshot(ds))
    twin = msgspec.structs.replace(ds.annotations[1])  # shares the bytes and the origin
    ds.annotations.append(twin)
    ds._build_indexes()
    entries = body_of(write_journal(tmp_path, Snapshot(ds), basis))["top"]["annotations"]
    assert entries[:4] == [0, 1, 2, 3] and isinstance(entries[4][0], str)
    ds.history.push(C.rename_category(ds, ds.categories[0], "x"))
    assert encoded(restore(write_journal(tmp_path, Snapshot(ds), basis))) == encoded(ds)


def test_journal_body_is_plain_json_with_positions(ds, tmp_path):
    path = journal_of(ds, tmp_path)
    header, body = open(path, "rb").read().split(b"\n", 1)
    assert msgspec.json.decode(header)["format"] == "cocoview-journal"
    assert msgspec.json.decode(body)["top"]["annotations"] == [0, 1, 2, 3]
