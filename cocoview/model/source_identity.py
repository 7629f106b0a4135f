"""Which file a document came from, and whether it is still the same file.

:class:`SourceIdentity` records a file's path, size, modification time and a
hash of both of its ends; comparing it with the file as it is now tells
whether the file changed behind cocoview's back.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from typing import Any

from cocoview.model.errors import file_error

#: how much of each end of the source file the identity hashes
HASH_SPAN = 1 << 20


def local_time(timestamp: float) -> str:
    """A timestamp as local date and time, as shown to the user."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


@dataclass(frozen=True)
class SourceIdentity:
    """What makes a file the same file: path, size, mtime and a hash of both ends."""

    path: str
    size: int
    mtime_ns: int
    digest: str

    @classmethod
    def of(cls, path: str | os.PathLike) -> "SourceIdentity":
        """The identity of the file as it is now. Raises CocoError if unreadable."""
        path = os.path.abspath(os.fspath(path))
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                digest = hashlib.sha256()
                digest.update(f.read(HASH_SPAN))
                if st.st_size > HASH_SPAN:
                    f.seek(max(st.st_size - HASH_SPAN, HASH_SPAN))
                    digest.update(f.read(HASH_SPAN))
        except OSError as e:
            raise file_error(path, e) from None
        return cls(path, st.st_size, st.st_mtime_ns, digest.hexdigest())

    def change_from(self, earlier: "SourceIdentity") -> str | None:
        """How this file differs from ``earlier`` (None: it is the same file)."""
        if self.size != earlier.size:
            return f"its size changed from {earlier.size:,} to {self.size:,} bytes"
        if self.digest != earlier.digest:
            return "its content changed"
        if self.mtime_ns != earlier.mtime_ns:
            return f"it was modified at {local_time(self.mtime_ns / 1e9)}"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "mtime_ns": self.mtime_ns, "digest": self.digest}

    @classmethod
    def from_dict(cls, obj: Any) -> "SourceIdentity":
        return cls(str(obj["path"]), int(obj["size"]), int(obj["mtime_ns"]), str(obj["digest"]))
