"""The comparison on the console: the table of the main metrics, split to fit the terminal,
and its legend."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.report.compare_rows import NOT_AVAILABLE, Cell, Row, legend, main_rows, table_lines
from sim.report.targets import arms_line
from sim.runner.compare import Comparison

PAD = "  "  # room for " *" after a difference


def console_tables(comparison: Comparison, width: int = 100) -> list[Table | Text]:
    """The main metrics, one column per arm (mean ± CI half-width) and, after the first arm, a
    Δ column; split into several tables (each with the first arm) to fit `width`; then the
    legend and the targets the arms miss."""
    others = comparison.labels[1:]
    rows = main_rows(comparison)
    console = Console(width=10_000)
    chunk = len(others)
    while True:
        tables = [_console_table(comparison, rows, others[i:i + chunk])
                  for i in range(0, len(others), chunk)]
        widest = max(console.measure(t).maximum for t in tables)
        if widest <= width or chunk == 1:
            targets = arms_line(comparison.arms)
            return [*tables, Text(legend(comparison.labels[0]), style="dim"),
                    *([Text(targets, style="bold")] if targets else [])]
        chunk -= 1


def _console_table(comparison: Comparison, rows: list[Row], others: list[str]) -> Table:
    first = comparison.labels[0]
    title = (f"{' vs '.join([first, *others])}: {comparison.replications} replications "
             f"each, seed {comparison.seed}")
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                  collapse_padding=True)
    body = [(line.where, line.label,
             [_diff_text(cell) if k % 2 == 0 and k > 0 else _mean_text(cell)
              for k, cell in enumerate(line.cells)])
            for line in table_lines(comparison, rows, others)]
    table.add_column("channel", no_wrap=True)
    table.add_column("metric", no_wrap=True)
    table.add_column(first, justify="right", no_wrap=True)
    for k, arm in enumerate(others):
        table.add_column(arm, justify="right", no_wrap=True)
        # right-aligned by hand: rich's right justification strips the room left for " *"
        column = [cells[2 + 2 * k] for _, _, cells in body]
        header = _align_right([Text("Δ"), *column])[0]
        table.add_column(header, justify="left", no_wrap=True)
    previous = None
    for channel, label, cells in body:
        if previous is not None and channel != previous:
            table.rows[-1].end_section = True
        table.add_row(channel if channel != previous else "", label, *cells)
        previous = channel
    return table


def _align_right(cells: list[Text]) -> list[Text]:
    """Pad every line of `cells` on the left to the widest line, in place."""
    width = max(line.cell_len for cell in cells for line in cell.split("\n"))
    for cell in cells:
        lines = cell.split("\n")
        for line in lines:
            line.pad_left(width - line.cell_len)
        aligned = Text("\n").join(lines)
        cell.plain, cell.spans = aligned.plain, aligned.spans
    return cells


def _mean_text(cell: Cell) -> Text:
    text = Text(cell.value)
    if cell.half:
        text.append(f"\n±{cell.half}", style="dim")
    return text


def _diff_text(cell: Cell) -> Text:
    if cell.value == NOT_AVAILABLE:
        return Text(f"{NOT_AVAILABLE}{PAD}", style="dim")
    if cell.verdict is None:
        text = Text(cell.value + PAD)
    else:
        style = {1: "bold green", -1: "bold red"}.get(cell.verdict, "bold")
        text = Text(cell.value + " *", style=style)
    if cell.half:
        text.append(f"\n±{cell.half}{PAD}", style="dim")
    return text
