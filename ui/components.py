"""Streamlit building blocks shared by the pages: sidebar, filters, goal cards, error guard."""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Iterator

import streamlit as st

from metrics import periods
from metrics.attainment import STATUS_LABELS, GoalResult
from metrics.goals import GoalConfig
from ui import charts, state
from ui import format as fmt

log = logging.getLogger("samverkan.app")

STATUS_SYMBOLS = {"achieved": "✓", "partly": "◐", "not_achieved": "✗", "no_data": "–"}
_STATUS_TEXT_COLOUR = {"achieved": "#ffffff", "partly": "#000000", "not_achieved": "#000000",
                       "no_data": "#000000"}
# The URL carries a bound widget's option text, so options are short and readable as they are:
# ?period=2024/25, ?namnd=SN.
LATEST = "Senaste data"
ALL = "Alla"


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """Show a plain Swedish message instead of a stack trace; the details go to the server log."""
    try:
        yield
    except Exception:
        log.exception("Fel när sidan visades")
        st.error("Något gick fel när sidan skulle visas. Försök igen om en stund; kvarstår felet, "
                 "kontakta systemförvaltaren (detaljerna finns i serverns logg).")


def status_badge(status: str) -> str:
    """HTML for a status: colour-blind-safe colour, a symbol and always the text label."""
    colour = charts.STATUS_COLOURS[status]
    return (f'<span class="status-badge" data-status="{status}" style="background:{colour};'
            f'color:{_STATUS_TEXT_COLOUR[status]};padding:2px 10px;border-radius:12px;'
            f'font-weight:600;white-space:nowrap">{STATUS_SYMBOLS[status]} '
            f'{html.escape(STATUS_LABELS[status])}</span>')


def sidebar() -> None:
    info = state.dataset_info()
    meta, until = info["meta"], info["until"]
    with st.sidebar:
        label = meta.get("dataset_label", meta.get("municipality", "Okänd datamängd"))
        if meta.get("is_demo") == "1":
            st.warning(f"**{label}**  \nAlla siffror är påhittade.", icon=":material/science:")
        else:
            st.info(f"**{label}**")
        lines = []
        names = {"absence": "Frånvaro", "reports": "Orosanmälningar", "interventions": "Insatser"}
        for kind, name in names.items():
            d = until.get(kind)
            lines.append(f"- {name}: t.o.m. {d.isoformat() if d else '..'}")
        st.markdown("**Data**\n" + "\n".join(lines))
        st.caption(fmt.SUPPRESSED_NOTE)


def period_options() -> list[str]:
    """'Senaste data' and every complete school year with absence data, newest first."""
    info = state.dataset_info()
    until, first = info["until"].get("absence"), info["absence_from"]
    if until is None or first is None:
        return [LATEST]
    sy = periods.school_year_of(until)
    p = sy if until >= sy.end else sy.shift_years(-1)
    years = []
    while p.end >= first:
        years.append(p.code)
        p = p.shift_years(-1)
    return [LATEST, *years]


def period_filter() -> str | None:
    """The follow-up period, bound to the URL (?period=2024/25); None = the latest data."""
    choice = st.selectbox(
        "Uppföljningsperiod (läsår)", period_options(), key="period", bind="query-params",
        help="Läsår jämförs med basåret. Under ett pågående läsår jämförs terminen hittills med "
             "samma månader basåret.")
    return None if choice == LATEST else choice


def committee_filter(cfg: GoalConfig) -> str | None:
    """Which committee's goals to show, bound to the URL (?namnd=BUN); None = all."""
    options = [ALL, *[c.id for c in cfg.committees]]
    choice = st.segmented_control(
        "Nämnd", options, default=ALL, key="namnd", bind="query-params",
        help=" · ".join(f"{c.id}: {c.name}" for c in cfg.committees))
    return None if choice in (None, ALL) else choice


def _change_text(r: GoalResult) -> str:
    if r.change is None or r.target is None:
        return fmt.MISSING
    if r.target.kind == "relative_change":
        return f"{fmt.signed_pct(r.change)} (målet är {fmt.signed_pct(r.target.value / 100, 0)})"
    return f"{fmt.pp(r.change)} (målet är {fmt.pp(r.target.value / 100)})"


def _progress_text(r: GoalResult) -> str:
    if r.progress is None:
        return "Underlag saknas för att beräkna hur långt målet har nåtts."
    if r.progress < 0:
        return "Utvecklingen har gått åt fel håll sedan basåret."
    return f"{fmt.pct(r.progress, 0)} av den förändring som krävs."


def significance_text(r: GoalResult) -> str:
    if r.significant is None:
        return ""
    if r.significant:
        return "Förändringen sedan basåret är så stor att den med stor sannolikhet inte beror på slumpen."
    return "Förändringen är för liten för att säkert skilja från slumpen."


def on_track_text(r: GoalResult) -> str:
    if r.on_track is None:
        return ""
    if r.on_track:
        return "I fas: utvecklingen pekar mot att målet nås under mandatperioden."
    return "Inte i fas: med nuvarande utveckling nås målet inte under mandatperioden."


def why_text(r: GoalResult) -> str:
    """One sentence on why a goal with parts has its status."""
    if not r.parts:
        return ""
    missing = [p.title.lower() for p in r.parts if p.status not in ("achieved",)]
    if r.status == "achieved":
        return "Alla delmål är uppnådda."
    if r.status == "no_data":
        return "Underlag saknas för " + ", ".join(p.title.lower() for p in r.parts if p.status == "no_data") + "."
    return "Målet är uppnått först när alla delar är det; inte uppnått: " + ", ".join(missing) + "."


def _measure_row(r: GoalResult) -> None:
    b, c = r.baseline, r.current
    cols = st.columns(3)
    cols[0].metric("Utgångsvärde", fmt.indicator_value(b.value if b else None, r.indicator))
    cols[1].metric("Nuvarande", fmt.indicator_value(c.value if c else None, r.indicator))
    cols[2].metric("Målnivå", fmt.indicator_value(r.target_value, r.indicator))
    if b and c:
        st.caption(f"Utgångsvärde: {b.label}. Nuvarande: {c.label}.")
    value = 0.0 if r.progress is None else min(max(r.progress, 0.0), 1.0)
    st.progress(value, text=f"Förändring {_change_text(r)} – {_progress_text(r)}")
    notes = [t for t in (significance_text(r), on_track_text(r)) if t]
    if b and c and b.numerator is not None and c.numerator is not None:
        notes.append(f"Underlag: {fmt.number(c.numerator)} av {fmt.number(c.denominator)} elever "
                     f"(utgångsvärdet {fmt.number(b.numerator)} av {fmt.number(b.denominator)}).")
    if any(m.suppressed for m in (b, c) if m):
        notes.append(fmt.SUPPRESSED_NOTE)
    st.caption(" ".join(notes))
    if r.series:
        st.plotly_chart(charts.goal_trend(r.series, r.target_value, "Utveckling per läsår"),
                        width="stretch", config={"displayModeBar": False}, key=f"trend-{r.id}")


def goal_card(r: GoalResult, cfg: GoalConfig, comment, follow_up: str) -> None:
    """A goal as a card: status, values against target, trend and the committee's analysis."""
    with st.container(border=True):
        committee = " och ".join(cfg.committee_name(c) for c in r.committee)
        st.markdown(f"{status_badge(r.status)} &nbsp; <small>{html.escape(committee)}</small>",
                    unsafe_allow_html=True)
        st.subheader(r.title, anchor=r.id)
        if r.description:
            with st.expander("Målets lydelse"):
                st.write(r.description)
        if r.parts:
            st.write(why_text(r))
            for part in r.parts:
                st.markdown(f"**{part.title}** &nbsp; {status_badge(part.status)}", unsafe_allow_html=True)
                _measure_row(part)
        else:
            _measure_row(r)
        if r.comparison_note:
            st.caption(r.comparison_note)
        _comment_block(r, comment, follow_up)


def _comment_block(r: GoalResult, comment, follow_up: str) -> None:
    st.markdown(f"**Nämndens analys, läsåret {follow_up}**")
    if comment is None:
        st.caption("Ingen analys är skriven för perioden ännu.")
    else:
        st.info(comment.text)
        author = f"{comment.author}, " if comment.author else ""
        st.caption(f"{author}{comment.created_at:%Y-%m-%d}")
    with st.expander("Skriv analys"):
        with st.form(key=f"comment-{r.id}", clear_on_submit=True):
            text = st.text_area("Analys", key=f"comment-text-{r.id}", max_chars=4000)
            author = st.text_input("Namn eller funktion", key=f"comment-author-{r.id}")
            if st.form_submit_button("Spara analys"):
                if not text.strip():
                    st.warning("Skriv en analys innan du sparar.")
                else:
                    state.save_comment(r.id, follow_up, r.committee[0] if r.committee else "",
                                       text, author)
                    st.success("Analysen är sparad.")
                    st.rerun()


def follow_up_year(r: GoalResult) -> str:
    """The school year a result belongs to: the key under which analyses are stored."""
    current = r.current or (r.parts[0].current if r.parts else None)
    if current is None:
        return ""
    return periods.school_year_of(periods.parse(current.period).start).code
