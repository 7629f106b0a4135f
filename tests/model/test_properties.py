"""Invariants over random documents: round trip, undo, reindexed export integrity."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cocoview.model import commands as C
from cocoview.model.dataset import Dataset
from cocoview.model.export import ExportOptions, build_export
from cocoview.model.ids import id_key
from cocoview.model.reader import parse_bytes
from cocoview.model.writer import encode_document

from .helpers import same

KEYS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
SCALARS = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True)
           | st.text(max_size=8))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
                      max_leaves=8)
IDS = st.integers(0, 2**66) | st.text("0123456789abc", min_size=1, max_size=4)


def extras():
    return st.dictionaries(KEYS.filter(lambda k: k not in {"id", "image_id", "category_id", "bbox", "score",
                                                           "segmentation", "iscrowd", "area"}),
                           VALUES, max_size=3)


@st.composite
def documents(draw):
    image_ids = draw(st.lists(IDS, min_size=1, max_size=6, unique_by=id_key))
    cat_ids = draw(st.lists(st.integers(0, 300) | st.text("xyz", min_size=1, max_size=2),
                            min_size=1, max_size=5, unique_by=id_key))
    images = [{"id": i, "file_name": f"d/{n}.jpg", "width": 64, "height": 48, **draw(extras())}
              for n, i in enumerate(image_ids)]
    cats = [{"id": c, "name": f"c{n}", **draw(extras())} for n, c in enumerate(cat_ids)]
    anns = []
    for n in range(draw(st.integers(0, 12))):
        ann = {"id": draw(st.integers(0, 2**65) | st.just(n)),
               "image_id": draw(st.sampled_from(image_ids)),
               "category_id": draw(st.sampled_from(cat_ids)),
               "bbox": [draw(st.integers(0, 30)), draw(st.integers(0, 30)), draw(st.integers(1, 30)),
                        draw(st.integers(1, 30))],
               **draw(extras())}
        if draw(st.booleans()):
            ann["score"] = draw(st.floats(0, 1))
        keys = list(ann)
        order = draw(st.permutations(keys))
        anns.append({k: ann[k] for k in order})
    doc = {"images": images, "annotations": anns, "categories": cats}
    for key, value in draw(st.dictionaries(KEYS.filter(lambda k: k not in doc), VALUES, max_size=2)).items():
        doc[key] = value
    order = draw(st.permutations(list(doc)))
    return {k: doc[k] for k in order}


def load(doc, indent=None):
    data = json.dumps(doc, ensure_ascii=False, indent=indent).encode("utf-8")
    return Dataset(parse_bytes(data, "<test>"))


def encoded(ds):
    return encode_document(ds.top_level, ds.layout, ds.absent_keys)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(documents(), st.sampled_from([None, 2]))
def test_round_trip_is_lossless(doc, indent):
    ds = load(doc, indent)
    assert same(json.loads(encoded(ds)), doc)


@st.composite
def edit_script(draw):
    return draw(st.lists(st.tuples(st.sampled_from(
        ["set_category", "delete", "delete_image", "bbox", "rename", "change_id", "merge",
         "delete_category", "reassign", "add", "renumber", "undo", "redo"]),
        st.integers(0, 1000), st.integers(0, 1000)), max_size=10))


def apply(ds, op, a, b):
    h = ds.history
    anns, cats, images = ds.annotations, ds.categories, ds.images
    if op == "undo":
        h.undo()
    elif op == "redo":
        h.redo()
    elif op == "set_category" and anns and cats:
        h.push(C.set_category(ds, anns[a % len(anns):][:3], cats[b % len(cats)]["id"]))
    elif op == "delete" and anns:
        h.push(C.delete_annotations(ds, anns[a % len(anns)::2]))
    elif op == "delete_image" and images:
        h.push(C.delete_images(ds, [images[a % len(images)]]))
    elif op == "bbox" and anns:
        h.push(C.set_bbox(ds, anns[a % len(anns)], [a % 7, b % 7, 3, 4]))
    elif op == "rename" and cats:
        h.push(C.rename_category(ds, cats[a % len(cats)], f"n{b}"))
    elif op == "change_id" and cats:
        h.push(C.change_category_id(ds, cats[a % len(cats)], b % 6))
    elif op == "merge" and len(cats) > 1:
        h.push(C.merge_categories(ds, [cats[a % len(cats)]], cats[b % len(cats)]))
    elif op == "delete_category" and cats:
        h.push(C.delete_category(ds, cats[a % len(cats)]))
    elif op == "reassign" and len(cats) > 1 and cats[a % len(cats)] is not cats[b % len(cats)]:
        h.push(C.delete_category(ds, cats[a % len(cats)], reassign_to=cats[b % len(cats)]["id"]))
    elif op == "add":
        h.push(C.add_category(ds, f"new{a}"))
    elif op == "renumber":
        h.push(C.renumber_categories(ds, a % 2))


def index_snapshot(ds):
    fresh = Dataset(parse_bytes(encoded(ds), "<fresh>"))
    def norm(index):  # lists must be in file order
        return {k: [repr(a.id) for a in v] for k, v in index.items() if v}
    return norm(ds._by_image), norm(ds._by_category), norm(fresh._by_image), norm(fresh._by_category)


@FAST
@given(documents(), edit_script())
def test_edits_undone_give_back_the_original(doc, script):
    ds = load(doc)
    original = encoded(ds)
    for op, a, b in script:
        apply(ds, op, a, b)
        by_image, by_cat, fresh_image, fresh_cat = index_snapshot(ds)
        assert by_image == fresh_image and by_cat == fresh_cat  # indexes stay current
    ds.history.undo_to(0)
    assert encoded(ds) == original
    assert ds.history.is_clean


@FAST
@given(documents(), st.integers(0, 5), st.booleans(), st.booleans(), st.floats(0, 1))
def test_reindexed_export_has_sound_references(doc, start, reindex_cats, drop_empty, min_score):
    ds = load(doc)
    options = ExportOptions(reindex=True, start_id=start, reindex_categories=reindex_cats,
                            drop_empty=drop_empty, min_score=min_score)
    data, maps, plan = build_export(ds, options)
    out = json.loads(data)
    image_ids = [i["id"] for i in out["images"]]
    assert image_ids == list(range(start, start + len(image_ids)))
    assert [a["id"] for a in out["annotations"]] == list(range(start, start + len(out["annotations"])))
    cat_ids = {c["id"] for c in out["categories"]}
    if reindex_cats:
        assert sorted(cat_ids) == list(range(1, len(cat_ids) + 1))
    for a in out["annotations"]:
        assert a["image_id"] in image_ids and a["category_id"] in cat_ids
        score = a.get("score")
        assert score is None or score >= min_score
    if drop_empty:
        assert {a["image_id"] for a in out["annotations"]} == set(image_ids)
    # every written annotation keeps its other fields
    originals = {id(a): a.to_dict() for a in plan.annotations}
    for written, ann in zip(out["annotations"], plan.annotations):
        before = originals[id(ann)]
        assert set(written) == set(before) | {"id"}
        for key in before:
            if key not in ("id", "image_id", "category_id"):
                assert same(written[key], before[key])
