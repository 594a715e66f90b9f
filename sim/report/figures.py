"""What every plot shares: a grid of panels on a matplotlib Figure (no pyplot, so no backend
and no global state: safe in workers, tests and notebooks), one axes style, PNG bytes, and
picking a plot by name."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def panels(n_panels: int, ncols: int, width: float = 4.2, height: float = 2.9,
           extra: float = 0.6, dpi: int = 100):
    """A constrained-layout Figure with `n_panels` axes in rows of `ncols` (panels beyond
    `n_panels` hidden), each about `width` x `height` inches, and `extra` inches for titles;
    returns (figure, flat array of axes)."""
    from matplotlib.figure import Figure

    ncols = max(1, min(ncols, n_panels))
    nrows = max(1, math.ceil(n_panels / ncols))
    fig = Figure(figsize=(width * ncols, height * nrows + extra), dpi=dpi, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, axes


def style(ax, grid: str = "both") -> None:
    """Small ticks, a light grid behind the data, no top or right frame."""
    ax.tick_params(labelsize=8)
    ax.grid(axis=grid, alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def png(fig) -> bytes:
    """The figure as PNG bytes (at the figure's own dpi)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def pick(plots: dict[str, Callable[[Any], Figure]], subject: object, kind: str,
         have: list[str], missing: str) -> Figure:
    """`plots[kind](subject)`; ValueError naming the plots `subject` has (`have`), and why
    the public one is missing when it is asked for."""
    if kind not in have:
        why = f" ({missing})" if kind == "public" else ""
        raise ValueError(f"no plot {kind!r}{why}; plots: {', '.join(have)}")
    return plots[kind](subject)
