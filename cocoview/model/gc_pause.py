"""Pausing Python's cyclic garbage collector around bulk work.

Building or encoding hundreds of thousands of objects triggers many useless
collections; pausing them halves load and save times of large files.
"""

from __future__ import annotations

import contextlib
import gc
import threading

_lock = threading.Lock()
_depth = 0
_was_enabled = True


@contextlib.contextmanager
def gc_paused(freeze: bool = False):
    """Disable the collector inside the block (nesting and threads are safe).

    With ``freeze``, objects that survive the block are moved to the permanent
    generation so the next full collection does not walk them again.
    """
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                if freeze:
                    gc.freeze()
                if _was_enabled:
                    gc.enable()
