"""cocoview: inspect and edit COCO annotation files."""

__version__ = "0.1.0"
