import json
import os

import pytest

from cocoview.model import commands as C
from cocoview.model.dataset import Dataset
from cocoview.model.errors import CocoError
from cocoview.model.writer import save_dataset, write_atomic

from .helpers import same, small_doc, write_json


def test_unedited_compact_file_is_written_byte_for_byte(tmp_path):
    path = write_json(tmp_path / "a.json", small_doc(), separators=(",", ":"))
    ds = Dataset.load(path)
    out = str(tmp_path / "b.json")
    save_dataset(ds, out)
    assert open(out, "rb").read() == open(path, "rb").read()


def test_file_written_by_python_json_keeps_its_spaced_style(tmp_path):
    # ", " and ": " on one line, as json.dump writes by default (the official COCO files)
    path = tmp_path / "a.json"
    path.write_text(json.dumps(small_doc(), ensure_ascii=False))
    ds = Dataset.load(path)
    assert ds.layout.spaced and not ds.layout.indent
    out = tmp_path / "b.json"
    save_dataset(ds, str(out))
    assert out.read_bytes() == path.read_bytes()
    # an edit and a deletion are written in the same style, all through
    ds.history.push(C.set_category(ds, [ds.annotations[1]], 7))
    ds.history.push(C.delete_annotations(ds, [ds.annotations[0]]))
    save_dataset(ds, str(out))
    expected = small_doc()
    expected["annotations"][1]["category_id"] = 7
    del expected["annotations"][0]
    assert out.read_text() == json.dumps(expected, ensure_ascii=False)


def test_indented_file_stays_indented_and_equal(tmp_path):
    path = write_json(tmp_path / "a.json", small_doc(), indent=4)
    ds = Dataset.load(path)
    out = tmp_path / "b.json"
    save_dataset(ds, str(out))
    text = out.read_text()
    assert text.startswith('{\n    "info"')
    assert same(json.loads(text), small_doc())


def test_edit_keeps_unknown_fields_and_order(tmp_path):
    path = write_json(tmp_path / "a.json", small_doc())
    ds = Dataset.load(path)
    ds.history.push(C.set_category(ds, [ds.annotations[1]], 7))
    save_dataset(ds)
    saved = json.loads(open(path).read())
    expected = small_doc()
    expected["annotations"][1]["category_id"] = 7
    assert same(saved, expected)


def test_absent_annotations_key_stays_absent(tmp_path):
    doc = small_doc()
    del doc["annotations"]
    ds = Dataset.load(write_json(tmp_path / "a.json", doc))
    out = tmp_path / "b.json"
    save_dataset(ds, str(out))
    assert "annotations" not in json.loads(out.read_text())


def test_nan_and_big_ints_round_trip(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text('{"images": [{"id": 123456789012345678901234567890, "w": NaN}], "annotations": []}')
    ds = Dataset.load(str(path))
    out = tmp_path / "b.json"
    save_dataset(ds, str(out))
    data = json.loads(out.read_text())
    assert data["images"][0]["id"] == 123456789012345678901234567890
    assert data["images"][0]["w"] != data["images"][0]["w"]


def test_failed_write_leaves_original_untouched(tmp_path, monkeypatch):
    path = tmp_path / "a.json"
    path.write_bytes(b"ORIGINAL")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(CocoError, match="No space left on device.*unchanged"):
        write_atomic(str(path), b"NEW")
    assert path.read_bytes() == b"ORIGINAL"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temp file left


def test_unwritable_targets_name_the_path(tmp_path):
    with pytest.raises(CocoError, match="does not exist"):
        write_atomic(str(tmp_path / "missing" / "x.json"), b"{}")
    with pytest.raises(CocoError, match="is a folder"):
        write_atomic(str(tmp_path), b"{}")
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        with pytest.raises(CocoError, match="cannot write"):
            write_atomic(str(ro / "x.json"), b"{}")


def test_save_keeps_file_mode(tmp_path):
    path = write_json(tmp_path / "a.json", small_doc())
    os.chmod(path, 0o640)
    save_dataset(Dataset.load(path))
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_trailing_newline_and_bom_survive(tmp_path):
    path = tmp_path / "a.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(small_doc(), separators=(",", ":")).encode() + b"\n")
    out = tmp_path / "b.json"
    save_dataset(Dataset.load(str(path)), str(out))
    assert out.read_bytes() == path.read_bytes()
