"""Unsaved edits recorded beside the file, so that a crash loses nothing.

A journal describes a dataset's document relative to the file it was read
from (or last saved to): top-level keys in order; images, categories and other
top-level values in full; annotations as positions in that file when their
bytes are there unchanged, else in full (or as a patch over such a position).

:class:`Basis` knows what each position of the file holds; :func:`write_journal`
and :func:`restore` write and replay a journal, one per source path in a folder.
The document comes as a :class:`~cocoview.model.snapshot.Snapshot`; the file
it refers to is pinned by a :class:`~cocoview.model.source_identity.SourceIdentity`.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import threading
import time
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import msgspec
import msgspec.structs

from cocoview.model.annotation import Annotation
from cocoview.model.errors import CocoError
from cocoview.model.gc_pause import gc_paused
from cocoview.model.history import Command
from cocoview.model.reader import Layout
from cocoview.model.snapshot import PACK_CHUNK, Snapshot, SnapshotBuilder
from cocoview.model.source_identity import SourceIdentity, local_time
from cocoview.model.writer import write_atomic

if TYPE_CHECKING:
    from cocoview.model.dataset import Dataset

__all__ = ["FORMAT", "VERSION", "SUFFIX", "Basis", "JournalInfo", "RestoredEdits", "Snapshot", "SnapshotBuilder",
           "SourceIdentity", "find_journal", "journal_path", "list_journals", "read_info", "remove_journal",
           "restore", "set_aside", "write_journal"]

FORMAT = "cocoview-journal"
VERSION = 1
SUFFIX = ".journal"
_LISTS = ("images", "annotations", "categories")

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode
_decode_head = msgspec.json.Decoder(Annotation).decode


def _raw_text(raw: Any) -> str:
    return bytes(memoryview(raw)).decode("utf-8")


class Basis:
    """What each position of the file a journal refers to holds.

    ``items`` are the snapshot items the file was written from (Raw objects
    for a file as read); ``positions`` maps an annotation's ``origin`` (its
    position in the file first read) to its position in this file, or is
    None when they are the same. An annotation is journaled as a position
    only when the very objects its bytes come from sit there (checked by
    identity), so annotations brought back by undo after a save, or edited
    since, are written out instead.
    """

    def __init__(self, identity: SourceIdentity, items: list[Any], positions: Any = None) -> None:
        self.identity = identity
        self.items = items
        self.positions = positions

    @classmethod
    def as_read(cls, snapshot: Snapshot, identity: SourceIdentity | None = None) -> "Basis":
        """The basis of a dataset as read from its file, from a snapshot of it.

        Annotations read from the file (patched or not) sit at their
        ``origin``; other edits made before the snapshot do not matter.
        """
        identity = identity or SourceIdentity.of(snapshot.path)
        raw_type = msgspec.Raw
        placed = [(a.origin, x if type(x) is raw_type else x[0])
                  for x, a in zip(snapshot.items, snapshot.annotations)
                  if type(x) is not dict and type(a.origin) is int and a.origin >= 0]
        items: list[Any] = [None] * (max((o for o, _ in placed), default=-1) + 1)
        for origin, raw in placed:
            items[origin] = raw
        return cls(identity, items)

    @classmethod
    def as_saved(cls, snapshot: Snapshot, identity: SourceIdentity | None = None) -> "Basis":
        """The basis of the file ``snapshot`` was just saved to."""
        identity = identity or SourceIdentity.of(snapshot.path)
        origins = [a.origin if type(a.origin) is int and a.origin >= 0 else -1 for a in snapshot.annotations]
        positions = array("q", [-1]) * (max(origins, default=-1) + 1)
        for position, origin in enumerate(origins):
            if origin >= 0:
                positions[origin] = position
        return cls(identity, snapshot.items, positions)

    def entries(self, snapshot: Snapshot) -> list[Any]:
        """The journal's annotation entries, in document order.

        ``int``: the file's annotation at that position; ``dict``: an
        annotation in full; ``[position, patch]``: the file's annotation with
        top-level fields overridden; ``[text, patch or None]``: an annotation's
        JSON text (not found in the file), maybe patched.
        """
        items, positions = self.items, self.positions
        n = len(items)
        raw_type = msgspec.Raw
        if positions is None:
            # The file as read: the common case, one pass for untouched annotations.
            out = [o if type(x) is raw_type and type(o := a.origin) is int and 0 <= o < n and items[o] is x
                   else x
                   for x, a in zip(snapshot.items, snapshot.annotations)]
        else:
            out = list(snapshot.items)
        m = len(positions) if positions is not None else n
        used = bytearray(n)  # a position stands for one annotation at most
        for i, x in enumerate(out):
            if type(x) is int:
                if not used[x]:
                    used[x] = 1
                    continue
                x = snapshot.items[i]
            kind = type(x)
            o = snapshot.annotations[i].origin
            p = -1
            if type(o) is int and 0 <= o < m:
                p = positions[o] if positions is not None else o
            there = items[p] if 0 <= p < n and not used[p] else None
            if kind is raw_type:
                out[i] = p if there is x else [_raw_text(x), None]
            elif kind is tuple:
                raw, patch = x
                if type(there) is tuple and there[0] is raw and there[1] is patch:
                    out[i] = p
                elif there is raw:
                    out[i] = [p, patch]
                else:
                    out[i] = [_raw_text(raw), patch]
                    continue
            elif there is x:
                out[i] = p  # an edited object saved in that file, unchanged since
            else:
                out[i] = x
                continue
            if type(out[i]) is int or type(out[i][0]) is int:
                used[p] = 1
        return out


# ---- journal files -----------------------------------------------------------------
@dataclass(frozen=True)
class JournalInfo:
    """A journal's header: what it refers to, when and by whom it was written."""

    journal: str
    source: SourceIdentity
    written_at: float
    changes: int
    pid: int | None = None
    host: str | None = None

    @property
    def file_name(self) -> str:
        return os.path.basename(self.source.path)

    @property
    def when(self) -> str:
        return local_time(self.written_at)

    def is_live(self) -> bool:
        """Written by another cocoview that is still running (so not a crash)."""
        if self.pid is None or self.pid == os.getpid() or self.host != socket.gethostname():
            return False
        return _pid_alive(self.pid)


def _pid_alive(pid: int) -> bool:
    if sys.platform.startswith("win"):
        return False  # no harmless probe there; offering a live journal is the safe side
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def journal_path(folder: str | os.PathLike, source_path: str | os.PathLike) -> str:
    """Where the journal of ``source_path`` lives in ``folder`` (one per source path)."""
    key = os.path.abspath(os.fspath(source_path)).encode("utf-8", "surrogateescape")
    return os.path.join(os.fspath(folder), hashlib.sha256(key).hexdigest()[:24] + SUFFIX)


def write_journal(folder: str | os.PathLike, snapshot: Snapshot, basis: Basis, changes: int = 0) -> str:
    """Write (atomically) the journal of ``snapshot`` relative to ``basis``; returns its path."""
    header = {"format": FORMAT, "version": VERSION, "source": basis.identity.to_dict(),
              "written_at": time.time(), "changes": int(changes), "pid": os.getpid(),
              "host": socket.gethostname(), "layout": {"indent": snapshot.layout.indent,
                                                       "spaced": bool(snapshot.layout.spaced),
                                                       "stdlib": bool(snapshot.layout.stdlib),
                                                       "bom": bool(snapshot.layout.bom)}}
    with gc_paused():
        top = dict(snapshot.top_level)
        top["annotations"] = basis.entries(snapshot)
        body = {"top": top, "absent": sorted(snapshot.absent_keys)}
        if snapshot.layout.stdlib:
            # NaN and Infinity: only Python's json keeps them.
            encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        else:
            for key in ("images", "annotations"):
                top[key] = _in_slices(top[key])
            encoded = _encode(body)
    folder = os.fspath(folder)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise CocoError(f"{folder}: cannot create the recovery folder ({e.strerror or e})") from None
    path = journal_path(folder, basis.identity.path)
    write_atomic(path, _encode(header) + b"\n" + encoded)
    return path


def _in_slices(values: list[Any]) -> list[msgspec.Raw]:
    """A long list encoded a slice at a time (the same JSON once in a list).

    Each slice is a short step, so other threads (a GUI) keep running.
    """
    out = []
    for start in range(0, len(values), PACK_CHUNK):
        out.append(msgspec.Raw(_encode(values[start:start + PACK_CHUNK])[1:-1]))
    return out


def _read_header(path: str, f) -> tuple[JournalInfo, dict]:
    line = f.readline(1 << 20)
    try:
        header = _decode(line)
        if header.get("format") != FORMAT:
            raise ValueError("not a cocoview journal")
        if header.get("version") != VERSION:
            raise ValueError(f"written by another version of cocoview (format {header.get('version')})")
        info = JournalInfo(path, SourceIdentity.from_dict(header["source"]), float(header["written_at"]),
                           int(header.get("changes") or 0), header.get("pid"), header.get("host"))
    except (msgspec.DecodeError, AttributeError, KeyError, TypeError, ValueError) as e:
        raise CocoError(f"{path}: unreadable recovery record ({e})") from None
    return info, header


def read_info(path: str | os.PathLike) -> JournalInfo:
    """The header of a journal (cheap: the first line only)."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            return _read_header(path, f)[0]
    except OSError as e:
        raise CocoError(f"{path}: cannot read ({e.strerror or e})") from None


def find_journal(folder: str | os.PathLike, source_path: str | os.PathLike) -> JournalInfo | None:
    """The journal recorded for ``source_path``, if there is a readable one."""
    path = journal_path(folder, source_path)
    if not os.path.isfile(path):
        return None
    try:
        return read_info(path)
    except CocoError:
        return None


def list_journals(folder: str | os.PathLike) -> list[JournalInfo]:
    """Readable journals in ``folder``, newest first."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in names:
        if name.endswith(SUFFIX):
            try:
                found.append(read_info(os.path.join(folder, name)))
            except CocoError:
                continue
    found.sort(key=lambda info: info.written_at, reverse=True)
    return found


def remove_journal(folder: str | os.PathLike, source_path: str | os.PathLike) -> bool:
    """Delete the journal of ``source_path``; True if there was one."""
    try:
        os.unlink(journal_path(folder, source_path))
    except OSError:
        return False
    return True


def set_aside(info: JournalInfo) -> str | None:
    """Rename a journal that cannot be restored so it is kept but not offered again."""
    target = info.journal + ".unrestorable"
    try:
        os.replace(info.journal, target)
    except OSError:
        return None
    return target


# ---- restoring -----------------------------------------------------------------------
def restore(journal: str | os.PathLike | JournalInfo, dataset: "Dataset | None" = None,
            progress: Callable[[str, float], None] | None = None,
            cancel: threading.Event | None = None) -> "Dataset":
    """The source file with the journal's edits applied, as one undoable step.

    Reloads the source (or uses ``dataset``, just read from it and unedited).
    Raises CocoError when the source is gone or changed since the journal was
    written, or the journal is damaged. The result is dirty: undo gives back
    the file as it is on disk.
    """
    from cocoview.model.dataset import Dataset

    path = journal.journal if isinstance(journal, JournalInfo) else os.fspath(journal)
    try:
        with open(path, "rb") as f:
            info, header = _read_header(path, f)
            data = f.read()
    except OSError as e:
        raise CocoError(f"{path}: cannot read ({e.strerror or e})") from None
    source = info.source.path
    recorded = f"the unsaved changes recorded at {info.when}"
    try:
        now = SourceIdentity.of(source)
    except CocoError as e:
        raise CocoError(f"{e}; {recorded} cannot be restored without it") from None
    change = now.change_from(info.source)
    if change:
        raise CocoError(f"{source}: the file changed since the unsaved changes were recorded at {info.when}"
                        f" ({change}); they cannot be restored")
    try:
        body = json.loads(data) if (header.get("layout") or {}).get("stdlib") else _decode(data)
    except (ValueError, msgspec.DecodeError) as e:
        raise CocoError(f"{path}: damaged recovery record ({e})") from None
    if dataset is None:
        dataset = Dataset.load(source, progress, cancel)
    elif dataset.history.index != 0 or not dataset.history.is_clean:
        raise ValueError("restore needs a dataset as read from its file, before any edit")
    elif not dataset.path or os.path.abspath(dataset.path) != source:
        raise ValueError(f"restore needs the dataset read from {source}")
    state = _state_from_body(body, dataset, path)
    state.layout = _layout_from(header.get("layout"), dataset.layout)
    dataset.history.push(RestoredEdits(dataset, state, f"Restore unsaved changes from {info.when}"))
    return dataset


@dataclass
class _State:
    """Everything a restore swaps: key order, the three lists, other values."""

    top: list[tuple[str, Any]]
    images: list[dict]
    annotations: list[Annotation]
    categories: list[dict]
    absent: set[str]
    layout: Layout | None = None

    @classmethod
    def of(cls, ds: "Dataset") -> "_State":
        return cls(list(ds.top_level.items()), list(ds.images), list(ds.annotations),
                   list(ds.categories), set(ds.absent_keys), ds.layout)


def _layout_from(obj: Any, default: Layout) -> Layout:
    """The layout the edited dataset was written with (it may differ from the file's)."""
    if not isinstance(obj, dict):
        return default
    indent = obj.get("indent")
    return Layout(indent=indent if type(indent) is int and indent >= 0 else default.indent,
                  spaced=bool(obj.get("spaced", default.spaced)),
                  stdlib=bool(obj.get("stdlib", default.stdlib)), bom=bool(obj.get("bom", default.bom)))


def _state_from_body(body: Any, ds: "Dataset", path: str) -> _State:
    def damaged(why: str) -> CocoError:
        return CocoError(f"{path}: damaged recovery record ({why})")

    if not isinstance(body, dict) or not isinstance(body.get("top"), dict):
        raise damaged("no document")
    top: dict = body["top"]
    for key in _LISTS:
        value = top.get(key)
        if not isinstance(value, list):
            raise damaged(f"\"{key}\" is not a list")
        if key != "annotations" and not all(isinstance(x, dict) for x in value):
            raise damaged(f"\"{key}\" holds something other than objects")
    absent = body.get("absent", [])
    if not isinstance(absent, list):
        raise damaged("bad list of absent keys")
    originals = ds.annotations
    n = len(originals)
    used = bytearray(n)

    def original(i: int, position: int) -> Annotation:
        if not 0 <= position < n or used[position]:
            raise damaged(f"annotation entry {i} points to position {position} of {n}")
        used[position] = 1
        return originals[position]

    annotations: list[Annotation] = []
    for i, entry in enumerate(top["annotations"]):
        if type(entry) is int:
            annotations.append(original(i, entry))
        elif isinstance(entry, dict):
            annotations.append(Annotation.from_dict(entry))
        elif isinstance(entry, list) and len(entry) == 2 and (entry[1] is None or isinstance(entry[1], dict)):
            source, patch = entry
            if type(source) is int:
                ann = msgspec.structs.replace(original(i, source))
            elif isinstance(source, str):
                raw = msgspec.Raw(source.encode("utf-8"))
                try:
                    ann = _decode_head(raw)
                except (msgspec.DecodeError, msgspec.ValidationError):
                    raise damaged(f"annotation entry {i} is not an annotation object") from None
                ann.raw = raw
            else:
                raise damaged(f"annotation entry {i} has a bad source")
            if patch:
                ann.patch_fields(patch)
            annotations.append(ann)
        else:
            raise damaged(f"annotation entry {i} is neither a position nor an object")
    return _State([(k, v) for k, v in top.items()], top["images"], annotations,
                  top["categories"], {str(k) for k in absent})


class RestoredEdits(Command):
    """Puts a journal's state in place of the file's; undo puts the file's back."""

    def __init__(self, ds: "Dataset", state: _State, text: str) -> None:
        self.ds = ds
        self.text = text
        self._after = state
        self._before: _State | None = None
        self.touches = len(state.annotations)

    def do(self) -> None:
        if self._before is None:
            self._before = _State.of(self.ds)
        _apply(self.ds, self._after)

    def undo(self) -> None:
        _apply(self.ds, self._before)


def _apply(ds: "Dataset", state: _State) -> None:
    old_images, old_anns = list(ds.images), list(ds.annotations)
    ds.images[:] = state.images
    ds.annotations[:] = state.annotations
    ds.categories[:] = state.categories
    lists = {"images": ds.images, "annotations": ds.annotations, "categories": ds.categories}
    top = ds.top_level
    top.clear()
    for key, value in state.top:
        top[key] = lists.get(key, value)
    ds.absent_keys.clear()
    ds.absent_keys.update(state.absent)
    if state.layout is not None:
        ds.layout = state.layout
    ds._build_indexes()
    events = ds.events
    for event, key, items in ((events.annotations_removed, "annotations", _not_in(old_anns, state.annotations)),
                              (events.images_removed, "images", _not_in(old_images, state.images)),
                              (events.images_added, "images", _not_in(state.images, old_images)),
                              (events.annotations_added, "annotations", _not_in(state.annotations, old_anns))):
        if items:
            event.emit(**{key: items})
    events.categories_changed.emit()


def _not_in(items: list, others: list) -> list:
    present = {id(x) for x in others}
    return [x for x in items if id(x) not in present]
