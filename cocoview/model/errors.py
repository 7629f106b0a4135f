"""Errors a user can cause, each with a message that names the file and place."""

from __future__ import annotations


class CocoError(Exception):
    """A problem with the user's input or output; ``str()`` is the message shown."""

    exit_code = 2


class NotCocoError(CocoError):
    """The file is JSON but not a COCO dataset."""


class ResultsFileError(NotCocoError):
    """The file is a bare list of detections (pycocotools results format)."""


class Cancelled(Exception):
    """A long operation was cancelled by the user."""


def file_error(path: str, error: OSError) -> CocoError:
    """The message for a file that cannot be read, naming the file."""
    if isinstance(error, FileNotFoundError):
        return CocoError(f"{path}: no such file")
    if isinstance(error, IsADirectoryError):
        return CocoError(f"{path}: is a folder, not a JSON file")
    if isinstance(error, PermissionError):
        return CocoError(f"{path}: permission denied")
    return CocoError(f"{path}: cannot read ({error.strerror or error})")
