"""Import the heavy modules once, before any page runs.

Streamlit runs every session's script on its own thread. When the first sessions after a start
import pandas, pyarrow or plotly lazily at the same moment (Streamlit converts frames with
``to_pandas()``), one of them can see a partially initialised module. ``app.py`` imports this
module first: concurrent sessions wait on this module's import lock until everything is loaded.
"""

import pandas  # noqa: F401  (Streamlit's dataframe conversion)
import plotly.graph_objects  # noqa: F401
import plotly.io  # noqa: F401
import pyarrow  # noqa: F401
import streamlit.dataframe_util  # noqa: F401
import xlsxwriter  # noqa: F401
from babel.numbers import format_decimal

format_decimal(1.5, locale="sv_SE")  # loads the Swedish locale data once
