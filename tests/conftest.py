import os
import pathlib

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = pathlib.Path(__file__).resolve().parent.parent
CORPUS = (REPO / ".." / "shared" / "coco-corpus").resolve()


@pytest.fixture
def corpus():
    """The shared corpus folder; tests using it are skipped when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/coco-corpus is not present")
    return CORPUS
