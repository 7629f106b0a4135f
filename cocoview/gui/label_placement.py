"""Where label chips go, so that none covers another.

Positions are in device pixels before the view's translation: they depend on
the zoom alone, so panning only moves chips with the image. A chip's usual
place (:func:`home`) is just above its box's top-left corner, or just inside
the box when there is no room above within the image, moved left (by at most
its width) to stay within the image's right edge. :func:`separate` then makes
room: larger annotations keep their place; a smaller one's chip moves right
of the chip in its way while it still starts over its own box (near-duplicate
detections read side by side), else steps down a row, into its box. A chip
finding no clear place is left out: hover and selection still show it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

#: Chips expected on screen beyond which a chip that would cover another is
#: left out rather than moved (a wall of moved chips reads as nothing).
CROWDED_LABELS = 150
#: How many rows a chip may step down, into its box, to clear the chips placed before it.
MAX_STEPS = 8
#: Rows a chip may always step, even below a box shorter than that on screen.
MIN_STEPS = 3
#: How many chips in a row a chip may move right past, staying over its box...
MAX_SHIFTS = 3
#: ...and how far right of its usual place it may go at most (device pixels).
MAX_SHIFT_PX = 400.0


@dataclass(frozen=True)
class Zoom:
    """The linear part of a view transform and the image's rectangle (scene units)."""

    m11: float
    m12: float
    m21: float
    m22: float
    left: float
    top: float
    right: float
    bottom: float

    def x(self, x: float, y: float) -> float:
        return self.m11 * x + self.m21 * y

    def y(self, x: float, y: float) -> float:
        return self.m12 * x + self.m22 * y

    @property
    def image_top(self) -> float:
        return self.y(self.left, self.top)

    @property
    def image_left(self) -> float:
        return self.x(self.left, self.top)

    @property
    def image_right(self) -> float:
        return self.x(self.right, self.top) if self.right > self.left else math.inf

    def image_area(self) -> float:
        """The image's area on screen (device pixels squared)."""
        return abs((self.right - self.left) * (self.bottom - self.top) * (self.m11 * self.m22 - self.m12 * self.m21))


def home(box: tuple[float, float, float, float], w: float, h: float, zoom: Zoom) -> tuple[float, float]:
    """A chip's usual place for a box ``(left, top, right, bottom)`` (scene units)."""
    ax, ay = box[0], box[1]
    x0 = zoom.x(ax, ay) - 1.0
    y_anchor = zoom.y(ax, ay)
    y = y_anchor - h - 1.0
    if y < zoom.image_top:
        y = y_anchor + 1.0   # no room above within the image: just inside the box
    # Within the image's right and left edges, but never further than a chip's
    # width from the box (a box outside the image keeps its chip nearby).
    x = max(min(x0, zoom.image_right - w), x0 - w)
    x = min(max(x, zoom.image_left - 1.0), x0 + w)
    return x, y


def stacked(stack: int, h: float) -> tuple[float, float]:
    """Where the ``stack``-th image-level chip goes, from the image's top-left corner."""
    return 4.0, 4.0 + stack * (h + 2.0)


class ChipGrid:
    """Chip rectangles bucketed by screen cell, to find overlaps quickly."""

    CELL = 64.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def _cells(self, x: float, y: float, w: float, h: float) -> list[tuple[int, int]]:
        cell = self.CELL
        x0, x1 = int(x // cell), int((x + w) // cell)
        y0, y1 = int(y // cell), int((y + h) // cell)
        return [(cx, cy) for cx in range(x0, x1 + 1) for cy in range(y0, y1 + 1)]

    def blocker(self, x: float, y: float, w: float, h: float) -> float | None:
        """The right edge of the rightmost chip added that the rectangle
        overlaps, None when it is clear. Chips that only touch (a shared edge,
        an anti-aliased fringe of half a pixel) do not count."""
        left, top, right, bottom = x + 0.5, y + 0.5, x + w - 0.5, y + h - 0.5
        cells = self.cells
        edge = None
        for c in self._cells(x, y, w, h):
            for ol, ot, o_r, ob in cells.get(c, ()):
                if left < o_r and ol < right and top < ob and ot < bottom and (edge is None or o_r > edge):
                    edge = o_r
        return edge

    def add(self, x: float, y: float, w: float, h: float) -> None:
        rect = (x, y, x + w, y + h)
        for c in self._cells(x, y, w, h):
            self.cells.setdefault(c, []).append(rect)


@dataclass
class Chip:
    """One chip to place: ``box`` (device pixels: left, top, right, bottom) is
    None for image-level labels, which keep their place; ``area`` orders them."""

    item: Any
    x: float
    y: float
    w: float
    area: float
    box: tuple[float, float, float, float] | None


def crowded(count: int, zoom: Zoom, view_area: float) -> bool:
    """Would ``count`` chips spread over the image put more than
    :data:`CROWDED_LABELS` on a screen of ``view_area``?"""
    image_area = zoom.image_area()
    share = min(1.0, view_area / image_area) if image_area > 0 else 1.0
    return count * share > CROWDED_LABELS


def separate(chips: list[Chip], h: float, zoom: Zoom, crowd: bool) -> list[Chip]:
    """Place chips so that none covers another (see the module's text); with
    ``crowd``, a chip in the way of another is left out instead of moved.
    Returns the chips kept, in their original order, ``x`` and ``y`` updated."""
    grid = ChipGrid()
    row = h + 1.0
    image_right = zoom.image_right
    kept: set[int] = set()
    for i in sorted(range(len(chips)), key=lambda i: (chips[i].box is not None, -chips[i].area)):
        chip = chips[i]
        x, y, w = chip.x, chip.y, chip.w
        if chip.box is None:
            place: tuple[float, float] | None = (x, y)
        elif crowd:
            place = (x, y) if grid.blocker(x, y, w, h) is None else None
        else:
            _left, _top, box_right, box_bottom = chip.box
            steps = MIN_STEPS
            while steps < MAX_STEPS and y + (steps + 1) * row < box_bottom:
                steps += 1
            last_x = min(box_right - 1.0, image_right - w, x + MAX_SHIFT_PX)
            place = _free_place(grid, x, y, w, h, row, steps, last_x)
        if place is not None:
            chip.x, chip.y = place
            grid.add(chip.x, chip.y, w, h)
            kept.add(i)
    return [chip for i, chip in enumerate(chips) if i in kept]


def _free_place(grid: ChipGrid, x: float, y: float, w: float, h: float, row: float,
                steps: int, last_x: float) -> tuple[float, float] | None:
    """The first clear place for a chip: on each row from ``y`` down (``steps``
    rows at most), at ``x`` or just right of what is in the way, no further
    right than ``last_x``."""
    for k in range(steps + 1):
        yk = y + k * row
        xk = x
        for _shift in range(MAX_SHIFTS + 1):
            edge = grid.blocker(xk, yk, w, h)
            if edge is None:
                return xk, yk
            xk = edge + 2.0
            if xk > last_x:
                break
    return None


def chip_reach(w: float, h: float) -> tuple[float, float, float, float]:
    """How far from its anchor (device pixels: left, top, right, bottom) a
    chip of size ``w`` × ``h`` may be placed, for items drawing it on top."""
    return (-1.0 - w, -h - 1.0, -1.0 + 2 * w + MAX_SHIFT_PX, 1.0 + MAX_STEPS * (h + 1.0) + h)
