"""Shared UI components: Swedish formatting, chart builders and Streamlit building blocks.

``ui.format`` and ``ui.charts`` do not import streamlit, so they are tested on their own output;
``ui.state`` and ``ui.components`` do.
"""
