"""Goal cards: status badge, values against target, progress, preliminary line, trend, the
committee's analysis; the Översikt's scorecard; the steering group's status changes and analyses."""

from __future__ import annotations

import html

import polars as pl
import streamlit as st

from data import access, registers, settings
from metrics import attainment
from metrics.attainment import STATUS_LABELS, GoalResult
from metrics.goals import GoalConfig
from ui import auth, brief, charts, figures, goal_text, images, page_report, state
from ui import follow_up as follow_up_ui
from ui import format as fmt
from ui.filters import ALL
from ui.page_report import PageReport

STATUS_SYMBOLS = fmt.STATUS_SYMBOLS


_STATUS_TEXT_COLOUR = {"achieved": "#ffffff", "partly": "#000000", "not_achieved": "#000000",
                       "no_data": "#000000", "baseline": "#000000", "before_baseline": "#000000"}


# The URL carries a bound widget's option text, so options are short and readable as they are:
# ?lasar=2024/25, ?namnd=SN.
LATEST = "Senaste data"


# The page behind each committee's goals (committee ids as in config/goals.yaml).
COMMITTEE_PAGES = {"BUN": "pages/bun.py", "SN": "pages/sn.py"}


def status_badge(status: str) -> str:
    """HTML for a status: colour-blind-safe colour, a symbol and always the text label."""
    colour = charts.STATUS_COLOURS[status]
    return (f'<span class="status-badge" data-status="{status}" style="background:{colour};'
            f'color:{_STATUS_TEXT_COLOUR[status]};padding:2px 10px;border-radius:12px;'
            f'font-weight:600;white-space:nowrap">{STATUS_SYMBOLS[status]} '
            f'{html.escape(STATUS_LABELS[status])}</span>')


def period_options() -> list[str]:
    """'Senaste data' and the complete school years a goal status can be given for, newest
    first: after the baseline, within the mandate period (never the baseline or before it)."""
    until = state.dataset_info()["until"].get("absence")
    return [LATEST, *attainment.goal_periods(state.goal_config(), until)]


def period_filter() -> str | None:
    """The follow-up period, bound to the URL (?lasar=2024/25); None = the latest data."""
    choice = st.selectbox(
        "Uppföljningsperiod (läsår)", period_options(), key="lasar", bind="query-params", width=240,
        placeholder="Välj läsår …",
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


def _progress_and_notes(r: GoalResult) -> None:
    b, c = r.baseline, r.current
    value = 0.0 if r.progress is None else min(max(r.progress, 0.0), 1.0)
    st.progress(value, text=f"Förändring {goal_text.change_text(r)} – {goal_text.progress_text(r)}")
    notes = [t for t in (goal_text.significance_text(r), goal_text.on_track_text(r)) if t]
    if b and c and b.numerator is not None and c.numerator is not None:
        notes.append(f"Underlag: {fmt.number(c.numerator)} av {fmt.number(c.denominator)} elever "
                     f"(utgångsvärdet {fmt.number(b.numerator)} av {fmt.number(b.denominator)}).")
    if any(m.suppressed for m in (b, c) if m):
        notes.append(fmt.SUPPRESSED_NOTE)
    st.caption(" ".join(notes))


def _measure_row(r: GoalResult, report: PageReport | None = None, part: bool = False) -> None:
    b, c = r.baseline, r.current
    if goal_text.population_text(r):
        st.caption(fmt.literal(goal_text.population_text(r)))
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
    title = goal_text.trend_title(r, part)
    marks = goal_text.school_year_marks(registers.annotations_for(settings.store_url(), r.id, r.indicator))
    if r.series and report is not None:
        about = page_report.About(title=title, indicator=r.indicator, population=r.population or "",
                                  period=f"läsåren {r.series[0].period}–{r.series[-1].period}")
        report.view(figures.goal_trend(r, title, marks), f"{r.id}-utveckling",
                    ("Andel", "Konfidensintervall, nedre", "Konfidensintervall, övre", "Målnivå"),
                    about=about, collect=False)  # the report has the whole goal card instead
    elif r.series:
        fig = charts.annotate(charts.goal_trend(r.series, r.target_value, title,
                                                current=r.current.period if r.current else None), marks)
        st.plotly_chart(fig, width="stretch", config={"displayModeBar": False}, key=f"trend-{r.id}",
                        alt=charts.alt_text(fig))
        st.caption(fmt.literal(charts.summary(fig)))


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
            st.markdown(fmt.literal(goal_text.why_text(r)))
            if r.preliminary is not None:
                preliminary_line(r.preliminary, None)
            for part in r.parts:
                st.markdown(f"**{html.escape(part.title)}** &nbsp; {status_badge(part.status)}",
                            unsafe_allow_html=True)
                _measure_row(part, report, part=True)
        else:
            _measure_row(r, report)
        as_of = f" Data t.o.m. {r.as_of.isoformat()}." if r.as_of else ""
        st.caption(f"{r.comparison_note}{as_of}")
        for c in r.committee:
            if (c in COMMITTEE_PAGES and st.session_state.get("_page") != COMMITTEE_PAGES[c]
                    and access.may_open(user.grants, c.lower())):
                st.page_link(COMMITTEE_PAGES[c], label=f"Mer om målet: {fmt.literal(cfg.committee_name(c).lower())}s sida",
                             icon=":material/arrow_forward:")
        follow_up_ui.goal_actions(r.id)
        _comment_block(r, comment, follow_up, user)
    if report is not None:
        info = state.dataset_info()
        report.goal(lambda: brief.goal_block(r, cfg, comment, images.source_label(info["meta"]),
                                             info["until"].get("absence"), store_url=settings.store_url()))


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
