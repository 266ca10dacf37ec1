"""Every sentence about a goal is a claim: its numbers and their units are checked against the
goal's JSON (``GoalResult.to_json``), for every goal and part, official and preliminary, on the
demo and on a small hand-written municipality with a relative target.

A number printed with 'procentenheter' or 'p.e.' must be a difference of two shares (or an
absolute goal's own change, interval or target); a signed number with '%' must be a relative
goal's change, interval or target; an unsigned '%' a level (a value, an interval bound, a target
level) or the share of the required change; 'N av M' counts of the goal; 'ungefär N' the gap in
children rounded to 10. The builders are those of ``ui.goal_text.BUILDERS``; a function in ui/,
pages/ or cli.py that reads a goal's change, interval, progress or gap without being one of them
fails ``test_every_goal_number_goes_through_a_registered_builder``.
"""

from __future__ import annotations

import ast
import io
import math
import re
from datetime import date
from pathlib import Path

import pytest

from metrics import attainment, goals, periods, views
from tests.conftest import ROOT, build_warehouse
from ui import brief, figures, goal_text
from ui import format as fmt

MINUS = "\u2212"
NUM = r"[+\u2212-]?\d{1,3}(?:[\u00a0\u202f ]\d{3})*(?:,\d+)?"
# 'X till Y procentenheter' and 'X till Y %': the unit after Y is the unit of X too
RANGE = re.compile(rf"(?<![\w/])({NUM})(\s*%)?\s+till\s+({NUM})\s*(%|procentenheter|p\.e\.)")
UNIT = re.compile(rf"(?<![\w/,.\-])({NUM})\s*(%|procentenheter|p\.e\.)(?![-\w])")
OF = re.compile(rf"(?<![\w/])({NUM}) av ({NUM})\b")
ABOUT = re.compile(rf"ungefär ({NUM})")
# not figures of a goal: interval names ('95 %-intervall', '95 %:'), school years, dates
IGNORE = re.compile(r"95 %(?:-intervall|:)|\d{4}/\d{2}|\d{4}-\d{2}-\d{2}")


def number(text: str) -> float:
    return float(text.replace(MINUS, "-").replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", "."))


def decimals(text: str) -> int:
    return len(text.split(",")[1]) if "," in text else 0


def close(shown: str, value: float, scale: float = 100) -> bool:
    """A printed number reads ``value`` (a fraction, printed × ``scale``) at its own decimals."""
    return abs(number(shown) - value * scale) <= 0.5 * 10 ** -decimals(shown) + 1e-9


class Claims:
    """What may be printed about one goal (and its preliminary result), by unit."""

    def __init__(self, *results: dict):
        self.pp, self.rel, self.level, self.progress, self.counts, self.gaps = [], [], [], [], set(), []
        for j in results:
            self._add(j)

    def _add(self, j: dict) -> None:
        kind = (j.get("target") or {}).get("kind")
        changes = self.rel if kind == "relative_change" else self.pp
        for m in (j.get("baseline"), j.get("current"), *j.get("series", [])):
            if m:
                self.level += [v for v in (m.get("value"), m.get("ci_low"), m.get("ci_high")) if v is not None]
                self.counts |= {v for v in (m.get("numerator"), m.get("denominator")) if v is not None}
        target = j.get("target") or {}
        if target.get("level") is not None:
            self.level.append(target["level"])
        if target.get("value") is not None:
            (self.level if kind == "level" else changes).append(target["value"] / 100)
        self._changes(j, changes)
        pre = j.get("preliminary")
        if pre:
            for m in (pre.get("baseline"), pre.get("current")):
                if m:
                    self.level += [v for v in (m.get("value"), m.get("ci_low"), m.get("ci_high")) if v is not None]
                    self.counts |= {v for v in (m.get("numerator"), m.get("denominator")) if v is not None}
            if pre.get("target_level") is not None:
                self.level.append(pre["target_level"])
            self._changes(pre, changes)
        for p in j.get("parts", []):
            self._add(p)

    def _changes(self, j: dict, changes: list) -> None:
        if j.get("change") is not None:
            changes.append(j["change"])
        changes.extend(j.get("change_ci") or [])
        if j.get("difference") is not None:
            self.pp.append(j["difference"])
        if j.get("progress") is not None:
            self.progress.append(j["progress"])
        if j.get("children_gap") is not None:
            self.gaps.append(j["children_gap"])

    def check(self, text: str, where: str) -> int:
        """Assert every goal number in ``text``; returns how many were checked (so that a test
        can tell that it checked something)."""
        seen = 0
        body = IGNORE.sub(" ", text)
        for m in RANGE.finditer(body):
            unit = m.group(4)
            for shown in (m.group(1), m.group(3)):
                self._one(shown, unit, where, text)
                seen += 1
        body = RANGE.sub(" ", body)
        for m in UNIT.finditer(body):
            self._one(m.group(1), m.group(2), where, text)
            seen += 1
        for m in OF.finditer(text):
            for shown in m.groups():
                assert int(number(shown)) in self.counts, f"{where}: '{shown}' is no count of the goal in: {text}"
                seen += 1
        for m in ABOUT.finditer(text):
            shown = int(number(m.group(1)))
            assert any(round(abs(g) / 10) * 10 == shown for g in self.gaps), \
                f"{where}: 'ungefär {shown}' is not a gap in children ({self.gaps}) in: {text}"
            seen += 1
        return seen

    def _one(self, shown: str, unit: str, where: str, text: str) -> None:
        if unit in ("procentenheter", "p.e."):
            ok = any(close(shown, v) for v in self.pp)
            what = f"a difference in percentage points {self.pp}"
        elif shown[0] in "+-" + MINUS:
            ok = any(close(shown, v) for v in self.rel)
            what = f"a relative change {self.rel}"
        else:
            ok = any(close(shown, v) for v in self.level) or any(
                math.floor(v * 100) == number(shown) or close(shown, v) for v in self.progress)
            what = f"a level {self.level} or the share of the required change {self.progress}"
        assert ok, f"{where}: '{shown} {unit}' is not {what} in: {text}"


# --- the goals to word ------------------------------------------------------------------------

def months(first: date, last: date) -> list[date]:
    out, m = [], periods.month(first.year, first.month)
    while m.start <= last:
        if m.start.month != 7:
            out.append(m.start)
        m = m.shift_months(1)
    return out


def pupils(prefix: str, school: str, first: date, last: date, n: int, n_high: int) -> list[tuple]:
    """n pupils every school month from ``first`` to ``last``, the first n_high at 30 % absence."""
    return [(f"{prefix}{i}", school, "5", "flicka" if i % 2 else "pojke", m, 1000, 300 if i < n_high else 50, 0)
            for i in range(n) for m in months(first, last)]


SMALL_GOALS = """
mandate_period: {start: 2023, end: 2026}
committees: [{id: BUN, name: Barn- och utbildningsnämnden}, {id: SN, name: Socialnämnden}]
goals:
  - id: rel
    committee: SN
    title: Relativt mål på en liten skola
    indicator: high_absence_share
    baseline_period: "2022/23"
    target: {kind: relative_change, value: -20}
    filter: {school: [G2]}
  - id: abs
    committee: BUN
    title: Mål i procentenheter
    indicator: high_absence_share
    baseline_period: "2022/23"
    target: {kind: absolute_change, value: -2.0}
    filter: {school_form: [grundskola]}
    parts:
      - {id: abs-g1, title: Alfaskolan, filter: {school: [G1]}}
      - {id: abs-g2, title: Betaskolan, filter: {school: [G2]}}
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small municipality: G2 has 20 pupils, 7 with high absence in the baseline year and 5 in
    2024/25 (a relative change of −28,6 % on a small population: met, but not significant), and
    6 in the autumn of 2025 so far; G1 has 200 pupils (40, 30 and 37 with high absence)."""
    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    rows = (pupils("a", "G1", date(2022, 8, 1), date(2023, 6, 1), 200, 40)
            + pupils("b", "G1", date(2024, 8, 1), date(2025, 6, 1), 200, 30)
            + pupils("c", "G1", date(2025, 8, 1), date(2025, 10, 1), 200, 37)
            + pupils("d", "G2", date(2022, 8, 1), date(2023, 6, 1), 20, 7)
            + pupils("e", "G2", date(2024, 8, 1), date(2025, 6, 1), 20, 5)
            + pupils("f", "G2", date(2025, 8, 1), date(2025, 10, 1), 20, 6))
    wh = build_warehouse(path, absence=rows)
    goal_file = path.parent / "goals.yaml"
    goal_file.write_text(SMALL_GOALS, encoding="utf-8")
    return wh, goals.load(goal_file)


@pytest.fixture(scope="module")
def demo(demo_wh):
    return demo_wh, goals.load(ROOT / "config" / "goals.yaml")


def cases(wh, cfg):
    """(goal or part, is a part, its claims) for every goal and part, as of the data's end."""
    results = attainment.evaluate_all(wh, cfg)
    out = []
    for r in results:
        out.append((r, False, Claims(r.to_json())))
        out.extend((p, True, Claims(p.to_json())) for p in r.parts)
    return results, out


@pytest.fixture(params=["demo", "small"])
def setting(request, demo, small):
    return demo if request.param == "demo" else small


def test_the_small_municipality_has_what_the_sentences_must_handle(small):
    wh, cfg = small
    rel, abs_ = attainment.evaluate_all(wh, cfg)
    assert rel.target.kind == "relative_change" and rel.preliminary is not None
    assert rel.status == "achieved" and rel.significant is False  # met on a small population, uncertain
    assert rel.current.denominator == 20 and goal_text.size_words(rel) == "5 av 20 elever"
    assert goal_text.status_words(rel.status, rel.significant) == "✓ Uppnått – osäkert"
    assert abs_.parts and abs_.parts[0].preliminary is not None


def test_every_builder_states_its_numbers_in_the_right_unit(setting):
    wh, cfg = setting
    results, goals_and_parts = cases(wh, cfg)
    checked = 0
    for r, part, claims in goals_and_parts:
        subject = goal_text.subject(r, part)
        texts = {
            "change_text": goal_text.change_text(r), "change_with_interval": goal_text.change_with_interval(r),
            "change_short": goal_text.change_short(r), "current_words": goal_text.current_words(r),
            "size_words": goal_text.size_words(r), "progress_text": goal_text.progress_text(r),
            "gap_text": goal_text.gap_text(r, subject), "gap_short": goal_text.gap_short(r),
            "significance_text": goal_text.significance_text(r), "on_track_text": goal_text.on_track_text(r),
            "why_text": goal_text.why_text(r), "preliminary_text": goal_text.preliminary_text(r),
            "preliminary_gap_text": goal_text.preliminary_gap_text(r, part), "trend_note": goal_text.trend_note(r),
            "status_words": goal_text.status_words(r.status, r.significant),
            **{f"scorecard_row[{k}]": v for k, v in goal_text.scorecard_row(r, part, None).items()},
        }
        if r.preliminary is not None and not r.parts:
            pre = goal_text.p_as_result(r)
            texts["preliminary gap_short"] = goal_text.gap_short(pre)
            texts["preliminary change_short"] = goal_text.change_short(pre)
        for name, text in texts.items():
            checked += claims.check(text, f"{r.id} {name}")
    assert checked > 20


def test_a_relative_goal_is_never_stated_in_percentage_points_alone(setting):
    wh, cfg = setting
    _results, goals_and_parts = cases(wh, cfg)
    for r, _part, _claims in goals_and_parts:
        if r.target is None or r.target.kind != "relative_change" or r.change is None:
            continue
        for text in (goal_text.change_text(r), goal_text.change_short(r), goal_text.preliminary_text(r),
                     goal_text.trend_note(r)):
            # the first change in the sentence is the relative one, in per cent
            first = re.search(rf"[+\u2212]\d+(?:,\d+)?\s*(%|procentenheter|p\.e\.)", text)
            assert first is not None and first.group(1) == "%", text


def test_the_brief_scorecard_steering_table_and_cli_say_the_same(setting, tmp_path):
    wh, cfg = setting
    results, goals_and_parts = cases(wh, cfg)
    everything = Claims(*(r.to_json() for r in results))
    by_title = {r.title: c for r, _p, c in goals_and_parts}
    # the page's and the brief's scorecard: every cell of a goal's row against that goal
    for row in figures.scorecard(results, cfg).iter_rows(named=True):
        title = row["Mål"].removeprefix("– ")
        for k, v in row.items():
            by_title[title].check(v, f"scorecard {title} {k}")
    # the CLI's blocks: each line against the goal whose heading ('Title (id, BUN)') it is under
    ids = {r.id: c for r, _p, c in goals_and_parts}
    current, checked = None, set()
    for line in goal_text.status_table(results, cfg).splitlines():
        heading = re.search(r"\(([\w-]+)(?:, [A-Z, ]+)?\)$", line)
        if heading and heading.group(1) in ids:
            current = heading.group(1)
            continue
        if not line.strip():
            current = None
        elif current is not None:
            ids[current].check(line, f"cli {current}")
            checked.add(current)
    assert checked == set(ids), set(ids) - checked  # every goal and part has its block
    # the steering table of the data's last month: now and the month before
    until = max(r.as_of for r in results if r.as_of)
    month = periods.month(until.year, until.month)
    before = attainment.evaluate_all(wh, cfg, None, month.shift_months(-1).end)
    frame = views.goal_status_month(wh, cfg, month.code)
    steering_claims = Claims(*(r.to_json() for r in results), *(r.to_json() for r in before))
    _export, display = goal_text.steering_rows(frame)
    for row in display.iter_rows(named=True):
        for k, v in row.items():
            steering_claims.check(v, f"steering {row['Mål']} {k}")
    # the brief's model, and its renderers print it as it is
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    b = brief.build(wh, cfg, url)
    for block in [*b.goals, *(p for g in b.goals for p in g.parts)]:
        claims = by_title[block.title]
        for text in (*[v for _k, v in block.facts], *block.sentences, block.preliminary,
                     *(block.note.lines() if block.note else [])):
            claims.check(text, f"brief {block.title}")
    for row in b.scorecard:
        for cell in row[1:]:
            by_title[row[0].removeprefix("– ")].check(cell, f"brief scorecard {row[0]}")
    html_text = brief.page_html("Översikt", "", [{"goal": g} for g in b.goals])
    docx_text = _docx_text(brief.docx_bytes(b))
    for block in [*b.goals, *(p for g in b.goals for p in g.parts)]:
        for text in (*block.sentences, block.preliminary):
            if text:
                assert _squash(text) in _squash(docx_text), text
                assert _squash(text) in _squash(_html_text(html_text)), text
    everything.check(docx_text.split("Nyckeltal")[0], "brief (Word)")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        parts.extend(c.text for row in t.rows for c in row.cells)
    return "\n".join(parts)


def _html_text(page: str) -> str:
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page.split("<svg")[0] + "".join(
        part.split("</svg>", 1)[-1] for part in page.split("<svg")[1:])))


def test_the_pdf_brief_states_the_same_sentences(demo, tmp_path):
    """The PDF renders the same model (checked in Word above); its text layer holds the
    sentences with their numbers and units."""
    from pypdf import PdfReader

    wh, cfg = demo
    b = brief.build(wh, cfg, f"sqlite:///{tmp_path / 'store.sqlite'}", committee="SN")
    text = _squash(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(brief.pdf_bytes(b))).pages))
    sn = b.goals[0]
    change = dict(sn.facts)["Förändring"]
    assert re.search(r"\u221216,\d %", change) and "procentenheter" in change  # relative, p.e. in brackets
    for phrase in (change.split(";")[0], sn.preliminary.split(":")[0]):
        assert _squash(phrase).replace("\u2212", "") in text.replace("\u2212", "").replace("-", ""), phrase


# --- a new builder joins the list ---------------------------------------------------------------

# What words a goal's numbers: reading these attributes (or keys) of a goal result.
GOAL_NUMBERS = {"change", "change_ci", "difference", "progress", "children_gap", "preliminary_change",
                "preliminary_difference", "preliminary_moved", "preliminary_change_before"}
# Functions that read them without wording them, and why.
NOT_WORDING = {
    "ui.goal_card._progress_and_notes": "the progress bar's length; its text comes from goal_text",
    "ui.goal_text.p_as_result": "an adapter: the preliminary result in a GoalResult's shape, no words",
    "ui.change_views.status_grid": "each area's or school's own change (a difference of shares), not a goal's",
}


def test_every_goal_number_goes_through_a_registered_builder():
    import importlib

    # a module registers its builders when it is imported: import every ui module first, whatever
    # other tests this run has (or has not) imported
    def module_of(path):  # ui/brief/model.py -> 'ui.brief.model', ui/brief/__init__.py -> 'ui.brief'
        parts = path.relative_to(ROOT).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    for path in sorted((ROOT / "ui").rglob("*.py")):
        importlib.import_module(module_of(path))
    registered = set(goal_text.BUILDERS)
    offenders = []
    files = [*sorted((ROOT / "ui").rglob("*.py")), *sorted((ROOT / "pages").glob("*.py")), ROOT / "cli.py"]
    for path in files:
        module = module_of(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            reads = {n.attr for n in ast.walk(fn) if isinstance(n, ast.Attribute)} | {
                n.slice.value for n in ast.walk(fn) if isinstance(n, ast.Subscript)
                and isinstance(n.slice, ast.Constant) and isinstance(n.slice.value, str)}
            name = f"{module}.{fn.name}"
            if reads & GOAL_NUMBERS and name not in registered and name not in NOT_WORDING:
                offenders.append(f"{name} reads {sorted(reads & GOAL_NUMBERS)}")
    assert not offenders, ("functions that word a goal's numbers must be goal_text builders (@builder): "
                           + "; ".join(offenders))
    # and the list itself is what this test exercises
    assert {"ui.goal_text.change_text", "ui.goal_text.preliminary_text", "ui.goal_text.steering_rows",
            "ui.goal_text.status_table", "ui.goal_text.scorecard_row", "ui.goal_text.trend_note",
            "ui.goal_text.gap_text"} <= registered


def test_the_old_unit_mistake_is_caught():
    """The control: the sentence the issue found ('−15,6 procentenheter' for a relative change of
    −15,6 % that is −6,5 percentage points) fails the check."""
    claims = Claims({"target": {"kind": "relative_change", "value": -20, "level": 0.335},
                     "baseline": {"value": 0.419}, "current": {"value": 0.354},
                     "change": -0.156, "difference": -0.065, "progress": 0.78})
    claims.check("35,4 % mot 41,9 % samma månader basåret, −15,6 % (−6,5 procentenheter)", "right")
    with pytest.raises(AssertionError):
        claims.check("35,4 % mot 41,9 % samma månader basåret, −15,6 procentenheter", "wrong")
    with pytest.raises(AssertionError):
        claims.check("Förändring −6,5 % (målet är −20 %)", "an absolute difference as a relative change")


def test_the_steering_page_says_what_is_due_with_and_without_a_planned_meeting():
    """A fresh-clone check read 'inget förfaller före inget möte är inplanerat': the meeting's
    date was put into the sentence whether there was one or not."""
    from datetime import date

    from ui.follow_up import due_sentence

    meeting = date(2026, 12, 10)
    assert due_sentence(0, 0, meeting) == "Inget är försenat och inget förfaller före nästa möte 2026-12-10."
    assert due_sentence(2, 1, meeting) == "**2 försenade**, 1 förfaller före nästa möte 2026-12-10."
    assert due_sentence(0, 0, None) == "Inget är försenat. Inget kommande möte är inlagt, så bara det som redan är försenat visas."
    assert due_sentence(3, 0, None) == "**3 försenade.** Inget kommande möte är inlagt, så bara det som redan är försenat visas."
    for late, upcoming in ((0, 0), (3, 0)):
        assert "före inget" not in due_sentence(late, upcoming, None)
