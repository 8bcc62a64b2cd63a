"""Bar charts drawn on the server as SVG geometry: no JavaScript library, no third-party host.

The template (admin/backoffice/overview_chart.html) draws what :func:`bar_chart` computes; whole pixels
only, so no localised decimal comma can end up in an SVG attribute.
"""

from dataclasses import dataclass

LABEL_WIDTH = 240
BAR_AREA = 320
ROW_HEIGHT = 22
BAR_HEIGHT = 16


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: int
    width: int
    outof_width: int  # the grey bar behind (the whole, e.g. all municipalities of a county); 0 for none


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    width: int = LABEL_WIDTH + BAR_AREA + 70
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT

    @property
    def text_x(self) -> int:
        return LABEL_WIDTH + BAR_AREA + 6


def bar_chart(*, title: str, rows: list[tuple[str, int, int | None]]) -> Chart:
    """Horizontal bars, one per (label, value, out of); "out of" (or None) draws the whole behind the value."""
    scale = max([max(value, outof or 0) for _label, value, outof in rows] + [1])
    bars = []
    for index, (label, value, outof) in enumerate(rows):
        text = f"{value} / {outof}" if outof is not None else str(value)
        bars.append(
            Bar(
                label=label,
                text=text,
                y=index * ROW_HEIGHT,
                width=round(BAR_AREA * value / scale),
                outof_width=round(BAR_AREA * outof / scale) if outof else 0,
            )
        )
    return Chart(title=title, bars=bars)
