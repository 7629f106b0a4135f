"""Reading a COCO JSON file into its parts, fast and with clear errors.

The file is split at the top level and at each element of the big arrays
without building Python objects, then decoded in chunks. Between chunks other
threads run (a GUI stays responsive) and the caller may cancel.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import msgspec

from cocoview.model.annotation import Annotation
from cocoview.model.gc_pause import gc_paused
from cocoview.model.errors import Cancelled, CocoError, NotCocoError, ResultsFileError, file_error

Progress = Callable[[str, float], None]

_CHUNK = 4000
_READ_BLOCK = 16 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_LEADING_SPACE = re.compile(rb"[ \t\r\n]*")
_LIST_KEYS = ("images", "annotations", "categories")

_split_top = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
_split_list = msgspec.json.Decoder(list[msgspec.Raw]).decode
_decode_any = msgspec.json.Decoder().decode
_decode_dicts = msgspec.json.Decoder(list[dict]).decode
_decode_heads = msgspec.json.Decoder(list[Annotation]).decode


@dataclass
class Layout:
    """How the file was written, so a save can write it the same way."""

    indent: int = 0           # 0: on one line
    spaced: bool = False      # on one line with ", " and ": " (Python's json.dump)
    stdlib: bool = False      # needs Python's json (NaN, Infinity)
    bom: bool = False
    tail: bytes = b""         # white space after the document (often a newline)


@dataclass
class Parts:
    """A file's top-level keys in order; ``annotations`` holds Annotation objects."""

    top: dict[str, Any] = field(default_factory=dict)
    layout: Layout = field(default_factory=Layout)


class _Steps:
    """Progress over weighted stages, with cancellation."""

    def __init__(self, progress: Progress | None, cancel: threading.Event | None):
        self.progress = progress
        self.cancel = cancel

    def report(self, message: str, fraction: float) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()
        if self.progress is not None:
            self.progress(message, min(max(fraction, 0.0), 1.0))


def read_bytes(path: str, steps: _Steps | None = None, lo: float = 0.0, hi: float = 0.3) -> bytes | bytearray:
    """The file's bytes, read in blocks so that progress shows and cancel works."""
    name = os.fspath(path)
    try:
        size = os.path.getsize(name)
        with open(name, "rb") as f:
            if steps is None or size < _READ_BLOCK:
                return f.read()
            buf = bytearray(size)
            done = 0
            with memoryview(buf) as view:
                while done < size:
                    n = f.readinto(view[done:done + _READ_BLOCK])
                    if not n:
                        break
                    done += n
                    steps.report("Reading", lo + (hi - lo) * done / size)
            if done != size:
                del buf[done:]
            return buf
    except OSError as e:
        raise file_error(name, e) from None


#: The first key of the document and what follows its colon.
_FIRST_KEY = re.compile(rb'\s*"(?:[^"\\]|\\.)*"\s*:( ?)')


def detect_layout(data: bytes) -> Layout:
    layout = Layout()
    head = data[:4096]
    brace = head.find(b"{")
    if brace >= 0:
        rest = head[brace + 1:]
        nl = rest.find(b"\n")
        if nl >= 0 and not rest[:nl].strip():
            line = rest[nl + 1:]
            layout.indent = len(line) - len(line.lstrip(b" ")) or (1 if line.startswith(b"\t") else 0)
    if not layout.indent:
        first_key = _FIRST_KEY.match(head, brace + 1) if brace >= 0 else None
        layout.spaced = first_key is not None and first_key.group(1) == b" "
    return layout


def read_parts(path: str, progress: Progress | None = None,
               cancel: threading.Event | None = None) -> Parts:
    """Read and split a COCO file. Raises CocoError with a clear message."""
    steps = _Steps(progress, cancel)
    steps.report("Reading", 0.0)
    data = read_bytes(path, steps)
    return parse_bytes(data, os.fspath(path), steps)


def parse_bytes(data: bytes | bytearray, name: str, steps: _Steps | None = None) -> Parts:
    steps = steps or _Steps(None, None)
    bom = data.startswith(_BOM)
    if bom:
        data = data[len(_BOM):]
    start = _LEADING_SPACE.match(data).end()
    if start == len(data):
        raise CocoError(f"{name}: the file is empty")
    layout = detect_layout(data)
    layout.bom = bom
    end = data[-64:]
    layout.tail = bytes(end[len(end.rstrip(b" \t\r\n")):])
    first = data[start:start + 1]
    if first == b"[":
        _refuse_list(data, name)
    if first != b"{":
        _raise_syntax(data, name)
    steps.report("Parsing", 0.31)
    with gc_paused():
        try:
            return _parse_fast(data, name, layout, steps)
        except (msgspec.DecodeError, UnicodeDecodeError):
            # Python's json accepts NaN/Infinity, and says where the syntax breaks.
            return _parse_with_stdlib(data, name, layout, steps)


def _parse_fast(data: bytes | bytearray, name: str, layout: Layout, steps: _Steps) -> Parts:
    raw_top = _split_top(data)
    _check_coco(raw_top, name)
    parts = Parts(layout=layout)
    sizes = {key: len(memoryview(raw)) for key, raw in raw_top.items()}
    total = max(sum(sizes.values()), 1)
    done = 0
    for key, raw in raw_top.items():
        lo = 0.32 + 0.63 * done / total
        done += sizes[key]
        hi = 0.32 + 0.63 * done / total
        if key == "annotations":
            parts.top[key] = _read_annotations(raw, name, steps, lo, hi)
        elif key in _LIST_KEYS:
            parts.top[key] = _read_objects(raw, name, key, steps, lo, hi)
        else:
            parts.top[key] = _decode_any(raw)
    return parts


def _first_byte(raw: Any) -> bytes:
    return memoryview(raw)[:1].tobytes()


def _type_name(raw: Any) -> str:
    c = _first_byte(raw)
    return {b"{": "an object", b"[": "a list", b'"': "a string", b"n": "null",
            b"t": "a boolean", b"f": "a boolean"}.get(c, "a number")


def _check_coco(raw_top: dict[str, Any], name: str) -> None:
    if "images" not in raw_top:
        if "shapes" in raw_top and "imagePath" in raw_top:
            raise NotCocoError(f"{name}: this is a LabelMe file, not COCO (it has \"shapes\" and \"imagePath\")")
        keys = ", ".join(f'"{k}"' for k in list(raw_top)[:6]) or "no keys"
        raise NotCocoError(f"{name}: not a COCO dataset: there is no \"images\" list (top-level keys: {keys})")
    for key in _LIST_KEYS:
        if key in raw_top:
            raw = raw_top[key]
            if _first_byte(raw) != b"[":
                raise CocoError(f"{name}: \"{key}\" is {_type_name(raw)}, expected a list of {key[:-1] if key != 'categories' else 'category'} objects")


def _elements_error(name: str, key: str, raws: list, start: int) -> CocoError:
    for i, raw in enumerate(raws):
        if _first_byte(raw) != b"{":
            return CocoError(f"{name}: {key}[{start + i}] is {_type_name(raw)}, expected an object")
    return CocoError(f"{name}: {key}: unexpected content near element {start}")


def _read_objects(raw: Any, name: str, key: str, steps: _Steps, lo: float, hi: float) -> list[dict]:
    raws = _split_list(raw)
    out: list[dict] = []
    n = len(raws)
    for i in range(0, n, _CHUNK):
        chunk = raws[i:i + _CHUNK]
        try:
            out.extend(_decode_dicts(b"[" + b",".join(chunk) + b"]"))
        except msgspec.ValidationError:
            raise _elements_error(name, key, chunk, i) from None
        steps.report(f"Reading {key}", lo + (hi - lo) * (i + len(chunk)) / max(n, 1))
    return out


def _read_annotations(raw: Any, name: str, steps: _Steps, lo: float, hi: float) -> list[Annotation]:
    raws = _split_list(raw)
    out: list[Annotation] = []
    n = len(raws)
    for i in range(0, n, _CHUNK):
        chunk = raws[i:i + _CHUNK]
        try:
            heads = _decode_heads(b"[" + b",".join(chunk) + b"]")
        except msgspec.ValidationError:
            raise _elements_error(name, "annotations", chunk, i) from None
        for position, (head, r) in enumerate(zip(heads, chunk), i):
            head.raw = r
            head.origin = position
        out.extend(heads)
        steps.report("Reading annotations", lo + (hi - lo) * (i + len(chunk)) / max(n, 1))
    return out


def _refuse_list(data: bytes, name: str) -> None:
    try:
        items = _decode_any(data)
    except msgspec.DecodeError:
        _raise_syntax(data, name)
    first = next((x for x in items if isinstance(x, dict)), None)
    if first is not None and "image_id" in first and ("category_id" in first or "caption" in first):
        raise ResultsFileError(
            f"{name}: this is a results file (a bare list of {len(items)} results, pycocotools "
            "loadRes format), not a dataset: it has no images or categories. cocoview opens COCO "
            "datasets; open the ground-truth file, or a file holding the results as its annotations")
    if first is not None and "name" in first and "id" in first:
        raise NotCocoError(f"{name}: this is a bare list of {len(items)} categories, not a COCO dataset")
    raise NotCocoError(f"{name}: not a COCO dataset: the file holds a list, expected an object with \"images\"")


def _syntax_message(error: json.JSONDecodeError) -> str:
    """Python's message without its dangling "starting at" (the place is given already)."""
    message = error.msg
    for tail in (" starting at", " at"):
        if message.endswith(tail):
            return message[: -len(tail)] + (" (it starts here)" if tail == " starting at" else "")
    return message


def _raise_syntax(data: bytes, name: str) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CocoError(f"{name}: not UTF-8 text (bad byte at offset {e.start})") from None
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        raise CocoError(f"{name}: invalid JSON at line {e.lineno}, column {e.colno}: {_syntax_message(e)}") from None
    raise NotCocoError(f"{name}: not a COCO dataset: expected a JSON object with \"images\"")


def _parse_with_stdlib(data: bytes, name: str, layout: Layout, steps: _Steps) -> Parts:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CocoError(f"{name}: not UTF-8 text (bad byte at offset {e.start})") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise CocoError(f"{name}: invalid JSON at line {e.lineno}, column {e.colno}: {_syntax_message(e)}") from None
    except RecursionError:
        raise CocoError(f"{name}: JSON nested too deeply") from None
    layout.stdlib = True
    if not isinstance(obj, dict):
        raise NotCocoError(f"{name}: not a COCO dataset: expected a JSON object with \"images\"")
    return parts_from_dict(obj, name, layout)


def parts_from_dict(obj: dict, name: str = "<data>", layout: Layout | None = None) -> Parts:
    """Parts from already-decoded Python objects (tests, the stdlib path)."""
    if "images" not in obj:
        keys = ", ".join(f'"{k}"' for k in list(obj)[:6]) or "no keys"
        raise NotCocoError(f"{name}: not a COCO dataset: there is no \"images\" list (top-level keys: {keys})")
    parts = Parts(layout=layout or Layout())
    for key, value in obj.items():
        if key in _LIST_KEYS:
            if not isinstance(value, list):
                kind = type(value).__name__
                raise CocoError(f"{name}: \"{key}\" is a {kind}, expected a list")
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    raise CocoError(f"{name}: {key}[{i}] is a {type(item).__name__}, expected an object")
            if key == "annotations":
                value = Annotation.from_dicts(value)
        parts.top[key] = value
    return parts
