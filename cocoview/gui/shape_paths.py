"""Areas of annotations as painter paths: boxes, polygon parts, mask outlines, and their union."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainterPath, QPolygonF

EVEN_ODD = Qt.FillRule.OddEvenFill
WINDING = Qt.FillRule.WindingFill

#: Points beyond which outline paths are merged without boolean operations (costly on
#: huge polygons); overlapping parts then show as they overlap.
UNITE_POINTS = 20000
#: Coordinates beyond which the same is done (boolean operations are unreliable there).
SANE_COORDINATE = 1e7


def rect_path(rect: QRectF) -> QPainterPath:
    """A rectangle's area."""
    path = QPainterPath()
    path.addRect(rect)
    return path


def shape_paths(shapes: list[QPolygonF], per_part: bool) -> list[QPainterPath]:
    """Even-odd paths: one per polygon part (``per_part``), else one for all of
    a mask's outlines (holes included)."""
    groups = [[poly] for poly in shapes] if per_part else ([shapes] if shapes else [])
    paths = []
    for polys in groups:
        path = QPainterPath()
        path.setFillRule(EVEN_ODD)
        for poly in polys:
            path.addPolygon(poly)
            path.closeSubpath()
        paths.append(path)
    return paths


def united_paths(paths: list[QPainterPath]) -> QPainterPath:
    """The union of areas (merged without boolean operations past :data:`UNITE_POINTS`)."""
    if not paths:
        return QPainterPath()
    if len(paths) == 1:
        return paths[0]
    if sum(p.elementCount() for p in paths) > UNITE_POINTS or not all(_sane(p.boundingRect()) for p in paths):
        merged = QPainterPath()
        merged.setFillRule(WINDING)
        for p in paths:
            merged.addPath(p)
        return merged
    out = paths[0]
    for p in paths[1:]:
        out = out.united(p)
    return out


def _sane(rect: QRectF) -> bool:
    # Qt's path boolean operations fail (even crash) on coordinates far beyond any image.
    return all(math.isfinite(v) and abs(v) < SANE_COORDINATE
               for v in (rect.left(), rect.top(), rect.right(), rect.bottom()))
