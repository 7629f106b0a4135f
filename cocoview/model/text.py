"""Words shared by messages, commands and views."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 image"``, ``"2,401 images"`` (``many`` for irregular plurals)."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {many or word + 's'}"
