"""What every plot shares: a grid of panels on a matplotlib Figure (no pyplot, so no backend
and no global state: safe in workers, tests and notebooks), one axes style, PNG bytes, and
picking a plot by name."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PNG_COMPRESSION = 3  # zlib level: files 4% bigger than at the default 6, a third less time


@dataclass(frozen=True)
class Margins:
    """Fixed room in inches for what a grid of panels draws outside its axes: y tick labels
    and label (`left`), x tick labels, label and a footnote (`bottom`), titles and a suptitle
    (`top`), the next panel's y labels (`between_columns`) and the x labels and title between
    rows (`between_rows`); `right` holds the last x tick label's overhang.

    Fixed, rather than constrained layout, because constrained layout measures every text of
    the figure twice at each render: a quarter to a third of a plot's time."""

    left: float = 0.62
    right: float = 0.25
    bottom: float = 0.62
    top: float = 0.55
    between_columns: float = 0.72
    between_rows: float = 0.68

    def apply(self, fig: Figure, nrows: int, ncols: int) -> None:
        """Place `fig`'s grid of `nrows` x `ncols` panels inside these margins."""
        width, height = fig.get_size_inches()
        panel_width = (width - self.left - self.right
                       - (ncols - 1) * self.between_columns) / ncols
        panel_height = (height - self.top - self.bottom
                        - (nrows - 1) * self.between_rows) / nrows
        fig.subplots_adjust(left=self.left / width, right=1 - self.right / width,
                            bottom=self.bottom / height, top=1 - self.top / height,
                            wspace=self.between_columns / panel_width,
                            hspace=self.between_rows / panel_height)


def panels(n_panels: int, ncols: int, width: float = 4.2, height: float = 2.9,
           extra: float = 0.6, dpi: int = 100,
           margins: Margins | None = None) -> tuple[Figure, list[Axes]]:
    """A Figure with `n_panels` axes in rows of `ncols` (the last row's free cells left
    empty, not filled with hidden axes, which cost as much to make as shown ones), each about
    `width` x `height` inches, and `extra` inches for titles; returns (figure, list of axes).
    Laid out within `margins`, or by constrained layout without them (slower, but it makes
    room for any label)."""
    from matplotlib.figure import Figure

    ncols = max(1, min(ncols, n_panels))
    nrows = max(1, math.ceil(n_panels / ncols))
    fig = Figure(figsize=(width * ncols, height * nrows + extra), dpi=dpi,
                 layout=None if margins is not None else "constrained")
    if margins is not None:
        margins.apply(fig, nrows, ncols)
    grid = fig.add_gridspec(nrows, ncols)
    return fig, [fig.add_subplot(grid[k // ncols, k % ncols]) for k in range(n_panels)]


def style(ax: Axes, grid: str = "both") -> None:
    """Small ticks, a light grid behind the data, no top or right frame."""
    ax.tick_params(labelsize=8)
    ax.grid(axis=grid, alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (at the figure's own dpi)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": PNG_COMPRESSION})
    return buffer.getvalue()


def pick(plots: dict[str, Callable[[Any], Figure]], subject: object, kind: str,
         have: list[str], missing: str) -> Figure:
    """`plots[kind](subject)`; ValueError naming the plots `subject` has (`have`), and why
    the public one is missing when it is asked for."""
    if kind not in have:
        why = f" ({missing})" if kind == "public" else ""
        raise ValueError(f"no plot {kind!r}{why}; plots: {', '.join(have)}")
    return plots[kind](subject)
