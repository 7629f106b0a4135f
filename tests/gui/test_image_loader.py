import gc
import threading
import time
import weakref

import cv2
import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QCoreApplication, QThread
from PySide6.QtGui import QImage, QPixmap

from cocoview.gui import image_loader
from cocoview.gui.image_loader import (
    ImageCache,
    ImageLoader,
    ImageLoadError,
    _Entry,
    decode_image,
    qimage_from_array,
)

KERAS_VAL = "keras-retinanet-test-data/coco/images/val2017/000000397133.jpg"


def bgra_of(image: QImage) -> np.ndarray:
    """The pixels of a 32-bit QImage as an H×W×4 array (B, G, R, A bytes)."""
    assert image.depth() == 32
    raw = np.frombuffer(image.constBits(), np.uint8)
    rows = raw.reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4).copy()


@pytest.fixture
def loader(qtbot):
    made = ImageLoader(threads=2)
    yield made
    assert made.shutdown(5000)
    QCoreApplication.processEvents()


def wait_idle(qtbot, loader, timeout=5000):
    qtbot.waitUntil(lambda: not loader.is_busy(), timeout=timeout)


# ---- conversion ----------------------------------------------------------------
def test_grey_becomes_rgb32_with_equal_channels():
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    image, pixels = qimage_from_array(grey)
    assert image.format() == QImage.Format.Format_RGB32
    assert (image.width(), image.height()) == (4, 3)
    out = bgra_of(image)
    for channel in range(3):
        assert np.array_equal(out[:, :, channel], grey)
    assert (out[:, :, 3] == 255).all()
    assert pixels == "8-bit grey"


def test_bgr_keeps_channel_order():
    bgr = np.zeros((2, 3, 3), np.uint8)
    bgr[0, 0] = (255, 0, 0)   # blue
    bgr[1, 2] = (0, 0, 255)   # red
    image, _ = qimage_from_array(bgr)
    assert image.pixelColor(0, 0).getRgb() == (0, 0, 255, 255)
    assert image.pixelColor(2, 1).getRgb() == (255, 0, 0, 255)


def test_sixteen_bit_is_scaled_to_its_maximum():
    deep = np.array([[0, 1000], [2000, 4000]], np.uint16)
    image, pixels = qimage_from_array(deep)
    out = bgra_of(image)[:, :, 0]
    assert out.tolist() == [[0, 64], [128, 255]]
    assert pixels.startswith("16-bit grey") and "scaled" in pixels


def test_float_and_signed_pixels_are_scaled():
    values = np.array([[-1.0, 0.0], [1.0, np.nan]], np.float32)
    out = bgra_of(qimage_from_array(values)[0])[:, :, 0]
    assert out.tolist() == [[0, 128], [255, 128]]
    assert bgra_of(qimage_from_array(np.array([[5, 10]], np.int64))[0])[0, :, 0].tolist() == [128, 255]


def test_transparency_gives_premultiplied_argb():
    bgra = np.zeros((1, 2, 4), np.uint8)
    bgra[0, 0] = (0, 0, 200, 255)
    bgra[0, 1] = (0, 0, 200, 0)
    image, pixels = qimage_from_array(bgra)
    assert image.format() == QImage.Format.Format_ARGB32_Premultiplied
    assert image.pixelColor(0, 0).getRgb() == (200, 0, 0, 255)
    assert image.pixelColor(1, 0).alpha() == 0
    assert pixels.endswith("+ alpha")


def test_opaque_alpha_is_plain_rgb32():
    bgra = np.full((2, 2, 4), 255, np.uint8)
    bgra[..., :3] = (1, 2, 3)
    image, _ = qimage_from_array(bgra)
    assert image.format() == QImage.Format.Format_RGB32
    assert image.pixelColor(0, 0).getRgb() == (3, 2, 1, 255)


def test_sixteen_bit_alpha_and_grey_alpha():
    la = np.zeros((1, 2, 2), np.uint16)
    la[0, 0] = (65535, 65535)
    la[0, 1] = (65535, 0)
    image, _ = qimage_from_array(la)
    assert image.format() == QImage.Format.Format_ARGB32_Premultiplied
    assert image.pixelColor(0, 0).getRgb() == (255, 255, 255, 255)
    assert image.pixelColor(1, 0).alpha() == 0


def test_qimage_keeps_its_pixel_buffer_alive(qapp):
    # The loader wraps arrays without copying; this is the binding behaviour it needs.
    class Pixels(np.ndarray):
        pass

    array = np.zeros((4, 4, 4), np.uint8).view(Pixels)
    array[...] = 77
    alive = weakref.ref(array)
    image = QImage(array, 4, 4, 16, QImage.Format.Format_RGB32)
    pixmap = QPixmap.fromImage(image)
    shared = QImage(image)
    del array, image
    gc.collect()
    assert alive() is not None
    assert shared.pixelColor(3, 3).red() == 77
    del shared
    gc.collect()
    assert alive() is not None  # the pixmap still shares the pixels
    assert pixmap.toImage().pixelColor(0, 0).blue() == 77
    del pixmap
    gc.collect()
    assert alive() is None


# ---- decoding files ----------------------------------------------------------------
def test_decode_corpus_jpeg_matches_opencv(corpus):
    path = corpus / KERAS_VAL
    image, info = decode_image(path)
    assert (info.width, info.height) == (640, 427)
    assert info.decoder == "opencv" and info.decode_ms > 0
    expected = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(bgra_of(image)[:, :, :3], expected)


def test_pillow_fallback_for_formats_opencv_cannot_read(tmp_path):
    rgb = np.random.default_rng(1).integers(0, 255, (5, 7, 3), dtype=np.uint8)
    path = tmp_path / "picture.tga"
    Image.fromarray(rgb).save(path)
    image, info = decode_image(path)
    assert info.decoder == "pillow"
    assert np.array_equal(bgra_of(image)[:, :, :3], rgb[:, :, ::-1])


def test_pillow_fallback_gives_the_same_pixels_as_opencv(corpus, monkeypatch):
    path = corpus / KERAS_VAL
    direct, _ = decode_image(path)
    monkeypatch.setattr(image_loader.cv2, "imdecode", lambda *a: None)
    fallback, info = decode_image(path)
    assert info.decoder == "pillow"
    difference = np.abs(bgra_of(direct).astype(int) - bgra_of(fallback).astype(int))
    assert difference.max() <= 3  # two JPEG decoders may round differently


def test_exif_orientation_reported_but_not_applied(tmp_path):
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    noise = np.random.default_rng(2).integers(0, 255, (700, 900, 3), dtype=np.uint8)
    Image.fromarray(noise).save(path, quality=95, exif=exif.tobytes())
    assert path.stat().st_size > image_loader._HEADER_BYTES  # EXIF found in the header part
    image, info = decode_image(path)
    assert (image.width(), image.height()) == (900, 700)
    assert info.exif_orientation == 6
    plain = tmp_path / "plain.jpg"
    Image.new("RGB", (4, 4)).save(plain)
    assert decode_image(plain)[1].exif_orientation is None


@pytest.mark.parametrize("content, message", [
    (None, "not found"),
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "corrupt"),
    (b"plain text, not an image", "corrupt"),
])
def test_decode_errors_name_the_file(tmp_path, content, message):
    path = tmp_path / "image.png"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImageLoadError, match=message) as caught:
        decode_image(path)
    assert str(path) in str(caught.value)


def test_decode_a_folder_fails_clearly(tmp_path):
    with pytest.raises(ImageLoadError, match="folder"):
        decode_image(tmp_path)


# ---- cache ---------------------------------------------------------------------
def entry(size: int, path: str = "p") -> _Entry:
    image = QImage(size, 1, QImage.Format.Format_RGB32)
    return _Entry(path, image, None, int(image.sizeInBytes()))


def test_cache_evicts_least_recently_used_by_bytes():
    cache = ImageCache(max_bytes=4 * 100 * 3)  # three 100-pixel images
    for key in "abc":
        cache.put(key, entry(100))
    assert cache.total_bytes == 1200
    cache.get("a")  # a is now the most recent
    cache.put("d", entry(100))
    assert cache.keys() == ["c", "a", "d"]
    cache.put("e", entry(200))  # needs two slots
    assert cache.keys() == ["d", "e"]
    assert cache.total_bytes == 1200


def test_cache_keeps_newest_even_over_budget_and_respects_pin():
    cache = ImageCache(max_bytes=400)
    cache.put("small", entry(50))
    cache.pinned = "small"
    cache.put("huge", entry(1000))
    assert cache.keys() == ["small", "huge"]
    cache.put("other", entry(10))
    assert cache.keys() == ["small", "other"]
    cache.set_max_bytes(0)
    assert cache.keys() == ["small", "other"]
    cache.pinned = None
    cache.set_max_bytes(0)
    assert cache.keys() == ["other"]


def test_cache_entry_must_match_path():
    cache = ImageCache()
    cache.put("k", entry(4, "one.jpg"))
    assert cache.get("k", "one.jpg") is not None
    assert cache.get("k", "two.jpg") is None
    assert cache.get("k") is not None


# ---- loader ------------------------------------------------------------------------
def test_loader_delivers_corpus_jpeg_on_gui_thread(qtbot, loader, corpus):
    path = corpus / KERAS_VAL
    threads = []
    loader.loaded.connect(lambda *a: threads.append(QThread.currentThread()))
    with qtbot.waitSignal(loader.loaded, timeout=5000) as blocker:
        loader.request("val", path)
    key, image, info = blocker.args
    assert key == "val"
    assert (image.width(), image.height()) == (640, 427)
    assert (info.width, info.height) == (640, 427)
    assert info.decode_ms > 0 and not info.from_cache
    assert np.array_equal(bgra_of(image)[:, :, :3], cv2.imread(str(path)))
    assert threads == [QCoreApplication.instance().thread()]
    assert loader.cached("val") is not None
    assert loader.cached("val", path) is not None
    assert loader.cached("val", path.with_name("other.jpg")) is None


def test_loader_reports_missing_and_corrupt_files(qtbot, loader, tmp_path):
    missing = tmp_path / "missing.jpg"
    with qtbot.waitSignal(loader.failed, timeout=5000) as blocker:
        loader.request(1, missing)
    assert blocker.args[0] == 1
    assert "not found" in blocker.args[1] and str(missing) in blocker.args[1]
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    with qtbot.waitSignal(loader.failed, timeout=5000) as blocker:
        loader.request(2, corrupt)
    assert blocker.args[0] == 2 and str(corrupt) in blocker.args[1]
    assert loader.cached(2) is None
    with qtbot.waitSignal(loader.failed, timeout=5000) as blocker:
        loader.request(3, None)
    assert blocker.args[0] == 3


def test_cached_request_is_delivered_later_not_inside_request(qtbot, loader, corpus):
    path = corpus / KERAS_VAL
    with qtbot.waitSignal(loader.loaded, timeout=5000):
        loader.request("k", path)
    seen = []
    loader.loaded.connect(lambda key, image, info: seen.append(info))
    loader.request("k", path)
    assert seen == []  # never re-entrant
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=2000)
    assert seen[0].from_cache


def write_images(folder, count, size=(64, 48)):
    paths = []
    for index in range(count):
        path = folder / f"img{index}.png"
        Image.new("RGB", size, (index * 20 % 256, 10, 10)).save(path)
        paths.append(path)
    return paths


def test_prefetch_then_request_comes_from_cache(qtbot, loader, tmp_path, monkeypatch):
    paths = write_images(tmp_path, 3)
    decoded = []
    real = image_loader.decode_image
    monkeypatch.setattr(image_loader, "decode_image", lambda p: decoded.append(p) or real(p))
    loaded = []
    loader.loaded.connect(lambda key, image, info: loaded.append((key, info)))
    loader.prefetch([(k, p) for k, p in enumerate(paths)])
    wait_idle(qtbot, loader)
    assert loaded == []  # prefetching is silent
    assert sorted(loader.cache.keys()) == [0, 1, 2]
    with qtbot.waitSignal(loader.loaded, timeout=2000) as blocker:
        loader.request(1, paths[1])
    assert blocker.args[0] == 1 and blocker.args[2].from_cache
    assert len(decoded) == 3  # nothing decoded twice


def slow_decoder(monkeypatch, slow_names, delay):
    real = image_loader.decode_image
    started = []

    def decode(path):
        started.append(str(path))
        if any(str(path).endswith(name) for name in slow_names):
            time.sleep(delay)
        return real(path)

    monkeypatch.setattr(image_loader, "decode_image", decode)
    return started


def test_prefetch_never_takes_the_last_worker(qtbot, loader, tmp_path, monkeypatch):
    paths = write_images(tmp_path, 6)
    slow = [p.name for p in paths[:5]]
    started = slow_decoder(monkeypatch, slow, delay=1.0)
    loader.prefetch([(k, p) for k, p in enumerate(paths[:5])])
    qtbot.waitUntil(lambda: len(started) == 1, timeout=2000)
    begin = time.perf_counter()
    with qtbot.waitSignal(loader.loaded, timeout=3000) as blocker:
        loader.request("now", paths[5])
    assert blocker.args[0] == "now"
    assert time.perf_counter() - begin < 0.8  # did not wait for a 1 s prefetch
    assert len(started) == 2  # one prefetch running, one request


def test_new_prefetch_list_drops_stale_prefetches(qtbot, loader, tmp_path, monkeypatch):
    paths = write_images(tmp_path, 6)
    started = slow_decoder(monkeypatch, [p.name for p in paths], delay=0.3)
    loader.prefetch([(k, p) for k, p in enumerate(paths[:4])])
    qtbot.waitUntil(lambda: len(started) == 1, timeout=2000)
    loader.prefetch([(5, paths[5])])  # the user jumped elsewhere
    wait_idle(qtbot, loader)
    assert [s.rsplit("/", 1)[-1] for s in started] == ["img0.png", "img5.png"]
    assert sorted(loader.cache.keys()) == [0, 5]


def test_request_promotes_a_running_prefetch(qtbot, loader, tmp_path, monkeypatch):
    paths = write_images(tmp_path, 1)
    started = slow_decoder(monkeypatch, ["img0.png"], delay=0.3)
    loader.prefetch([("a", paths[0])])
    qtbot.waitUntil(lambda: len(started) == 1, timeout=2000)
    with qtbot.waitSignal(loader.loaded, timeout=3000) as blocker:
        loader.request("a", paths[0])
    assert blocker.args[0] == "a" and not blocker.args[2].from_cache
    assert len(started) == 1


def test_new_request_supersedes_undelivered_ones(qtbot, loader, tmp_path, monkeypatch):
    paths = write_images(tmp_path, 4)
    slow_decoder(monkeypatch, ["img0.png"], delay=0.3)
    keys = []
    loader.loaded.connect(lambda key, image, info: keys.append(key))
    loader.request(0, paths[0])
    loader.request(1, paths[1])
    loader.request(2, paths[2])
    wait_idle(qtbot, loader)
    assert keys == [2]
    assert 0 in loader.cache  # the superseded decode still fills the cache
    keys.clear()
    loader.request(0, paths[0])
    loader.request(3, paths[3], keep_pending=True)
    wait_idle(qtbot, loader)
    assert sorted(keys) == [0, 3]


def test_priority_orders_pending_requests(qtbot, tmp_path, monkeypatch):
    paths = write_images(tmp_path, 4)
    started = slow_decoder(monkeypatch, ["img0.png"], delay=0.3)
    loader = ImageLoader(threads=1)
    try:
        loader.request("first", paths[0])
        qtbot.waitUntil(lambda: len(started) == 1, timeout=2000)
        loader.request("low", paths[1], priority=0, keep_pending=True)
        loader.request("high", paths[2], priority=5, keep_pending=True)
        loader.request("mid", paths[3], priority=1, keep_pending=True)
        wait_idle(qtbot, loader)
        names = [s.rsplit("/", 1)[-1] for s in started]
        assert names == ["img0.png", "img2.png", "img3.png", "img1.png"]
    finally:
        loader.shutdown()


def test_loader_cache_is_bounded_by_bytes(qtbot, tmp_path):
    paths = write_images(tmp_path, 5, size=(100, 100))  # 40 000 bytes each as RGB32
    loader = ImageLoader(cache_bytes=3 * 40_000)
    try:
        for key, path in enumerate(paths):
            with qtbot.waitSignal(loader.loaded, timeout=5000):
                loader.request(key, path)
        assert loader.cache.keys() == [2, 3, 4]
        assert loader.cache.total_bytes == 120_000
        assert loader.cached(0) is None and loader.cached(4) is not None
    finally:
        loader.shutdown()


def test_many_images_across_threads_stay_intact(qtbot, loader, tmp_path):
    # Images created on workers, evicted and garbage-collected on the GUI thread.
    paths = write_images(tmp_path, 12, size=(120, 80))
    loader.set_cache_bytes(2 * 120 * 80 * 4)
    received = {}
    loader.loaded.connect(lambda key, image, info: received.__setitem__(key, image))
    for key, path in enumerate(paths):
        loader.request(key, path, keep_pending=True)
    qtbot.waitUntil(lambda: len(received) == 12, timeout=10000)
    gc.collect()
    for key, image in received.items():
        assert image.pixelColor(5, 5).red() == key * 20 % 256
    assert threading.active_count() >= 1


def test_same_key_with_new_path_keeps_the_newer_image(qtbot, loader, tmp_path, monkeypatch):
    old, new = write_images(tmp_path, 2)
    slow_decoder(monkeypatch, [old.name], delay=0.3)
    keys = []
    loader.loaded.connect(lambda key, image, info: keys.append(info.path))
    loader.request("k", old)
    loader.request("k", new)  # e.g. the images folder changed
    wait_idle(qtbot, loader)
    assert keys == [str(new)]
    assert loader.cached("k", new) is not None
    assert loader.cached("k", old) is None


def test_cancel_drops_pending_work_silently(qtbot, loader, tmp_path, monkeypatch):
    paths = write_images(tmp_path, 4)
    started = slow_decoder(monkeypatch, [paths[0].name], delay=0.3)
    signals = []
    loader.loaded.connect(lambda *args: signals.append(args[0]))
    loader.failed.connect(lambda *args: signals.append(args[0]))
    loader.request(0, paths[0])
    loader.request(1, paths[1], keep_pending=True)
    loader.request(2, paths[2], keep_pending=True)
    loader.prefetch([(3, paths[3])])
    loader.cancel(2)
    loader.cancel()
    wait_idle(qtbot, loader)
    assert signals == []
    # The two requests that had workers ran; the rest never started.
    assert sorted(s.rsplit("/", 1)[-1] for s in started) == ["img0.png", "img1.png"]
