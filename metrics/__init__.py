"""Metric engine: indicators, periods, suppression, statistics and goal attainment.

Only aggregates leave this package. Never imports streamlit or plotly.
"""
