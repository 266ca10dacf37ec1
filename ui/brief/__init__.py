"""The committee brief ("Uppföljningsrapport") and the pages' HTML reports, from one content model.

``build`` assembles what a committee receives: a cover (committee, period, data date, source),
the scorecard, and per goal its status, values, change with interval, preliminary result,
population, completeness, the committee's analysis and its trend chart (from the one image
builder, ``ui.images``); the steering group's version adds the status changes since last month
and the key indicators. ``docx_bytes`` (python-docx) and ``pdf_bytes`` (typst: tagged PDF/UA-1)
render the same ``Brief``; ``page_html`` renders a page's sections, goal cards included.

No Streamlit here: the dashboard's buttons and ``cli.py report`` call the same functions.

The package is one model and three renderers:

* ``model``: ``Brief``, ``GoalBlock`` and how they are built (``build``, ``goal_block``);
* ``html``: the pages' HTML reports (``page_html``, ``goal_html``);
* ``word``: the brief in Word (``docx_bytes``);
* ``pdf``: the brief in PDF through typst (``pdf_bytes``).

Callers use ``ui.brief`` only: every name below is re-exported here, so ``brief.build``,
``brief.pdf_bytes`` and the rest are where they always were (and a test that patches
``brief.build`` patches what the callers call).
"""

from __future__ import annotations

from ui.brief.html import goal_html, page_html
from ui.brief.model import (
    SCORECARD_HEADINGS,
    Brief,
    GoalBlock,
    analysis_for,
    build,
    change_short,
    change_with_interval,
    file_name,
    goal_block,
    preliminary_text,
    scorecard_rows,
)
from ui.brief.pdf import pdf_bytes
from ui.brief.word import docx_bytes

__all__ = [
    "SCORECARD_HEADINGS", "Brief", "GoalBlock", "analysis_for", "build", "change_short",
    "change_with_interval", "docx_bytes", "file_name", "goal_block", "goal_html", "page_html", "pdf_bytes",
    "preliminary_text", "scorecard_rows",
]
