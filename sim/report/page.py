"""The frame of every report.html: one self-contained page a person can open offline. Inline
CSS, images as base64 PNG data URIs, no scripts, no external resources."""

from __future__ import annotations

import base64
from html import escape

from sim import __version__

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       margin: 2em auto; max-width: 1100px; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; font-size: 1.25em;
     border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { padding: 0.25em 0.8em; text-align: left; border-bottom: 1px solid #eee;
         vertical-align: top; }
th { background: #f5f5f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.ci, .half { color: #777; text-align: right; font-variant-numeric: tabular-nums; }
.half { font-size: 0.88em; font-weight: normal; }
td.better { color: #1a7f37; font-weight: 600; } td.worse { color: #c62828; font-weight: 600; }
td.significant { font-weight: 600; }
tr.first td { border-top: 2px solid #ccc; }
.wide { overflow-x: auto; }
details { margin: 0.4em 0; } summary { cursor: pointer; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.92em; }
footer { margin-top: 3em; color: #888; font-size: 0.85em; }
"""


def page(title: str, body: list[str], footer: str) -> str:
    """The whole document: `body` and `footer` are HTML (already escaped), `title` text."""
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{escape(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        *body,
        f"<footer>Frontdoor {escape(__version__)} · {footer}</footer>",
        "</body>", "</html>",
    ]) + "\n"


def figure(name: str, data: bytes, caption: str) -> str:
    """A PNG embedded as a data URI, with its caption and file name."""
    encoded = base64.b64encode(data).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{encoded}" alt="{escape(caption)}">'
            f"<figcaption>{escape(caption)} ({escape(name)})</figcaption></figure>")
