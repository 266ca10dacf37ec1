"""Goal cards: status badge, values against target, progress, preliminary line, trend, the
committee's analysis; the Översikt's scorecard; the steering group's status changes and analyses."""

from __future__ import annotations

import html

import polars as pl
import streamlit as st

from data import access, settings, store
from metrics import attainment
from metrics.attainment import STATUS_LABELS, GoalResult
from metrics.goals import GoalConfig
from ui import auth, brief, charts, components, figures, goal_text, images, page_report, state, tables
from ui import follow_up as follow_up_ui
from ui import format as fmt
from ui.filters import ALL
from ui.page_report import PageReport

_STATUS_TEXT_COLOUR = {"achieved": "#ffffff", "partly": "#000000", "not_achieved": "#000000",
                       "no_data": "#000000", "baseline": "#000000", "before_baseline": "#000000"}


# The URL carries a bound widget's option text, so options are short and readable as they are:
# ?lasar=2024/25, ?namnd=SN.
LATEST = "Senaste data"


# The page behind each committee's goals (committee ids as in config/goals.yaml).
COMMITTEE_PAGES = {"BUN": "pages/bun.py", "SN": "pages/sn.py"}


def status_badge(status: str, significant: bool | None = None) -> str:
    """HTML for a status: colour-blind-safe colour, a symbol and always the text label, marked
    'osäkert' when the change may be chance (``goal_text.status_words``)."""
    colour = charts.STATUS_COLOURS[status]
    return (f'<span class="status-badge" data-status="{status}" style="background:{colour};'
            f'color:{_STATUS_TEXT_COLOUR[status]};padding:2px 10px;border-radius:12px;'
            f'font-weight:600;white-space:nowrap">{html.escape(goal_text.status_words(status, significant))}</span>')


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


def _progress_and_notes(r: GoalResult, part: bool) -> None:
    b, c = r.baseline, r.current
    value = 0.0 if r.progress is None else min(max(r.progress, 0.0), 1.0)
    st.progress(value, text=f"Förändring {goal_text.change_text(r)} – {goal_text.progress_text(r)}")
    gap = goal_text.gap_text(r, goal_text.subject(r, part))
    if gap:
        st.markdown(fmt.literal(gap))
    notes = [t for t in (goal_text.significance_text(r), goal_text.on_track_text(r)) if t]
    if b and c and b.numerator is not None and c.numerator is not None:
        notes.append(f"Underlag: {fmt.number(c.numerator)} av {fmt.number(c.denominator)} elever "
                     f"(utgångsvärdet {fmt.number(b.numerator)} av {fmt.number(b.denominator)}), exakta antal.")
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

    def value(m) -> str:
        return fmt.shown(m.value if m else None, m is not None and m.suppressed,
                         lambda v: fmt.indicator_value(v, r.indicator))

    cols[0].metric("Utgångsvärde", value(b))
    cols[1].metric("Nuvarande", value(c))
    cols[2].metric("Målnivå", fmt.indicator_value(r.target_value, r.indicator) if r.target_value is not None
                   else fmt.NOT_COMPUTED)
    if b and c:
        st.caption(f"Utgångsvärde: {b.label}. Nuvarande: {c.label}.")
    if r.status in attainment.NO_STATUS:  # the baseline year or before it: no status to show
        st.caption(fmt.literal(r.comparison_note))
    else:
        _progress_and_notes(r, part)
    if r.preliminary is not None:
        preliminary_line(r, part)
    title = goal_text.trend_title(r, part)
    marks = follow_up_ui.marks(r.indicator, goal_id=r.id)  # {} when the store does not answer
    if r.series and report is not None:
        about = page_report.About(title=title, indicator=r.indicator, population=r.population or "",
                                  period=f"läsåren {r.series[0].period}–{r.series[-1].period}",
                                  rounded=False, notes=(goal_text.trend_note(r),))
        report.chart(figures.goal_trend(r, title, marks), f"{r.id}-utveckling", about,
                     ("Andel", "Konfidensintervall, nedre", "Konfidensintervall, övre", "Målnivå"),
                     collect=False)  # the report has the whole goal card instead
    elif r.series:
        fig = charts.goal_trend(r.series, r.target_value, title, current=r.current.period if r.current else None,
                                baseline=r.baseline.period if r.baseline else None, marks=marks)
        page_report.show_chart(fig, f"trend-{r.id}")


PRELIMINARY_BADGE = ('<span class="preliminary-badge" style="border:1px dashed #555;color:#333;'
                     'padding:1px 8px;border-radius:12px;font-size:.85em;white-space:nowrap">Preliminärt</span>')


def preliminary_line(r: GoalResult, part: bool = False) -> None:
    """The school year in progress, badged as preliminary: it never changes the official status.
    The words are ``goal_text.preliminary_text``'s (the brief says the same)."""
    p = r.preliminary
    # the words can name a school from the data (what is missing): escaped for Markdown and HTML
    words = " ".join(t for t in (goal_text.preliminary_text(r, with_status=False),
                                 goal_text.preliminary_gap_text(r, part), f"Läsåret {p.period} pågår.") if t)
    st.markdown(f"<small>{PRELIMINARY_BADGE} &nbsp; {status_badge(p.status, p.significant)} &nbsp; "
                f"{fmt.literal(words)}</small>", unsafe_allow_html=True)


def scorecard(results: list[GoalResult], cfg: GoalConfig) -> None:
    """The one-screen summary above the cards: every goal and part on one line."""
    # a static table whose long goal titles wrap, and whose rows become cards of label: value lines
    # at tablet width (eight columns do not fit beside the sidebar)
    st.html(tables.responsive_html(figures.scorecard(results, cfg)))
    st.caption(goal_text.SCORECARD_LEGEND)


def goal_card(r: GoalResult, cfg: GoalConfig, comment, follow_up: str, user: auth.User,
              report: PageReport | None = None) -> None:
    """A goal as a card: status, values against target, trend and the committee's analysis.

    With a ``report``, each trend chart gets its exports and joins the page's HTML report."""
    with st.container(border=True):
        committee = " och ".join(cfg.committee_name(c) for c in r.committee)
        st.markdown(f"{status_badge(r.status, None if r.parts else r.significant)} &nbsp; "
                    f"<small>{html.escape(committee)}</small>",
                    unsafe_allow_html=True)
        st.subheader(fmt.literal(r.title), anchor=r.id)
        if r.description:
            with st.expander("Målets lydelse"):
                st.markdown(fmt.literal(r.description))
        if r.parts:
            st.markdown(fmt.literal(goal_text.why_text(r)))
            if r.preliminary is not None:
                preliminary_line(r)
            for part in r.parts:
                st.markdown(f"**{html.escape(part.title)}** &nbsp; {status_badge(part.status, part.significant)}",
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
    try:
        history = state.comment_history(r.id, follow_up)
    except store.StoreUnavailable:
        history = None
        st.warning("Analyserna kan inte visas just nu: lagret svarar inte. Försök igen om en stund.",
                   icon=":material/cloud_off:")
    if history is not None:  # the store's answer now, not the page's read before it
        comment = history[0] if history else None
    if history is not None and comment is None:
        st.caption("Ingen analys är skriven för perioden ännu.")
    elif comment is not None:
        names = _names()
        st.info(fmt.literal(comment.text))
        who = ", ".join(fmt.literal(x) for x in (comment.author, store.shown_user(comment.user_id, names)) if x)
        st.caption(f"{who + ', ' if who else ''}{comment.created_at:%Y-%m-%d}")
        if history and len(history) > 1:
            with st.expander(f"Tidigare versioner ({len(history) - 1})"):
                for old in history[1:]:
                    who = ", ".join(fmt.literal(x) for x in (old.author, store.shown_user(old.user_id, names)) if x)
                    st.caption(f"{who or 'Okänd'}, {old.created_at:%Y-%m-%d %H:%M}")
                    st.text(old.text)
    if not access.may_write_analysis(user.grants, r.committee):
        return  # only the goal's own committee (and the admin) writes its analysis
    message = auth.take_message(f"comment-message-{r.id}")
    # Open while there is something to say about the last save, so that the message (and after a
    # failure the text) is in view; the form is never cleared on submit: a failed save keeps the text.
    components.restore_draft(f"comment-{r.id}")
    with st.expander("Skriv analys", expanded=message is not None):
        with st.form(key=f"comment-{r.id}", clear_on_submit=False):
            st.text_area(store.COMMENT_LABELS["text"], key=f"comment-text-{r.id}", max_chars=store.MAX_COMMENT_CHARS)
            st.text_input(store.COMMENT_LABELS["author"], key=f"comment-author-{r.id}")
            st.form_submit_button("Spara analys", on_click=_save_comment, args=(r, follow_up, user))
        if message is not None:
            kind, text = message
            {"success": st.success, "warning": st.warning, "error": st.error}[kind](fmt.literal(text))


def _names() -> dict[str, str]:
    """Display names of pseudonymous user ids ({} when the store does not answer)."""
    try:
        return store.display_names(settings.store_url())
    except store.StoreUnavailable:
        return {}


def _save_comment(r: GoalResult, follow_up: str, user: auth.User) -> None:
    """The analysis form's submit (a callback, run before the page): saved with its audit line in
    one transaction and the form emptied, or a message and the text left as typed."""
    text_key, author_key = f"comment-text-{r.id}", f"comment-author-{r.id}"
    text, author = st.session_state.get(text_key, ""), st.session_state.get(author_key, "")
    say = f"comment-message-{r.id}"
    if not access.may_write_analysis(user.grants, r.committee):  # checked on the server, not only by the page
        auth.record(user, "refused", f"analys: {r.id}")
        st.session_state[say] = ("error", "Du har inte behörighet att skriva analysen för det här målet.")
        return
    if not text.strip():
        st.session_state[say] = ("warning", "Skriv en analys innan du sparar.")
        return
    try:
        state.save_comment(r.id, follow_up, r.committee[0] if r.committee else "", text, author, user.id,
                           auth.audit_line(user, "write", f"analys: {r.id}, {follow_up}"))
    except (store.CommentError, store.StoreUnavailable) as exc:
        components.keep_draft(f"comment-{r.id}", {text_key: text, author_key: author})
        st.session_state[say] = ("error", f"Analysen sparades inte. {exc} Din text finns kvar."
                                 if isinstance(exc, store.CommentError) else
                                 "Det gick inte att spara: lagret svarar inte. Din text finns kvar. "
                                 "Försök igen om en stund.")
        return
    components.drop_draft(f"comment-{r.id}")
    st.session_state[text_key] = st.session_state[author_key] = ""
    st.session_state[say] = ("success", "Analysen är sparad.")


def status_changes(goal_months: pl.DataFrame) -> None:
    """Say in words which goals changed official status, and which preliminary results moved to
    another status, since the month before."""
    changed = goal_months.filter(pl.col("status_changed").fill_null(False))
    if changed.height == 0:
        st.success("Ingen officiell status har ändrats sedan månaden innan (den ändras när ett läsår "
                   "avslutas).", icon=":material/check:")
    else:
        lines = [f"- **{fmt.literal(r['title'])}**: {STATUS_LABELS.get(r['status_before'], fmt.NO_DATA)} → "
                 f"{STATUS_LABELS[r['status']]} ({r['current_label']})" for r in changed.iter_rows(named=True)]
        st.warning("Ändrad officiell status sedan månaden innan:\n" + "\n".join(lines),
                   icon=":material/change_circle:")
    moved = goal_months.filter(pl.col("preliminary_changed"))
    if moved.height:
        lines = [f"- **{fmt.literal(r['title'])}**: {STATUS_LABELS.get(r['preliminary_status_before'], fmt.NO_DATA)} → "
                 f"{STATUS_LABELS[r['preliminary_status']]} ({fmt.literal(r['preliminary_label'])})"
                 for r in moved.iter_rows(named=True)]
        st.info("Preliminärt, det pågående läsåret – ändrar inte den officiella statusen:\n" + "\n".join(lines),
                icon=":material/hourglass_top:")


def analyses(school_year: str) -> None:
    """The committees' latest analyses for a school year."""
    cfg = state.goal_config()
    comments = state.comments_or_none(school_year)
    titles = {r.id: r.title for r in attainment.flatten(state.goal_results(None))}
    if comments is None:
        st.warning("Analyserna kan inte visas just nu: lagret svarar inte. Försök igen om en stund.",
                   icon=":material/cloud_off:")
        return
    if not comments:
        st.caption(f"Inga analyser är skrivna för läsåret {school_year}.")
    for goal_id, c in comments.items():
        st.markdown(f"**{fmt.literal(titles.get(goal_id, goal_id))}** "
                    f"({fmt.literal(cfg.committee_name(c.committee))}, {c.created_at:%Y-%m-%d})")
        st.info(fmt.literal(c.text))
