"""The definitions page: search and show the catalog's indicators and the method notes."""

from __future__ import annotations

import logging

import streamlit as st

from data import settings
from metrics import catalog, suppression
from ui import format as fmt

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


def suppression_note(min_count: int, min_denominator: int) -> str:
    """What '..' hides under these thresholds, e.g. (5, 10): "'..' betyder att värdet inte visas:
    antal 1–4, och andelar och medelvärden med färre än 10 i nämnaren, visas inte."."""
    hidden = []
    if min_count > 1:
        hidden.append("antal 1" if min_count == 2 else f"antal 1–{min_count - 1}")
    if min_denominator > 1:
        hidden.append(f"andelar och medelvärden med färre än {min_denominator} i nämnaren")
    if not hidden:
        return "'..' betyder att värdet inte visas; inget värde döljs för att antalet eller nämnaren är litet."
    # two items are set off by commas ("antal 1–4, och andelar …, visas inte"), one is not
    ending = ", visas inte." if len(hidden) > 1 else " visas inte."
    return "'..' betyder att värdet inte visas: " + ", och ".join(hidden) + ending


def rounding_note(base: int) -> str:
    """How the published counts are rounded under this base, e.g. 5: 'Alla antal … avrundade till
    närmaste 5 …'."""
    if base <= 1:
        return "Antalen i tabeller, diagram och nedladdningar avrundas inte: de är exakta."
    text = (f"Alla antal i tabeller, diagram och nedladdningar är avrundade till närmaste {base} (även "
            "summan av dagar bakom ett medelvärde), och andelar och medelvärden räknas på de avrundade "
            "antalen, så att ingen summa eller skillnad av siffror kan avslöja enskilda barn.")
    min_count, min_denominator = settings.suppression_thresholds()
    if not suppression.rounding_protects(base, suppression.Thresholds(min_count, min_denominator)):
        return text
    return (text + " Avrundningen görs för varje skolenhet, och för orosanmälningar och insatser för varje område: "
            "större enheter och kommunen visar summan av dessa avrundade antal, där ett dolt antal räknas med ett "
            f"fast värde (1–{min_count - 1} som {fmt.decimal(min_count / 2)}), och ett kalenderår eller läsår av "
            "orosanmälningar och insatser är summan av dess två terminer. En summa kan därför avvika några enheter "
            "mer från det exakta än ett enskilt avrundat tal – en andel i en liten grupp, några få per område och "
            "termin, flera procentenheter – och delarna i en tabell summerar inte alltid exakt till totalen; "
            "totalen minus de visade raderna är alltså inte det dolda värdet. En summa som mest skulle bestå av "
            "dolda värden visas inte ('..'). Ett barn med aktiv insats "
            "i två områden under perioden räknas i båda.")


def method_notes_text() -> list[str]:
    """The catalog's method notes with what they say about hiding and rounding taken from the
    settings in effect (not the defaults), so the page never contradicts the figures."""
    min_count, min_denominator = settings.suppression_thresholds()
    phrases = {"suppression": suppression_note(min_count, min_denominator),
               "rounding": rounding_note(settings.rounding_base())}
    return [note.format(**phrases) for note in catalog.METHOD_NOTES]


def method_notes() -> None:
    """How every indicator is treated (periods, intervals, suppression, rounding)."""
    for note in method_notes_text():
        st.markdown(f"- {note}")
