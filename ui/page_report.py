"""A page's charts and tables with their downloads, collected for the page's HTML report; print CSS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl
import streamlit as st

from metrics import catalog
from ui import auth, brief, charts, exports, figures, filters, follow_up, images, state, tables
from ui import format as fmt


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in text.lower())
    for a, b in (("å", "a"), ("ä", "a"), ("ö", "o")):
        keep = keep.replace(a, b)
    return "-".join(p for p in keep.split("-") if p)


def show_chart(fig, key: str) -> None:
    """A chart on the page: its title as text above it, so that it wraps at tablet width
    (``charts.on_screen``), the chart itself and its text alternative below it, for everyone."""
    title, shown = charts.on_screen(fig)
    if title:
        st.markdown(f"**{fmt.literal(title)}**")
    # no plotly toolbar: its texts are English (Streamlit has no public way to load plotly's
    # Swedish locale); the downloads below the chart replace it
    st.plotly_chart(shown, width="stretch", config={"displayModeBar": False}, key=key, alt=charts.alt_text(fig))
    if charts.summary(fig):
        st.caption(fmt.literal(charts.summary(fig)))


@dataclass(frozen=True)
class About:
    """What an exported chart or table is: for its footnote and its "Om uttaget" sheet."""
    title: str = ""  # what is shown, with the chosen area, school or group
    indicator: str | None = None  # catalog name: its definition and population
    period: str = ""  # 'läsåret 2025/26', 'läsåren 2019/20–2025/26'
    selection: str = ""  # the filters in words; '' = the whole municipality
    source: str = "absence"  # whose data date is given: absence | reports | interventions
    population: str = ""  # overrides the indicator's population
    # False: the figures are exact (a goal's own, goal-level figures, or an analyst's exact view)
    # and the rounding note is left out; ``notes`` are further footnote lines (e.g. which rows are
    # exact, that the figures are internal, what is missing)
    rounded: bool = True
    notes: tuple[str, ...] = ()


def population_of(about: About) -> str:
    """Who is counted, with the selection: 'Elever med schemalagd tid … (Huvudman: Kommunal)'."""
    ind = catalog.get(about.indicator) if about.indicator else None
    population = about.population or (ind.population if ind else "")
    if about.selection:
        population = f"{population.rstrip('.')} ({about.selection})" if population else about.selection
    return population


def note_for(about: About, suppressed: bool = False, incomplete: str = "", exact: bool = False) -> images.Note:
    """The footnote of a chart or table: source, data date, population, period, suppression,
    what was rounded (or that the figures are exact: a goal's own, or an entitled role's exact
    view, ``exact``, which says so instead) and what is missing (``incomplete``)."""
    info = state.dataset_info()
    rounding = (fmt.rounding_note(exact=True),) if exact else ((fmt.rounding_note(),) if about.rounded else ())
    extra = rounding + about.notes + ((incomplete,) if incomplete else ())
    return images.Note(source=images.source_label(info["meta"]), as_of=info["until"].get(about.source),
                       population=population_of(about), period=about.period, suppressed=suppressed and not exact,
                       extra=extra)


def incomplete_text(export: pl.DataFrame) -> str:
    """What the rows of an export lack ('Underlaget är ofullständigt: …'), from its column
    'Underlaget' (``tables.export_frame``); '' when every row is complete."""
    if "Underlaget" not in export.columns:
        return ""
    missing = [t for t in export["Underlaget"].drop_nulls().unique(maintain_order=True).to_list() if t]
    return f"Underlaget är ofullständigt: {'; '.join(missing)}." if missing else ""


def about_rows(about: About, page: str, exact: bool = False) -> list[tuple[str, str]]:
    """The "Om uttaget" sheet and the CSV's closing lines (an exact view's first line says so)."""
    note = note_for(about, exact=exact)
    ind = catalog.get(about.indicator) if about.indicator else None
    rows = [("Uttag", about.title), ("Sida", page)]
    if ind is not None:
        rows += [("Indikator", ind.label), ("Definition", ind.definition)]
    rows += [("Population", note.population or "Se sidan."), ("Period", about.period or "Se tabellen."),
             *[("Anmärkning", t) for t in about.notes],
             ("Urval", about.selection or "Hela kommunen"), ("Källa", note.source),
             ("Data t.o.m.", note.as_of.isoformat() if note.as_of else fmt.NO_DATA),
             ("Skapad", f"{datetime.now():%Y-%m-%d %H:%M} ur Samverkan")]
    if exact:
        rows.insert(0, ("Exakta värden", fmt.rounding_note(exact=True)))
    return [(k, v) for k, v in rows if v]


def file_slug(name: str, exact: bool = False) -> str:
    """A download's file name stem; an exact view's files start with ``fmt.EXACT_FILE_PREFIX``."""
    return (fmt.EXACT_FILE_PREFIX if exact else "") + _slug(name)


def data_downloads(container, slug: str, export: pl.DataFrame, percent_columns: tuple[str, ...],
                   user: auth.User, about: list[tuple[str, str]] = (), pp_columns: tuple[str, ...] = (),
                   row_formats: list[dict[str, str]] | None = None, rounded: bool = True,
                   exact: bool = False) -> None:
    """Excel and Swedish CSV of ``export`` (built only when clicked); ``rounded=False``: a goal's
    own exact figures (the files say so instead of the rounding rule); ``exact``: an entitled
    role's exact view, marked and logged as exact figures."""
    container.download_button(
        "Data (Excel)", data=auth.checked_download(
            user, f"{slug}.xlsx", lambda: exports.excel_bytes(export, percent_columns=percent_columns, about=about,
                                                              pp_columns=pp_columns, row_formats=row_formats,
                                                              rounded=rounded, exact=exact), exact),
        file_name=f"{slug}.xlsx", key=f"xlsx-{slug}", on_click="ignore", icon=":material/table:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    container.download_button(
        "Data (CSV)", data=auth.checked_download(user, f"{slug}.csv",
                                                 lambda: exports.csv_bytes(export, percent_columns, about, pp_columns,
                                                                           rounded, exact),
                                                 exact),
        file_name=f"{slug}.csv", key=f"csv-{slug}", on_click="ignore", mime="text/csv", icon=":material/csv:")


class PageReport:
    """Renders charts with their exports and collects them for the page's HTML report.

    Below every chart: "Ladda ner" (the data as Excel and Swedish CSV, the chart as PNG and SVG
    from the one static-image builder, ``ui.images``) and "Visa tabell". Files are built only when
    clicked, and only for a role that may export (``auth.may_export``); other roles see the
    charts and tables only. The page's HTML report holds what the page shows, the goal cards
    included, with the static SVG images (no plotly.js: small enough to e-mail).
    """

    def __init__(self, title: str, user: auth.User):
        self.title = title
        self.user = user
        self.exports = auth.may_export(user)
        self.exact = state.exact() and auth.may_see_exact(user)
        self.sections: list[dict] = []

    def chart(self, built: tuple, name: str, about: About | None = None, percent_columns: tuple[str, ...] = (),
              pp_columns: tuple[str, ...] = (), collect: bool = True, heading: str | None = None) -> None:
        """A chart with its downloads: ``built`` is (figure, export table, display table), as
        ``ui.figures`` builds it; ``percent_columns`` are the export's shares (fractions),
        ``pp_columns`` its changes of shares, exported in percentage points. ``collect=False``
        leaves it out of the page's HTML report (a goal's chart: the report holds the whole goal
        card). An indicator's own charts have their components: ``trend`` and ``ranked``."""
        fig, export, display = built
        slug = file_slug(name, self.exact)
        about = about or About()
        if not about.title:
            about = About(**{**about.__dict__, "title": fig.layout.title.text or name})
        show_chart(fig, f"chart-{slug}")
        table = display if display is not None else export
        incomplete = incomplete_text(export)
        note = note_for(about, images.has_hidden(fig) or bool(export.select(pl.any_horizontal(
            pl.all().is_null())).to_series().any()) if export.width else False, incomplete, exact=self.exact)
        # who is counted, under every chart: a page that shows a goal's figures shows other
        # populations beside them, and each must say which it is (a goal card's own chart
        # (collect=False) has its population and change on the card already)
        population = population_of(about)
        if collect and (population or about.notes):
            st.caption(fmt.literal(" ".join(t for t in (f"Population: {population.rstrip('.')}." if population else "",
                                                        *about.notes) if t)))
        if incomplete:
            st.warning(fmt.literal(incomplete), icon=":material/warning:")
        if collect:
            self.sections.append({"heading": heading or about.title, "figure": fig, "note": note, "table": table})
        # buttons in a row that wraps: fixed columns cut their labels at tablet width
        row = st.container(horizontal=True)
        if self.exports:
            rows = about_rows(about, self.title, self.exact)
            with row.popover("Ladda ner", icon=":material/download:"):
                data_downloads(st, slug, export, percent_columns, self.user, rows, pp_columns,
                               rounded=about.rounded, exact=self.exact)
                if (problem := exports.image_export_problem()) is not None:  # said plainly, no broken button
                    st.caption(problem)
                else:
                    self._image_buttons(fig, note, slug)
        with row.popover("Visa tabell", icon=":material/view_list:"):
            st.dataframe(table, hide_index=True, width="content")  # the popover widens to the table

    def _image_buttons(self, fig, note: images.Note, slug: str) -> None:
        png = auth.checked_download(self.user, f"{slug}.png", lambda: images.png(fig, note), self.exact)
        svg = auth.checked_download(self.user, f"{slug}.svg", lambda: images.svg(fig, note), self.exact)
        st.download_button("Bild (PNG)", data=png, file_name=f"{slug}.png", key=f"png-{slug}", on_click="ignore",
                           mime="image/png", icon=":material/image:")
        st.download_button("Bild (SVG)", data=svg, file_name=f"{slug}.svg", key=f"svg-{slug}", on_click="ignore",
                           mime="image/svg+xml", icon=":material/image:")

    def trend(self, df: pl.DataFrame, indicator: str, title: str, name: str, *, period: str,
              by: str | None = None, selection: str = "", source: str = "absence",
              goals_of: dict | None = None) -> None:
        """An indicator over several periods (an engine frame, one line per value of ``by``), with
        its exports, table and footnote worked out from the indicator, ``title``, ``period`` and
        ``selection``. ``goals_of``: the place filters of what is shown; the rows that are a
        goal's population then carry the goal's exact figures, and the goal's target lines,
        baseline and the annotations register's events are drawn."""
        targets = target_from = marks = None
        notes: tuple[str, ...] = ()
        if goals_of is not None:
            df = tables.with_goal_figures(df, state.goal_results(None), indicator, goals_of, by)
            marks = follow_up.marks(indicator, goals_of.get("area", [None])[0], tables.period_labels(df))
            targets = filters.goal_targets(indicator, by, goals_of)
            target_from = filters.goal_baseline(indicator)
            notes = filters.target_notes(targets, df)
        self.chart(figures.indicator_trend(df, indicator, by, title, targets, target_from, marks), name,
                   About(title=title, indicator=indicator, period=period, selection=selection, source=source,
                         notes=notes), tables.percent_columns(indicator))

    def ranked(self, df: pl.DataFrame, indicator: str, by: str, title: str, name: str, *, period: str,
               selection: str = "", source: str = "absence", reference_label: str = "Hela kommunen") -> None:
        """An indicator for one period by one breakdown, ranked, against the total of the
        selection (``reference_label`` names it: 'Område Norr'), with its exports, table and
        footnote worked out from the indicator, ``title``, ``period`` and ``selection``."""
        self.chart(figures.indicator_ranked(df, indicator, by, title, reference_label), name,
                   About(title=title, indicator=indicator, period=period, selection=selection, source=source),
                   tables.percent_columns(indicator))

    def text(self, heading: str, text: str) -> None:
        self.sections.append({"heading": heading, "figure": None, "table": None, "text": text})

    def goal(self, build) -> None:
        """A goal card for the report: ``build()`` gives its ``ui.brief.GoalBlock``, called only
        when the report is downloaded (not on every run of the page)."""
        self.sections.append({"goal": build})

    def download(self, subtitle: str) -> None:
        if not self.exports:
            return
        st.divider()
        slug = file_slug(self.title, self.exact)
        if self.exact:
            subtitle = f"{fmt.EXACT_NOTE}. {subtitle}"
        st.download_button(
            "Ladda ner sidan som HTML-rapport", icon=":material/download:",
            data=auth.checked_download(self.user, f"{slug}.html",
                                       lambda: brief.page_html(self.title, subtitle, self.sections, self.exact), self.exact),
            file_name=f"{slug}.html", mime="text/html", key="page-report", on_click="ignore",
            help="En fristående HTML-fil med sidans mål, diagram och tabeller; fungerar utan internet.")


def dataset_caption() -> str:
    info = state.dataset_info()
    until = info["until"].get("absence")
    return f"{images.source_label(info['meta'])}. Data t.o.m. {until.isoformat() if until else fmt.NO_DATA}."


def table_with_exports(report: PageReport, name: str, export: pl.DataFrame, display: pl.DataFrame,
                       heading: str, percent_columns: tuple[str, ...] = (), about: About | None = None,
                       pp_columns: tuple[str, ...] = (), row_formats: list[dict[str, str]] | None = None,
                       html_table: str | None = None) -> None:
    """A table with its Excel and CSV downloads, collected for the page's HTML report.
    ``html_table``: the table as responsive HTML (stacked rows on a tablet), else a dataframe."""
    slug = file_slug(name, report.exact)
    if html_table is not None:
        st.html(html_table)
    else:
        st.dataframe(display, hide_index=True, width="stretch")
    if report.exports:
        about = about or About(title=heading)
        with st.popover("Ladda ner", icon=":material/download:"):
            data_downloads(st, slug, export, percent_columns, report.user,
                           about_rows(about, report.title, report.exact), pp_columns, row_formats,
                           rounded=about.rounded, exact=report.exact)
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
