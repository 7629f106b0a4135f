"""The command line as a user runs it: exit codes and one-line messages."""

import json
import subprocess
import sys

import pytest
from pycocotools.coco import COCO

from tests.model.helpers import small_doc, write_json


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cocoview", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture
def small(tmp_path):
    return write_json(tmp_path / "small.json", small_doc())


def test_version_and_help():
    from cocoview import __version__
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"cocoview {__version__}"
    for sub in ("stats", "validate", "export", "render"):
        result = run(sub, "--help")
        assert result.returncode == 0 and f"cocoview {sub}" in result.stdout


@pytest.mark.parametrize("args", [
    ("stats",), ("validate",), ("export", "x.json"), ("render", "x.json"),
    ("export", "in.json", "-o", "out.json", "--min-score", "high"), ("stats", "a", "--bogus"),
])
def test_bad_usage_is_one_line_and_exit_2(args):
    result = run(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("sub", ["stats", "validate", "export", "render"])
def test_unreadable_input_exit_2_in_every_subcommand(tmp_path, sub):
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [{"id": 1},\n')
    extra = {"export": ["-o", tmp_path / "o.json"], "render": ["--image-id", "1", "-o", tmp_path / "o.png"]}
    result = run(sub, bad, *extra.get(sub, []))
    assert result.returncode == 2, result.stderr
    assert str(bad) in result.stderr and "line 2, column 1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_results_file_is_refused_with_exit_2(corpus):
    result = run("stats", corpus / "cocoapi/results/instances_val2014_fakebbox100_results.json")
    assert result.returncode == 2 and "results file" in result.stderr and "ground-truth" in result.stderr


def test_export_with_edits_reindex_and_map(small, tmp_path):
    out, id_map = tmp_path / "out.json", tmp_path / "map.json"
    result = run("export", small, "-o", out, "--map-category", "7=3", "--rename-category", "3=sign",
                 "--drop-category", "12", "--min-score", "0.3", "--drop-empty", "--reindex", "--start-id", "0",
                 "--reindex-categories", "--id-map", id_map)
    assert result.returncode == 0, result.stderr
    assert "2 images, 3 annotations, 2 categories" in result.stdout
    doc = json.loads(out.read_text())
    assert [c["name"] for c in doc["categories"]] == ["sign", "car"]
    assert [a["category_id"] for a in doc["annotations"]] == [1, 1, 2]
    assert [i["id"] for i in doc["images"]] == [0, 1]
    assert json.loads(id_map.read_text())["categories"] == [[3, 1], [9, 2]]
    assert len(COCO(str(out)).anns) == 3


def test_export_to_unwritable_place(small, tmp_path):
    result = run("export", small, "-o", tmp_path / "no" / "out.json")
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_gui_without_display_support_says_so_or_runs(tmp_path):
    result = run("no_such_thing")
    assert result.returncode == 2 and "no such file or subcommand" in result.stderr
