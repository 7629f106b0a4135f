import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cocoview.model import label_map as lm
from cocoview.model.dataset import Dataset
from cocoview.model.errors import CocoError
from cocoview.model.writer import encode_document
from cocoview.resources import demo_annotations_path

from .helpers import small_doc

KERAS = "keras-retinanet-test-data/coco/annotations/instances_val2017.json"
PANOPTIC = "panopticapi/sample_data/panoptic_examples.json"
LABELME = "labelme/examples/instance_segmentation/data_dataset_coco/annotations.json"
DEMO_MAP = "signboard 1\nbillboard 1\nstorefront 2\nperson 3\ncar 4\ntree 5\nstreet lamp 6\nbus 7\n"


def doc_bytes(ds):
    return encode_document(ds.top_level, ds.layout, ds.absent_keys)


def demo():
    return Dataset.load(demo_annotations_path())


def ids_and_names(ds):
    return [(c["id"], c["name"]) for c in ds.categories]


# ---- reading -----------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    '{"signboard": 1, "street lamp": 2, "car": "3"}',
    '{"1": "signboard", "2": "street lamp", "3": "car"}',
    '[{"id": 1, "name": "signboard"}, {"id": 2, "name": "street lamp"}, {"id": 3, "name": "car"}]',
    '{"images": [], "categories": [{"id": 1, "name": "signboard", "supercategory": "sign"},'
    ' {"id": 2, "name": "street lamp"}, {"id": 3, "name": "car"}]}',
    "signboard 1\nstreet lamp 2\ncar 3\n",
    "signboard: 1\nstreet lamp: 2\ncar: 3",
    "signboard,1\nstreet lamp, 2\n\ncar ,3\n",
    "signboard\t1\nstreet lamp\t2\ncar\t3",
    "# names and ids\nsignboard=1\n// lamps\n'street lamp' = 2\n\"car\" = 3",
    "1 signboard\n2: street lamp\n3,car",
    "\ufeffsignboard 1\r\nstreet lamp 2\r\ncar 3\r\n",
    'item {\n  id: 1\n  name: "signboard"\n}\nitem {\n  name: \'street lamp\'\n  id: 2\n}\n'
    'item { id: 3 display_name: "car" }\n',
])
def test_every_format_reads_the_same_map(text):
    mapping = lm.parse_label_map(text)
    assert mapping == {"signboard": 1, "street lamp": 2, "car": 3}
    assert list(mapping) == ["signboard", "street lamp", "car"]
    assert all(type(v) is int for v in mapping.values())


def test_two_names_may_share_an_id_and_big_ids_stay_exact():
    assert lm.parse_label_map("a 1\nb 1\nc 900100139099000000000") == {"a": 1, "b": 1, "c": 900100139099000000000}


@pytest.mark.parametrize("text, message", [
    ("signboard 1\nbillboard\n", "labels.txt, line 2: expected 'name id'"),
    ("signboard 1\nsignboard 2\n", "labels.txt, line 2: 'signboard' is given id 2 but already has id 1"),
    ('{"signboard": "one"}', "labels.txt: 'signboard' has id \"one\"; ids are whole numbers"),
    ('{"signboard": 1,}', "labels.txt, line 1: not valid JSON"),
    ("[1, 2]", "labels.txt, entry 1: expected a category"),
    ("   \n", "labels.txt: the label map is empty"),
    ("# only a comment\n", "labels.txt: the label map has no entries"),
    ("item { name: 'x' }", "labels.txt, line 1: an item needs an id and a name"),
])
def test_unreadable_maps_name_the_file_and_line(text, message):
    with pytest.raises(CocoError) as err:
        lm.parse_label_map(text, "labels.txt")
    assert str(err.value).startswith(message)


def test_read_label_map_from_files(tmp_path):
    good = tmp_path / "labels.json"
    good.write_text(json.dumps({"person": 1, "car": 2}), encoding="utf-8")
    assert lm.read_label_map(good) == {"person": 1, "car": 2}
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(CocoError, match=r"^model.bin: not a text file"):
        lm.read_label_map(binary)
    with pytest.raises(CocoError, match=r"^absent.txt: cannot read the file"):
        lm.read_label_map(tmp_path / "absent.txt")


# ---- preview -----------------------------------------------------------------------------
def test_preview_on_the_demo():
    ds = demo()
    rows = lm.preview(ds, lm.parse_label_map(DEMO_MAP))
    assert [tuple(r) for r in rows] == [
        ("signboard", 10, 1, 21, "merge target"),
        ("billboard", 11, 1, 6, "merge into 'signboard'"),
        ("storefront", 12, 2, 18, "change id"),
        ("person", 20, 3, 16, "change id"),
        ("car", 30, 4, 4, "change id"),
        ("bicycle", 31, 31, 0, "not in map"),
        ("tree", 40, 5, 8, "change id"),
        ("street lamp", 41, 6, 6, "change id"),
        ("bus", None, None, 0, "not in dataset"),
    ]
    assert [r.kind for r in rows][:2] == [lm.TARGET, lm.MERGE]
    assert [r.changes for r in rows] == [True] * 5 + [False, True, True, False]
    assert ids_and_names(ds)[0] == (10, "signboard")  # a preview changes nothing
    assert not ds.history.can_undo


def test_preview_with_deletion_of_unmapped_categories():
    ds = demo()
    mapping = {"signboard": 1, "person": 2}
    rows = lm.preview(ds, mapping, lm.DELETE_UNMAPPED)
    deleted = [r for r in rows if r.kind == lm.DELETE]
    assert [r.name for r in deleted] == ["billboard", "storefront", "car", "bicycle", "tree", "street lamp"]
    assert [r.touches for r in deleted] == [6, 18, 4, 0, 8, 6]
    assert all(r.new_id is None for r in deleted)


def test_unchanged_ids_keep_their_rows_and_type():
    ds = Dataset.from_dict({"images": [], "annotations": [],
                            "categories": [{"id": "7", "name": "a"}, {"id": 8, "name": "b"}]})
    rows = lm.preview(ds, {"a": 7, "b": 8})
    assert [r.kind for r in rows] == [lm.KEEP, lm.KEEP]
    cmd = lm.apply_label_map(ds, {"a": 7, "b": 8})
    assert cmd.touches == 0 and "no changes" in cmd.text
    ds.history.push(cmd)
    assert ds.categories[0]["id"] == "7"  # the string stays a string


# ---- applying ------------------------------------------------------------------------------
def test_apply_on_the_demo_merges_renumbers_and_keeps_fields():
    ds = demo()
    before_bytes = doc_bytes(ds)
    person_before = dict(ds.category(20))
    signs = {a.id for a in ds.annotations if a.category_id in (10, 11)}
    cmd = lm.apply_label_map(ds, lm.parse_label_map(DEMO_MAP), source="labels.txt")
    assert cmd.text == "Apply label map 'labels.txt' (6 ids changed, 1 category merged, 79 annotations)"
    assert cmd.touches == 79 == len(ds.annotations)  # bicycle, the only one kept, has none
    ds.history.push(cmd)
    assert ids_and_names(ds) == [(1, "signboard"), (2, "storefront"), (3, "person"), (4, "car"),
                                 (31, "bicycle"), (5, "tree"), (6, "street lamp")]
    assert {a.id for a in ds.annotations_of_category(1)} == signs
    assert ds.category_count(1) == 27 and ds.category_count(10) == 0 and ds.category_count(11) == 0
    assert all(a.to_dict()["category_id"] == a.category_id for a in ds.annotations)
    # Fields other tools added survive: aliases, keypoints, skeleton, colour.
    assert ds.category(1)["aliases"] == ["shop sign", "fascia"]
    person = ds.category(3)
    assert person == {**person_before, "id": 3} and list(person) == list(person_before)
    assert ds.category(4)["color"] == [230, 57, 70]
    assert ds.history.undo_text == cmd.text
    ds.history.undo()
    assert doc_bytes(ds) == before_bytes
    ds.history.redo()
    assert ids_and_names(ds)[0] == (1, "signboard") and ds.category_count(1) == 27


def test_merge_target_is_the_holder_of_the_id_else_the_first_listed():
    ds = Dataset.from_dict(small_doc())  # signboard 3, billboard 7, car 9, unused 12
    rows = lm.preview(ds, {"billboard": 3, "signboard": 3, "car": 1, "unused": 2})
    assert rows[0].kind == lm.TARGET and rows[1].action == "merge into 'signboard'"
    rows = lm.preview(ds, {"billboard": 5, "signboard": 5, "car": 1, "unused": 2})
    assert rows[1].kind == lm.TARGET and rows[0].action == "merge into 'billboard'"
    ds.history.push(lm.apply_label_map(ds, {"billboard": 5, "signboard": 5, "car": 1, "unused": 2}))
    assert ids_and_names(ds) == [(5, "billboard"), (1, "car"), (2, "unused")]
    assert sorted(a.id for a in ds.annotations_of_category(5)) == [10, 11, 12]


def test_swapped_ids():
    ds = Dataset.from_dict(small_doc())
    before = doc_bytes(ds)
    ds.history.push(lm.apply_label_map(ds, {"signboard": 7, "billboard": 3, "car": 9, "unused": 12}))
    assert ids_and_names(ds)[:2] == [(7, "signboard"), (3, "billboard")]
    assert sorted(a.id for a in ds.annotations_of_category(7)) == [11]
    assert sorted(a.id for a in ds.annotations_of_category(3)) == [10, 12]
    ds.history.undo()
    assert doc_bytes(ds) == before


def test_an_unmapped_category_holding_a_target_id_is_a_conflict():
    ds = Dataset.from_dict(small_doc())
    mapping = {"signboard": 9, "billboard": 1}  # car keeps 9
    assert lm.conflicts(ds, mapping) == [
        "'car' (id 9) is not in the label map and keeps its id, which the map gives to 'signboard'"]
    row = next(r for r in lm.preview(ds, mapping) if r.name == "car")
    assert row.kind == lm.CONFLICT
    with pytest.raises(CocoError, match="'car' .id 9. is not in the label map"):
        lm.apply_label_map(ds, mapping)
    # Deleting what the map does not name resolves it.
    cmd = lm.apply_label_map(ds, mapping, lm.DELETE_UNMAPPED)
    assert cmd.touches == 4
    ds.history.push(cmd)
    assert ids_and_names(ds) == [(9, "signboard"), (1, "billboard")]
    assert [a.id for a in ds.annotations] == [10, 11, 12]


def test_names_match_ignoring_case_and_spacing_when_unambiguous():
    ds = demo()
    rows = lm.preview(ds, {"Street  Lamp": 1, "SIGNBOARD": 2})
    assert [(r.name, r.new_id) for r in rows if r.kind == lm.CHANGE] == [("signboard", 2), ("street lamp", 1)]


def test_label_map_of_round_trips():
    ds = demo()
    mapping = lm.label_map_of(ds.categories)
    assert mapping["billboard"] == 11
    assert not any(r.changes for r in lm.preview(ds, mapping))


# ---- corpus files ------------------------------------------------------------------------------
def test_official_80_of_90_ids_become_contiguous(corpus):
    ds = Dataset.load(corpus / KERAS)
    counts = {c["name"]: ds.category_count(c["id"]) for c in ds.categories}
    mapping = {c["name"]: i + 1 for i, c in enumerate(ds.categories)}
    rows = lm.preview(ds, mapping)
    changed = [r for r in rows if r.changes]
    assert len(rows) == 80 and rows[0] == ("person", 1, 1, 0, "keep")
    assert changed[0].name == "stop sign" and (changed[0].old_id, changed[0].new_id) == (13, 12)
    assert len(changed) == 80 - 11  # ids 1..11 are already in place
    cmd = lm.apply_label_map(ds, mapping)
    assert cmd.touches == sum(r.touches for r in changed)
    ds.history.push(cmd)
    assert [c["id"] for c in ds.categories] == list(range(1, 81))
    assert {c["name"]: ds.category_count(c["id"]) for c in ds.categories} == counts
    assert all(ds.category_of(a) is not None for a in ds.annotations)


def test_background_id_zero_from_a_text_map(corpus):
    ds = Dataset.load(corpus / LABELME)
    names = [c["name"] for c in ds.categories if c["name"] != "_background_"]
    text = "\n".join(f"{name}: {i}" for i, name in enumerate(names))
    mapping = lm.parse_label_map(text, "voc.txt")
    assert mapping["aeroplane"] == 0
    with pytest.raises(CocoError, match="'_background_' .id 0. is not in the label map"):
        lm.apply_label_map(ds, mapping, source="voc.txt")
    person = ds.category_count(15)
    ds.history.push(lm.apply_label_map(ds, mapping, lm.DELETE_UNMAPPED, "voc.txt"))
    assert ds.categories[0] == {"supercategory": None, "id": 0, "name": "aeroplane"}
    assert ds.category_count(14) == person and len(ds.categories) == 20


def test_panoptic_segments_follow(corpus):
    ds = Dataset.load(corpus / PANOPTIC)
    segments = sorted(s["category_id"] for a in ds.annotations for s in a.to_dict()["segments_info"])
    mapping = {c["name"]: i + 1 for i, c in enumerate(ds.categories)}
    new_of = {c["id"]: i + 1 for i, c in enumerate(ds.categories)}
    cmd = lm.apply_label_map(ds, mapping)
    assert cmd.touches == 2  # both images have segments whose category moves
    ds.history.push(cmd)
    after = sorted(s["category_id"] for a in ds.annotations for s in a.to_dict()["segments_info"])
    assert after == sorted(new_of[c] for c in segments)


# ---- invariant -----------------------------------------------------------------------------------
NAMES = ["a", "b", "c", "d", "e"]


@st.composite
def cases(draw):
    cat_ids = draw(st.lists(st.integers(0, 6), min_size=1, max_size=5, unique=True))
    cats = [{"id": cid, "name": NAMES[i], "isthing": i % 2} for i, cid in enumerate(cat_ids)]
    anns = [{"id": n, "image_id": 1, "category_id": draw(st.sampled_from(cat_ids)), "bbox": [0, 0, 1, 1]}
            for n in range(draw(st.integers(0, 8)))]
    named = draw(st.lists(st.sampled_from(NAMES[:len(cats)]), unique=True))
    mapping = {name: draw(st.integers(0, 6)) for name in named}
    return {"images": [{"id": 1, "file_name": "x.jpg"}], "annotations": anns, "categories": cats}, mapping


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_annotation_ends_with_the_id_its_category_name_maps_to(case):
    doc, mapping = case
    ds = Dataset.from_dict(doc)
    before = doc_bytes(ds)
    name_of_ann = {a.id: ds.category_of(a)["name"] for a in ds.annotations}
    cmd = lm.apply_label_map(ds, mapping, lm.DELETE_UNMAPPED)
    ds.history.push(cmd)
    ids = [c["id"] for c in ds.categories]
    assert len(ids) == len(set(ids)) and set(ids) == set(mapping.values())
    assert all(c["isthing"] in (0, 1) for c in ds.categories)
    for ann in ds.annotations:
        assert ann.category_id == mapping[name_of_ann[ann.id]]
    assert {a.id for a in ds.annotations} == {i for i, n in name_of_ann.items() if n in mapping}
    ds.history.undo()
    assert doc_bytes(ds) == before
