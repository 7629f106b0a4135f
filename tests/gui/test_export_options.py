"""Export options: default paths beside the dataset and counted words."""

import os

from cocoview.gui.export_options import counted, default_export_path, default_id_map_path


def test_default_id_map_path():
    assert default_id_map_path("/a/b/out.json") == "/a/b/out.idmap.json"
    assert default_id_map_path("/a/b/out") == "/a/b/out.idmap.json"


def test_default_export_path_sits_beside_the_dataset():
    assert default_export_path("/a/b/train.json") == os.path.abspath("/a/b/train-subset.json")
    assert default_export_path("/a/b/train.JSON") == os.path.abspath("/a/b/train-subset.json")
    assert default_export_path("/a/b/notes") == os.path.abspath("/a/b/notes-subset.json")
    assert default_export_path(None) == os.path.join(os.path.expanduser("~"), "subset.json")


def test_counted_words():
    assert counted(1, "category") == "1 category"
    assert counted(3, "category") == "3 categories"
    assert counted(0, "image") == "0 images"
    assert counted(12345, "annotation") == "12,345 annotations"
