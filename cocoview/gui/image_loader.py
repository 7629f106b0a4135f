"""Decoding image files off the GUI thread, with a small cache bounded by bytes.

Images are decoded with OpenCV (Pillow when OpenCV cannot read the file) on a
private thread pool and handed to the GUI thread as ``QImage`` objects in a
format a ``QPixmap`` can adopt without converting: ``Format_RGB32`` for opaque
images and ``Format_ARGB32_Premultiplied`` when there is transparency (both
are BGRA byte order in memory, which is what OpenCV produces).

The ``QImage`` wraps the NumPy array that holds the pixels instead of copying
it. PySide keeps a reference to the wrapped buffer and drops it only when the
last ``QImage`` sharing that memory is destroyed (including copies made inside
Qt, such as the one a raster ``QPixmap`` keeps), so the array lives exactly as
long as it is needed. Copying would cost about 30 ms per 12-megapixel image:
a fresh Qt allocation of 46 MB plus the copy itself.
"""

from __future__ import annotations

import io
import itertools
import os
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, replace
from typing import Any, Hashable, Iterable

import cv2
import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from cocoview.model.image_paths import orientation_of

DEFAULT_CACHE_BYTES = 512 * 1024 * 1024
DEFAULT_THREADS = 2
_HEADER_BYTES = 512 * 1024


# ---- decoding (runs on worker threads) -----------------------------------------
@dataclass(frozen=True)
class ImageInfo:
    """What was loaded, as delivered with ``ImageLoader.loaded``."""

    path: str
    width: int          # stored size, EXIF orientation not applied
    height: int
    decode_ms: float    # reading, decoding and converting, on the worker thread
    pixels: str         # e.g. "8-bit colour", "16-bit grey, shown scaled 0..max"
    decoder: str        # "opencv" or "pillow"
    file_bytes: int
    exif_orientation: int | None = None
    from_cache: bool = False


class ImageLoadError(Exception):
    """An image file could not be read or decoded; the message names the file."""


def _scaled_to_8_bit(channels: np.ndarray) -> tuple[np.ndarray, str]:
    """Deep (16-bit, float, signed) pixels mapped linearly onto 0..255."""
    data = channels
    if data.dtype.kind == "f":
        data = np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0)
    low = min(float(data.min()), 0.0) if data.size else 0.0
    high = float(data.max()) if data.size else 0.0
    alpha = 255.0 / (high - low) if high > low else 0.0
    out = cv2.convertScaleAbs(data, alpha=alpha, beta=-low * alpha)
    if out.ndim == 2:  # OpenCV drops a single channel axis
        out = out[:, :, None]
    bits = data.dtype.itemsize * 8
    kind = "float" if data.dtype.kind == "f" else f"{bits}-bit"
    span = "0..max" if low == 0 else "min..max"
    return out, f"{kind} {{}}, shown scaled {span}"


def _alpha_to_8_bit(alpha: np.ndarray) -> np.ndarray:
    if alpha.dtype == np.uint8:
        return alpha
    if alpha.dtype == np.uint16:
        return (alpha >> 8).astype(np.uint8)
    return cv2.convertScaleAbs(np.clip(np.nan_to_num(alpha), 0.0, 1.0), alpha=255.0)


def qimage_from_array(array: np.ndarray) -> tuple[QImage, str]:
    """A QImage (RGB32 or ARGB32_Premultiplied) from an OpenCV-style array.

    ``array`` is H×W grey, H×W×1 grey, H×W×2 grey+alpha, H×W×3 BGR or H×W×4
    BGRA (more channels: the first three are used), of any depth. Returns the
    image and a short description of the source pixels.
    """
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"unexpected pixel array shape {array.shape}")
    channels = array.shape[2]
    if channels > 4:
        array, channels = array[:, :, :3], 3
    if array.dtype.kind not in "uif" or array.dtype.itemsize > 8 or array.dtype in (
            np.uint32, np.uint64, np.int64):
        array = array.astype(np.float64)
    if channels == 4 and array.dtype == np.uint8:
        alpha = array[:, :, 3]
        if int(alpha.min()) == 255:  # opaque: already the RGB32 byte layout
            bgra = np.ascontiguousarray(array)
            height, width = bgra.shape[:2]
            return QImage(bgra, width, height, width * 4, QImage.Format.Format_RGB32), \
                "8-bit colour + opaque alpha"
    colour = array[:, :, : 1 if channels <= 2 else 3]
    alpha = array[:, :, channels - 1] if channels in (2, 4) else None
    kind = "grey" if colour.shape[2] == 1 else "colour"
    if colour.dtype == np.uint8:
        description = f"8-bit {kind}"
    else:
        colour, template = _scaled_to_8_bit(colour)
        description = template.format(kind)
    colour = np.ascontiguousarray(colour)
    if colour.shape[2] == 1:
        bgra = cv2.cvtColor(colour, cv2.COLOR_GRAY2BGRA)
    else:
        bgra = cv2.cvtColor(colour, cv2.COLOR_BGR2BGRA)
    image_format = QImage.Format.Format_RGB32
    if alpha is not None:
        alpha = _alpha_to_8_bit(alpha)
        if int(alpha.min()) < 255:
            bgra[:, :, 3] = alpha
            # Premultiplied is what QPainter and QPixmap use natively.
            bgra = cv2.cvtColor(bgra, cv2.COLOR_RGBA2mRGBA)
            image_format = QImage.Format.Format_ARGB32_Premultiplied
            description += " + alpha"
    height, width = bgra.shape[:2]
    # No copy: PySide holds ``bgra`` until the last QImage sharing it is gone.
    image = QImage(bgra, width, height, width * 4, image_format)
    return image, description


def _array_from_pillow(data: np.ndarray) -> np.ndarray:
    """Decode with Pillow into the OpenCV conventions (BGR/BGRA/grey)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        mode = image.mode
        if mode in ("I;16", "I;16B", "I;16L", "I", "F", "L", "1"):
            if mode == "1":
                image = image.convert("L")
            return np.asarray(image)
        if mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
            return cv2.cvtColor(np.asarray(image.convert("RGBA")), cv2.COLOR_RGBA2BGRA)
        return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)


def _exif_orientation_of_bytes(data: np.ndarray) -> int | None:
    from PIL import Image

    # EXIF sits in the header (JPEG APP1, PNG eXIf before IDAT): reading the
    # first part of the file is enough and avoids copying a large file again.
    try:
        with Image.open(io.BytesIO(data[:_HEADER_BYTES])) as image:
            return orientation_of(image)
    except Exception:  # not a format Pillow knows, or a broken header
        return None


def decode_image(path: str | os.PathLike) -> tuple[QImage, ImageInfo]:
    """Read and decode an image file. Raises ImageLoadError naming the file."""
    path = os.fspath(path)
    started = time.perf_counter()
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError:
        raise ImageLoadError(f"Image file not found: {path}") from None
    except IsADirectoryError:
        raise ImageLoadError(f"Not an image file but a folder: {path}") from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise ImageLoadError(f"Cannot read image file {path}: {reason}") from None
    if data.size == 0:
        raise ImageLoadError(f"Image file is empty: {path}")
    decoder = "opencv"
    try:
        array = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    except cv2.error:
        array = None
    if array is None or array.size == 0:
        decoder = "pillow"
        try:
            array = _array_from_pillow(data)
        except MemoryError:
            raise ImageLoadError(f"Image file is too large to load: {path}") from None
        except Exception as error:
            detail = str(error) or type(error).__name__
            raise ImageLoadError(
                f"Cannot decode image file {path}: corrupt or not a supported image ({detail})"
            ) from None
    try:
        image, pixels = qimage_from_array(array)
    except MemoryError:
        raise ImageLoadError(f"Image file is too large to load: {path}") from None
    except ValueError as error:
        raise ImageLoadError(f"Cannot decode image file {path}: {error}") from None
    elapsed = (time.perf_counter() - started) * 1000.0
    info = ImageInfo(path=path, width=image.width(), height=image.height(),
                     decode_ms=elapsed, pixels=pixels, decoder=decoder,
                     file_bytes=int(data.size),
                     exif_orientation=_exif_orientation_of_bytes(data))
    return image, info


class _DecodeTask(QRunnable):
    """Decodes one file and posts the outcome back to the loader's thread."""

    def __init__(self, finished, job_id: int, path: str) -> None:
        super().__init__()
        self._finished = finished
        self._job_id = job_id
        self._path = path

    def run(self) -> None:
        try:
            result: Any = decode_image(self._path)
        except ImageLoadError as error:
            result = str(error)
        except Exception as error:  # never let a worker die silently
            result = f"Cannot decode image file {self._path}: {error or type(error).__name__}"
        try:
            self._finished.emit(self._job_id, result)
        except RuntimeError:  # the loader was deleted meanwhile
            pass


# ---- cache -----------------------------------------------------------------------
@dataclass
class _Entry:
    path: str
    image: QImage
    info: ImageInfo
    nbytes: int
    job_id: int = 0   # start order of the decode that made it


class ImageCache:
    """Least-recently-used images, bounded by their size in bytes.

    The newest entry is always kept, even alone over the budget; the
    ``pinned`` key (the image on screen) is never evicted by other entries.
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = int(max_bytes)
        self.total_bytes = 0
        self.pinned: Hashable | None = None
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        return list(self._entries)

    def peek(self, key: Hashable) -> _Entry | None:
        """The entry for ``key`` without marking it as recently used."""
        return self._entries.get(key)

    def get(self, key: Hashable, path: str | None = None) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None or (path is not None and entry.path != path):
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: Hashable, entry: _Entry) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.total_bytes -= old.nbytes
        self._entries[key] = entry
        self.total_bytes += entry.nbytes
        self._evict(keep=key)

    def discard(self, key: Hashable) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.total_bytes -= old.nbytes

    def clear(self) -> None:
        self._entries.clear()
        self.total_bytes = 0

    def set_max_bytes(self, max_bytes: int) -> None:
        self.max_bytes = int(max_bytes)
        self._evict(keep=next(reversed(self._entries), None))

    def _evict(self, keep: Hashable) -> None:
        if self.total_bytes <= self.max_bytes:
            return
        for key in list(self._entries):
            if self.total_bytes <= self.max_bytes:
                break
            if key == keep or key == self.pinned:
                continue
            self.total_bytes -= self._entries.pop(key).nbytes


# ---- loader ----------------------------------------------------------------------
@dataclass(eq=False)
class _Job:
    key: Hashable
    path: str
    priority: int
    order: int
    wanted: bool                  # someone waits for ``loaded``/``failed``
    job_id: int = 0


class ImageLoader(QObject):
    """Decodes images on a private thread pool and caches the results.

    One loader serves one consumer showing one current image: ``request()``
    supersedes earlier requests that have not been delivered yet (pass
    ``keep_pending=True`` to queue several). ``loaded`` and ``failed`` are
    emitted on the thread the loader lives in (the GUI thread), never from
    inside ``request()``. Prefetched images fill the cache silently.
    Prefetching never takes the last free worker, so a request starts at once.
    """

    #: key, image, ImageInfo
    loaded = Signal(object, QImage, object)
    #: key, message naming the file
    failed = Signal(object, str)
    _finished = Signal(int, object)

    def __init__(self, parent: QObject | None = None, *, threads: int = DEFAULT_THREADS,
                 cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max(1, int(threads)))
        self.cache = ImageCache(cache_bytes)
        self._order = itertools.count()
        self._ids = itertools.count(1)
        self._pending: list[_Job] = []           # requests not started
        self._prefetch: deque[_Job] = deque()    # prefetches not started
        self._running: dict[int, _Job] = {}
        self._running_by_key: dict[Hashable, _Job] = {}
        self._ready: list[tuple[_Job, _Entry | None]] = []  # delivered on the next turn
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush_ready)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # ---- public API ---------------------------------------------------------
    def request(self, key: Hashable, path: str | os.PathLike | None, priority: int = 0,
                *, keep_pending: bool = False) -> None:
        """Load ``path`` for ``key``; ``loaded`` or ``failed`` follows.

        Higher ``priority`` requests start first among pending ones.
        """
        if not keep_pending:
            self._supersede(except_key=key)
        self._ready = [(j, e) for j, e in self._ready if j.key != key]
        self.cache.pinned = key
        if path is None:
            job = _Job(key, "", priority, next(self._order), True)
            self._ready.append((job, None))
            self._flush_timer.start()
            return
        path = os.fspath(path)
        entry = self.cache.get(key, path)
        if entry is not None:
            job = _Job(key, path, priority, next(self._order), True)
            self._ready.append((job, entry))
            self._flush_timer.start()
            return
        running = self._running_by_key.get(key)
        if running is not None:
            running.wanted = running.path == path
            if running.wanted:
                return
        self._prefetch = deque(j for j in self._prefetch if j.key != key)
        for job in self._pending:
            if job.key == key:
                job.path, job.priority, job.wanted = path, priority, True
                break
        else:
            self._pending.append(_Job(key, path, priority, next(self._order), True))
        self._dispatch()

    def prefetch(self, items: Iterable[tuple[Hashable, str | os.PathLike | None]]) -> None:
        """Decode these (in order) into the cache when workers are idle.

        Replaces the previous prefetch list: entries no longer listed and not
        yet started are dropped.
        """
        queued = {job.key for job in self._pending}
        jobs: deque[_Job] = deque()
        seen: set[Hashable] = set()
        for key, path in items:
            if path is None or key in seen or key in queued:
                continue
            seen.add(key)
            path = os.fspath(path)
            cached = self.cache.peek(key)
            if cached is not None and cached.path == path:
                continue
            running = self._running_by_key.get(key)
            if running is not None and running.path == path:
                continue
            jobs.append(_Job(key, path, -1, next(self._order), False))
        self._prefetch = jobs
        self._dispatch()

    def cached(self, key: Hashable, path: str | os.PathLike | None = None) -> QImage | None:
        """The cached image for ``key`` (and ``path`` when given), or None."""
        entry = self.cache.get(key, None if path is None else os.fspath(path))
        return None if entry is None else entry.image

    def cached_info(self, key: Hashable) -> ImageInfo | None:
        entry = self.cache.get(key)
        return None if entry is None else replace(entry.info, from_cache=True)

    def cancel(self, key: Hashable | None = None) -> None:
        """Forget pending work for ``key`` (all keys when None), prefetches included.

        Decodes already running finish into the cache without a signal.
        """
        if key is None:
            self._supersede(except_key=_NO_KEY)
            self._prefetch.clear()
            return
        self._pending = [j for j in self._pending if j.key != key]
        self._prefetch = deque(j for j in self._prefetch if j.key != key)
        self._ready = [(j, e) for j, e in self._ready if j.key != key]
        running = self._running_by_key.get(key)
        if running is not None:
            running.wanted = False

    def clear_cache(self) -> None:
        """Drop every cached image (after the images folder changed)."""
        self.cache.clear()

    def set_cache_bytes(self, max_bytes: int) -> None:
        self.cache.set_max_bytes(max_bytes)

    def is_busy(self) -> bool:
        return bool(self._running or self._pending or self._prefetch or self._ready)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Drop pending work and wait for running decodes; True if all finished.

        Called automatically when the application is about to quit.
        """
        self._pending.clear()
        self._prefetch.clear()
        self._ready.clear()
        for job in self._running.values():
            job.wanted = False
        return self._pool.waitForDone(timeout_ms)

    @property
    def threads(self) -> int:
        return self._pool.maxThreadCount()

    # ---- scheduling -------------------------------------------------------------
    def _supersede(self, except_key: Hashable) -> None:
        self._pending = [j for j in self._pending if j.key == except_key]
        self._ready = [(j, e) for j, e in self._ready if j.key == except_key]
        for job in self._running.values():
            if job.key != except_key:
                job.wanted = False

    def _dispatch(self) -> None:
        limit = self._pool.maxThreadCount()
        while self._pending and len(self._running) < limit:
            best = max(self._pending, key=lambda j: (j.priority, -j.order))
            self._pending.remove(best)
            self._start(best)
        if self._pending:
            return
        # Keep one worker free for the next request (when there is more than one).
        prefetch_slots = max(1, limit - 1)
        running_prefetches = sum(1 for j in self._running.values() if not j.wanted)
        while (self._prefetch and len(self._running) < limit
               and running_prefetches < prefetch_slots):
            job = self._prefetch.popleft()
            if job.key in self._running_by_key:
                continue
            self._start(job)
            running_prefetches += 1

    def _start(self, job: _Job) -> None:
        job.job_id = next(self._ids)
        self._running[job.job_id] = job
        self._running_by_key[job.key] = job
        # The pool owns and deletes the task once it has run.
        self._pool.start(_DecodeTask(self._finished, job.job_id, job.path))

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: Any) -> None:
        job = self._running.pop(job_id, None)
        if job is None:
            return
        if self._running_by_key.get(job.key) is job:
            del self._running_by_key[job.key]
        entry = None
        if not isinstance(result, str):
            image, info = result
            entry = _Entry(job.path, image, info, int(image.sizeInBytes()), job.job_id)
            if not self._has_newer_job(job):
                self.cache.put(job.key, entry)
        self._dispatch()
        if not job.wanted:
            return
        if entry is None:
            self.failed.emit(job.key, result)
        else:
            self.loaded.emit(job.key, entry.image, entry.info)

    def _has_newer_job(self, job: _Job) -> bool:
        """True when ``job.key`` was asked for again with another path meanwhile."""
        running = self._running_by_key.get(job.key)
        if running is not None and running is not job:
            return True
        cached = self.cache.peek(job.key)
        if cached is not None and cached.job_id > job.job_id:
            return True
        return any(j.key == job.key for j in self._pending)

    @Slot()
    def _flush_ready(self) -> None:
        ready, self._ready = self._ready, []
        for job, entry in ready:
            if entry is None:
                self.failed.emit(job.key, "No image file was found for this image")
            else:
                self.loaded.emit(job.key, entry.image, replace(entry.info, from_cache=True))


_NO_KEY = object()
