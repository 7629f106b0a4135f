"""Writing a dataset back: byte-exact for untouched annotations, always atomic."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Iterable

import msgspec

from cocoview.model.annotation import Annotation
from cocoview.model.errors import CocoError
from cocoview.model.gc_pause import gc_paused
from cocoview.model.reader import Layout

_encode = msgspec.json.Encoder().encode


def _encode_spaced(value: Any) -> bytes:
    # One line with ", " and ": ", as Python's json.dump writes it.
    return msgspec.json.format(_encode(value), indent=0)


def annotation_bytes(ann: Annotation, spaced: bool = False) -> Any:
    """One annotation as JSON: its original bytes while untouched."""
    if ann.is_untouched:
        return ann.raw
    return _encode_spaced(ann.fields()) if spaced else _encode(ann.fields())


def _annotation_bytes(anns: Iterable[Annotation], spaced: bool = False) -> bytes:
    parts = [a.raw if a.data is None and a.patch is None else annotation_bytes(a, spaced) for a in anns]
    return b"[" + (b", " if spaced else b",").join(parts) + b"]"


def encode_document(top: dict[str, Any], layout: Layout | None = None,
                    skip_empty: Iterable[str] = ()) -> bytes:
    """Encode top-level keys in order; ``annotations`` may hold Annotation objects."""
    layout = layout or Layout()
    skip = set(skip_empty)
    items = [(k, v) for k, v in top.items() if not (k in skip and not v)]
    if layout.stdlib:
        # The file had NaN/Infinity: only Python's json writes them back.
        doc = {k: ([a.to_dict() if isinstance(a, Annotation) else a for a in v]
                   if k == "annotations" else v) for k, v in items}
        text = json.dumps(doc, ensure_ascii=False, indent=layout.indent or None,
                          separators=None if layout.indent or layout.spaced else (",", ":"))
        out = text.encode("utf-8")
    else:
        # On one line, the file's own separators: compact, or ", " and ": " as Python writes them.
        spaced = layout.spaced and not layout.indent
        encode = _encode_spaced if spaced else _encode
        pieces = [b"{"]
        for i, (key, value) in enumerate(items):
            if i:
                pieces.append(b", " if spaced else b",")
            pieces.append(_encode(key))
            pieces.append(b": " if spaced else b":")
            if key == "annotations" and value and isinstance(value[0], Annotation):
                pieces.append(_annotation_bytes(value, spaced))
            else:
                pieces.append(encode(value))
        pieces.append(b"}")
        out = b"".join(pieces)
        if layout.indent:
            out = msgspec.json.format(out, indent=layout.indent)
    out += layout.tail
    if layout.bom:
        out = b"\xef\xbb\xbf" + out
    return out


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it over ``path``.

    A failure leaves the original bytes untouched and removes the temporary file.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise CocoError(f"{path}: is a folder; choose a file name to write")
    if not os.path.isdir(folder):
        raise CocoError(f"{path}: cannot write: folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".cocoview-", suffix=".tmp", dir=folder)
    except OSError as e:
        raise CocoError(f"{path}: cannot write ({e.strerror or e})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = os.stat(path).st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise CocoError(f"{path}: cannot write ({e.strerror or e}); the original file is unchanged") from None


def save_dataset(ds, path: str | os.PathLike | None = None) -> str:
    """Save losslessly (same keys, order and values as read, plus edits)."""
    target = os.fspath(path) if path is not None else ds.path
    if not target:
        raise CocoError("the dataset has no file name; choose one to save")
    with gc_paused():
        data = encode_document(ds.top_level, ds.layout, ds.absent_keys)
    write_atomic(target, data)
    return target
