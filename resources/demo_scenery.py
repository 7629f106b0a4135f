"""Scenery for the demo images: sky, buildings, shops, signs, trees, people, cars.

Each function paints on a :class:`demo_drawing.Canvas` and returns the
objects it created (:class:`demo_drawing.Thing`), which ``make_demo.py`` turns
into annotations. Sizes scale with the unit ``u`` (image height / 800).
"""

from __future__ import annotations

from dataclasses import dataclass

try:
    from .demo_drawing import Canvas, Thing, mix, shade
except ImportError:  # run as a script from this folder
    from demo_drawing import Canvas, Thing, mix, shade

KEYPOINT_NAMES = [
    "head", "neck",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
]
# Pairs of 1-based keypoint numbers, as COCO writes them.
SKELETON = [
    [1, 2], [2, 3], [2, 4], [3, 5], [4, 6], [5, 7], [6, 8],
    [3, 9], [4, 10], [9, 10], [9, 11], [10, 12], [11, 13], [12, 14],
]

DAY_SKY = [(0.0, "#6fa8dc"), (0.6, "#a9cfe8"), (1.0, "#e6f0ea")]
WARM_SKY = [(0.0, "#7aa7d6"), (0.55, "#c3d6e4"), (1.0, "#f6dcb8")]
EVENING_SKY = [(0.0, "#1c2150"), (0.45, "#4b3a7a"), (0.8, "#c96b7e"), (1.0, "#f3ae6b")]
NIGHT_TINT = "#2a2446"


@dataclass
class Shop:
    name: str
    board: str = "#1f4d3a"
    ink: str = "#f6e7b0"
    awning: tuple[str, str] | None = None
    frame: str = "#3b3b3b"
    is_open: bool = True


@dataclass
class Look:
    """Clothes and skin of a person."""

    shirt: str
    trousers: str
    skin: str = "#e0ac83"
    hair: str = "#3a2a20"
    shoes: str = "#2b2b2b"


# ---- background ---------------------------------------------------------
def backdrop(c: Canvas, gy: float, evening: bool = False, warm: bool = False) -> None:
    """Sky, sun or moon, clouds and a distant skyline down to the ground line ``gy``."""
    u = c.height / 800
    stops = EVENING_SKY if evening else WARM_SKY if warm else DAY_SKY
    c.sky(stops, c.height)
    if evening:
        for _ in range(40):
            x, y = c.uniform(0, c.width), c.uniform(0, gy * 0.45)
            c.circle((x, y), c.uniform(0.6, 1.4) * u, "#f4f1ff", label=False)
        mx, my = c.width * 0.82, gy * 0.2
        c.glow("ellipse", (mx - 60 * u, my - 60 * u, mx + 60 * u, my + 60 * u), "#6b5a9a", 0.6, 25 * u)
        c.circle((mx, my), 26 * u, "#f7f0d8", label=False)
        c.circle((mx + 11 * u, my - 7 * u), 23 * u, mix(EVENING_SKY[0][1], EVENING_SKY[1][1], 0.5),
                 label=False)
    else:
        sx, sy = c.width * (0.1 if warm else 0.36), gy * (0.14 if warm else 0.12)
        c.soft("ellipse", (sx - 90 * u, sy - 90 * u, sx + 90 * u, sy + 90 * u), "#fff6d8", 0.5, 30 * u)
        c.circle((sx, sy), 34 * u, "#fff3c4", label=False)
        for i in range(4):
            cx = c.width * (0.18 + 0.22 * i) + c.uniform(-40, 40) * u
            cloud(c, cx, gy * c.uniform(0.12, 0.35), c.uniform(0.7, 1.2) * u)
    skyline(c, gy, evening)


def cloud(c: Canvas, x: float, y: float, s: float) -> None:
    for dx, dy, r in ((0, 0, 38), (-42, 10, 28), (40, 8, 30), (-18, -18, 28), (20, -14, 26)):
        c.soft("ellipse", (x + (dx - r) * s, y + (dy - r) * s, x + (dx + r) * s, y + (dy + r) * s),
               "#ffffff", 0.9, 1.5 * s)
    c.soft("rect", (x - 70 * s, y + 10 * s, x + 70 * s, y + 36 * s), "#ffffff", 0.9, 1.5 * s)


def skyline(c: Canvas, gy: float, evening: bool) -> None:
    u = c.height / 800
    base = "#3d3f6b" if evening else "#9db4c8"
    x = -20 * u
    while x < c.width:
        w = c.uniform(50, 120) * u
        top = gy - c.uniform(0.32, 0.6) * gy
        c.rect((x, top, x + w, gy), base, label=False)
        for wy in range(int(top + 12 * u), int(gy - 10 * u), int(18 * u)):
            for wx in range(int(x + 8 * u), int(x + w - 8 * u), int(14 * u)):
                if c.rng.random() < (0.35 if evening else 0.5):
                    colour = "#ffd98a" if evening else shade(base, 0.18)
                    c.rect((wx, wy, wx + 5 * u, wy + 8 * u), colour, label=False)
        x += w + c.uniform(-10, 20) * u


def ground(c: Canvas, gy: float, kind: str = "road", evening: bool = False) -> float:
    """Pavement from ``gy`` down, then a road, the sea or more plaza. Returns the kerb line."""
    u = c.height / 800
    dim = 0.45 if evening else 0.0
    if kind == "plaza":
        c.gradient((0, gy, c.width, c.height), mix("#e2d9c8", NIGHT_TINT, dim),
                   mix("#c6b9a3", NIGHT_TINT, dim), label=False)
        vx = c.width / 2
        joint = mix("#b3a58c", NIGHT_TINT, dim)
        for i in range(-14, 15):
            x_top = vx + i * 60 * u
            x_bottom = vx + i * 150 * u
            c.line([(x_top, gy), (x_bottom, c.height)], joint, 1.2 * u, label=False)
        y, step = gy + 12 * u, 12 * u
        while y < c.height:
            c.line([(0, y), (c.width, y)], joint, 1.2 * u, label=False)
            step *= 1.35
            y += step
        return c.height
    kerb = gy + 0.14 * c.height
    c.gradient((0, gy, c.width, kerb), mix("#dcd5c9", NIGHT_TINT, dim),
               mix("#cbc2b3", NIGHT_TINT, dim), label=False)
    joint = mix("#bdb3a2", NIGHT_TINT, dim)
    for y in (gy + 0.045 * c.height, gy + 0.095 * c.height):
        c.line([(0, y), (c.width, y)], joint, 1.2 * u, label=False)
    for x in range(0, c.width + 1, int(70 * u)):
        c.line([(x, gy), (x - 30 * u, kerb)], joint, 1.2 * u, label=False)
    c.rect((0, kerb, c.width, kerb + 9 * u), mix("#eee9df", NIGHT_TINT, dim), label=False)
    c.rect((0, kerb + 9 * u, c.width, kerb + 12 * u), mix("#8e877c", NIGHT_TINT, dim), label=False)
    if kind == "water":
        c.gradient((0, kerb + 12 * u, c.width, c.height), "#8cc3dc" if not evening else "#3a4f7a",
                   "#2d6d97" if not evening else "#1c2748", label=False)
        for _ in range(60):
            x = c.uniform(0, c.width)
            y = c.uniform(kerb + 20 * u, c.height - 4 * u)
            w = c.uniform(12, 30) * u * (0.6 + (y - kerb) / c.height)
            c.line([(x, y), (x + w, y)], "#d4ecf5", 1.4 * u, label=False)
        for bx in (0.2, 0.62):
            boat(c, c.width * bx, kerb + 0.09 * c.height, u)
        return kerb
    c.gradient((0, kerb + 12 * u, c.width, c.height), mix("#5d6168", NIGHT_TINT, dim),
               mix("#3e4249", NIGHT_TINT, dim), label=False)
    lane = (kerb + 12 * u + c.height) / 2 + 10 * u
    for x in range(int(-40 * u), c.width, int(120 * u)):
        c.rect((x, lane, x + 60 * u, lane + 5 * u), mix("#f2f0e6", NIGHT_TINT, dim), label=False)
    return kerb


def boat(c: Canvas, x: float, y: float, u: float) -> None:
    c.polygon([(x - 70 * u, y), (x + 70 * u, y), (x + 52 * u, y + 22 * u), (x - 50 * u, y + 22 * u)],
              "#f5f1e8", label=False)
    c.rect((x - 66 * u, y + 2 * u, x + 66 * u, y + 7 * u), "#c0392b", label=False)
    c.rect((x - 2 * u, y - 110 * u, x + 2 * u, y), "#6b5b4b", label=False)
    c.polygon([(x + 4 * u, y - 104 * u), (x + 4 * u, y - 8 * u), (x + 62 * u, y - 8 * u)],
              "#fbfaf5", label=False)
    c.polygon([(x - 4 * u, y - 90 * u), (x - 4 * u, y - 8 * u), (x - 46 * u, y - 8 * u)],
              "#e8e2d2", label=False)


def railing(c: Canvas, y: float) -> None:
    u = c.height / 800
    top = y - 48 * u
    for x in range(int(10 * u), c.width, int(90 * u)):
        c.rect((x, top, x + 6 * u, y), "#3c4650")
    for ry in (top, top + 20 * u):
        c.rect((0, ry, c.width, ry + 5 * u), "#3c4650")


# ---- buildings and signs ------------------------------------------------
def building(c: Canvas, x: float, width: float, height: float, gy: float, colour: str,
             shop: Shop | None = None, floors: int = 2, evening: bool = False,
             billboard_ad: tuple | None = None) -> dict[str, Thing]:
    """A facade with windows, a shop on the ground floor and maybe a roof billboard."""
    u = c.height / 800
    made: dict[str, Thing] = {}
    wall = mix(colour, NIGHT_TINT, 0.45) if evening else colour
    top = gy - height
    c.rect((x, top, x + width, gy), wall, label=False)
    c.rect((x + width - 6 * u, top, x + width, gy), shade(wall, -0.12), label=False)
    c.rect((x - 5 * u, top - 5 * u, x + width + 5 * u, top + 12 * u), shade(wall, -0.28), label=False)
    shop_h = 175 * u if floors else height - 8 * u
    board_h = 46 * u
    upper_bottom = gy - shop_h - board_h - 24 * u
    if floors:
        c.rect((x, upper_bottom + 8 * u, x + width, upper_bottom + 14 * u), shade(wall, -0.2),
               label=False)
        windows(c, x, width, top + 22 * u, upper_bottom, floors, evening)
    if shop is not None:
        made.update(shopfront(c, x, width, gy, shop_h, board_h, shop, evening))
    if billboard_ad is not None:
        bw = width * 0.82
        bx = x + (width - bw) / 2
        bottom = top - 34 * u
        made["billboard"] = billboard(c, (bx, bottom - 118 * u, bx + bw, bottom), top,
                                      billboard_ad, evening)
    return made


def windows(c: Canvas, x: float, width: float, top: float, bottom: float, floors: int,
            evening: bool) -> None:
    u = c.height / 800
    columns = max(2, round(width / (105 * u)))
    pitch = width / columns
    row = (bottom - top) / floors
    for f in range(floors):
        for i in range(columns):
            wx = x + pitch * (i + 0.28)
            wy = top + row * (f + 0.14)
            ww, wh = pitch * 0.44, row * 0.66
            c.rect((wx - 4 * u, wy - 4 * u, wx + ww + 4 * u, wy + wh + 4 * u), "#f3efe6" if not evening
                   else "#8a85a0", label=False)
            lit = evening and c.rng.random() < 0.55
            if lit:
                c.gradient((wx, wy, wx + ww, wy + wh), "#ffe7a6", "#f0a04b", label=False)
                c.glow("rect", (wx, wy, wx + ww, wy + wh), "#ffb85c", 0.35, 10 * u)
            else:
                c.gradient((wx, wy, wx + ww, wy + wh), "#9fc3d6" if not evening else "#3b3f66",
                           "#5a7f98" if not evening else "#25284a", label=False)
                c.soft("polygon", [(wx + ww * 0.15, wy + wh), (wx + ww * 0.45, wy),
                                   (wx + ww * 0.65, wy), (wx + ww * 0.35, wy + wh)],
                       "#ffffff", 0.18)
            c.rect((wx + ww / 2 - 1.5 * u, wy, wx + ww / 2 + 1.5 * u, wy + wh), "#f3efe6"
                   if not evening else "#8a85a0", label=False)
            c.rect((wx - 7 * u, wy + wh + 4 * u, wx + ww + 7 * u, wy + wh + 9 * u),
                   "#d9d2c4" if not evening else "#6d6884", label=False)


def shopfront(c: Canvas, x: float, width: float, gy: float, shop_h: float, board_h: float,
              shop: Shop, evening: bool) -> dict[str, Thing]:
    u = c.height / 800
    front = c.thing("storefront", shop=shop.name, open=shop.is_open)
    x0, x1 = x + 0.05 * width, x + 0.95 * width
    top = gy - shop_h
    frame = mix(shop.frame, NIGHT_TINT, 0.3) if evening else shop.frame
    c.rect((x0, top, x1, gy), frame, front)
    door_w = min(70 * u, (x1 - x0) * 0.28)
    door = (x1 - door_w - 10 * u, top + 22 * u, x1 - 10 * u, gy - 2 * u)
    glass = (x0 + 10 * u, top + 22 * u, door[0] - 10 * u, gy - 24 * u)
    if evening and shop.is_open:
        c.gradient(glass, "#fff0c2", "#e49a52", front)
        c.glow("rect", glass, "#ffb060", 0.45, 22 * u)
    else:
        c.gradient(glass, "#d4ebf1", "#6c98ad", front)
    shelf_y = glass[3] - (glass[3] - glass[1]) * 0.3
    c.rect((glass[0], shelf_y, glass[2], shelf_y + 4 * u), shade(frame, 0.25), front)
    gx = glass[0] + 8 * u
    palette = ["#e07a5f", "#f2cc8f", "#81b29a", "#3d405b", "#c9a227", "#b56576"]
    while gx < glass[2] - 24 * u:
        gw = c.uniform(14, 26) * u
        gh = c.uniform(14, 34) * u
        c.rect((gx, shelf_y - gh, gx + gw, shelf_y), c.rng.choice(palette), front, radius=3 * u)
        gx += gw + c.uniform(4, 10) * u
    c.soft("polygon", [(glass[0] + 20 * u, glass[3]), (glass[0] + 60 * u, glass[1]),
                       (glass[0] + 90 * u, glass[1]), (glass[0] + 50 * u, glass[3])], "#ffffff", 0.22)
    c.rect((x0, gy - 16 * u, x1, gy), shade(frame, -0.25), front)
    c.rect(door, shade(frame, -0.35), front)
    c.gradient((door[0] + 8 * u, door[1] + 8 * u, door[2] - 8 * u, door[1] + (door[3] - door[1]) * 0.55),
               "#cfe3ea" if not evening else "#ffe3a8", "#7fa6b8" if not evening else "#d8914f", front)
    c.circle((door[0] + 10 * u, (door[1] + door[3]) / 2 + 10 * u), 3 * u, "#e9c46a", front)
    if not shop.is_open:
        c.rect((door[0] + 10 * u, door[1] + 30 * u, door[2] - 10 * u, door[1] + 48 * u), "#f7f3ea", front)
        c.text(((door[0] + door[2]) / 2, door[1] + 39 * u), "CLOSED", 9 * u, "#b23a48")
    if shop.awning is not None:
        awning(c, x0 - 6 * u, x1 + 6 * u, top + 4 * u, 0.32 * shop_h, shop.awning, front, evening)
    made = {"storefront": front}
    board = (x + 0.1 * width, top - board_h - 12 * u, x + 0.9 * width, top - 12 * u)
    made["signboard"] = signboard(c, board, shop, evening)
    return made


def awning(c: Canvas, x0: float, x1: float, y: float, depth: float, colours: tuple[str, str],
           thing: Thing, evening: bool) -> None:
    u = c.height / 800
    stripes = max(6, int((x1 - x0) / (34 * u)))
    spread = 14 * u
    step_top = (x1 - x0) / stripes
    step_bottom = (x1 - x0 + 2 * spread) / stripes
    for i in range(stripes):
        colour = colours[i % 2]
        if evening:
            colour = mix(colour, NIGHT_TINT, 0.35)
        a, b = x0 + i * step_top, x0 + (i + 1) * step_top
        cc, d = x0 - spread + i * step_bottom, x0 - spread + (i + 1) * step_bottom
        c.polygon([(a, y), (b, y), (d, y + depth), (cc, y + depth)], colour, thing)
        c.ellipse((cc, y + depth - step_bottom / 2, d, y + depth + step_bottom / 2), colour, thing)
    c.rect((x0, y - 5 * u, x1, y + 3 * u), shade(colours[0], -0.35), thing)
    c.soft("rect", (x0 - spread, y + depth + step_bottom / 2, x1 + spread,
                    y + depth + step_bottom / 2 + 10 * u), "#000000", 0.18, 4 * u)


def signboard(c: Canvas, box, shop: Shop, evening: bool) -> Thing:
    u = c.height / 800
    sign = c.thing("signboard", text=shop.name)
    x0, y0, x1, y1 = box
    board = mix(shop.board, NIGHT_TINT, 0.25) if evening else shop.board
    c.rect(box, shade(board, -0.3), sign, radius=6 * u)
    c.rect((x0 + 4 * u, y0 + 4 * u, x1 - 4 * u, y1 - 4 * u), board, sign, radius=4 * u)
    size = (y1 - y0) * 0.56
    room = (x1 - x0) * 0.82
    width = c.text_width(shop.name, size)
    if width > room:
        size *= room / width
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    if evening:
        c.glow("rect", box, shop.ink, 0.55, 16 * u)
    c.text(centre, shop.name, size, shop.ink)
    for bx in (x0 + 0.2 * (x1 - x0), x1 - 0.2 * (x1 - x0)):
        c.rect((bx - 2 * u, y1, bx + 2 * u, y1 + 10 * u), "#4a4a4a", sign)
    return sign


def billboard(c: Canvas, box, foot: float, ad: tuple, evening: bool = False) -> Thing:
    """A board on two legs standing at ``foot``; ``ad`` = (headline, subline, top, bottom, disc)."""
    u = c.height / 800
    headline, subline, top_c, bottom_c, disc = ad
    board = c.thing("billboard", text=f"{headline} {subline}".strip())
    x0, y0, x1, y1 = box
    for lx in (x0 + 0.22 * (x1 - x0), x1 - 0.22 * (x1 - x0)):
        c.rect((lx - 5 * u, y1, lx + 5 * u, foot), "#4b4f58", board)
        c.rect((lx - 18 * u, y1 + 14 * u, lx + 18 * u, y1 + 18 * u), "#4b4f58", board)
    c.rect((x0 - 6 * u, y0 - 6 * u, x1 + 6 * u, y1 + 6 * u), "#2f3238", board)
    c.gradient(box, top_c, bottom_c, board)
    h = y1 - y0
    c.circle((x1 - h * 0.55, y0 + h * 0.5), h * 0.36, disc, board)
    c.circle((x1 - h * 0.66, y0 + h * 0.38), h * 0.09, shade(disc, 0.45), board)
    size = h * 0.3
    room = (x1 - x0 - h) * 0.9
    if c.text_width(headline, size) > room:
        size *= room / c.text_width(headline, size)
    tx = x0 + (x1 - x0 - h) / 2 + 6 * u
    c.text((tx, y0 + h * 0.4), headline, size, "#ffffff")
    c.text((tx, y0 + h * 0.72), subline, size * 0.45, "#ffffff", bold=False)
    if evening:
        c.glow("rect", box, "#fff0d0", 0.3, 12 * u)
        for lx in (x0 + 0.25 * (x1 - x0), x1 - 0.25 * (x1 - x0)):
            c.glow("ellipse", (lx - 30 * u, y0 - 6 * u, lx + 30 * u, y0 + 40 * u), "#fff3c8", 0.5, 10 * u)
    return board


# ---- street furniture, trees, people, cars ---------------------------------
def tree(c: Canvas, x: float, foot: float, height: float, autumn: bool = False,
         evening: bool = False, thing: Thing | None = None) -> Thing:
    tree_ = thing or c.thing("tree")
    t = height
    bark = "#6b4f3a" if not evening else "#4a3a3a"
    c.polygon([(x - 0.03 * t, foot), (x + 0.03 * t, foot), (x + 0.018 * t, foot - 0.62 * t),
               (x - 0.018 * t, foot - 0.62 * t)], bark, tree_)
    c.line([(x, foot - 0.45 * t), (x + 0.1 * t, foot - 0.6 * t)], bark, 0.02 * t, tree_)
    c.line([(x, foot - 0.5 * t), (x - 0.09 * t, foot - 0.63 * t)], bark, 0.018 * t, tree_)
    leaves = ("#c8792f", "#e3a04a", "#f3c96f") if autumn else ("#3f7d4e", "#5a9e5f", "#8cc47a")
    if evening:
        leaves = tuple(mix(col, NIGHT_TINT, 0.45) for col in leaves)
    cx, cy, r = x, foot - 0.72 * t, 0.25 * t
    blobs = [(0, 0, 0.72), (-0.52, 0.18, 0.52), (0.52, 0.18, 0.52), (-0.3, -0.42, 0.55),
             (0.32, -0.4, 0.55), (0.02, -0.66, 0.48), (-0.7, -0.16, 0.4), (0.7, -0.14, 0.42)]
    jitter = [(c.uniform(-0.05, 0.05), c.uniform(-0.05, 0.05)) for _ in blobs]
    for (dx, dy, s), (jx, jy) in zip(blobs, jitter):
        c.circle((cx + (dx + jx + 0.05) * r, cy + (dy + jy + 0.07) * r), s * r, leaves[0], tree_)
    for (dx, dy, s), (jx, jy) in zip(blobs, jitter):
        c.circle((cx + (dx + jx) * r, cy + (dy + jy) * r), s * r * 0.93, leaves[1], tree_)
    for (dx, dy, s), (jx, jy) in zip(blobs, jitter):
        if dy < 0.1:
            c.circle((cx + (dx + jx - 0.14) * r, cy + (dy + jy - 0.16) * r), s * r * 0.45,
                     leaves[2], tree_)
    return tree_


def lamp(c: Canvas, x: float, foot: float, height: float, evening: bool = False) -> Thing:
    u = c.height / 800
    post = c.thing("street lamp")
    metal = "#2f3a40"
    w = max(8 * u, 0.024 * height)
    c.rect((x - 2.2 * w, foot - 0.06 * height, x + 2.2 * w, foot), metal, post, radius=2 * u)
    c.rect((x - w / 2, foot - height, x + w / 2, foot), metal, post)
    top = foot - height
    c.rect((x - 1.2 * w, top + 0.02 * height, x + 1.2 * w, top + 0.03 * height), metal, post)
    head = (x - 0.05 * height, top - 0.1 * height, x + 0.05 * height, top + 0.005 * height)
    c.polygon([(head[0] - 6 * u, head[1]), (head[2] + 6 * u, head[1]), (x, head[1] - 0.05 * height)],
              metal, post)
    lit = "#fff2b8" if evening else "#f3f1e4"
    c.polygon([(head[0], head[1]), (head[2], head[1]), (head[2] - 0.015 * height, head[3]),
               (head[0] + 0.015 * height, head[3])], lit, post)
    c.rect((x - 1.5 * u, head[1], x + 1.5 * u, head[3]), metal, post)
    if evening:
        c.glow("ellipse", (x - 0.16 * height, top - 0.2 * height, x + 0.16 * height, top + 0.12 * height),
               "#ffcf73", 0.8, 0.06 * height)
        c.glow("ellipse", (x - 0.3 * height, foot - 0.05 * height, x + 0.3 * height, foot + 0.05 * height),
               "#ffcf73", 0.25, 0.05 * height)
    return post


def person(c: Canvas, x: float, foot: float, height: float, look: Look, swing: float = 0.0,
           stride: float = 0.0, wave: bool = False, evening: bool = False,
           thing: Thing | None = None) -> Thing:
    """A walker facing the viewer; ``thing.info['points']`` holds the 14 keypoints."""
    someone = thing or c.thing("person")
    h = height
    y = foot
    p = {
        "head": (x, y - 0.905 * h), "neck": (x, y - 0.8 * h),
        "left_shoulder": (x + 0.115 * h, y - 0.775 * h), "right_shoulder": (x - 0.115 * h, y - 0.775 * h),
        "left_elbow": (x + 0.15 * h + 0.025 * h * swing, y - 0.615 * h),
        "right_elbow": (x - 0.15 * h + 0.025 * h * swing, y - 0.615 * h),
        "left_wrist": (x + 0.16 * h + 0.05 * h * swing, y - 0.465 * h),
        "right_wrist": (x - 0.16 * h + 0.05 * h * swing, y - 0.465 * h),
        "left_hip": (x + 0.065 * h, y - 0.48 * h), "right_hip": (x - 0.065 * h, y - 0.48 * h),
        "left_knee": (x + 0.07 * h + 0.03 * h * stride, y - 0.25 * h),
        "right_knee": (x - 0.07 * h + 0.01 * h * stride, y - 0.25 * h),
        "left_ankle": (x + 0.075 * h + 0.05 * h * stride, y - 0.03 * h),
        "right_ankle": (x - 0.075 * h - 0.01 * h * stride, y - 0.03 * h),
    }
    if wave:
        p["right_elbow"] = (x - 0.21 * h, y - 0.8 * h)
        p["right_wrist"] = (x - 0.24 * h, y - 0.97 * h)
    tint = (lambda col: mix(col, NIGHT_TINT, 0.4)) if evening else (lambda col: col)
    c.soft("ellipse", (x - 0.16 * h, y - 0.02 * h, x + 0.16 * h, y + 0.025 * h), "#000000", 0.25,
           0.01 * h)
    for side in ("left", "right"):
        c.line([p[f"{side}_hip"], p[f"{side}_knee"], p[f"{side}_ankle"]], tint(look.trousers),
               0.085 * h, someone)
        ax, ay = p[f"{side}_ankle"]
        c.ellipse((ax - 0.048 * h, ay - 0.012 * h, ax + 0.048 * h, ay + 0.032 * h), tint(look.shoes),
                  someone)
    ls, rs, lh, rh = p["left_shoulder"], p["right_shoulder"], p["left_hip"], p["right_hip"]
    c.polygon([(ls[0] + 0.02 * h, ls[1] - 0.01 * h), (rs[0] - 0.02 * h, rs[1] - 0.01 * h),
               (rh[0] - 0.035 * h, rh[1] + 0.04 * h), (lh[0] + 0.035 * h, lh[1] + 0.04 * h)],
              tint(look.shirt), someone)
    for side in ("left", "right"):
        sx, sy = p[f"{side}_shoulder"]
        c.circle((sx, sy + 0.012 * h), 0.032 * h, tint(look.shirt), someone)
        c.line([p[f"{side}_shoulder"], p[f"{side}_elbow"], p[f"{side}_wrist"]], tint(look.shirt),
               0.062 * h, someone)
        c.circle(p[f"{side}_wrist"], 0.03 * h, tint(look.skin), someone)
    c.rect((x - 0.028 * h, y - 0.85 * h, x + 0.028 * h, y - 0.78 * h), tint(look.skin), someone)
    c.rect((x - 0.06 * h, y - 0.8 * h, x + 0.06 * h, y - 0.77 * h), shade(tint(look.shirt), -0.15), someone)
    hx, hy = p["head"]
    c.circle((hx, hy - 0.012 * h), 0.08 * h, tint(look.hair), someone)
    c.circle((hx, hy + 0.01 * h), 0.068 * h, tint(look.skin), someone)
    c.rect((hx - 0.075 * h, hy - 0.07 * h, hx + 0.075 * h, hy - 0.03 * h), tint(look.hair), someone,
           radius=0.03 * h)
    if h > 60:
        for ex in (hx - 0.025 * h, hx + 0.025 * h):
            c.circle((ex, hy + 0.005 * h), 0.008 * h, "#2b2b2b", someone)
        c.line([(hx - 0.015 * h, hy + 0.04 * h), (hx + 0.015 * h, hy + 0.04 * h)], "#a0524a",
               0.005 * h, someone)
    someone.info.setdefault("points", p)
    return someone


def crowd(c: Canvas, x0: float, x1: float, foot: float, height: float, count: int,
          looks: list[Look], evening: bool = False) -> Thing:
    """Many small people drawn as one object (a COCO crowd region)."""
    group = c.thing("crowd")
    spots = sorted((c.uniform(foot - 0.12 * height, foot + 0.12 * height), c.uniform(x0, x1))
                   for _ in range(count))
    for i, (fy, fx) in enumerate(spots):
        person(c, fx, fy, height * c.uniform(0.9, 1.1), looks[i % len(looks)],
               swing=c.uniform(-1, 1), stride=c.uniform(-1, 1), evening=evening, thing=group)
    group.info.pop("points", None)
    return group


def car(c: Canvas, x: float, road: float, length: float, colour: str, facing_right: bool = True,
        evening: bool = False) -> Thing:
    """A side-on car whose wheels touch ``road``; ``x`` is its left end."""
    vehicle = c.thing("car", colour=colour)
    L = length

    def at(uu: float, vv: float) -> tuple[float, float]:
        return (x + (uu if facing_right else 1 - uu) * L, road - vv * L)

    def box(u0, v0, u1, v1):
        (a, b), (cc, d) = at(u0, v0), at(u1, v1)
        return (min(a, cc), min(b, d), max(a, cc), max(b, d))

    paint = mix(colour, NIGHT_TINT, 0.4) if evening else colour
    c.soft("ellipse", (x - 0.03 * L, road - 0.03 * L, x + 1.03 * L, road + 0.035 * L), "#000000", 0.35,
           0.015 * L)
    c.polygon([at(0.17, 0.26), at(0.29, 0.41), at(0.67, 0.41), at(0.81, 0.26)], shade(paint, -0.08),
              vehicle)
    c.rect(box(0.0, 0.085, 1.0, 0.28), paint, vehicle, radius=0.06 * L)
    c.rect(box(0.02, 0.16, 0.98, 0.175), shade(paint, 0.25), vehicle)
    glass_top, glass_bottom = ("#cfe6f0", "#7ea3b8") if not evening else ("#6b6f9a", "#2f3358")
    for pts in ([at(0.23, 0.275), at(0.315, 0.385), at(0.475, 0.385), at(0.475, 0.275)],
                [at(0.5, 0.275), at(0.5, 0.385), at(0.655, 0.385), at(0.75, 0.275)]):
        c.polygon(pts, glass_bottom, vehicle)
        c.soft("polygon", pts[:2] + [(pts[1][0] + 0.05 * L, pts[1][1]), (pts[0][0] + 0.05 * L, pts[0][1])],
               glass_top, 0.6)
    c.line([at(0.488, 0.12), at(0.488, 0.27)], shade(paint, -0.3), 0.004 * L, vehicle)
    c.rect(box(0.53, 0.225, 0.58, 0.235), shade(paint, -0.35), vehicle)
    c.rect(box(0.955, 0.19, 1.0, 0.225), "#fff4c8", vehicle, radius=0.01 * L)
    c.rect(box(0.0, 0.19, 0.035, 0.225), "#d1383a", vehicle, radius=0.01 * L)
    for wu in (0.2, 0.8):
        cx, cy = at(wu, 0.09)
        c.circle((cx, cy), 0.105 * L, shade(paint, -0.55), vehicle)
        c.circle((cx, cy), 0.09 * L, "#23262b", vehicle)
        c.circle((cx, cy), 0.05 * L, "#c7cbd1", vehicle)
        c.circle((cx, cy), 0.018 * L, "#7b8088", vehicle)
    if evening:
        hx, hy = at(1.0, 0.205)
        reach = 0.5 * L if facing_right else -0.5 * L
        c.glow("polygon", [(hx, hy - 0.01 * L), (hx + reach, hy - 0.08 * L), (hx + reach, hy + 0.1 * L)],
               "#fff0b0", 0.5, 0.03 * L)
    return vehicle
