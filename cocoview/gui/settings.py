"""What cocoview remembers between runs: recent files, image folders, window state."""

from __future__ import annotations

import json
import os
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 10


class Settings:
    """A thin, typed layer over QSettings."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings or QSettings("cocoview", "cocoview")

    def recent_files(self) -> list[str]:
        value = self.q.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent_file(self, path: str) -> list[str]:
        path = os.path.abspath(path)
        files = [p for p in self.recent_files() if p != path]
        files.insert(0, path)
        del files[MAX_RECENT:]
        self.q.setValue("recent_files", files)
        return files

    def clear_recent_files(self) -> None:
        self.q.setValue("recent_files", [])

    def images_dir_for(self, json_path: str) -> str | None:
        value = self.q.value("images_dir/" + _key(json_path))
        return str(value) if value else None

    def set_images_dir_for(self, json_path: str, folder: str) -> None:
        self.q.setValue("images_dir/" + _key(json_path), folder)

    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self.q.value("window/geometry"), self.q.value("window/state")

    def save_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self.q.setValue("window/geometry", geometry)
        self.q.setValue("window/state", state)

    @property
    def first_start(self) -> bool:
        return not bool(self.q.value("started_before", False, type=bool))

    def mark_started(self) -> None:
        self.q.setValue("started_before", True)

    def category_colors_for(self, json_path: str) -> dict[str, Any]:
        """Colours chosen for a file's categories, keyed by category id as text."""
        value = self.q.value("category_colors/" + _key(json_path))
        try:
            data = json.loads(value) if isinstance(value, str) and value else {}
        except ValueError:
            return {}
        return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}

    def set_category_colors_for(self, json_path: str, colors: dict[str, Any]) -> None:
        """Remember a file's category colours (JSON values); an empty dict forgets them."""
        key = "category_colors/" + _key(json_path)
        if colors:
            self.q.setValue(key, json.dumps({str(k): v for k, v in colors.items()}))
        else:
            self.q.remove(key)


def _key(path: str) -> str:
    # QSettings treats '/' and '\' as group separators; keep one flat key per file.
    return os.path.abspath(path).replace("\\", "|").replace("/", "|")
