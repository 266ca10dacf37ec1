"""The definitions page: search and show the catalog's indicators and the method notes."""

from __future__ import annotations

import logging

import streamlit as st

from metrics import catalog

log = logging.getLogger("samverkan.app")


def matching_indicators(query: str) -> list[catalog.Indicator]:
    q = (query or "").strip().lower()
    return [i for i in catalog.INDICATORS
            if not q or q in i.label.lower() or q in i.definition.lower() or q in i.name]


def definition(ind: catalog.Indicator) -> None:
    """One indicator's definition as the catalog states it."""
    source = catalog.SOURCES[ind.source]
    with st.expander(ind.label, expanded=False):
        st.write(ind.definition)
        st.markdown(
            f"- **Population:** {ind.population}\n"
            f"- **Täljare:** {ind.numerator_text}\n"
            f"- **Nämnare:** {ind.denominator_text}\n"
            f"- **Enhet:** {ind.unit}; {catalog.POLARITIES[ind.polarity]}\n"
            f"- **Källa:** {source.unit} – {source.description}\n"
            f"- **Kan delas upp på:** {', '.join(catalog.DIMENSIONS[d].label.lower() for d in ind.dims)}"
            + (f"\n- **Särskilt:** {ind.edge_cases}" if ind.edge_cases else ""))
        st.caption(f"Tekniskt namn: `{ind.name}`")


def method_notes() -> None:
    """How every indicator is treated (periods, intervals, suppression), from the catalog."""
    for note in catalog.METHOD_NOTES:
        st.markdown(f"- {note}")
