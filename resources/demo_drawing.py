"""Drawing kit for the demo images: a flat-illustration street scene painter.

Every shape is painted twice: in colour on the picture and as an object number
on a label image. The label image keeps the number of whatever was painted
last at each pixel, so an object's visible mask (what is not hidden by things
in front of it) comes out exactly, and the masks, polygons and keypoint
visibility of the demo annotations match what the picture shows.

Drawing happens at ``SUPERSAMPLE`` times the final size and is scaled down at
the end, which smooths the edges. All coordinates given to :class:`Canvas` are
in final-image pixels.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SUPERSAMPLE = 2


def rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def mix(a, b, t: float) -> tuple[int, int, int]:
    a = rgb(a) if isinstance(a, str) else a
    b = rgb(b) if isinstance(b, str) else b
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))


def shade(colour, t: float) -> tuple[int, int, int]:
    """Darker for t < 0, lighter for t > 0."""
    return mix(colour, (0, 0, 0) if t < 0 else (255, 255, 255), abs(t))


@dataclass
class Thing:
    """An object drawn on the canvas that may become an annotation."""

    number: int
    kind: str
    parent: "Thing | None" = None
    info: dict = field(default_factory=dict)
    children: list = field(default_factory=list)

    def numbers(self) -> list[int]:
        out = [self.number]
        for child in self.children:
            out.extend(child.numbers())
        return out


class Canvas:
    """A picture plus a label image recording which object owns each pixel."""

    def __init__(self, width: int, height: int, seed: int) -> None:
        self.width, self.height = width, height
        self.rng = random.Random(seed)
        size = (width * SUPERSAMPLE, height * SUPERSAMPLE)
        self.picture = Image.new("RGB", size)
        self.labels = Image.new("I", size, 0)
        self.pen = ImageDraw.Draw(self.picture)
        self.label_pen = ImageDraw.Draw(self.labels)
        self.things: list[Thing] = []
        self.light: np.ndarray | None = None

    # ---- objects ------------------------------------------------------
    def thing(self, kind: str, parent: Thing | None = None, **info) -> Thing:
        t = Thing(len(self.things) + 1, kind, parent, info)
        self.things.append(t)
        if parent is not None:
            parent.children.append(t)
        return t

    def uniform(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.rng.random()

    # ---- coordinates --------------------------------------------------
    @staticmethod
    def _pts(points) -> list[tuple[float, float]]:
        return [(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points]

    @staticmethod
    def _box(box) -> list[float]:
        x0, y0, x1, y1 = box
        left, top = min(x0, x1) * SUPERSAMPLE, min(y0, y1) * SUPERSAMPLE
        right = max(left, max(x0, x1) * SUPERSAMPLE - 1)
        bottom = max(top, max(y0, y1) * SUPERSAMPLE - 1)
        return [left, top, right, bottom]

    def _label(self, thing: Thing | None) -> int:
        return thing.number if thing is not None else 0

    # ---- solid shapes -------------------------------------------------
    def rect(self, box, fill, thing: Thing | None = None, radius: float = 0,
             outline=None, width: float = 0, label: bool = True) -> None:
        b = self._box(box)
        r = radius * SUPERSAMPLE
        w = int(round(width * SUPERSAMPLE))
        fill = rgb(fill) if isinstance(fill, str) else fill
        outline = rgb(outline) if isinstance(outline, str) else outline
        if r > 0:
            self.pen.rounded_rectangle(b, r, fill=fill, outline=outline, width=w)
            if label:
                self.label_pen.rounded_rectangle(b, r, fill=self._label(thing))
        else:
            self.pen.rectangle(b, fill=fill, outline=outline, width=w)
            if label:
                self.label_pen.rectangle(b, fill=self._label(thing))

    def polygon(self, points, fill, thing: Thing | None = None, label: bool = True) -> None:
        fill = rgb(fill) if isinstance(fill, str) else fill
        pts = self._pts(points)
        self.pen.polygon(pts, fill=fill)
        if label:
            self.label_pen.polygon(pts, fill=self._label(thing))

    def ellipse(self, box, fill, thing: Thing | None = None, label: bool = True) -> None:
        fill = rgb(fill) if isinstance(fill, str) else fill
        b = self._box(box)
        self.pen.ellipse(b, fill=fill)
        if label:
            self.label_pen.ellipse(b, fill=self._label(thing))

    def circle(self, centre, radius: float, fill, thing: Thing | None = None,
               label: bool = True) -> None:
        x, y = centre
        self.ellipse((x - radius, y - radius, x + radius, y + radius), fill, thing, label)

    def line(self, points, fill, width: float, thing: Thing | None = None,
             label: bool = True) -> None:
        """A thick polyline with round ends and joints."""
        fill = rgb(fill) if isinstance(fill, str) else fill
        pts = self._pts(points)
        w = max(1, int(round(width * SUPERSAMPLE)))
        self.pen.line(pts, fill=fill, width=w, joint="curve")
        if label:
            self.label_pen.line(pts, fill=self._label(thing), width=w, joint="curve")
        for x, y in points:
            self.circle((x, y), width / 2, fill, thing, label)

    def gradient(self, box, top, bottom, thing: Thing | None = None, radius: float = 0,
                 label: bool = True) -> None:
        """A rectangle filled with a vertical gradient."""
        b = [int(round(v)) for v in self._box(box)]
        w, h = b[2] - b[0] + 1, b[3] - b[1] + 1
        if w <= 0 or h <= 0:
            return
        ramp = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
        top_c = np.array(rgb(top) if isinstance(top, str) else top, np.float32)
        bot_c = np.array(rgb(bottom) if isinstance(bottom, str) else bottom, np.float32)
        pixels = top_c + (bot_c - top_c) * ramp
        tile = Image.fromarray(np.repeat(pixels, w, axis=1).round().astype(np.uint8), "RGB")
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).rounded_rectangle((0, 0, w - 1, h - 1), radius * SUPERSAMPLE,
                                               fill=255)
        self.picture.paste(tile, (b[0], b[1]), mask)
        if label:
            self.label_pen.rounded_rectangle(b, radius * SUPERSAMPLE, fill=self._label(thing))

    def text(self, centre, words: str, size: float, fill, bold: bool = True,
             outline=None) -> None:
        """Text centred on a point; painted on the picture only."""
        font = ImageFont.load_default(size=max(4, int(round(size * SUPERSAMPLE))))
        fill = rgb(fill) if isinstance(fill, str) else fill
        stroke = max(1, int(size * SUPERSAMPLE / 16)) if bold else 0
        x, y = centre
        self.pen.text((x * SUPERSAMPLE, y * SUPERSAMPLE), words, font=font, fill=fill,
                      anchor="mm", stroke_width=stroke,
                      stroke_fill=rgb(outline) if isinstance(outline, str) else (outline or fill))

    @staticmethod
    def text_width(words: str, size: float) -> float:
        font = ImageFont.load_default(size=max(4, int(round(size * SUPERSAMPLE))))
        x0, _, x1, _ = font.getbbox(words)
        return (x1 - x0) / SUPERSAMPLE

    # ---- soft, unlabelled effects ---------------------------------------
    def _soft_mask(self, shape: str, geometry, alpha: float, blur: float):
        margin = int(3 * blur * SUPERSAMPLE) + 2
        if shape == "polygon":
            pts = self._pts(geometry)
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
        else:
            x0, y0, x1, y1 = self._box(geometry)
        ox, oy = int(x0) - margin, int(y0) - margin
        size = (int(x1 - x0) + 2 * margin + 2, int(y1 - y0) + 2 * margin + 2)
        mask = Image.new("L", size, 0)
        d = ImageDraw.Draw(mask)
        value = int(round(255 * alpha))
        if shape == "polygon":
            d.polygon([(x - ox, y - oy) for x, y in pts], fill=value)
        elif shape == "ellipse":
            d.ellipse((x0 - ox, y0 - oy, x1 - ox, y1 - oy), fill=value)
        else:
            d.rectangle((x0 - ox, y0 - oy, x1 - ox, y1 - oy), fill=value)
        if blur > 0:
            mask = mask.filter(ImageFilter.GaussianBlur(blur * SUPERSAMPLE))
        return mask, (ox, oy)

    def soft(self, shape: str, geometry, colour, alpha: float, blur: float = 0) -> None:
        """Blend a shape (``rect``, ``ellipse`` or ``polygon``) onto the picture."""
        mask, (ox, oy) = self._soft_mask(shape, geometry, alpha, blur)
        colour = rgb(colour) if isinstance(colour, str) else colour
        box = (ox, oy, ox + mask.width, oy + mask.height)
        self.picture.paste(colour, box, mask)

    def glow(self, shape: str, geometry, colour, strength: float, blur: float) -> None:
        """Add light (kept apart and added to the picture at the end)."""
        if self.light is None:
            self.light = np.zeros((self.picture.height, self.picture.width, 3), np.float32)
        mask, (ox, oy) = self._soft_mask(shape, geometry, 1.0, blur)
        m = np.asarray(mask, np.float32) / 255.0 * strength
        x0, y0 = max(ox, 0), max(oy, 0)
        x1 = min(ox + mask.width, self.light.shape[1])
        y1 = min(oy + mask.height, self.light.shape[0])
        if x1 <= x0 or y1 <= y0:
            return
        c = np.array(rgb(colour) if isinstance(colour, str) else colour, np.float32)
        part = m[y0 - oy:y1 - oy, x0 - ox:x1 - ox, None] * c
        self.light[y0:y1, x0:x1] += part

    def sky(self, stops: list[tuple[float, str]], bottom: float) -> None:
        """Fill from the top to ``bottom`` with a gradient through colour stops."""
        h = int(bottom * SUPERSAMPLE)
        ys = np.linspace(0.0, 1.0, h)
        at = [s[0] for s in stops]
        cols = np.array([rgb(s[1]) for s in stops], np.float64)
        channels = [np.interp(ys, at, cols[:, i]) for i in range(3)]
        column = np.stack(channels, axis=1)[:, None, :]
        tile = np.repeat(column, self.picture.width, axis=1).round().astype(np.uint8)
        self.picture.paste(Image.fromarray(tile, "RGB"), (0, 0))

    # ---- results ----------------------------------------------------------
    def finish(self) -> tuple[Image.Image, dict[int, np.ndarray]]:
        """The final picture and each object's visible mask (bool, final size)."""
        picture = self.picture
        if self.light is not None:
            lit = np.asarray(picture, np.float32) + self.light
            picture = Image.fromarray(np.clip(lit, 0, 255).round().astype(np.uint8), "RGB")
        picture = picture.resize((self.width, self.height), Image.Resampling.LANCZOS)
        labels = np.asarray(self.labels, np.int32)
        masks: dict[int, np.ndarray] = {}
        s = SUPERSAMPLE
        for thing in self.things:
            hit = np.isin(labels, thing.numbers())
            cover = hit.reshape(self.height, s, self.width, s).mean(axis=(1, 3))
            masks[thing.number] = cover >= 0.5
        return picture, masks
