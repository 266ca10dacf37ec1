"""Streamlit building blocks shared by the pages: sidebar, filters, goal cards, error guard."""

from __future__ import annotations

import contextlib
import hashlib
import html
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import polars as pl
import streamlit as st

from data import access, importer, settings, store
from metrics import attainment, catalog, goals, periods
from metrics.attainment import STATUS_LABELS, GoalResult
from metrics.goals import GoalConfig
from ui import auth, charts, exports, figures, state
from ui import format as fmt

log = logging.getLogger("samverkan.app")

STATUS_SYMBOLS = fmt.STATUS_SYMBOLS
_STATUS_TEXT_COLOUR = {"achieved": "#ffffff", "partly": "#000000", "not_achieved": "#000000",
                       "no_data": "#000000", "baseline": "#000000", "before_baseline": "#000000"}
# The URL carries a bound widget's option text, so options are short and readable as they are:
# ?lasar=2024/25, ?namnd=SN.
LATEST = "Senaste data"
# The page behind each committee's goals (committee ids as in config/goals.yaml).
COMMITTEE_PAGES = {"BUN": "pages/bun_committee.py", "SN": "pages/sn_committee.py"}
ALL = "Alla"


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """Show a plain Swedish message instead of a stack trace; the details go to the server log."""
    try:
        yield
    except goals.GoalConfigError as exc:
        # the same message as 'python cli.py status' gives, so the administrator can act on it
        log.warning("Målfilen är felaktig: %s", exc)
        st.error("Målen kan inte visas: målfilen är felaktig. Be systemförvaltaren rätta den "
                 "(kommandot `python cli.py status` ger samma besked):")
        st.code(str(exc), language=None, wrap_lines=True)
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
        label = meta.get("dataset_label", meta.get("municipality", "Importerade data"))
        if meta.get("is_demo") == "1":
            st.warning(f"**{fmt.literal(label)}**  \nAlla siffror är påhittade.", icon=":material/science:")
        else:
            st.info(f"**{fmt.literal(label)}**")
        lines = []
        names = {"absence": "Frånvaro", "reports": "Orosanmälningar", "interventions": "Insatser"}
        for kind, name in names.items():
            d = until.get(kind)
            lines.append(f"- {name}: t.o.m. {d.isoformat() if d else '..'}")
        st.markdown("**Data**\n" + "\n".join(lines))
        if info.get("gaps"):
            gaps = info["gaps"]
            shown = "; ".join(gaps[:5]) + (f" och {len(gaps) - 5} till" if len(gaps) > 5 else "")
            st.warning(fmt.literal(f"Underlaget är ofullständigt: {shown}."), icon=":material/warning:")
        st.caption(f"{fmt.SUPPRESSED_NOTE} {fmt.rounding_note()}".strip())


def period_options() -> list[str]:
    """'Senaste data' and the complete school years a goal status can be given for, newest
    first: after the baseline, within the mandate period (never the baseline or before it)."""
    until = state.dataset_info()["until"].get("absence")
    return [LATEST, *attainment.goal_periods(state.goal_config(), until)]


def period_filter() -> str | None:
    """The follow-up period, bound to the URL (?lasar=2024/25); None = the latest data."""
    choice = st.selectbox(
        "Uppföljningsperiod (läsår)", period_options(), key="lasar", bind="query-params",
        help="Den officiella statusen gäller ett avslutat läsår jämfört med basåret. Under ett pågående "
             "läsår visas terminen hittills som preliminär, jämförd med samma månader basåret.")
    return None if choice == LATEST else choice


def committee_filter(cfg: GoalConfig) -> str | None:
    """Which committee's goals to show, bound to the URL (?namnd=BUN); None = all."""
    options = [ALL, *[c.id for c in cfg.committees]]
    choice = st.segmented_control(
        "Nämnd", options, default=ALL, key="namnd", bind="query-params",
        help=" · ".join(f"{c.id}: {c.name}" for c in cfg.committees))
    return None if choice in (None, ALL) else choice


def _change_text(r: GoalResult) -> str:
    """The change and the target, with enough decimals that a change short of the target never
    reads as the target (−1,96 next to −2,0, not −2,0 next to −2,0)."""
    if r.change is None or r.target is None:
        return fmt.MISSING
    if r.target.kind == "relative_change":
        goal = r.target.value / 100
        shown = fmt.distinct_from(r.change, goal, fmt.signed_pct) if r.status != "achieved" else fmt.signed_pct(r.change)
        return f"{shown} (målet är {fmt.signed_pct(goal, 0)})"
    goal = r.target.value / 100
    shown = fmt.distinct_from(r.change, goal, fmt.pp) if r.status != "achieved" else fmt.pp(r.change)
    return f"{shown} (målet är {fmt.pp(goal)})"


def _progress_text(r: GoalResult) -> str:
    if r.progress is None:
        return "Underlag saknas för att beräkna hur långt målet har nåtts."
    if r.progress < 0:
        return "Utvecklingen har gått åt fel håll sedan basåret."
    # rounded down: 99,6 % of the way is "99 %", never "100 %" for a goal that is not met
    shown = math.floor(r.progress * 100) / 100 if r.progress < 1 else r.progress
    return f"{fmt.pct(shown, 0)} av den förändring som krävs."


def significance_text(r: GoalResult) -> str:
    if r.significant is None:
        return ""
    if r.significant:
        return "Förändringen sedan basåret är så stor att den med stor sannolikhet inte beror på slumpen."
    return "Förändringen är för liten för att säkert skilja från slumpen."


def on_track_text(r: GoalResult) -> str:
    if r.on_track is None:
        known = [m for m in r.series if m.value is not None and r.baseline and m.period >= r.baseline.period]
        if r.progress is not None and len(known) < attainment.MIN_YEARS_FOR_PROJECTION:
            return (f"För få läsår sedan basåret ({len(known)}) för att bedöma om målet nås under "
                    f"mandatperioden; minst {attainment.MIN_YEARS_FOR_PROJECTION} behövs.")
        return ""
    if r.on_track:
        return "I fas: utvecklingen pekar mot att målet nås under mandatperioden."
    return "Inte i fas: med nuvarande utveckling nås målet inte under mandatperioden."


def why_text(r: GoalResult) -> str:
    """One sentence on why a goal with parts has its status."""
    if not r.parts or r.status in attainment.NO_STATUS:
        return ""
    missing = [p.title.lower() for p in r.parts if p.status not in ("achieved",)]
    if r.status == "achieved":
        return "Alla delmål är uppnådda."
    if r.status == "no_data":
        return "Underlag saknas för " + ", ".join(p.title.lower() for p in r.parts if p.status == "no_data") + "."
    return "Målet är uppnått först när alla delar är det; inte uppnått: " + ", ".join(missing) + "."


def population_text(r: GoalResult) -> str:
    """Who the goal counts, in words, and the goal file's filter that makes it so."""
    text = f"Population: {r.population}" if r.population else ""
    if r.selection:
        text += f"{' ' if text else ''}(Urval: {r.selection}.)"
    return text


def _progress_and_notes(r: GoalResult) -> None:
    b, c = r.baseline, r.current
    value = 0.0 if r.progress is None else min(max(r.progress, 0.0), 1.0)
    st.progress(value, text=f"Förändring {_change_text(r)} – {_progress_text(r)}")
    notes = [t for t in (significance_text(r), on_track_text(r)) if t]
    if b and c and b.numerator is not None and c.numerator is not None:
        notes.append(f"Underlag: {fmt.number(c.numerator)} av {fmt.number(c.denominator)} elever "
                     f"(utgångsvärdet {fmt.number(b.numerator)} av {fmt.number(b.denominator)}).")
    if any(m.suppressed for m in (b, c) if m):
        notes.append(fmt.SUPPRESSED_NOTE)
    st.caption(" ".join(notes))


def _measure_row(r: GoalResult, report: PageReport | None = None) -> None:
    b, c = r.baseline, r.current
    if population_text(r):
        st.caption(fmt.literal(population_text(r)))
    if r.incomplete:
        st.warning(fmt.literal(r.incomplete), icon=":material/warning:")
    if r.problem:
        st.warning(fmt.literal(r.problem), icon=":material/warning:")
    cols = st.columns(3)
    cols[0].metric("Utgångsvärde", fmt.indicator_value(b.value if b else None, r.indicator))
    cols[1].metric("Nuvarande", fmt.indicator_value(c.value if c else None, r.indicator))
    cols[2].metric("Målnivå", fmt.indicator_value(r.target_value, r.indicator))
    if b and c:
        st.caption(f"Utgångsvärde: {b.label}. Nuvarande: {c.label}.")
    if r.status in attainment.NO_STATUS:  # the baseline year or before it: no status to show
        st.caption(fmt.literal(r.comparison_note))
    else:
        _progress_and_notes(r)
    if r.preliminary is not None:
        preliminary_line(r.preliminary, r.indicator)
    if r.series and report is not None:
        report.view(figures.goal_trend(r), f"{r.id}-utveckling",
                    ("Andel", "Konfidensintervall, nedre", "Konfidensintervall, övre", "Målnivå"))
    elif r.series:
        st.plotly_chart(charts.goal_trend(r.series, r.target_value, "Utveckling per läsår",
                                          current=r.current.period if r.current else None),
                        width="stretch", config={"displayModeBar": False}, key=f"trend-{r.id}")


PRELIMINARY_BADGE = ('<span class="preliminary-badge" style="border:1px dashed #555;color:#333;'
                     'padding:1px 8px;border-radius:12px;font-size:.85em;white-space:nowrap">Preliminärt</span>')


def preliminary_line(p: attainment.Preliminary, indicator: str | None) -> None:
    """The school year in progress, badged as preliminary: it never changes the official status."""
    text = f"{PRELIMINARY_BADGE} &nbsp; {status_badge(p.status)} &nbsp; {html.escape(p.label)}"
    if p.current is not None and p.current.value is not None and indicator:
        interval = (f" (95 %-intervall {fmt.pct(p.current.ci_low)}–{fmt.pct(p.current.ci_high)})"
                    if p.current.ci_low is not None else "")
        base = fmt.indicator_value(p.baseline.value, indicator) if p.baseline else fmt.MISSING
        change = fmt.pp(p.change) if p.change is not None else fmt.MISSING
        text += (f": {fmt.indicator_value(p.current.value, indicator)}{html.escape(interval)} mot {base} "
                 f"samma månader basåret, {change}")
    if p.incomplete:
        text += f". {html.escape(p.incomplete.rstrip('.'))}"
    st.markdown(f"<small>{text}. Läsåret {p.period} pågår; den officiella statusen ovan ändras inte.</small>",
                unsafe_allow_html=True)


def scorecard(results: list[GoalResult], cfg: GoalConfig) -> None:
    """The one-screen summary above the cards: every goal and part on one line."""
    # a static table: long goal titles wrap instead of pushing columns out of sight
    st.table(figures.scorecard(results, cfg), hide_index=True)
    st.caption("Officiell status för det senaste avslutade läsåret jämfört med basåret. Preliminärt = "
               "det pågående läsåret hittills mot samma månader basåret; det ändrar inte den officiella "
               "statusen.")


def goal_card(r: GoalResult, cfg: GoalConfig, comment, follow_up: str, user: auth.User,
              report: PageReport | None = None) -> None:
    """A goal as a card: status, values against target, trend and the committee's analysis.

    With a ``report``, each trend chart gets its exports and joins the page's HTML report."""
    with st.container(border=True):
        committee = " och ".join(cfg.committee_name(c) for c in r.committee)
        st.markdown(f"{status_badge(r.status)} &nbsp; <small>{html.escape(committee)}</small>",
                    unsafe_allow_html=True)
        st.subheader(fmt.literal(r.title), anchor=r.id)
        if r.description:
            with st.expander("Målets lydelse"):
                st.markdown(fmt.literal(r.description))
        if r.parts:
            st.markdown(fmt.literal(why_text(r)))
            if r.preliminary is not None:
                preliminary_line(r.preliminary, None)
            for part in r.parts:
                st.markdown(f"**{html.escape(part.title)}** &nbsp; {status_badge(part.status)}",
                            unsafe_allow_html=True)
                _measure_row(part, report)
        else:
            _measure_row(r, report)
        as_of = f" Data t.o.m. {r.as_of.isoformat()}." if r.as_of else ""
        st.caption(f"{r.comparison_note}{as_of}")
        for c in r.committee:
            if (c in COMMITTEE_PAGES and st.session_state.get("_page") != COMMITTEE_PAGES[c]
                    and access.may_open(user.grants, c.lower())):
                st.page_link(COMMITTEE_PAGES[c], label=f"Mer om målet: {fmt.literal(cfg.committee_name(c).lower())}s sida",
                             icon=":material/arrow_forward:")
        _comment_block(r, comment, follow_up, user)


def _comment_block(r: GoalResult, comment, follow_up: str, user: auth.User) -> None:
    st.markdown(f"**Nämndens analys, läsåret {follow_up}**")
    if comment is None:
        st.caption("Ingen analys är skriven för perioden ännu.")
    else:
        st.info(fmt.literal(comment.text))
        who = ", ".join(fmt.literal(x) for x in (comment.author, comment.user_id) if x)
        st.caption(f"{who + ', ' if who else ''}{comment.created_at:%Y-%m-%d}")
        history = state.comment_history(r.id, follow_up)
        if len(history) > 1:
            with st.expander(f"Tidigare versioner ({len(history) - 1})"):
                for old in history[1:]:
                    who = ", ".join(fmt.literal(x) for x in (old.author, old.user_id) if x)
                    st.caption(f"{who or 'Okänd'}, {old.created_at:%Y-%m-%d %H:%M}")
                    st.text(old.text)
    if not access.may_write_analysis(user.grants, r.committee):
        return  # only the goal's own committee (and the admin) writes its analysis
    with st.expander("Skriv analys"):
        with st.form(key=f"comment-{r.id}", clear_on_submit=True):
            text = st.text_area("Analys", key=f"comment-text-{r.id}", max_chars=4000)
            author = st.text_input("Namn eller funktion", key=f"comment-author-{r.id}")
            if st.form_submit_button("Spara analys"):
                if not text.strip():
                    st.warning("Skriv en analys innan du sparar.")
                else:
                    state.save_comment(r.id, follow_up, r.committee[0] if r.committee else "",
                                       text, author, user.id)
                    auth.record(user, "write", f"analys: {r.id}, {follow_up}")
                    st.success("Analysen är sparad.")
                    st.rerun()


def follow_up_year(r: GoalResult) -> str:
    """The school year being followed up (the key under which analyses are stored): the one in
    progress while there is one, else the official one."""
    if r.preliminary is not None:
        return r.preliminary.period
    current = r.current or (r.parts[0].current if r.parts else None)
    if current is None:
        return ""
    return periods.school_year_of(periods.parse(current.period).start).code


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in text.lower())
    for a, b in (("å", "a"), ("ä", "a"), ("ö", "o")):
        keep = keep.replace(a, b)
    return "-".join(p for p in keep.split("-") if p)


def _data_downloads(cols, slug: str, export: pl.DataFrame, percent_columns: tuple[str, ...],
                    user: auth.User) -> None:
    """Excel and Swedish CSV of ``export`` in the first two columns (built only when clicked)."""
    cols[0].download_button(
        "Data (Excel)", data=auth.checked_download(
            user, f"{slug}.xlsx", lambda: exports.excel_bytes(export, percent_columns=percent_columns)),
        file_name=f"{slug}.xlsx", key=f"xlsx-{slug}", on_click="ignore", icon=":material/table:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    cols[1].download_button("Data (CSV)", data=auth.checked_download(user, f"{slug}.csv", lambda: exports.csv_bytes(export)),
                            file_name=f"{slug}.csv",
                            key=f"csv-{slug}", on_click="ignore", mime="text/csv", icon=":material/csv:")


class PageReport:
    """Renders charts with their exports and collects them for the page's HTML report.

    Beside every chart: the data as Excel and Swedish CSV, the chart as PNG and SVG rendered on
    the server, and a table of the numbers. Files are built only when clicked, and only for a
    role that may export (``auth.may_export``); other roles see the charts and tables only.
    """

    def __init__(self, title: str, user: auth.User):
        self.title = title
        self.user = user
        self.exports = auth.may_export(user)
        self.sections: list[dict] = []

    def chart(self, fig, name: str, export: pl.DataFrame, display: pl.DataFrame | None = None,
              percent_columns: tuple[str, ...] = (), heading: str | None = None) -> None:
        slug = _slug(name)
        config = {"displaylogo": False, "displayModeBar": self.exports,
                  "toImageButtonOptions": {"format": "png", "filename": slug, "scale": 2}}
        st.plotly_chart(fig, width="stretch", config=config, key=f"chart-{slug}")
        cols = st.columns([1, 1, 1, 1, 2])
        table = display if display is not None else export
        self.sections.append({"heading": heading or fig.layout.title.text or name, "figure": fig, "table": table})
        if not self.exports:
            with cols[0].popover("Visa tabell", icon=":material/view_list:"):
                st.dataframe(table, hide_index=True)
            return
        _data_downloads(cols, slug, export, percent_columns, self.user)
        cols[2].download_button("Bild (PNG)", data=auth.checked_download(self.user, f"{slug}.png",
                                                                        lambda: exports.image_bytes(fig, "png")),
                                file_name=f"{slug}.png", key=f"png-{slug}", on_click="ignore",
                                mime="image/png", icon=":material/image:")
        cols[3].download_button("Bild (SVG)", data=auth.checked_download(self.user, f"{slug}.svg",
                                                                        lambda: exports.image_bytes(fig, "svg")),
                                file_name=f"{slug}.svg", key=f"svg-{slug}", on_click="ignore",
                                mime="image/svg+xml", icon=":material/image:")
        with cols[4].popover("Visa tabell", icon=":material/view_list:"):
            st.dataframe(table, hide_index=True)

    def view(self, built: tuple, name: str, percent_columns: tuple[str, ...] = ()) -> None:
        """Render a (figure, export table, display table) triple from ``ui.figures``."""
        fig, export, display = built
        self.chart(fig, name, export, display, percent_columns)

    def text(self, heading: str, text: str) -> None:
        self.sections.append({"heading": heading, "figure": None, "table": None, "text": text})

    def download(self, subtitle: str) -> None:
        if not self.exports:
            return
        st.divider()
        st.download_button(
            "Ladda ner sidan som HTML-rapport", icon=":material/download:",
            data=auth.checked_download(self.user, f"{_slug(self.title)}.html",
                                       lambda: exports.html_report(self.title, subtitle, self.sections)),
            file_name=f"{_slug(self.title)}.html", mime="text/html", key="page-report", on_click="ignore",
            help="En fristående HTML-fil med sidans diagram och tabeller; fungerar utan internet.")


def select(label: str, options: list[str], key: str, help: str | None = None, format_func=str) -> str:
    """A selectbox bound to the URL, so a copied link reproduces the view. The URL carries the
    option as shown (``format_func``'s text): ?manad=oktober+2026."""
    return st.selectbox(label, options, key=key, bind="query-params", help=help, format_func=format_func)


def dataset_caption() -> str:
    info = state.dataset_info()
    meta = info["meta"]
    label = meta.get("dataset_label", meta.get("municipality", ""))
    until = info["until"].get("absence")
    return f"{label}. Data t.o.m. {until.isoformat() if until else '..'}."


@dataclass
class AbsenceFilters:
    period: str
    period_label: str
    years: list[str]  # school years for trends
    filters: dict  # everything chosen: school form, area, school
    place_filters: dict  # area and school only (trends split by school form)
    form_filters: dict  # school form and area (schools compared within the area)
    drill_dim: str  # area -> school -> grade
    drill_noun: str
    drill_heading: str


def period_name(code: str, until, first=None) -> str:
    """A period by name, marked when the data does not cover all of it: 'höstterminen 2024',
    'läsåret 2026/27 t.o.m. oktober', '2019 fr.o.m. augusti'."""
    p = periods.parse(code)
    if until is not None and p.start <= until < p.end:
        return f"{p.label} t.o.m. {periods.MONTHS_SV[until.month - 1]}"
    if first is not None and p.start < first <= p.end and (first.year, first.month) != (p.start.year, p.start.month):
        return f"{p.label} fr.o.m. {periods.MONTHS_SV[first.month - 1]}"
    return p.label


def absence_filters() -> AbsenceFilters:
    """Period, school form and the drill-down area -> school, all bound to the URL."""
    cols = st.columns(4)
    period_options = state.view("absence_periods")
    years = state.view("school_years")
    until = state.dataset_info()["until"].get("absence")
    with cols[0]:
        period = select("Period", period_options[period_options.index(years[0]):] if years else period_options,
                        key="period", help="Läsår eller termin. Ett läsår: 1 juli–30 juni.",
                        format_func=lambda code: period_name(code, until))
    with cols[1]:
        form = select("Skolform", [ALL, "Grundskola", "Gymnasieskola"], key="skolform")
    with cols[2]:
        area = select("Område", [ALL, *state.view("areas")], key="omrade")
    school_names = {}
    with cols[3]:
        if area != ALL:
            reg = state.view("schools")
            reg = reg.filter((pl.col("area") == area) & (pl.col("school_form") != "forskola"))
            if form != ALL:
                reg = reg.filter(pl.col("school_form") == form.lower())
            school_names = dict(zip(reg["school_name"], reg["school_id"], strict=True))
        school = select("Skolenhet", [ALL, *school_names], key="skola",
                        help="Välj först ett område.") if school_names else ALL
    place = {}
    if area != ALL:
        place["area"] = [area]
    if school != ALL and school in school_names:
        place["school"] = [school_names[school]]
    form_filter = {"school_form": [form.lower()]} if form != ALL else {}
    # headings are Markdown: names from the data are escaped (they could hold links or images)
    if "school" in place:
        dim, noun, heading = "grade", "årskurs", f"{fmt.literal(school)}: per årskurs"
    elif "area" in place:
        dim, noun, heading = "school", "skolenhet", f"{fmt.literal(area)}: per skolenhet"
    else:
        dim, noun, heading = "area", "område", "Per område"
    return AbsenceFilters(
        period=period, period_label=period_name(period, until), years=sorted(years),
        filters={**form_filter, **place}, place_filters=place,
        form_filters={**form_filter, **({"area": place["area"]} if "area" in place else {})},
        drill_dim=dim, drill_noun=noun, drill_heading=heading)


def goal_targets(indicator: str, dim: str) -> dict[str, float]:
    """Target levels of the configured goals on ``indicator``, per value of ``dim`` in their
    filter (e.g. {'grundskola': 0.120, 'gymnasieskola': 0.184}) for the latest data."""
    out = {}
    for r in attainment.flatten(state.goal_results(None)):
        values = r.filter.get(dim)
        if r.indicator == indicator and r.target_value is not None and isinstance(values, list) and len(values) == 1:
            out[values[0]] = r.target_value
    return out


def table_with_exports(report: PageReport, name: str, export: pl.DataFrame, display: pl.DataFrame,
                       heading: str, percent_columns: tuple[str, ...] = ()) -> None:
    """A table with its Excel and CSV downloads, collected for the page's HTML report."""
    slug = _slug(name)
    st.dataframe(display, hide_index=True, width="stretch")
    if report.exports:
        _data_downloads(st.columns([1, 1, 4]), slug, export, percent_columns, report.user)
    report.sections.append({"heading": heading, "figure": None, "table": display})


PRINT_CSS = """<style>
@media print {
  [data-testid=stSidebar], [data-testid=stHeader], [data-testid=stToolbar],
  .stDownloadButton, [data-testid=stPopover], [data-testid=stSelectbox], [data-testid=stExpander] {display: none !important;}
  [data-testid=stMain] {margin-left: 0 !important;}
  .block-container {padding-top: 0 !important; max-width: 100% !important;}
  [data-testid=stVerticalBlockBorderWrapper] {break-inside: avoid;}
}
</style>"""


def printable() -> None:
    """CSS so that the browser's print (Ctrl+P) gives the content without menus and buttons."""
    st.html(PRINT_CSS)


@dataclass
class ReportFilters:
    year: str
    years: list[int]  # oldest first
    school_years: list[str]
    filters: dict
    category_suffix: str
    year_label: str = ""  # '2026 t.o.m. oktober' when the data does not cover the whole year


def report_filters() -> ReportFilters:
    """Calendar year and reporter category, bound to the URL (?ar=2025&kategori=Skola)."""
    years = state.view("years")
    labels = catalog.VALUE_LABELS["reporter_category"]
    by_label = {v: k for k, v in labels.items()}
    cols = st.columns([1, 2, 3])
    with cols[0]:
        year = select("År", [str(y) for y in years], key="ar")
    with cols[1]:
        category = select("Anmälarkategori (tratten)", [ALL, *by_label], key="kategori")
    filters = {"reporter_category": [by_label[category]]} if category != ALL else {}
    info = state.dataset_info()
    return ReportFilters(year=year, years=sorted(years), school_years=sorted(state.view("school_years")),
                         filters=filters, category_suffix="" if category == ALL else f", {category.lower()}",
                         year_label=period_name(year, info["until"].get("reports"), info["from"].get("reports")))


def status_changes(goal_months: pl.DataFrame) -> None:
    """Say in words which goals changed official status, and which preliminary results moved to
    another status, since the month before."""
    changed = goal_months.filter(pl.col("status_changed").fill_null(False))
    if changed.height == 0:
        st.success("Ingen officiell status har ändrats sedan månaden innan (den ändras när ett läsår "
                   "avslutas).", icon=":material/check:")
    else:
        lines = [f"- **{fmt.literal(r['title'])}**: {STATUS_LABELS.get(r['status_before'], '..')} → "
                 f"{STATUS_LABELS[r['status']]} ({r['current_label']})" for r in changed.iter_rows(named=True)]
        st.warning("Ändrad officiell status sedan månaden innan:\n" + "\n".join(lines),
                   icon=":material/change_circle:")
    moved = goal_months.filter(pl.col("preliminary_changed"))
    if moved.height:
        lines = [f"- **{fmt.literal(r['title'])}**: {STATUS_LABELS.get(r['preliminary_status_before'], '..')} → "
                 f"{STATUS_LABELS[r['preliminary_status']]} ({fmt.literal(r['preliminary_label'])})"
                 for r in moved.iter_rows(named=True)]
        st.info("Preliminärt, det pågående läsåret – ändrar inte den officiella statusen:\n" + "\n".join(lines),
                icon=":material/hourglass_top:")


def analyses(school_year: str) -> None:
    """The committees' latest analyses for a school year."""
    cfg = state.goal_config()
    comments = state.comments(school_year)
    titles = {r.id: r.title for r in attainment.flatten(state.goal_results(None))}
    if not comments:
        st.caption(f"Inga analyser är skrivna för läsåret {school_year}.")
    for goal_id, c in comments.items():
        st.markdown(f"**{fmt.literal(titles.get(goal_id, goal_id))}** "
                    f"({fmt.literal(cfg.committee_name(c.committee))}, {c.created_at:%Y-%m-%d})")
        st.info(fmt.literal(c.text))


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


def import_form():
    """Kind, file and optional mapping file."""
    cols = st.columns([1, 2])
    with cols[0]:
        kind = st.selectbox("Vad innehåller filen?", list(importer.KINDS), key="import_kind",
                            format_func=lambda k: importer.KIND_LABELS[k].capitalize())
    with cols[1]:
        upload = st.file_uploader("Fil (CSV eller Excel .xlsx)", type=["csv", "txt", "xlsx"], key="import_file")
    mapping = None
    with st.expander("Mappningsfil för leverantörens kolumnnamn (valfri)"):
        mapping_file = st.file_uploader("Mappningsfil (YAML)", type=["yaml", "yml"], key="import_mapping")
        if mapping_file is not None:
            try:
                mapping = importer.Mapping.load(mapping_file.getvalue().decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                st.error(f"Mappningsfilen kunde inte läsas: {fmt.literal(str(exc))}")
                st.stop()
    return kind, upload, mapping


def import_plan(kind: str, upload, mapping) -> importer.Plan:
    """Validate the upload once per file, kind and mapping (kept for the confirm click)."""
    data = upload.getvalue()
    key = ("import_plan", kind, hashlib.sha256(data).hexdigest(), repr(mapping))
    plan = st.session_state.get("_import_plan")
    if plan is None or st.session_state.get("_import_plan_key") != key:
        with st.spinner("Kontrollerar filen …"):
            plan = importer.prepare(kind, data, upload.name, settings.db_path(), mapping)
        st.session_state["_import_plan"], st.session_state["_import_plan_key"] = plan, key
    return plan


def import_preview(plan: importer.Plan, user: auth.User) -> None:
    if plan.already_imported:
        st.info(f"{fmt.literal(plan.file_name)} är redan importerad. Ingenting ändras.", icon=":material/info:")
        return
    if plan.problems:
        st.error(f"{fmt.literal(plan.file_name)} kan inte importeras: {plan.problem_total} fel. Databasen är oförändrad. "
                 "Rätta filen och ladda upp den igen.", icon=":material/error:")
        st.dataframe(pl.DataFrame({
            "Rad": [p.row for p in plan.problems], "Kolumn": [p.column or "" for p in plan.problems],
            "Hittat": [p.found for p in plan.problems], "Vad som förväntas": [p.expected for p in plan.problems],
        }), hide_index=True, width="stretch")
        return
    st.success(f"{fmt.literal(plan.file_name)} är giltig: {fmt.number(plan.rows.height)} rader "
               f"({importer.KIND_LABELS[plan.kind]}), period {plan.period or '–'}.", icon=":material/check:")
    st.markdown("**Det här ändras:**")
    st.dataframe(plan.changes.rename({"period": "Period", "rows_added": "Läggs till",
                                      "rows_replaced": "Ersätts (tidigare rader för perioden)"}),
                 hide_index=True)
    if plan.key_version:
        st.caption(f"Personnummer ersätts med pseudonymer (nyckelversion {plan.key_version}).")
    # logged in: the ledger's "who" is the user; without login (demo, SAMVERKAN_AUTH=off) a name
    who = user.id
    if user.mode != "login":
        who = st.text_input("Ditt namn eller din funktion (sparas i importloggen)", key="import_user").strip() \
            or user.id
    if st.button("Bekräfta import", type="primary", key="import_confirm"):
        if not access.may_import(user.grants):  # checked on the server, not only by the page list
            auth.record(user, "refused", f"import: {plan.file_name}")
            st.error("Import kräver rollen dataförvaltare eller admin.")
            return
        with st.spinner("Importerar …"):
            result = importer.apply(plan, settings.db_path(), user=who)
        auth.record(user, "import", f"{plan.kind}: {plan.file_name}, period {plan.period or '–'}, "
                                    f"{result.rows_added} rader")
        st.session_state.pop("_import_plan", None)
        if result.already_imported:
            st.info("Filen är redan importerad. Ingenting ändrades.")
        else:
            st.success(f"Klart: {fmt.number(result.rows_added)} rader tillagda, "
                       f"{fmt.number(result.rows_replaced)} ersatta. Alla sidor visar de nya uppgifterna.")


def import_ledger() -> None:
    path = settings.db_path()
    if not path.exists():
        st.caption("Ingen databas finns ännu.")
        return
    df = importer.ledger(path)
    if df.height == 0:
        st.caption("Inga importer ännu.")
        return
    st.dataframe(df.select(
        pl.col("imported_at").dt.strftime("%Y-%m-%d %H:%M").alias("Tid"),
        pl.col("imported_by").alias("Av"),
        pl.col("kind").replace(importer.KIND_LABELS).alias("Typ"),
        pl.col("file_name").alias("Fil"), pl.col("period").alias("Period"),
        pl.col("rows_added").alias("Tillagda"), pl.col("rows_replaced").alias("Ersatta"),
        pl.col("rows_rejected").alias("Avvisade"), pl.col("data_until").alias("Data t.o.m."),
        pl.col("file_hash").str.slice(0, 12).alias("Kontrollsumma"),
    ), hide_index=True, width="stretch")


def audit_filters() -> dict:
    """Period, kind of event and user for the audit log."""
    cols = st.columns([2, 1, 2])
    today = date.today()
    with cols[0]:
        span = st.date_input("Period", (today - timedelta(days=30), today), key="audit_period",
                             format="YYYY-MM-DD")
    with cols[1]:
        labels = {v: k for k, v in store.AUDIT_ACTIONS.items()}
        action = st.selectbox("Händelse", [ALL, *labels], key="audit_action")
    with cols[2]:
        who = st.text_input("Användare (del av id)", key="audit_user")
    start, end = (span[0], span[-1]) if isinstance(span, tuple | list) and span else (today, today)
    return {"since": datetime.combine(start, time.min, tzinfo=UTC),
            "until": datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
            "action": None if action == ALL else labels[action], "user": who.strip() or None}


def audit_table(user: auth.User, filters: dict) -> None:
    """The audit log as a table, with Excel and CSV (downloads are logged too)."""
    events = store.audit_events(settings.store_url(), **filters)
    table = pl.DataFrame({
        "Tid (UTC)": [e.at.strftime("%Y-%m-%d %H:%M:%S") for e in events],
        "Användare": [e.user_id for e in events], "Roller": [e.roles for e in events],
        "Händelse": [store.AUDIT_ACTIONS.get(e.action, e.action) for e in events],
        "Detaljer": [e.detail for e in events]}, schema={c: pl.String for c in (
            "Tid (UTC)", "Användare", "Roller", "Händelse", "Detaljer")})
    st.caption(f"{fmt.number(table.height)} {'händelse' if table.height == 1 else 'händelser'}.")
    st.dataframe(table, hide_index=True, width="stretch")
    _data_downloads(st.columns([1, 1, 4]), "granskningslogg", table, (), user)


def method_notes() -> None:
    """How every indicator is treated (periods, intervals, suppression), from the catalog."""
    for note in catalog.METHOD_NOTES:
        st.markdown(f"- {note}")


def month_label(month: str) -> str:
    """'2026-10' -> 'oktober 2026'."""
    return periods.parse(month).label


def school_year_of_month(month: str) -> str:
    """'2026-10' -> '2026/27'."""
    return periods.school_year_of(periods.parse(month).end).code
