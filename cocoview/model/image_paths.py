"""Finding the image file behind a COCO image entry, and reading image headers.

A COCO file names its images by ``file_name`` only; where the pixels live
depends on the tool that wrote the file. :class:`ImageLocator` tries the
common layouts in a fixed order and remembers what it saw on disk, so that
resolving every image of a 118k-image dataset costs one directory listing per
folder instead of several ``stat`` calls per image.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from cocoview.model.errors import CocoError

# Task prefixes of per-subset COCO files (``instances_val.json`` -> ``val``),
# as written by the official tools, Datumaro and CVAT.
_TASK_PREFIXES = ("person_keypoints", "instances", "captions", "labels",
                  "image_info", "panoptic", "stuff")

# After this many single-file probes in one folder, the folder is listed once
# and later probes are answered from the listing.
_PROBES_BEFORE_LISTING = 8

_CASE_INSENSITIVE = os.name == "nt" or sys.platform == "darwin"

EXIF_ORIENTATION_TAG = 0x0112


def normalize_file_name(file_name: str) -> str:
    """``file_name`` with Windows separators turned into ``/`` and no leading ``./``."""
    name = file_name.replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    return name


def is_absolute_file_name(name: str) -> bool:
    """True for ``/x``, ``C:/x`` and ``//server/share/x`` (``/`` separators) on any platform."""
    return name.startswith("/") or (len(name) > 2 and name[1] == ":" and name[2] == "/"
                                    and name[0].isalpha())


def subset_names(json_path: str | os.PathLike) -> list[str]:
    """Subset names guessed from a COCO file name, most likely first.

    ``instances_val.json`` -> ``["val"]``; ``person_keypoints_train2017.json``
    -> ``["train2017"]``; ``train.json`` -> ``["train"]``; ``coco_val.json`` ->
    ``["coco_val", "val"]``.
    """
    stem = Path(json_path).name
    for suffix in (".coco.json", ".json"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    for prefix in _TASK_PREFIXES:
        if stem.startswith(prefix + "_") and len(stem) > len(prefix) + 1:
            return [stem[len(prefix) + 1:]]
    if stem.startswith("_"):  # Roboflow's fixed "_annotations" names no subset
        return []
    names = [stem]
    if "_" in names[0]:
        names.append(names[0].rsplit("_", 1)[1])
    return [n for n in names if n]


class ImageLocator:
    """Resolves COCO image entries to files on disk, caching what it finds.

    Candidates, in order, for a relative ``file_name`` (``n``, basename ``b``)
    of ``<json_dir>/<subset-ish>.json``:

    1. ``images_dir/n`` (when an images folder was chosen)
    2. ``json_dir/n`` (also the Roboflow layout: images beside ``_annotations.coco.json``)
    3. ``json_dir/../images/<subset>/n`` (Datumaro / CVAT export)
    4. ``json_dir/../images/n``
    5. ``json_dir/../<subset>/n`` (official COCO: ``annotations/`` beside ``val2017/``)
    6. ``json_dir/../n`` (``file_name`` relative to the dataset root)
    7. ``images_dir/b`` then ``json_dir/b``

    An absolute ``file_name`` is used as is when it exists; otherwise its
    basename goes through the list above. Results are cached per
    ``file_name``; call :meth:`refresh` after files change on disk.
    Calls from several threads at once are safe but may duplicate work.
    """

    def __init__(self, json_path: str | os.PathLike,
                 images_dir: str | os.PathLike | None = None) -> None:
        self.json_path = Path(json_path)
        self._json_dir = os.path.abspath(os.path.dirname(os.fspath(json_path)) or ".")
        self._subsets = subset_names(json_path)
        self.images_dir: Path | None = None
        self._images_dir: str | None = None
        #: Number of ``stat`` calls and folder listings made so far.
        self.disk_operations = 0
        self._resolved: dict[str, str | None] = {}
        self._listings: dict[str, frozenset[str] | None] = {}
        self._probed: dict[str, bool] = {}
        self._probes_per_dir: dict[str, int] = {}
        self._sub_folders: dict[str, list[str]] = {}
        self.set_images_dir(images_dir)

    # ---- configuration -------------------------------------------------
    def set_images_dir(self, images_dir: str | os.PathLike | None) -> None:
        """Choose (or clear) the images folder tried first; clears the cache."""
        if images_dir is None or os.fspath(images_dir) == "":
            self.images_dir = None
            self._images_dir = None
        else:
            self.images_dir = Path(images_dir)
            self._images_dir = os.path.abspath(os.fspath(images_dir))
        self._bases = self._base_folders()
        self.refresh()

    def refresh(self) -> None:
        """Forget everything seen on disk (after images were added or moved)."""
        self._resolved.clear()
        self._listings.clear()
        self._probed.clear()
        self._probes_per_dir.clear()
        self._sub_folders.clear()

    # ---- queries ---------------------------------------------------------
    def resolve(self, image: dict) -> Path | None:
        """The file of ``image`` (a COCO image dict), or None when none exists."""
        found = self.find(image)
        return None if found is None else Path(found)

    def find(self, image: dict) -> str | None:
        """Like :meth:`resolve` but as a string, for scans over many images
        (building a ``Path`` costs more than the cached lookup itself)."""
        name = image.get("file_name") if isinstance(image, dict) else None
        if not isinstance(name, str) or not name:
            return None
        try:
            return self._resolved[name]
        except KeyError:
            pass
        found = None
        if "/" not in name and "\\" not in name:  # the common case, kept lean
            for folder in self._bases:
                if self._is_file(folder, name):
                    found = os.path.join(folder, name)
                    break
        else:
            for folder, leaf in self._candidate_parts(name):
                if self._is_file(folder, leaf):
                    found = os.path.join(folder, leaf)
                    break
        self._resolved[name] = found
        return found

    def candidates(self, image: dict) -> list[Path]:
        """Every place :meth:`resolve` looks, in order (for a "missing image" note)."""
        name = image.get("file_name") if isinstance(image, dict) else None
        if not isinstance(name, str) or not name:
            return []
        return [Path(os.path.join(folder, leaf)) for folder, leaf in self._candidate_parts(name)]

    # ---- internals -------------------------------------------------------
    def _candidate_parts(self, file_name: str) -> list[tuple[str, str]]:
        """``(folder, file name)`` of each candidate, in order, without repeats."""
        if "/" not in file_name and "\\" not in file_name:
            return [(folder, file_name) for folder in self._bases]
        name = normalize_file_name(file_name)
        absolute = None
        if is_absolute_file_name(name):
            if os.name == "nt" or name.startswith("/"):
                absolute = name
            name = name.rsplit("/", 1)[-1]
        sub, _, leaf = name.rpartition("/")
        if not leaf:
            return []
        parts = [(folder, leaf) for folder in self._folders_for(sub)]
        if absolute is not None:
            folder = os.path.normpath(absolute.rpartition("/")[0] or "/")
            parts.insert(0, (folder, leaf))
        return parts

    def _folders_for(self, sub: str) -> list[str]:
        """Folders tried for names inside the subfolder ``sub`` (cached per ``sub``)."""
        folders = self._sub_folders.get(sub)
        if folders is None:
            if sub:
                folders = [os.path.normpath(os.path.join(base, sub)) for base in self._bases]
                if self._images_dir is not None:
                    folders.append(self._images_dir)
                folders.append(self._json_dir)
            else:
                folders = list(self._bases)
            folders = list(dict.fromkeys(folders))
            self._sub_folders[sub] = folders
        return folders

    def _base_folders(self) -> list[str]:
        """The folders a relative ``file_name`` is joined to, in order."""
        join = os.path.join
        root = os.path.dirname(self._json_dir)
        bases = [] if self._images_dir is None else [self._images_dir]
        bases.append(self._json_dir)
        bases.extend(join(root, "images", subset) for subset in self._subsets)
        bases.append(join(root, "images"))
        bases.extend(join(root, subset) for subset in self._subsets)
        bases.append(root)
        return list(dict.fromkeys(bases))

    def _is_file(self, folder: str, name: str) -> bool:
        listing = self._listings.get(folder, False)
        if listing is not False:
            if listing is None:
                return False
            return (name.casefold() if _CASE_INSENSITIVE else name) in listing
        path = os.path.join(folder, name)
        known = self._probed.get(path)
        if known is not None:
            return known
        probes = self._probes_per_dir.get(folder, 0) + 1
        self._probes_per_dir[folder] = probes
        if probes > _PROBES_BEFORE_LISTING:
            self._listings[folder] = self._list(folder)
            return self._is_file(folder, name)
        self.disk_operations += 1
        result = os.path.isfile(path)
        self._probed[path] = result
        return result

    def _list(self, folder: str) -> frozenset[str] | None:
        """Names of the files in ``folder`` (None when it cannot be listed)."""
        self.disk_operations += 1
        names = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if entry.is_file():
                            names.append(entry.name)
                    except OSError:
                        continue
        except OSError:
            return None
        if _CASE_INSENSITIVE:
            return frozenset(n.casefold() for n in names)
        return frozenset(names)


# ---- image headers --------------------------------------------------------
@dataclass(frozen=True)
class ImageHeader:
    """What an image file's header says, without decoding its pixels."""

    width: int
    height: int
    #: EXIF orientation tag (1 = upright, 6 = rotate 90° clockwise to view, ...);
    #: None when the file carries none.
    exif_orientation: int | None
    format: str | None


def orientation_of(image) -> int | None:
    """EXIF orientation of an opened Pillow image, or None."""
    try:
        value = image.getexif().get(EXIF_ORIENTATION_TAG)
    except Exception:  # malformed EXIF blocks must not stop anything
        return None
    if isinstance(value, int) and 1 <= value <= 8:
        return value
    return None


def read_image_header(path: str | os.PathLike) -> ImageHeader:
    """Size, EXIF orientation and format of an image file, from its header only.

    The size is the stored (raw) size; the EXIF orientation is reported, not
    applied. Raises CocoError naming the file when it is missing or unreadable.
    """
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
            return ImageHeader(int(width), int(height), orientation_of(image), image.format)
    except FileNotFoundError:
        raise CocoError(f"Image file not found: {path}") from None
    except Image.DecompressionBombError:
        raise CocoError(f"Image file {path} is too large to open safely") from None
    except (OSError, ValueError, SyntaxError) as error:
        detail = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise CocoError(f"Cannot read image file {path}: {detail}") from None


def image_size_of_file(path: str | os.PathLike) -> tuple[int, int]:
    """``(width, height)`` of an image file as stored, read from its header."""
    header = read_image_header(path)
    return header.width, header.height


def exif_orientation(path: str | os.PathLike) -> int | None:
    """The EXIF orientation tag of an image file (1..8), or None if absent/unreadable."""
    try:
        return read_image_header(path).exif_orientation
    except CocoError:
        return None
