"""Facts layer: the DuckDB warehouse, the transactional store and the demo generator.

Never imports streamlit or plotly, so it runs unchanged under pytest and the CLI.
"""
