"""Validated, atomic, idempotent import of extracts from the school and social-services systems.

    plan = prepare(kind, data, file_name, warehouse_path, mapping)   # reads and validates
    if plan.problems: show them – nothing has changed
    else: apply(plan, warehouse_path)                                  # one atomic swap

* Files: CSV (UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252; comma, semicolon or
  tab separated; decimal comma or point) and .xlsx. Bytes that are invalid in the detected
  encoding are an error, never decoded silently.
* Validation collects every problem – file, row, column, what was found (masked when it may be
  personal) and what is expected – before anything is written.
* Personnummer in the id columns are normalised and replaced by a keyed pseudonym; one anywhere
  else rejects the file. No message contains a raw number.
* The warehouse is replaced atomically (data.warehouse.write): either exactly as before or fully
  updated. The same file twice changes nothing; a corrected file for a period replaces that
  period's rows.
"""

from __future__ import annotations

import getpass
import hashlib
import io
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import yaml

from data import external, peers, personnummer, settings, warehouse, xlsx
from data.warehouse import (
    COMMITTEES,
    DECISIONS,
    GENDERS,
    GRADES_GRUNDSKOLA,
    GRADES_GYMNASIESKOLA,
    INTERVENTION_TYPES,
    OPERATORS,
    REPORTER_CATEGORIES,
    SCHOOL_FORMS,
)

MAX_PROBLEMS_PER_CHECK = 20  # rows listed per kind of problem; the total is always given
MAX_PROBLEMS = 200  # problems listed in all; the rest are counted in one closing line

# Limits checked before any per-column or per-row work (IMPORT.md, "Limits"); file size, rows
# and the unpacked size of an .xlsx are settings (data/settings.py).
MAX_COLUMNS = 200
MAX_HEADER_BYTES = 10_000
MAX_LINE_BYTES = 100_000
MAX_CELL_CHARS = 4_000
MAX_XLSX_RATIO = xlsx.MAX_RATIO  # unpacked size / packed size of any part of an .xlsx
# Integers outside these ranges are implausible or would not fit the warehouse's columns.
INT_RANGES = {
    "year": (1900, 2100), "age_from": (0, 120), "age_to": (0, 120), "residents": (0, 100_000_000),
    "age": (0, 20),
    # a month has at most 31 x 24 x 60 = 44,640 minutes
    "scheduled_minutes": (0, 44_640), "absent_minutes": (0, 44_640), "invalid_absent_minutes": (0, 44_640),
}


# --- column specifications -----------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str  # canonical
    aliases: tuple[str, ...]  # Swedish names accepted too
    type: str  # text | id | int | date | month | bool | code | grade
    required: bool = True
    codes: tuple[str, ...] = ()
    expected: str = ""  # Swedish: what a valid value looks like


def _yesno(name, aliases, required=False):
    return Column(name, aliases, "bool", required, expected="ja eller nej")


SPECS: dict[str, tuple[Column, ...]] = {
    "schools": (
        Column("school_id", ("skolenhet_id", "skolenhetskod"), "text", expected="ett skolenhets-id"),
        Column("school_name", ("skolenhet", "namn"), "text", expected="skolenhetens namn"),
        Column("school_form", ("skolform",), "code", codes=SCHOOL_FORMS),
        Column("area", ("område", "omrade"), "text", expected="ett område"),
        Column("operator", ("huvudman",), "code", codes=OPERATORS),
    ),
    "population": (
        Column("year", ("år", "ar"), "int", expected="ett årtal"),
        Column("area", ("område", "omrade"), "text", required=False),
        Column("age_from", ("ålder_från", "alder_fran"), "int", expected="en ålder 0–120"),
        Column("age_to", ("ålder_till", "alder_till"), "int", expected="en ålder 0–120"),
        Column("residents", ("antal", "invånare"), "int", expected="ett antal, 0 eller mer"),
    ),
    "absence": (
        Column("pupil_id", ("elev_id", "elev"), "id", expected="ett elev-id eller personnummer"),
        Column("school_id", ("skolenhet_id", "skolenhetskod"), "text", expected="ett känt skolenhets-id"),
        Column("grade", ("årskurs", "arskurs"), "grade", expected="F eller 1–9 (gymnasieskola 1–4)"),
        Column("gender", ("kön", "kon"), "code", codes=GENDERS),
        Column("month", ("månad", "manad"), "month", expected="en månad som 2024-09"),
        Column("scheduled_minutes", ("schemalagd_tid_min", "schemalagd_tid"), "int",
               expected="minuter, 0 eller mer"),
        Column("absent_minutes", ("frånvaro_min", "franvaro_min", "frånvaro"), "int",
               expected="minuter, 0 eller mer"),
        Column("invalid_absent_minutes", ("ogiltig_frånvaro_min", "ogiltig_franvaro_min", "ogiltig_frånvaro"),
               "int", required=False, expected="minuter, 0 eller mer"),
    ),
    "reports": (
        Column("report_id", ("anmälan_id", "anmalan_id"), "text", expected="ett anmälnings-id"),
        Column("child_id", ("barn_id", "barn"), "id", expected="ett barn-id eller personnummer"),
        Column("received_date", ("inkom_datum", "inkommen"), "date", expected="ett datum som 2024-09-15"),
        Column("gender", ("kön", "kon"), "code", required=False, codes=GENDERS),
        Column("age", ("ålder", "alder"), "int", required=False, expected="en ålder 0–20"),
        Column("reporter_category", ("anmälarkategori", "anmalarkategori"), "code", codes=REPORTER_CATEGORIES),
        Column("school_id", ("skolenhet_id",), "text", required=False),
        Column("area", ("område", "omrade"), "text", required=False),
        Column("decision", ("beslut",), "code", codes=DECISIONS),
        Column("decision_date", ("beslutsdatum",), "date", required=False, expected="ett datum som 2024-09-15"),
        _yesno("feedback_given", ("återkoppling", "aterkoppling")),
        Column("feedback_date", ("återkopplingsdatum", "aterkopplingsdatum"), "date", required=False,
               expected="ett datum som 2024-09-15"),
        _yesno("meeting_held", ("anmälningsmöte", "anmalningsmote")),
        _yesno("reporter_attended", ("anmälare_deltog", "anmalare_deltog")),
    ),
    "interventions": (
        Column("intervention_id", ("insats_id",), "text", expected="ett insats-id"),
        Column("child_id", ("barn_id", "barn"), "id", expected="ett barn-id eller personnummer"),
        Column("intervention_type", ("insatstyp",), "code", codes=INTERVENTION_TYPES),
        Column("committee", ("nämnd", "namnd"), "code", codes=COMMITTEES),
        Column("start_date", ("startdatum",), "date", expected="ett datum som 2024-09-15"),
        Column("end_date", ("slutdatum",), "date", required=False, expected="ett datum som 2024-09-15"),
        Column("school_id", ("skolenhet_id",), "text", required=False),
    ),
}
# The municipality's own extracts (CSV or Excel, SPECS) and external figures for comparisons
# (JSON files in each source's own shape, data.external).
KINDS = (*SPECS, *external.KINDS)
KIND_LABELS = {"schools": "skolenheter", "population": "befolkning", "absence": "frånvaro",
               "reports": "orosanmälningar", "interventions": "insatser", **external.KIND_LABELS}
KEYS = {"schools": ("school_id",), "population": ("year", "area", "age_from", "age_to"),
        "absence": ("pupil_id", "school_id", "month"), "reports": ("report_id",),
        "interventions": ("intervention_id",)}

# Common spellings of code values (after folding: lower case, å/ä -> a, ö -> o, spaces -> _).
CODE_ALIASES: dict[str, dict[str, str]] = {
    "gender": {"f": "flicka", "k": "flicka", "kvinna": "flicka", "flickor": "flicka", "girl": "flicka",
               "p": "pojke", "m": "pojke", "man": "pojke", "pojkar": "pojke", "boy": "pojke",
               "x": "annat", "ovrigt": "annat", "annan": "annat"},
    "school_form": {"fsk": "forskola", "gr": "grundskola", "gy": "gymnasieskola", "gymnasium": "gymnasieskola"},
    "operator": {"kommun": "kommunal", "enskild": "fristaende", "fristaende_huvudman": "fristaende",
                 "friskola": "fristaende", "privat": "fristaende"},
    "reporter_category": {"skolan": "skola", "grundskola": "skola", "gymnasieskola": "skola",
                          "elevhalsan": "elevhalsa", "skolhalsovard": "elevhalsa",
                          "skolhalsovarden": "elevhalsa", "elevhalsa/skolhalsovard": "elevhalsa",
                          "halso-_och_sjukvard": "halso_och_sjukvard", "sjukvard": "halso_och_sjukvard",
                          "vard": "halso_och_sjukvard", "socialtjansten": "socialtjanst",
                          "privatperson/anhorig": "privatperson", "anhorig": "privatperson",
                          "polisen": "polis", "ovrig": "annan", "ovriga": "annan"},
    "decision": {"inleds": "utredning_inleds", "utredning": "utredning_inleds",
                 "inleds_ej": "utredning_inleds_ej", "ingen_utredning": "utredning_inleds_ej",
                 "pagaende": "pagaende_utredning", "ej_bedomd_annu": "ej_bedomd", "obedomd": "ej_bedomd"},
    "intervention_type": {"skolsocialt": "skolsocialt_team", "stärka": "starka",
                          "foraldrastod": "foraldraskapsstod", "narvaro": "narvaroteam",
                          "samordnad_individuell_plan": "sip", "utan_individuell_behovsprovning": "utan_behovsprovning"},
    "committee": {"socialnamnden": "sn", "barn-_och_utbildningsnamnden": "bun", "bun_och_sn": "gemensam"},
}
TRUE_WORDS = {"ja", "j", "1", "true", "sant", "yes", "y", "x"}
FALSE_WORDS = {"nej", "n", "0", "false", "falskt", "no"}


def fold(text: str) -> str:
    """Lower case, å/ä -> a, ö -> o, other accents dropped, spaces and dashes -> '_'."""
    t = text.strip().lower().replace("å", "a").replace("ä", "a").replace("ö", "o")
    t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode()
    return re.sub(r"[\s]+", "_", t)


# --- results -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None  # line in the file (header = 1); None for the whole file
    column: str | None  # as named in the file
    found: str  # masked
    expected: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"rad {self.row}")
        if self.column is not None:
            where.append(f"kolumn '{self.column}'")
        found = f": {self.found}" if self.found else ""
        return f"{', '.join(where)}{found} – {self.expected}"


@dataclass
class Plan:
    kind: str
    file_name: str
    file_hash: str
    rows: pl.DataFrame | None  # canonical, validated, pseudonymised
    problems: list[Problem] = field(default_factory=list)
    problem_total: int = 0  # problems found, including those not listed
    already_imported: bool = False
    period: str = ""
    changes: pl.DataFrame | None = None  # per period: rows added and replaced
    key_version: str | None = None
    data_until: date | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.already_imported


class ImportRefused(Exception):
    """Raised by apply() for a plan with problems."""


# --- reading -------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name). UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252.

    Raises ValueError (Swedish) naming the line and byte when the bytes are not valid text.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8"), "UTF-8 med BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(data):
            # Valid UTF-8 characters beside invalid bytes: a damaged UTF-8 file, not Windows-1252
            # (guessing would turn 'Söder' into 'SÃ¶der').
            line = data[:exc.start].count(b"\n") + 1
            raise ValueError(f"rad {line}, byte {exc.start + 1}: ogiltig byte 0x{data[exc.start]:02x} "
                             "i en fil som annars är UTF-8. Filen är skadad eller blandar teckenkodningar; "
                             "spara om den som UTF-8.") from None
    return _strict(data, "cp1252"), "Windows-1252"


# A valid UTF-8 multi-byte character (2, 3 or 4 bytes).
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ValueError(f"rad {line}: ogiltiga tecken (byte 0x{data[exc.start]:02x}) för "
                         f"teckenkodningen {encoding}. Spara filen som UTF-8 eller Windows-1252.") from None


def _sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    return max(counts, key=counts.get) if max(counts.values()) > 0 else ";"


def _n(x: float) -> str:
    """12345 -> '12 345' for messages."""
    return f"{x:,.0f}".replace(",", "\u00a0")


def _longest_line(data: bytes, chunk: int = 1 << 26) -> int:
    """Length in bytes of the longest line (numpy over 64 MB chunks: C speed, bounded memory)."""
    import numpy as np

    arr = np.frombuffer(data, dtype=np.uint8)
    longest, last = 0, -1
    for off in range(0, arr.size, chunk):
        nl = np.flatnonzero(arr[off:off + chunk] == 10) + off
        if nl.size:
            longest = max(longest, int(nl[0]) - last - 1, int(np.diff(nl).max()) - 1 if nl.size > 1 else 0)
            last = int(nl[-1])
    return max(longest, arr.size - last - 1)


def _xlsx_limits(data: bytes, max_unpacked: int) -> list[str]:
    """The unpacked size and compression ratio of an .xlsx, read from the zip directory only."""
    d = xlsx.directory(data)
    if d is None:
        return ["filen ser ut som en Excelfil men är skadad (ogiltig zip-fil); spara om den i Excel"]
    problems = []
    if d.unpacked > max_unpacked:
        problems.append(f"Excelfilen packas upp till {_n(d.unpacked / 1e6)} MB, mer än gränsen "
                        f"{_n(max_unpacked / 1e6)} MB (SAMVERKAN_IMPORT_XLSX_MAX_MB); dela upp filen eller "
                        "spara den som CSV")
    if d.worst_ratio > MAX_XLSX_RATIO:
        problems.append(f"en del av Excelfilen är komprimerad {_n(d.worst_ratio)} gånger (högst {MAX_XLSX_RATIO} "
                        "godtas); filen kan vara en så kallad zip-bomb och läses inte")
    return problems


def check_limits(data: bytes) -> list[str]:
    """Swedish messages for every limit a file breaks; checked on the bytes before any parsing.

    Cheap by construction: the file size, a count of newlines, the header line, the longest line
    (numpy) and, for .xlsx, the zip directory."""
    from data import settings

    max_bytes, max_rows, max_xlsx = settings.import_limits()
    if len(data) > max_bytes:
        return [f"filen är {_n(len(data) / 1e6)} MB, mer än gränsen {_n(max_bytes / 1e6)} MB "
                "(SAMVERKAN_IMPORT_MAX_MB); dela upp den per period"]
    if data[:4] == b"PK\x03\x04":
        return _xlsx_limits(data, max_xlsx)
    wide = 2 if data.startswith((b"\xff\xfe", b"\xfe\xff")) else 1  # UTF-16: two bytes a character
    problems = []
    newline = data.find(b"\n", 0, MAX_HEADER_BYTES * wide + 1)
    header = data[:newline if newline >= 0 else len(data)]
    if len(header) > MAX_HEADER_BYTES * wide:
        return [f"rubrikraden är längre än {_n(MAX_HEADER_BYTES)} tecken; kontrollera att det är rätt fil "
                "och att raderna slutar med radbrytningar"]
    text = header.decode("utf-16" if wide == 2 else "utf-8", errors="replace")
    columns = max(text.count(sep) for sep in (";", ",", "\t")) + 1
    if columns > MAX_COLUMNS:
        problems.append(f"rubrikraden har {_n(columns)} kolumner; högst {MAX_COLUMNS} godtas")
    rows = data.count(b"\n")
    if rows > max_rows:
        problems.append(f"filen har {_n(rows)} rader, fler än gränsen {_n(max_rows)} (SAMVERKAN_IMPORT_MAX_ROWS); "
                        "dela upp den per period")
    longest = _longest_line(data)
    if longest > MAX_LINE_BYTES * wide:
        problems.append(f"en rad är {_n(longest // wide)} tecken lång; högst {_n(MAX_LINE_BYTES)} godtas")
    return problems


def read_table(data: bytes) -> tuple[pl.DataFrame, str]:
    """All cells as strings (empty -> null) and a description of the format."""
    if data[:4] == b"PK\x03\x04":  # .xlsx is a zip file
        df = pl.read_excel(io.BytesIO(data), engine="calamine", infer_schema_length=0, raise_if_empty=False)
        return df.with_columns(pl.all().cast(pl.String)), "Excel (.xlsx)"
    names = {";": "semikolon", ",": "komma", "\t": "tabb"}
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and _is_utf8(data):
        # Valid UTF-8 (with or without BOM) goes to polars as it is (polars itself would replace
        # invalid bytes silently, hence the check); anything else is decoded strictly below.
        head = data[:4096].split(b"\n", 1)[0].decode("utf-8", errors="replace")
        sep = _sniff_separator(head)
        return _read_csv(data, sep), f"CSV, UTF-8, {names[sep]}separerad"
    text, encoding = decode(data)
    sep = _sniff_separator(text.split("\n", 1)[0])
    return _read_csv(text.encode("utf-8"), sep), f"CSV, {encoding}, {names[sep]}separerad"


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _read_csv(data: bytes, sep: str) -> pl.DataFrame:
    try:
        return pl.read_csv(data, separator=sep, infer_schema=False, has_header=True, quote_char='"',
                           truncate_ragged_lines=False, raise_if_empty=False, encoding="utf8")
    except pl.exceptions.ComputeError as exc:
        raise ValueError(f"filen kunde inte läsas som CSV ({_first_line(exc)}). Kontrollera att "
                         f"varje rad har lika många fält som rubrikraden.") from None


def _first_line(exc: Exception) -> str:
    return personnummer.mask(str(exc).splitlines()[0])[:200]


# --- mapping -------------------------------------------------------------------------------

MAX_MAPPING_BYTES = 100_000  # a mapping file is a few kB; checked before it is parsed


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)  # file column (folded) -> canonical
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical column -> {folded: code}
    ignore: tuple[str, ...] = ()  # folded file columns to leave out (still scanned for personnummer)

    @classmethod
    def load(cls, path_or_text: Path | str | None) -> Mapping:
        if path_or_text is None:
            return cls()
        text = Path(path_or_text).read_text(encoding="utf-8") if isinstance(path_or_text, Path) else path_or_text
        if len(text.encode("utf-8")) > MAX_MAPPING_BYTES:
            raise ValueError(f"Mappningsfilen är {_n(len(text.encode('utf-8')) / 1000)} kB; högst "
                             f"{_n(MAX_MAPPING_BYTES / 1000)} kB godtas.")
        try:
            raw = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:  # the parser quotes the file: masked like every value from it
            raise ValueError(f"Mappningsfilen är inte giltig YAML: {personnummer.mask(str(exc))}") from None
        if not isinstance(raw, dict) or set(raw) - {"kind", "columns", "values", "ignore", "description"}:
            raise ValueError("Mappningsfilen får bara innehålla description, kind, columns, values och ignore.")
        return cls(
            columns={fold(k): v for k, v in (raw.get("columns") or {}).items()},
            values={col: {fold(str(k)): str(v) for k, v in vals.items()} for col, vals in (raw.get("values") or {}).items()},
            ignore=tuple(fold(c) for c in raw.get("ignore") or ()),
        )


# --- validation ----------------------------------------------------------------------------

def _problem(file: str, row: int | None, column: str | None, found: str, expected: str) -> Problem:
    """A problem with everything that comes from the file masked (column names, values)."""
    return Problem(personnummer.mask(file), row, personnummer.mask(column) if column is not None else None,
                   personnummer.mask(found), personnummer.mask(expected))


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


# --- plan and apply ------------------------------------------------------------------------

def _period_of(kind: str, df: pl.DataFrame) -> str:
    """The file's period as text: '2024-09', '2024-08–2025-06', '2024' (schools: empty). An en
    dash, never '..', which the pages keep for a value that is not shown."""
    if kind in ("absence", "reports", "interventions"):
        column = {"absence": "month", "reports": "received_date", "interventions": "start_date"}[kind]
        months = df[column].dt.truncate("1mo").unique().dt.strftime("%Y-%m")
    elif kind == "population":
        ys = sorted(set(df["year"].to_list()))
        return (f"{ys[0]}" if len(ys) == 1 else f"{ys[0]}–{ys[-1]}") if ys else ""
    else:
        return ""
    ms = months.drop_nulls().unique().sort().to_list()
    if not ms:
        return ""
    return ms[0] if len(ms) == 1 else f"{ms[0]}–{ms[-1]}"


def prepare(kind: str, data: bytes, file_name: str, db: Path | None, mapping: Mapping | None = None,
            today: date | None = None) -> Plan:
    """Read and validate a file against the warehouse at ``db``; change nothing."""
    if kind not in KINDS:
        raise ValueError(f"Okänd typ '{kind}'. Välj en av: {', '.join(KINDS)}.")
    today = today or date.today()
    mapping = mapping or Mapping()
    digest = hashlib.sha256(data).hexdigest()
    file_name = personnummer.mask(file_name)  # the name is shown and stored in the ledger
    plan = Plan(kind=kind, file_name=file_name, file_hash=digest, rows=None)
    c = _Collector(file_name)
    if db is not None and Path(db).exists():
        seen = warehouse.Warehouse(db).fetchone(
            "SELECT count(*) FROM import_ledger WHERE kind = ? AND file_hash = ?", [kind, digest])[0]
        if seen:
            plan.already_imported = True
            return plan
    if kind in external.KINDS:
        return _prepare_external(plan, data, db)
    refused = check_limits(data)
    try:
        raw, _fmt = (None, "") if refused else read_table(data)
    except ValueError as exc:
        refused = [str(exc)]
    if not refused:
        refused = _cell_limits(raw)
    if refused:
        plan.problems = [_problem(file_name, None, None, "", text) for text in refused]
        plan.problem_total = len(refused)
        return plan
    other = wrong_separator(raw.columns, mapping)
    if other is not None:  # one plain sentence, not a missing-column error for every column
        plan.problems = [_problem(file_name, None, None, "", f"Kolumnerna i filen skiljs åt med {other}. Samverkan "
                                  "läser filer där kolumnerna skiljs åt med semikolon, komma eller tabb: spara "
                                  "filen som CSV med semikolon och ladda upp den igen.")]
        plan.problem_total = 1
        return plan
    if raw.height == 0:
        c.add(None, None, "", "filen innehåller inga datarader")
    raw = raw.with_columns(pl.int_range(2, raw.height + 2).alias("_line"))
    file_col = _map_columns(raw, kind, mapping, c)
    id_cols = {fc for name, fc in file_col.items() if next(s for s in SPECS[kind] if s.name == name).type == "id"}
    _scan_personal(raw, id_cols, c)
    if any(p.row == 1 or p.row is None for p in c.problems):
        # column problems: the rows cannot be checked meaningfully
        plan.problems, plan.problem_total = c.problems, c.total
        return plan
    schools = _known_schools(db)
    if kind == "schools":
        schools = pl.DataFrame(schema={"school_id": pl.String, "school_form": pl.String})
    typed = _validate(kind, raw, file_col, mapping, c, schools, today)
    versions = set()
    for name, fc in file_col.items():
        if name in ("pupil_id", "child_id"):
            typed, version = _pseudonymise(typed, name, c, fc)
            if version:
                versions.add(version)
    # header problems first, then by line; "ytterligare N rader" summaries last
    plan.problems = _capped(sorted(c.problems, key=lambda p: (p.row is None, p.row or 0)), c.total)
    plan.problem_total = c.total
    if c.problems:
        return plan
    plan.key_version = ",".join(sorted(versions)) or None
    plan.rows = typed.drop("_line")
    plan.period = _period_of(kind, plan.rows)
    plan.data_until = _data_until(kind, plan.rows)
    plan.changes = _changes(kind, plan.rows, db)
    return plan


def _prepare_external(plan: Plan, data: bytes, db: Path | None) -> Plan:
    """A Kolada, SCB or CSN file: parsed and validated by ``data.external``."""
    max_bytes = settings.import_limits()[0]
    if len(data) > max_bytes:
        plan.problems = [_problem(plan.file_name, None, None, f"{_n(len(data))} byte",
                                  f"filen är större än {_n(max_bytes)} byte (SAMVERKAN_IMPORT_MAX_MB)")]
        plan.problem_total = 1
        return plan
    rows, problems, total = external.parse(plan.kind, data, plan.file_name)
    if rows is None:
        plan.problems, plan.problem_total = list(problems), total
        return plan
    plan.rows, plan.period = rows, external.period_text(rows)
    con = duckdb.connect(":memory:")
    try:
        if db is not None and Path(db).exists():
            warehouse.attach(con, Path(db))
            plan.changes = external.changes(rows, con)
        else:
            plan.changes = external.changes(rows, None)
    finally:
        con.close()
    return plan


# Characters that separate columns in files that are not CSV as Samverkan reads them.
OTHER_SEPARATORS = {"|": "lodstreck (|)", ":": "kolon (:)", " ": "mellanslag", "/": "snedstreck (/)",
                    "#": "nummertecken (#)", "~": "tilde (~)"}


def _known_names(mapping: Mapping | None = None) -> set[str]:
    """Every column name any kind of file may have (folded)."""
    names = {fold(n) for cols in SPECS.values() for c in cols for n in (c.name, *c.aliases)}
    return names | set((mapping or Mapping()).columns)


def _other_separator(columns: list[str], mapping: Mapping | None = None) -> tuple[str, list[str]] | None:
    """(the separator's name, the column names it separates) when a header read as one column
    splits into known column names at another character; None otherwise."""
    if len(columns) != 1:
        return None
    known = _known_names(mapping)
    for sep, name in OTHER_SEPARATORS.items():
        parts = [p.strip() for p in columns[0].split(sep) if p.strip()]
        if len(parts) >= 2 and sum(fold(p) in known for p in parts) >= 2:
            return name, parts
    return None


def wrong_separator(columns: list[str], mapping: Mapping | None = None) -> str | None:
    """The separator a file uses when it is none that Samverkan reads: a header read as one
    column that splits into known column names at another character. None otherwise.
    Example: ['elev_id|skolenhet_id|månad'] -> 'lodstreck (|)'."""
    found = _other_separator(columns, mapping)
    return found[0] if found else None


def header_columns(data: bytes) -> list[str]:
    """The file's column names, read from its first line (or an .xlsx's first row) only; [] when
    the file cannot be read as a table."""
    try:
        if data[:4] == b"PK\x03\x04":
            head = pl.read_excel(io.BytesIO(data), engine="calamine", infer_schema_length=0, raise_if_empty=False,
                                 read_options={"n_rows": 1})
            return [str(c) for c in head.columns]
        text, _encoding = decode(data[:65536] if len(data) > 65536 else data)
    except (ValueError, UnicodeDecodeError, pl.exceptions.PolarsError, OSError):
        return []
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    sep = _sniff_separator(first)
    return [c.strip().strip('"') for c in first.split(sep)]


def detect_kind(data: bytes, mapping: Mapping | None = None) -> str | None:
    """Which kind of file this is, from its column names: the kind whose required columns are
    all there, and of those the one with the most of its columns; None when no kind fits or two
    fit equally well. Example: a header 'elev_id;skolenhet_id;årskurs;kön;månad;…' -> 'absence'."""
    if (found := external.detect(data)) is not None:  # a Kolada, SCB or CSN file (JSON)
        return found
    mapping = mapping or Mapping()
    columns = header_columns(data)
    if (other := _other_separator(columns, mapping)) is not None:
        # another separator (a pipe, …): recognised by the columns it separates, so that the
        # check then says in one sentence that the separator is wrong
        columns = other[1]
    folded = [mapping.columns.get(fold(c)) or fold(c) for c in columns]
    best, best_score, tie = None, 0, False
    for kind, cols in SPECS.items():
        names = {c.name: {fold(n) for n in (c.name, *c.aliases)} for c in cols}
        found = {name for name, alias in names.items() if any(f in alias or f == name for f in folded)}
        if not {c.name for c in cols if c.required} <= found:
            continue
        score = len(found)
        if score > best_score:
            best, best_score, tie = kind, score, False
        elif score == best_score:
            tie = True
    return None if tie else best


def _cell_limits(raw: pl.DataFrame) -> list[str]:
    """Columns with a cell longer than MAX_CELL_CHARS (one pass over at most MAX_COLUMNS columns)."""
    if raw.width == 0 or raw.height == 0:
        return []
    longest = raw.select(pl.all().str.len_chars().max()).row(0)
    return [f"kolumnen '{col}' har en cell med {_n(n)} tecken; högst {_n(MAX_CELL_CHARS)} godtas"
            for col, n in zip(raw.columns, longest, strict=True) if n is not None and n > MAX_CELL_CHARS]


def _capped(problems: list[Problem], total: int) -> list[Problem]:
    """At most MAX_PROBLEMS problems, and a closing line that says how many more there were."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    file = problems[0].file
    return problems[:MAX_PROBLEMS] + [Problem(file, None, None, "", f"ytterligare {_n(total - MAX_PROBLEMS)} fel "
                                              "visas inte; rätta de första och försök igen")]


def _data_until(kind: str, df: pl.DataFrame) -> date | None:
    col = {"absence": "month", "reports": "received_date", "interventions": "start_date"}.get(kind)
    if col is None or df.height == 0:
        return None
    last = df[col].max()
    if kind == "absence":
        nxt = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
        return date.fromordinal(nxt.toordinal() - 1)
    if kind == "interventions":
        ends = df["end_date"].drop_nulls()
        return max(last, ends.max()) if ends.len() else last
    return last


# The rows already in the warehouse that a validated file ('_new') supersedes, per kind: a
# monthly extract's period is the set of months it covers.
_SUPERSEDED = {
    "schools": "school_id IN (SELECT school_id FROM _new)",
    "population": "year IN (SELECT DISTINCT year FROM _new)",
    "absence": "month IN (SELECT DISTINCT month FROM _new)",
    "reports": "report_id IN (SELECT report_id FROM _new) OR strftime(received_date, '%Y-%m') IN "
               "(SELECT DISTINCT strftime(received_date, '%Y-%m') FROM _new)",
    "interventions": "intervention_id IN (SELECT intervention_id FROM _new)",
}
_PERIOD_EXPR = {
    "schools": "'alla'", "population": "CAST(year AS VARCHAR)", "absence": "strftime(month, '%Y-%m')",
    "reports": "strftime(received_date, '%Y-%m')", "interventions": "strftime(start_date, '%Y-%m')",
}


def _insert_frame(kind: str, df: pl.DataFrame) -> pl.DataFrame:
    """The rows as the warehouse stores them (id columns renamed to keys)."""
    rename = {"pupil_id": "pupil_key", "child_id": "child_key"}
    return df.rename({k: v for k, v in rename.items() if k in df.columns})


def _changes(kind: str, df: pl.DataFrame, db: Path | None) -> pl.DataFrame:
    """Rows added and replaced per period, without writing (for the preview)."""
    new = _insert_frame(kind, df)
    con = duckdb.connect(":memory:")
    try:
        if db is not None and Path(db).exists():
            warehouse.attach(con, Path(db))
        else:
            con.execute("ATTACH ':memory:' AS wh")
            con.execute("USE wh")
            warehouse.create_schema(con, partitioned=False)
        con.register("_new", new)
        replaced = con.sql(f"SELECT {_PERIOD_EXPR[kind]} AS period, count(*) AS rows_replaced FROM {kind} "
                           f"WHERE {_SUPERSEDED[kind]} GROUP BY period").pl()
        added = con.sql(f"SELECT {_PERIOD_EXPR[kind]} AS period, count(*) AS rows_added FROM _new GROUP BY period").pl()
    finally:
        con.close()
    return (added.join(replaced, on="period", how="full", coalesce=True)
            .with_columns(pl.col("rows_added", "rows_replaced").fill_null(0).cast(pl.Int64)).sort("period"))


@dataclass(frozen=True)
class Result:
    kind: str
    rows_added: int
    rows_replaced: int
    period: str
    already_imported: bool = False
    notices: tuple[str, ...] = ()  # what the hooks did after the write (Swedish), e.g. a brief sent


log = logging.getLogger("samverkan.import")

# Run around every import that writes (see ``on_apply``): ``hook(db)`` before the write returns
# ``after(result)``, called once the write succeeded, which returns a notice or None.
_APPLY_HOOKS: list[Callable[[Path], Callable[[Result], str | None]]] = []


def on_apply(hook: Callable[[Path], Callable[[Result], str | None]]) -> None:
    """Register a hook around every import from now on in this process (``data`` cannot import
    what builds and mails the brief; ``ui.mailing.install()`` registers itself here). A hook
    never fails an import: an error in it is logged and the data stay imported."""
    if hook not in _APPLY_HOOKS:
        _APPLY_HOOKS.append(hook)


def _run_hooks(afters: list, result: Result) -> Result:
    notices = []
    for after in afters:
        try:
            text = after(result)
        except Exception as exc:  # the import itself succeeded
            log.warning("after-import hook failed (%s: %s)", type(exc).__name__, personnummer.mask(str(exc))[:300])
            continue
        if text:
            notices.append(text)
    return Result(result.kind, result.rows_added, result.rows_replaced, result.period, notices=tuple(notices))


def apply(plan: Plan, db: Path, user: str | None = None) -> Result:
    """Write a validated plan into the warehouse in one atomic swap and record it in the ledger."""
    if plan.already_imported:
        return Result(plan.kind, 0, 0, plan.period, already_imported=True)
    if plan.problems or plan.rows is None:
        raise ImportRefused("Filen har fel och kan inte importeras.")
    new = _insert_frame(plan.kind, plan.rows)
    cols = ", ".join(new.columns)
    now = datetime.now(UTC).replace(tzinfo=None)
    who = personnummer.mask(user or current_user())  # a name field can hold anything

    def fill(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
        # Idempotent under races: the ledger is checked again inside the writer lock.
        # (fetchall: DuckDB 2.0 refuses new work while a result is only partly fetched)
        if con.execute("SELECT count(*) FROM import_ledger WHERE kind = ? AND file_hash = ?",
                       [plan.kind, plan.file_hash]).fetchall()[0][0]:
            return -1, 0
        con.register("_new", new)
        if plan.kind in external.KINDS:
            replaced = external.write(con, plan.rows, plan.file_name)
            if plan.kind == "scb":
                _scb_total_population(con, plan.rows)
        elif plan.kind == "absence":  # rewrites only the school years the file covers
            replaced = warehouse.replace_absence(con, new)
            warehouse.refresh_pupil_periods(con, new["month"].unique().to_list())
        else:
            replaced = con.execute(f"DELETE FROM {plan.kind} WHERE {_SUPERSEDED[plan.kind]}").fetchall()[0][0]
            con.execute(f"INSERT INTO {plan.kind} ({cols}) SELECT {cols} FROM _new")
        if plan.kind == "schools" and con.execute("SELECT count(*) FROM absence").fetchall()[0][0]:
            warehouse.refresh_pupil_periods(con)  # a school's form may have changed
        con.execute(
            "INSERT INTO import_ledger (import_id, kind, source, file_name, file_hash, period, rows_added, "
            "rows_replaced, rows_rejected, data_until, imported_by, key_version, imported_at) "
            "VALUES (?, ?, 'import', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
            [uuid.uuid4().hex, plan.kind, plan.file_name, plan.file_hash, plan.period, new.height, replaced,
             plan.data_until, who, plan.key_version, now])
        con.unregister("_new")
        return new.height, replaced

    afters = []
    for hook in _APPLY_HOOKS:
        try:
            afters.append(hook(Path(db)))
        except Exception as exc:
            log.warning("before-import hook failed (%s: %s)", type(exc).__name__, personnummer.mask(str(exc))[:300])
    added, replaced = warehouse.write(Path(db), fill)
    if added < 0:
        return Result(plan.kind, 0, 0, plan.period, already_imported=True)
    return _run_hooks(afters, Result(plan.kind, added, replaced, plan.period))


def _scb_total_population(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> None:
    """With ``scb_population_for_total: true`` in the comparison file, SCB's residents 0–20 of
    the municipality become the population table's total (the areas keep their rows)."""
    try:
        cfg = peers.load(settings.peers_path())
    except peers.PeersConfigError as exc:
        log.warning("SCB population not used for the total: %s", exc)
        return
    if cfg.scb_population_for_total:
        external.replace_total_population(con, external.population_rows(rows, cfg.municipality))


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database entry (containers)
        return "okänd"


def ledger(db: Path) -> pl.DataFrame:
    """The import ledger, newest first."""
    return warehouse.Warehouse(db).sql(
        "SELECT imported_at, imported_by, kind, file_name, file_hash, period, rows_added, rows_replaced, "
        "rows_rejected, data_until, key_version, source FROM import_ledger ORDER BY imported_at DESC")
