"""Short labels (a school's number) beside the points of a crowded scatter chart, placed in the
plot's own pixels so that no label covers another label or any point; a label that has to
stand further off gets a thin line to its point.

The builder places the labels for the page's plot size; the static-image builder
(``ui.images.static``) places them again in the plot area it measured in the image, so the
exported and reported images are exact. No Streamlit here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import plotly.graph_objects as go

NAME = "punktetikett"  # the annotations' name: the labels are found and replaced by it
CHAR_PX, LINE_PX = 6.6, 14  # an 11 px label: width per character and height, rounded up
# candidate directions: right, left, up, down, the diagonals, then every 22.5 degrees
ANGLES = [0, 180, 90, 270, 45, 135, 225, 315] + [a + 22.5 for a in range(0, 360, 45)]
GAPS = (2, 8, 16, 26, 38, 52, 68, 86, 106, 128)  # px between the point's marker and its label


@dataclass(frozen=True)
class Plot:
    """The plot area in pixels and the data range it shows."""
    left: float
    top: float
    width: float
    height: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        return (self.left + (x - x0) / (x1 - x0) * self.width,
                self.top + (1 - (y - y0) / (y1 - y0)) * self.height)


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _segment_hits(p, q, box) -> bool:
    """Whether the segment p-q passes through ``box`` (sampled: the boxes are a few px wide)."""
    steps = max(2, int(math.dist(p, q) / 3))
    return any(box[0] <= p[0] + (q[0] - p[0]) * k / steps <= box[2] and box[1] <= p[1] + (q[1] - p[1]) * k / steps
               <= box[3] for k in range(1, steps))


def place(points: list[tuple[float, float]], texts: list[str], plot: Plot, radius: float = 6) -> list[tuple[float, float]]:
    """Each label's centre as an offset (dx, dy) in pixels from its point (screen axes: dy down).

    Greedy, the most crowded points first: the nearest spot, in a ring of growing gaps, where
    the label's box lies inside the plot and overlaps no point's marker, no label placed before
    it and whose line to its point crosses no other marker. If no spot is free (a point drowned
    in others), the spot with the fewest overlaps is taken.
    Example: one point in an empty plot gets (radius + gap + half its width, 0): right of it."""
    px = [plot.to_px(x, y) for x, y in points]
    markers = [(x - radius - 1, y - radius - 1, x + radius + 1, y + radius + 1) for x, y in px]
    crowd = [sum(math.dist(p, q) < 40 for q in px) for p in px]
    order = sorted(range(len(px)), key=lambda i: (-crowd[i], i))
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[float, float]] = [(0.0, 0.0)] * len(px)
    inside = (plot.left, plot.top, plot.left + plot.width, plot.top + plot.height)
    reach = GAPS[-1] + 2 * radius + CHAR_PX * max((len(t) for t in texts), default=1) + LINE_PX
    for i in order:
        (x, y), w, h = px[i], CHAR_PX * len(texts[i]) + 4, LINE_PX
        near = [k for k, (a, b) in enumerate(px) if abs(a - x) < reach and abs(b - y) < reach]  # the rest never meet
        near_placed = [b for b in placed if abs((b[0] + b[2]) / 2 - x) < reach and abs((b[1] + b[3]) / 2 - y) < reach]
        best, best_cost = None, math.inf
        for gap in GAPS:
            for a in ANGLES:
                c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
                cx, cy = x + c * (radius + gap + w / 2), y - s * (radius + gap + h / 2)
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                if box[0] < inside[0] or box[1] < inside[1] or box[2] > inside[2] or box[3] > inside[3]:
                    continue
                cost = sum(_overlaps(box, markers[k]) for k in near) + sum(_overlaps(box, b) for b in near_placed)
                if cost < best_cost and gap > GAPS[1]:  # a line to the point: it must not cross another point
                    cost += sum(_segment_hits((x, y), (cx, cy), markers[k]) for k in near if k != i)
                if cost < best_cost:
                    best, best_cost = (cx - x, cy - y, box), cost
                if cost == 0:
                    break
            if best_cost == 0:
                break
        if best is None:  # nowhere inside the plot: right of the point
            best = (radius + 4 + w / 2, 0.0, (x + radius + 4, y - h / 2, x + radius + 4 + w, y + h / 2))
        out[i] = (best[0], best[1])
        placed.append(best[2])
    return out


def annotate_points(fig: go.Figure, xs: list[float], ys: list[float], texts: list[str], plot: Plot,
                    radius: float = 6) -> go.Figure:
    """Draw ``texts`` beside the points (xs, ys) as annotations (replacing earlier ones), with a
    line to the point when the label stands off."""
    keep = [a for a in fig.layout.annotations if a.name != NAME]
    new = []
    for (dx, dy), x, y, t in zip(place(list(zip(xs, ys, strict=True)), texts, plot, radius), xs, ys, texts,
                                 strict=True):
        far = math.hypot(dx, dy) > radius + CHAR_PX * len(t) / 2 + 14
        new.append({"x": x, "y": y, "text": t, "name": NAME, "showarrow": True, "ax": dx, "ay": dy,
                    "axref": "pixel", "ayref": "pixel", "arrowhead": 0, "arrowwidth": 0.8,
                    "arrowcolor": "#555555" if far else "rgba(0,0,0,0)", "standoff": radius,
                    "font": {"size": 11, "color": "#222222"}, "borderpad": 0})
    fig.layout.annotations = [*keep, *new]  # at once: plotly copies the list on every add_annotation
    return fig
