"""Snapshots: a consistent copy of the document, encoded like the writer, taken whole or in slices."""

import pytest

from cocoview.model import commands as C
from cocoview.model.dataset import Dataset
from cocoview.model.snapshot import Snapshot, SnapshotBuilder
from cocoview.model.writer import encode_document

from .helpers import small_doc, write_json


def encoded(ds):
    return encode_document(ds.top_level, ds.layout, ds.absent_keys)


@pytest.fixture
def ds(tmp_path):
    return Dataset.load(write_json(tmp_path / "in.json", small_doc(), indent=1))


def test_snapshot_pack_encodes_like_the_writer(tmp_path):
    for indent in (None, 2):
        path = write_json(tmp_path / "in.json", small_doc(), indent=indent)
        ds = Dataset.load(path)
        ds.history.push(C.set_bbox(ds, ds.annotations[2], [1, 1, 2, 2]))
        snapshot = Snapshot(ds)
        ds.history.push(C.delete_annotations(ds, ds.annotations))  # later edits do not reach it
        ds.history.push(C.rename_category(ds, ds.categories[0], "later"))
        ds.history.undo()
        ds.history.undo()
        want = encoded(ds)
        ds.history.push(C.rename_category(ds, ds.categories[0], "later"))
        snapshot.pack()
        assert encode_document(snapshot.top_level, snapshot.layout, snapshot.absent_keys) == want


def test_a_snapshot_taken_in_slices_is_the_same(ds):
    ds.history.push(C.merge_categories(ds, [ds.category(7)], ds.category(9)))
    builder = SnapshotBuilder(ds, chunk=3)
    assert builder.step() is None and builder.fraction == 0.75
    sliced = builder.step()
    whole = Snapshot(ds)
    assert sliced.items == whole.items and sliced.annotations == whole.annotations
    assert sliced.top_level == whole.top_level
