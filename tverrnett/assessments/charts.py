"""The geometry of the per-domain chart over time, drawn as SVG by a template
(assessments/includes/chart.svg.html): one horizontal bar per assessment, split by how
many of the domain's items got each rating.

Readable without colour: every rating has its own fill pattern (open, hatched, solid,
dotted for "unknown"), each segment carries its count, and the page gives the same
figures in a table. The bars show counts per rating only; nothing is added up across
ratings (L25).
"""

LABEL_WIDTH = 150
BAR_WIDTH = 450
BAR_HEIGHT = 30
GAP = 16
TOP = 8
LEGEND_ROW = 26
WIDTH = LABEL_WIDTH + BAR_WIDTH + 20

# By the option's position on its scale; "unknown" (always last) is dotted.
FILLS = ("open", "hatched", "solid", "crossed", "striped")
UNKNOWN_FILL = "dotted"


def fill_for(position, option_count):
    if position == option_count - 1:
        return UNKNOWN_FILL
    return FILLS[position % len(FILLS)]


def domain_chart(domain):
    """`domain`: one entry of `services.development`. Returns what the SVG template needs."""
    option_count = len(domain["options"])
    bars = []
    for row, column in enumerate(domain["columns"]):
        y = TOP + row * (BAR_HEIGHT + GAP)
        x = LABEL_WIDTH
        segments = []
        for position, (_code, label, count) in enumerate(column["counts"]):
            if not count:
                continue
            width = BAR_WIDTH * count / domain["item_count"]
            segments.append(
                {
                    "x": round(x, 1),
                    "width": round(width, 1),
                    "fill": fill_for(position, option_count),
                    "count": count,
                    "label": label,
                    "centre": round(x + width / 2, 1),
                    "badge_x": round(x + width / 2 - 11, 1),
                }
            )
            x += width
        bars.append(
            {
                "y": y,
                "middle": y + BAR_HEIGHT // 2,
                "badge_y": y + BAR_HEIGHT // 2 - 10,
                "assessment": column["assessment"],
                "segments": segments,
            }
        )
    legend_top = TOP + len(bars) * (BAR_HEIGHT + GAP) + 4
    legend = [
        {
            "x": LABEL_WIDTH + (position % 3) * 150,
            "y": legend_top + (position // 3) * LEGEND_ROW,
            "fill": fill_for(position, option_count),
            "label": label,
            "text_x": LABEL_WIDTH + (position % 3) * 150 + 24,
            "text_y": legend_top + (position // 3) * LEGEND_ROW + 9,
        }
        for position, (_code, label) in enumerate(domain["options"])
    ]
    rows = (option_count + 2) // 3
    return {
        "id": f"chart-{domain['code']}",
        "width": WIDTH,
        "height": legend_top + rows * LEGEND_ROW + 4,
        "bar_height": BAR_HEIGHT,
        "label_width": LABEL_WIDTH,
        "label_x": LABEL_WIDTH - 10,
        "bar_width": BAR_WIDTH,
        "bars": bars,
        "legend": legend,
    }
