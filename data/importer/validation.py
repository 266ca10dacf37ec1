"""Checks a table of strings against its kind's specification and returns every problem with
file, row and column: unknown, duplicate and missing columns, a personnummer outside the id
columns, each value's type, code and range, the rules between columns and against the warehouse's
schools, duplicate keys. Personnummer in the id columns are replaced by keyed pseudonyms here.

The seam: everything is checked, and every problem collected, before anything is written; the
result is a typed canonical frame (or the problems), and nothing here writes. Row checks are
queued and run in one pass (``_Collector``); each kind of problem lists at most
``MAX_PROBLEMS_PER_CHECK`` rows and the whole list at most ``data.importer.MAX_PROBLEMS``
(``_capped``).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl

from data import personnummer, warehouse
from data.importer.mapping import Mapping
from data.importer.results import Problem, _n, _problem
from data.importer.specs import CODE_ALIASES, FALSE_WORDS, INT_RANGES, KEYS, KIND_LABELS, SPECS, TRUE_WORDS, fold
from data.domain.codes import GRADES_GRUNDSKOLA, GRADES_GYMNASIESKOLA

MAX_PROBLEMS_PER_CHECK = 20  # rows listed per kind of problem; the total is always given


class _Collector:
    """Collects problems. Row checks are queued and evaluated together in one pass (``run``);
    rows are listed only for the checks that fail."""

    def __init__(self, file_name: str):
        self.file = file_name
        self.problems: list[Problem] = []
        self.total = 0
        self._checks: list[tuple[pl.Expr, str | None, str, str | None]] = []

    def add(self, row: int | None, column: str | None, found: str, expected: str) -> None:
        self.total += 1
        self.problems.append(_problem(self.file, row, column, found, expected))

    def rows(self, bad: pl.Expr, column: str | None, expected: str, show: str | None = None) -> None:
        """Queue a check: every row where ``bad`` holds is a problem."""
        self._checks.append((bad, column, expected, show))

    def run(self, df: pl.DataFrame) -> None:
        """Evaluate the queued checks on ``df`` in one pass and record the failing rows."""
        checks, self._checks = self._checks, []
        if not checks:
            return
        flags = df.select([bad.fill_null(False).alias(f"_c{i}") for i, (bad, *_rest) in enumerate(checks)])
        counts = flags.sum().row(0)
        for i, (_bad, column, expected, show) in enumerate(checks):
            if not counts[i]:
                continue
            hits = df.filter(flags.get_column(f"_c{i}"))
            listed = hits.head(MAX_PROBLEMS_PER_CHECK)
            for r in listed.iter_rows(named=True):
                value = r.get(show) if show else None
                found = f"'{value}'" if value is not None else ""
                self.problems.append(_problem(self.file, r["_line"], column, found, expected))
            self.total += hits.height
            if hits.height > listed.height:
                self.problems.append(_problem(self.file, None, column, "",
                                              f"ytterligare {hits.height - listed.height} rader med samma fel"))


def _map_columns(df: pl.DataFrame, kind: str, mapping: Mapping, c: _Collector) -> dict[str, str]:
    """canonical -> file column. Records unknown, duplicate and missing columns."""
    by_alias = {}
    for col in SPECS[kind]:
        for name in (col.name, *col.aliases):
            by_alias[fold(name)] = col.name
    found: dict[str, str] = {}
    for file_col in df.columns:
        if file_col == "_line":
            continue
        f = fold(file_col)
        target = mapping.columns.get(f) or by_alias.get(f)
        if f in mapping.ignore:
            continue
        if target is None or target not in {s.name for s in SPECS[kind]}:
            known = ", ".join(s.name for s in SPECS[kind])
            c.add(1, file_col, "okänd kolumn", f"kända kolumner för {KIND_LABELS[kind]}: {known} "
                  f"(eller ange den i en mappningsfil)")
            continue
        if target in found:
            c.add(1, file_col, "dubblerad kolumn", f"'{target}' finns redan som '{found[target]}'")
            continue
        found[target] = file_col
    for col in SPECS[kind]:
        if col.required and col.name not in found:
            c.add(1, col.name, f"kolumnen '{col.name}' saknas",  # the column cell names it too
                  f"lägg till den (svenska namn som godtas: {', '.join(col.aliases)})")
    return found


def _maybe_personal(col: str) -> pl.Expr:
    """Native prefilter: only a value with 9 digits or an exponent can hold a personnummer, and
    not one that is a hexadecimal key as a whole (personnummer.spans passes over those too)."""
    c = pl.col(col)
    hex_key = c.str.contains(personnummer.WHOLE_HEX_PATTERN) & c.str.contains(personnummer.HEX_LETTER_PATTERN)
    return (((c.str.count_matches(r"\d") >= personnummer.PREFILTER_DIGITS) & ~hex_key)
            | c.str.contains(personnummer.SCIENTIFIC_PATTERN))


def _scan_personal(df: pl.DataFrame, skip: set[str], c: _Collector) -> None:
    """A personnummer, or a number that may be one (other separators, exponential form, a lost
    leading zero), in any column other than the id columns rejects the file."""
    cols = [col for col in df.columns if col not in skip and col != "_line"]
    if not cols:
        return
    # A column whose longest value is shorter than MIN_CANDIDATE_CHARS holds no candidate (neither
    # 9 digits nor the shortest exponent form, '1.2e+8'): minutes, grades and codes are skipped
    # after one length pass. The others are checked on their distinct values, natively, and the
    # regex in Python runs only for the few values that pass.
    longest = df.select([pl.col(col).str.len_bytes().max().alias(col) for col in cols]).row(0)
    for col, n in zip(cols, longest, strict=True):
        if n is None or n < MIN_CANDIDATE_CHARS:
            continue
        values = _personal_candidates(df, col)
        bad_values = [v for v in values if personnummer.find(v)]
        if not bad_values:
            continue
        bad = df.select("_line", col).filter(pl.col(col).is_in(bad_values)).rows()  # in file order
        for line, value in bad[:MAX_PROBLEMS_PER_CHECK]:
            c.add(line, col, f"'{value}'", "ett personnummer (eller ett tal som kan vara ett, t.ex. i "
                  "exponentform eller utan inledande nolla) får inte förekomma i den här kolumnen; ta bort "
                  "det (bara id-kolumnerna pseudonymiseras)")
        if len(bad) > MAX_PROBLEMS_PER_CHECK:
            c.problems.append(Problem(c.file, None, personnummer.mask(col), "",
                                      f"ytterligare {len(bad) - MAX_PROBLEMS_PER_CHECK} rader med personnummer"))
            c.total += len(bad) - MAX_PROBLEMS_PER_CHECK


MIN_CANDIDATE_CHARS = 6  # len('1.2e+8'): a shorter value holds no personnummer-like number


def _personal_candidates(df: pl.DataFrame, col: str) -> list[str]:
    """The distinct values of a column that may hold a personnummer (the native prefilter run on
    distinct values: a pupil column at ×1 has 15 million rows but 300,000 values)."""
    values = df.get_column(col).drop_nulls().unique().to_frame()
    return values.filter(_maybe_personal(col)).get_column(col).to_list()


def _pseudonymise(df: pl.DataFrame, col: str, c: _Collector, file_col: str) -> tuple[pl.DataFrame, str | None]:
    """Replace personnummer in an id column by keyed pseudonyms; other ids stay as they are.

    Every spelling that normalises (Unicode dashes and spaces, Excel's ="…") is pseudonymised;
    an id that holds a personnummer-like number in any other form is a problem, never stored."""
    distinct = _personal_candidates(df, col)
    normalised, unusable = {}, []
    for v in distinct:
        if n := personnummer.normalise(v):
            normalised[v] = n
        elif personnummer.find(v):
            unusable.append(v)
    if unusable:
        lines = df.filter(pl.col(col).is_in(unusable)).select("_line", col)
        for line, value in lines.head(MAX_PROBLEMS_PER_CHECK).iter_rows():
            c.add(line, file_col, f"'{value}'", "id:t innehåller ett personnummer i en form som inte kan "
                  "tolkas säkert (t.ex. annat skiljetecken, bokstäver eller exponentform); skriv det som "
                  "ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN")
        if lines.height > MAX_PROBLEMS_PER_CHECK:
            c.add(None, file_col, "", f"ytterligare {lines.height - MAX_PROBLEMS_PER_CHECK} rader med samma fel")
    if not normalised:
        return df, None
    try:
        key = personnummer.key_from_env()
    except personnummer.WeakKey as exc:
        c.add(None, file_col, "", str(exc))
        return df, None
    if key is None:
        c.add(None, file_col, "", str(personnummer.MissingKey()))
        return df, None
    secret, version = key
    mapping = pl.DataFrame({col: list(normalised), "_pseudo": [personnummer.pseudonym(n, secret)
                                                                for n in normalised.values()]})
    out = df.join(mapping, on=col, how="left").with_columns(
        pl.coalesce("_pseudo", col).alias(col)).drop("_pseudo")
    return out, version


def _known_schools(path: Path | None) -> pl.DataFrame:
    schools = pl.DataFrame(schema={"school_id": pl.String, "school_form": pl.String})
    if path is not None and Path(path).exists():
        schools = warehouse.Warehouse(path).sql("SELECT school_id, school_form FROM schools")
    return schools


_DTYPES = {"int": pl.Int64, "date": pl.Date, "month": pl.Date, "bool": pl.Boolean}


def _parse_int(v: str) -> float | None:
    """'4 400', '4400,0', '4400.0' -> 4400.0 (a float so that '12,5' can be told apart)."""
    t = re.sub(r"[\s\u00a0\u202f]", "", v).replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", t):
        return None
    return float(t)


_MIDNIGHT = re.compile(r"[ T]00:00:00(\.0+)?$")


def _parse_date(v: str) -> date | None:
    t = _MIDNIGHT.sub("", v.strip())
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        return None
    try:
        return date.fromisoformat(t)
    except ValueError:
        return None


def _parse_month(v: str) -> date | None:
    t = _MIDNIGHT.sub("", v.strip())
    if re.fullmatch(r"\d{4}-\d{2}", t):
        t += "-01"
    d = _parse_date(t)
    return d if d is not None and d.day == 1 else None


def _parse_bool(v: str) -> bool | None:
    f = v.strip().lower()
    return True if f in TRUE_WORDS else False if f in FALSE_WORDS else None


def _parse_grade(v: str) -> str | None:
    g = re.sub(r"^(ÅK|AK|ÅRSKURS|ARSKURS)\s*", "", v.strip().upper())
    return "F" if g in ("F", "FK", "F-KLASS", "FÖRSKOLEKLASS", "0") else (g or None)


def _by_distinct(df: pl.DataFrame, column: str, parse, dtype,
                 native: tuple[pl.Expr, pl.Expr] | None = None) -> tuple[pl.Expr, list[str]]:
    """Parse each distinct spelling once in Python and map the column with the result.

    ``native``: (which values are canonical, their parsed value), both expressions on the column:
    canonical spellings ('4400', '2024-09', 'flicka') are parsed natively and only the others go
    through ``parse`` (a canonical file has none, and no column is then mapped value by value).
    Returns the expression and the blank spellings (whitespace only: counted as missing)."""
    col = pl.col(column)
    others = df.get_column(column).drop_nulls()
    if native is not None:
        canonical, value = native
        others = df.select(col).filter(col.is_not_null() & ~canonical).get_column(column)
    distinct = others.unique().to_list()
    blanks = [v for v in distinct if not v.strip()]
    mapping = {v: r for v in distinct if v.strip() and (r := parse(v)) is not None}
    mapped = col.replace_strict(mapping, default=None, return_dtype=dtype)
    if native is None:
        return mapped, blanks
    return pl.when(canonical).then(value).otherwise(mapped if mapping else None), blanks


# A grade is its own value when it is written as one of the grades: 'F', '1'-'9'.
_GRADES_AS_WRITTEN = tuple(dict.fromkeys(g for g in (*GRADES_GRUNDSKOLA, *GRADES_GYMNASIESKOLA)
                                         if _parse_grade(g) == g))


def _native(kind: str, column: str, direct: tuple[str, ...] = ()) -> tuple[pl.Expr, pl.Expr] | None:
    """(is canonical, parsed value) for the spellings a type's Python parser would read the same
    way: whole numbers of up to 15 digits, months and dates of 1900-2099 in ISO form (polars gives
    null for 2024-02-30, as date.fromisoformat refuses it), and ``direct``: values that are their
    own code. Example: '4400' -> 4400.0, '2024-09' -> 2024-09-01, 'flicka' -> 'flicka'."""
    c = pl.col(column)
    ymd = r"(?:19|20)\d{2}-(?:0[1-9]|1[0-2])"
    if kind == "int":
        return c.str.contains(r"^-?\d{1,15}$"), c.cast(pl.Int64, strict=False).cast(pl.Float64)
    if kind == "month":
        return c.str.contains(f"^{ymd}$"), (c + "-01").str.to_date("%Y-%m-%d", strict=False)
    if kind == "date":
        return c.str.contains(f"^{ymd}-(?:0[1-9]|[12]\\d|3[01])$"), c.str.to_date("%Y-%m-%d", strict=False)
    if kind == "grade":
        direct = _GRADES_AS_WRITTEN
    if direct:
        return c.is_in(list(direct)), c
    return None


def _validate(kind: str, raw: pl.DataFrame, file_col: dict[str, str], mapping: Mapping,
              c: _Collector, schools: pl.DataFrame, today: date) -> pl.DataFrame:
    """Typed canonical frame; records every problem in ``c``.

    One pass parses every column (keeping the file's text as ``_raw_<name>`` for messages), then
    all checks are evaluated together in a second pass (``_Collector.run``).
    """
    specs = {s.name: s for s in SPECS[kind]}
    df = raw.select(pl.col("_line"), *[pl.col(fc).alias(f"_raw_{name}") for name, fc in file_col.items()])
    parsers = {"int": (_parse_int, pl.Float64), "date": (_parse_date, pl.Date),
               "month": (_parse_month, pl.Date), "bool": (_parse_bool, pl.Boolean),
               "grade": (_parse_grade, pl.String)}
    parsed, blanks = [], {}
    for name, spec in specs.items():
        rawc = f"_raw_{name}"
        if rawc not in df.columns:  # an optional column the file does not have
            parsed.append(pl.lit(None, _DTYPES.get(spec.type, pl.String)).alias(name))
            continue
        if spec.type in parsers:
            expr, blanks[name] = _by_distinct(df, rawc, *parsers[spec.type], native=_native(spec.type, rawc))
        elif spec.type == "code":
            aliases = {**CODE_ALIASES.get(name, {}), **mapping.values.get(name, {})}

            def to_code(v, aliases=aliases, codes=spec.codes):
                code = aliases.get(fold(v), fold(v))
                return code if code in codes else None

            # a code written as itself, and not an alias of another one, is its own value
            direct = tuple(code for code in spec.codes if to_code(code) == code)
            expr, blanks[name] = _by_distinct(df, rawc, to_code, pl.String, native=_native("code", rawc, direct))
        else:  # text and ids: surrounding spaces dropped, blank = missing
            # (stripped only when some value has them: a copy of 15 million ids costs seconds)
            padded = df.select(pl.col(rawc).str.contains(r"^\s|\s$").any()).item()
            text = pl.col(rawc).str.strip_chars() if padded else pl.col(rawc)
            expr, blanks[name] = pl.when(text == "").then(None).otherwise(text), []
        parsed.append(expr.alias(name))
    typed = df.with_columns(parsed)
    for name, spec in specs.items():
        rawc = f"_raw_{name}"
        if rawc not in typed.columns:
            continue
        fc, col = file_col[name], pl.col(name)
        got = pl.col(rawc).is_not_null() & ~pl.col(rawc).is_in(blanks.get(name, []))
        if spec.required:
            c.rows(~got | col.is_null() & (spec.type == "text"), fc,
                   f"värde saknas – förväntat {spec.expected or 'ett värde'}")
        if spec.type == "int":
            c.rows(got & col.is_null(), fc, f"förväntat {spec.expected}", show=rawc)
            c.rows(col.is_not_null() & (col != col.round(0)), fc, f"förväntat ett heltal ({spec.expected})", show=rawc)
            low, high = INT_RANGES.get(name, (0, 2_000_000_000))
            c.rows(col < 0, fc, f"negativt värde – förväntat {spec.expected}", show=rawc)
            c.rows((col > high) | (col < low) & (col >= 0), fc,
                   f"värdet ligger utanför det rimliga intervallet {low}–{high} ({spec.expected})", show=rawc)
        elif spec.type in ("date", "month"):
            c.rows(got & col.is_null(), fc, f"förväntat {spec.expected}", show=rawc)
            c.rows(col > pl.lit(today), fc, "datumet ligger i framtiden", show=rawc)
        elif spec.type == "bool":
            c.rows(got & col.is_null(), fc, "förväntat ja eller nej", show=rawc)
        elif spec.type == "code":
            c.rows(got & col.is_null(), fc, f"okänd kod – förväntat en av {', '.join(spec.codes)}", show=rawc)
    typed = typed.with_columns([pl.col(n).round(0).cast(pl.Int64) for n, sp in specs.items()
                                if sp.type == "int" and f"_raw_{n}" in typed.columns])
    typed = _row_rules(kind, typed, file_col, c, schools, today)
    c.run(typed)
    _duplicates(kind, typed, file_col, c)
    return typed.drop([col for col in typed.columns if col.startswith("_raw_")] + ["_form"], strict=False)


def _row_rules(kind: str, df: pl.DataFrame, fc: dict[str, str], c: _Collector,
               schools: pl.DataFrame, today: date) -> pl.DataFrame:
    """Queue the checks that involve several columns or the warehouse; returns the frame with
    the school form of each row's school (``_form``) for those checks."""
    col = pl.col
    if "school_id" in df.columns and kind != "schools":
        # a lookup in the (small) school register, not a join: a join would copy every column
        forms = dict(zip(schools["school_id"].to_list(), schools["school_form"].to_list(), strict=True))
        df = df.with_columns(col("school_id").replace_strict(forms, default=None, return_dtype=pl.String)
                             .alias("_form"))
        c.rows(col("school_id").is_not_null() & col("_form").is_null(), fc.get("school_id"),
               "okänt skolenhets-id – importera skolenheterna först", show="school_id")
    if kind == "population":
        c.rows(col("age_to") < col("age_from"), fc["age_to"], "ålder till är lägre än ålder från", show="age_to")
        c.rows(col("year") > today.year, fc["year"], "året ligger i framtiden", show="year")
    if kind == "absence":
        c.rows(col("absent_minutes") > col("scheduled_minutes"), fc["absent_minutes"],
               "frånvaron är större än den schemalagda tiden", show="_raw_absent_minutes")
        if "invalid_absent_minutes" in fc:
            c.rows(col("invalid_absent_minutes") > col("absent_minutes"), fc["invalid_absent_minutes"],
                   "den ogiltiga frånvaron är större än hela frånvaron", show="_raw_invalid_absent_minutes")
        c.rows(col("month").dt.month() == 7, fc["month"],
               "juli ligger utanför terminerna (HT augusti–december, VT januari–juni)", show="_raw_month")
        grund_ok = col("grade").is_in(list(GRADES_GRUNDSKOLA))
        gym_ok = col("grade").is_in(list(GRADES_GYMNASIESKOLA))
        ok = pl.when(col("_form") == "gymnasieskola").then(gym_ok).when(col("_form") == "grundskola").then(grund_ok) \
            .otherwise(grund_ok | gym_ok)
        c.rows(col("grade").is_not_null() & ~ok, fc["grade"],
               "okänd årskurs för skolformen – förväntat F eller 1–9 (gymnasieskola 1–4)", show="_raw_grade")
        c.rows(col("_form") == "forskola", fc["school_id"], "frånvaro redovisas inte för förskolor", show="school_id")
    if kind == "reports":
        c.rows(col("decision_date") < col("received_date"), fc.get("decision_date"),
               "beslutet är daterat före att anmälan inkom", show="_raw_decision_date")
        c.rows(col("feedback_date") < col("received_date"), fc.get("feedback_date"),
               "återkopplingen är daterad före att anmälan inkom", show="_raw_feedback_date")
        if "reporter_attended" in fc and "meeting_held" in fc:
            c.rows(col("reporter_attended") & col("meeting_held").not_(), fc["reporter_attended"],
                   "anmälaren kan inte ha deltagit i ett möte som inte hölls", show="_raw_reporter_attended")
    if kind == "interventions":
        c.rows(col("end_date") < col("start_date"), fc.get("end_date"),
               "insatsen slutar före den startar", show="_raw_end_date")
    return df


def _duplicates(kind: str, df: pl.DataFrame, fc: dict[str, str], c: _Collector) -> None:
    """Rows whose key occurs more than once in the file (hash first, then exact on candidates)."""
    keys = list(KEYS[kind])
    # one hash per column, combined: a collision only adds a candidate for the exact check below
    combined = pl.lit(0, pl.UInt64)
    for i, k in enumerate(keys):
        combined = combined ^ pl.col(k).hash(seed=i + 1)  # another seed per column
    hashed = df.select(combined.alias("h"))["h"]
    if hashed.n_unique() == df.height:  # the common case, and cheap: no two rows share a key
        return
    candidates = df.filter(hashed.is_duplicated())
    dup = candidates.filter(pl.struct(keys).is_duplicated()
                            & pl.all_horizontal(pl.col(k).is_not_null() for k in keys if k != "area"))
    for r in dup.head(MAX_PROBLEMS_PER_CHECK).iter_rows(named=True):
        shown = ", ".join(str(r[k]) for k in keys)
        c.add(r["_line"], fc.get(keys[0]), f"'{shown}'", f"dubblett: samma {' + '.join(keys)} förekommer flera "
              "gånger i filen")
    if dup.height > MAX_PROBLEMS_PER_CHECK:
        c.add(None, fc.get(keys[0]), "", f"ytterligare {dup.height - MAX_PROBLEMS_PER_CHECK} dubbletter")


def _capped(problems: list[Problem], total: int) -> list[Problem]:
    """At most MAX_PROBLEMS problems, and a closing line that says how many more there were."""
    # Read from the package at each call, never imported into this module: the limit's one binding
    # is ``data.importer.MAX_PROBLEMS``, its public name, and lowering it there (a test does, with
    # monkeypatch) must reach this check; a copy bound here at import would not see that.
    from data import importer

    cap = importer.MAX_PROBLEMS
    if len(problems) <= cap:
        return problems
    file = problems[0].file
    return problems[:cap] + [Problem(file, None, None, "", f"ytterligare {_n(total - cap)} fel "
                                     "visas inte; rätta de första och försök igen")]
