"""Figures from outside the municipality, for comparisons: files an analyst downloads, read here.

Three sources, each in its own documented shape (IMPORT.md), validated and stored in one table,
``external_figures`` (one row per source, measure, region, period, gender and category):

* ``kolada``  Kolada v3 JSON: ``{"values": [{"kpi", "municipality", "period", "values":
  [{"gender": "T|K|M", "status", "value", "count"}]}]}``. '0000' is the whole country; an id
  'G…' (``count`` > 1) a municipality group (an unweighted mean of its members).
* ``scb``     SCB's TAB638 (population by region, age, sex and year) as JSON-stat2. Residents
  0–20 are summed over the single ages 0…20 (and over sex and marital status, or their total
  category where the file has one) per region and year.
* ``csn``     CSN's SUSHSVL10 (study-grant withdrawals for invalid absence, gymnasium) as PxWeb
  JSON (``columns``, ``data[].key``, ``data[].values``): with grant, withdrawn and share per
  municipality of residence, school year, sex and school form. '..' is suppressed; CSN writes
  a share of 0,0 next to a suppressed count, so such a share is missing, not zero.

No network: files in, figures out. Every problem names the file and the place in it (a JSON
path such as ``values[3].values[0].gender``), in Swedish, and nothing is written.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import duckdb
import polars as pl

from data import peers
from data.domain import periods

KINDS = ("kolada", "scb", "csn")
KIND_LABELS = {"kolada": "Kolada (v3 JSON)", "scb": "SCB befolkning TAB638 (JSON-stat2)",
               "csn": "CSN indragen studiehjälp SUSHSVL10 (PxWeb JSON)"}
SOURCE_LABELS = {"kolada": "Kolada (RKA)", "scb": "SCB, tabell TAB638",
                 "csn": "CSN, tabell SUSHSVL10"}
SCB_MEASURE = "folkmangd_0_20"
CSN_MEASURE = "indragen_studiehjalp"
EXAMPLES = Path(__file__).with_name("examples") / "external"
EXAMPLE_FILES = {"kolada": "kolada.json", "scb": "scb_tab638.json", "csn": "csn_sushsvl10.json"}

DDL = """
CREATE TABLE IF NOT EXISTS external_figures (
    source      VARCHAR NOT NULL,   -- kolada | scb | csn
    measure     VARCHAR NOT NULL,   -- a Kolada id, 'folkmangd_0_20', 'indragen_studiehjalp'
    region      VARCHAR NOT NULL,   -- '0000' the country, '1283' a municipality, 'G…' a Kolada group
    period      VARCHAR NOT NULL,   -- '2024' or a school year '2024/25'
    gender      VARCHAR NOT NULL,   -- T | K | M
    category    VARCHAR NOT NULL,   -- CSN's school form ('Totalt'); '' otherwise
    value       DOUBLE,             -- null: missing or suppressed; shares as fractions
    numerator   DOUBLE,             -- CSN: withdrawn
    denominator DOUBLE,             -- CSN: with grant
    status      VARCHAR NOT NULL,   -- '' | 'prickad' (suppressed) | Kolada's status text
    group_count INTEGER,            -- Kolada: members behind a group's value
    file_name   VARCHAR,
    example     BOOLEAN NOT NULL    -- a shipped example file with made-up values (the demo)
)"""
KEY = ("source", "measure", "region", "period", "gender", "category")
SCHEMA = {"source": pl.String, "measure": pl.String, "region": pl.String, "period": pl.String,
          "gender": pl.String, "category": pl.String, "value": pl.Float64, "numerator": pl.Float64,
          "denominator": pl.Float64, "status": pl.String, "group_count": pl.Int32}
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Problem:
    """A problem at a place in a JSON file (shown like the importer's: file, place, found, expected)."""
    file: str
    path: str  # 'values[3].values[0].gender'; '' = the whole file
    found: str
    expected: str
    row = None  # the import page's row column: JSON has no lines to name

    @property
    def column(self) -> str:
        return self.path

    def __str__(self) -> str:
        where = f"{self.file}, {self.path}" if self.path else self.file
        return f"{where}{': ' + self.found if self.found else ''} – {self.expected}"


class _Problems:
    def __init__(self, file: str):
        self.file, self.items, self.total = file, [], 0

    def add(self, path: str, found: str, expected: str) -> None:
        self.total += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(self.file, path, found, expected))


def _show(v) -> str:
    text = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else f"'{v}'"
    return text if len(text) <= 60 else text[:57] + "…"


def _fold(text: str) -> str:
    t = str(text).strip().lower().replace("å", "a").replace("ä", "a").replace("ö", "o")
    return unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode()


def _region(code: str) -> str | None:
    """A municipality code or '0000' for the country ('00' too); None for anything else (a
    county, 'not registered in Sweden', a total)."""
    code = str(code).strip().split(" ")[0]
    if code in ("00", "0000"):
        return peers.COUNTRY
    return code if re.fullmatch(r"\d{4}", code) else None


def _load(data: bytes, p: _Problems, expected: str):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        p.add("", f"byte {exc.start}", "filen ska vara UTF-8-kodad JSON")
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        p.add("", f"rad {exc.lineno}, tecken {exc.colno}", f"ogiltig JSON ({exc.msg}); {expected}")
        return None


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)


# --- Kolada ------------------------------------------------------------------------------------

def parse_kolada(data: bytes, file: str) -> tuple[pl.DataFrame | None, list[Problem], int]:
    p = _Problems(file)
    doc = _load(data, p, "väntat ett svar från Kolada v3: {\"values\": [...]}")
    if doc is None:
        return None, p.items, p.total
    if not isinstance(doc, dict) or not isinstance(doc.get("values"), list):
        p.add("", _show(type(doc).__name__), "väntat ett svar från Kolada v3: ett objekt med listan \"values\"")
        return None, p.items, p.total
    rows, known = [], peers.municipalities()
    for i, item in enumerate(doc["values"]):
        at = f"values[{i}]"
        if not isinstance(item, dict):
            p.add(at, _show(item), "ett objekt med kpi, municipality, period och values")
            continue
        missing = [k for k in ("kpi", "municipality", "period", "values") if k not in item]
        if missing:
            p.add(at, "", f"saknar {', '.join(missing)}")
            continue
        kpi = str(item["kpi"]).strip().upper()
        if not re.fullmatch(r"[NU]\d{5}", kpi):
            p.add(f"{at}.kpi", _show(item["kpi"]), "ett Kolada-id (N eller U och fem siffror, t.ex. N33900)")
        region = str(item["municipality"]).strip()
        if not (region in known or re.fullmatch(r"G\d+", region)):
            p.add(f"{at}.municipality", _show(item["municipality"]),
                  "en kommunkod ur SCB:s lista, 0000 för riket eller en Kolada-grupp (G…)")
        period = str(item["period"]).strip()
        if not re.fullmatch(r"(19|20)\d\d", period):
            p.add(f"{at}.period", _show(item["period"]), "ett år, t.ex. 2024")
        if not isinstance(item["values"], list) or not item["values"]:
            p.add(f"{at}.values", _show(item["values"]), "en lista med värden per kön (T, K, M)")
            continue
        for j, v in enumerate(item["values"]):
            vat = f"{at}.values[{j}]"
            if not isinstance(v, dict):
                p.add(vat, _show(v), "ett objekt med gender, status, value och count")
                continue
            gender = v.get("gender")
            if gender not in ("T", "K", "M"):
                p.add(f"{vat}.gender", _show(gender), "T (totalt), K (kvinnor) eller M (män)")
            value = v.get("value")
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                      or not math.isfinite(value)):
                p.add(f"{vat}.value", _show(value), "ett tal eller null")
                value = None
            count = v.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                p.add(f"{vat}.count", _show(count), "ett heltal, 0 eller mer")
                count = None
            status = v.get("status") or ""
            if not isinstance(status, str) or len(status) > 40:
                p.add(f"{vat}.status", _show(status), "en kort text (eller tom)")
                status = ""
            rows.append({"source": "kolada", "measure": kpi, "region": region, "period": period,
                         "gender": gender, "category": "", "value": value, "numerator": None,
                         "denominator": None, "status": status, "group_count": count})
    if not rows and not p.total:
        p.add("values", "[]", "filen innehåller inga värden")
    return (None if p.total else _frame(rows)), p.items, p.total


# --- SCB JSON-stat2 ----------------------------------------------------------------------------

_TOTALS = {"1+2", "tot", "totalt", "t", "samtliga"}


def _categories(dim: dict) -> list[str]:
    """A JSON-stat dimension's category codes in index order (index as object or list)."""
    index = (dim.get("category") or {}).get("index")
    if isinstance(index, list):
        return [str(c) for c in index]
    if isinstance(index, dict):
        return [str(c) for c, _ in sorted(index.items(), key=lambda kv: kv[1])]
    labels = (dim.get("category") or {}).get("label") or {}
    return [str(c) for c in labels]


def _age(code: str) -> int | None:
    return int(code) if re.fullmatch(r"\d{1,3}", code) else None


def parse_scb(data: bytes, file: str) -> tuple[pl.DataFrame | None, list[Problem], int]:
    p = _Problems(file)
    doc = _load(data, p, "väntat JSON-stat2 från SCB (tabell TAB638)")
    if doc is None:
        return None, p.items, p.total
    if not isinstance(doc, dict) or doc.get("class") != "dataset" or not isinstance(doc.get("id"), list) \
            or not isinstance(doc.get("size"), list) or not isinstance(doc.get("dimension"), dict):
        p.add("", "", "väntat JSON-stat2 (class \"dataset\" med id, size, dimension och value) från SCB:s "
                      "tabell TAB638")
        return None, p.items, p.total
    ids, size, dims = doc["id"], doc["size"], doc["dimension"]
    if len(ids) != len(size) or any(d not in dims for d in ids):
        p.add("id", _show(ids), "varje dimension i id ska ha en storlek i size och en beskrivning i dimension")
        return None, p.items, p.total
    cats = {d: _categories(dims[d]) for d in ids}
    for d, n in zip(ids, size, strict=True):
        if len(cats[d]) != n:
            p.add(f"dimension.{d}.category.index", f"{len(cats[d])} kategorier", f"size säger {n}")
    for needed, what in (("Region", "region (kommunkod)"), ("Tid", "år"), ("Alder", "ålder i ettårsklasser")):
        if needed not in ids:
            p.add("id", _show(ids), f"dimensionen {needed} saknas: välj {what} i tabellen")
    if p.total:
        return None, p.items, p.total
    total = math.prod(size)
    values = doc.get("value")
    if isinstance(values, dict):
        try:
            flat = [None] * total
            for k, v in values.items():
                flat[int(k)] = v
            values = flat
        except (ValueError, IndexError):
            p.add("value", "", f"index 0–{total - 1}")
            return None, p.items, p.total
    if not isinstance(values, list) or len(values) != total:
        p.add("value", f"{len(values) if isinstance(values, list) else _show(values)} värden",
              f"{total} värden (produkten av size)")
        return None, p.items, p.total
    # which categories count: the population (BE0101N1) of the contents, the total of sex and
    # marital status where the file has one (else all of them), the single ages 0–20
    chosen: dict[str, list[int]] = {}
    for d in ids:
        codes = cats[d]
        if d == "ContentsCode":
            keep = [i for i, c in enumerate(codes) if c == "BE0101N1"]
            if not keep:
                p.add("dimension.ContentsCode", _show(codes), "tabellinnehållet Folkmängd (BE0101N1)")
        elif d == "Alder":
            keep = [i for i, c in enumerate(codes) if (a := _age(c)) is not None and a <= 20]
            have = {_age(codes[i]) for i in keep}
            if have != set(range(21)):
                p.add("dimension.Alder", f"åldrar {sorted(a for a in have if a is not None)[:5]}…" if have else "inga",
                      "alla ettåriga åldrar 0–20 (0, 1, …, 20) för att räkna invånare 0–20 år")
        elif d in ("Region", "Tid"):
            keep = list(range(len(codes)))
        else:
            totals = [i for i, c in enumerate(codes) if _fold(c) in _TOTALS]
            keep = totals[:1] or list(range(len(codes)))
        chosen[d] = keep
    if p.total:
        return None, p.items, p.total
    strides = [math.prod(size[k + 1:]) for k in range(len(size))]
    ri, ti = ids.index("Region"), ids.index("Tid")
    known = peers.municipalities()
    rows = []
    for r_i in chosen["Region"]:
        region = _region(cats["Region"][r_i])
        if region is None:
            continue  # a county
        if region not in known:
            p.add("dimension.Region", _show(cats["Region"][r_i]), "en kommunkod ur SCB:s lista eller 00 för riket")
            continue
        for t_i in chosen["Tid"]:
            year = cats["Tid"][t_i]
            if not re.fullmatch(r"(19|20)\d\d", year):
                p.add("dimension.Tid", _show(year), "ett år, t.ex. 2024")
                break
            others = [chosen[d] for k, d in enumerate(ids) if k not in (ri, ti)]
            rest = [k for k in range(len(ids)) if k not in (ri, ti)]
            residents, missing = 0.0, False
            for combo in product(*others):
                pos = r_i * strides[ri] + t_i * strides[ti] + sum(c * strides[k] for c, k in zip(combo, rest, strict=True))
                v = values[pos]
                if v is None:
                    missing = True
                elif isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                    p.add(f"value[{pos}]", _show(v), "ett antal invånare, 0 eller mer (eller null)")
                else:
                    residents += v
            rows.append({"source": "scb", "measure": SCB_MEASURE, "region": region, "period": year, "gender": "T",
                         "category": "", "value": None if missing else residents, "numerator": None,
                         "denominator": None, "status": "saknas" if missing else "", "group_count": None})
    if not rows and not p.total:
        p.add("dimension.Region", "", "filen innehåller ingen kommun och inte riket")
    return (None if p.total else _frame(rows)), p.items, p.total


# --- CSN PxWeb JSON ----------------------------------------------------------------------------

def _measure_of(text: str) -> str | None:
    t = _fold(text)
    if "andel" in t:
        return "share"
    if "indrag" in t:
        return "withdrawn"
    if "antal" in t or "studiehjalp" in t:
        return "with_grant"
    return None


def _gender(code: str) -> str | None:
    t = _fold(code)
    if t in ("totalt", "tot", "samtliga", "1+2", "t", "bada konen"):
        return "T"
    if t in ("kvinnor", "kvinna", "k", "2", "flickor"):
        return "K"
    if t in ("man", "m", "1", "pojkar"):
        return "M"
    return None


def _school_year(code: str) -> str | None:
    m = re.fullmatch(r"((?:19|20)\d\d)\s*/\s*((?:19|20)?\d\d)", str(code).strip())
    if not m:
        return None
    try:  # the period model checks that the second year follows the first: '2024/25', '2024/2025'
        return periods.parse(f"{m.group(1)}/{m.group(2)}").code
    except periods.PeriodError:
        return None


def _number(raw) -> tuple[float | None, bool, bool]:
    """(value, suppressed, ok) of a PxWeb cell: '..' suppressed, '-' zero, decimal comma or point."""
    if raw is None:
        return None, True, True
    text = str(raw).strip()
    if text in ("..", "…"):
        return None, True, True
    if text == "-":
        return 0.0, False, True
    try:
        v = float(text.replace("\u2212", "-").replace(" ", "").replace(",", "."))
    except ValueError:
        return None, False, False
    return (v, False, True) if math.isfinite(v) and v >= 0 else (None, False, False)


def parse_csn(data: bytes, file: str) -> tuple[pl.DataFrame | None, list[Problem], int]:
    p = _Problems(file)
    doc = _load(data, p, "väntat PxWeb-JSON från CSN:s statistikdatabas (tabell SUSHSVL10)")
    if doc is None:
        return None, p.items, p.total
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), list) or not isinstance(doc.get("data"), list):
        p.add("", "", "väntat PxWeb-JSON (columns och data) från CSN:s tabell SUSHSVL10")
        return None, p.items, p.total
    cols = doc["columns"]
    role: dict[str, int] = {}
    contents: list = []  # (position in values, measure, column index, text)
    dims = [c for c in cols if isinstance(c, dict) and c.get("type") != "c"]
    for k, c in enumerate(cols):
        if not isinstance(c, dict) or "code" not in c:
            p.add(f"columns[{k}]", _show(c), "ett objekt med code, text och type")
            continue
        text = _fold(f"{c.get('text', '')} {c['code']}")
        if c.get("type") == "c":
            contents.append((len(contents), _measure_of(c.get("text", "") or c["code"]), k, c.get("text")))
            continue
        d = dims.index(c)
        if "kommun" in text or "region" in text or "lan" in text.split():
            role["region"] = d
        elif c.get("type") == "t" or "lasar" in text:
            role["year"] = d
        elif "kon" in text.split() or text.startswith("kon"):
            role["gender"] = d
        elif "skolform" in text:
            role["form"] = d
        elif "matt" in text:
            role["measure"] = d
        else:
            p.add(f"columns[{k}]", _show(c.get("text") or c["code"]),
                  "en känd variabel: folkbokföring län/kommun, läsår, kön, skolform eller mått")
    for needed, what in (("region", "folkbokföring län/kommun"), ("year", "läsår")):
        if needed not in role:
            p.add("columns", "", f"variabeln {what} saknas")
    if "measure" not in role:  # the measures are the content columns: each must be one of the three
        for _pos, m, k, text in contents:
            if m is None:
                p.add(f"columns[{k}].text", _show(text), "ett mått: antal med studiehjälp, antal med "
                      "indragen studiehjälp eller andel med indragen studiehjälp")
    contents = [(pos, m) for pos, m, _k, _t in contents]
    if "measure" not in role and {m for _, m in contents} != {"with_grant", "withdrawn", "share"}:
        p.add("columns", "", "alla tre måtten behövs: antal med studiehjälp, antal med indragen studiehjälp och "
                             "andel med indragen studiehjälp")
    if p.total:
        return None, p.items, p.total
    cells: dict[tuple, dict[str, tuple[float | None, bool]]] = {}
    measure_codes: dict[str, str | None] = {}
    for i, row in enumerate(doc["data"]):
        at = f"data[{i}]"
        if not isinstance(row, dict) or not isinstance(row.get("key"), list) or not isinstance(row.get("values"), list) \
                or len(row["key"]) != len(dims):
            p.add(at, _show(row), f"ett objekt med key ({len(dims)} koder) och values")
            continue
        key = [str(x) for x in row["key"]]
        region = _region(key[role["region"]])
        if region is None:
            continue  # a county, 'not registered in Sweden' or a total
        if region not in peers.municipalities():
            p.add(f"{at}.key[{role['region']}]", _show(key[role["region"]]), "en kommunkod ur SCB:s lista eller 00")
            continue
        year = _school_year(key[role["year"]])
        if year is None:
            p.add(f"{at}.key[{role['year']}]", _show(key[role["year"]]), "ett läsår, t.ex. 2024/2025")
            continue
        gender = _gender(key[role["gender"]]) if "gender" in role else "T"
        if gender is None:
            p.add(f"{at}.key[{role['gender']}]", _show(key[role["gender"]]), "kön: totalt, kvinnor eller män")
            continue
        form = key[role["form"]] if "form" in role else "Totalt"
        form = "Totalt" if _fold(form) in _TOTALS else form
        slot = cells.setdefault((region, year, gender, form), {})
        if "measure" in role:
            code = key[role["measure"]]
            if code not in measure_codes:
                measure_codes[code] = _measure_of(code)
            m = measure_codes[code]
            if m is None:
                p.add(f"{at}.key[{role['measure']}]", _show(code), "ett mått: antal med studiehjälp, antal med "
                      "indragen studiehjälp eller andel med indragen studiehjälp")
                continue
            pairs = [(m, row["values"][0] if row["values"] else None)]
        else:
            if len(row["values"]) != len(contents):
                p.add(f"{at}.values", _show(row["values"]), f"{len(contents)} värden, ett per mått")
                continue
            pairs = [(m, row["values"][pos]) for pos, m in contents]
        for m, raw in pairs:
            v, hidden, ok = _number(raw)
            if not ok:
                p.add(f"{at}.values", _show(raw), "ett tal (decimalkomma eller punkt), '..' (sekretess) eller '-'")
            slot[m] = (v, hidden)
    rows = []
    for (region, year, gender, form), m in cells.items():
        grant, grant_hidden = m.get("with_grant", (None, True))
        drawn, drawn_hidden = m.get("withdrawn", (None, True))
        share, _ = m.get("share", (None, True))
        hidden = grant_hidden or drawn_hidden
        # CSN writes 0,0 as the share beside a suppressed count: that share is missing, not zero
        value = None if hidden else (share / 100 if share is not None else (drawn / grant if grant else None))
        rows.append({"source": "csn", "measure": CSN_MEASURE, "region": region, "period": year, "gender": gender,
                     "category": form, "value": value, "numerator": None if drawn_hidden else drawn,
                     "denominator": None if grant_hidden else grant, "status": "prickad" if hidden else "",
                     "group_count": None})
    if not rows and not p.total:
        p.add("data", "[]", "filen innehåller ingen kommun och inte riket")
    return (None if p.total else _frame(rows)), p.items, p.total


PARSERS = {"kolada": parse_kolada, "scb": parse_scb, "csn": parse_csn}


def parse(kind: str, data: bytes, file: str) -> tuple[pl.DataFrame | None, list[Problem], int]:
    """(rows, problems listed, problems found) of a file of ``kind``; rows None on any problem."""
    return PARSERS[kind](data, file)


def detect(data: bytes) -> str | None:
    """Which external file this is, from its JSON shape alone; None for anything else.
    Kolada v3: {"values": [{"kpi": ...}]}; SCB JSON-stat2: {"class": "dataset", "dimension": ...};
    CSN (PxWeb JSON): {"columns": [...], "data": [...]}."""
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return None
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(doc, dict):
        return None
    values = doc.get("values")
    if isinstance(values, list) and (not values or isinstance(values[0], dict) and "kpi" in values[0]):
        return "kolada"
    if doc.get("class") == "dataset" and "dimension" in doc:
        return "scb"
    if isinstance(doc.get("columns"), list) and isinstance(doc.get("data"), list):
        return "csn"
    return None


def period_text(df: pl.DataFrame) -> str:
    ps = sorted(df["period"].unique().to_list())
    return "" if not ps else (ps[0] if len(ps) == 1 else f"{ps[0]}..{ps[-1]}")


# --- writing -------------------------------------------------------------------------------------

def changes(df: pl.DataFrame, con: duckdb.DuckDBPyConnection | None) -> pl.DataFrame:
    """Rows added and replaced per period (the import preview); ``con``: the warehouse, or None."""
    added = df.group_by("period").len("rows_added")
    replaced = pl.DataFrame(schema={"period": pl.String, "rows_replaced": pl.UInt32})
    if con is not None and con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'external_figures'"
                                       ).fetchall()[0][0]:
        con.register("_ext", df)
        replaced = con.sql(f"SELECT e.period, count(*)::UINTEGER AS rows_replaced FROM external_figures e "
                           f"JOIN _ext n USING ({', '.join(KEY)}) GROUP BY e.period").pl()
        con.unregister("_ext")
    return (added.join(replaced, on="period", how="full", coalesce=True)
            .with_columns(pl.col("rows_added", "rows_replaced").fill_null(0).cast(pl.Int64)).sort("period"))


def write(con: duckdb.DuckDBPyConnection, df: pl.DataFrame, file_name: str | None, example: bool = False) -> int:
    """Replace the rows the file carries (same source, measure, region, period, gender, category)
    and insert them; returns the number replaced. Inside a warehouse write."""
    con.execute(DDL)
    con.register("_ext", df.with_columns(file_name=pl.lit(file_name, pl.String), example=pl.lit(example)))
    on = " AND ".join(f"e.{k} = n.{k}" for k in KEY)
    replaced = con.execute(f"DELETE FROM external_figures e WHERE EXISTS (SELECT 1 FROM _ext n WHERE {on})"
                           ).fetchall()[0][0]
    con.execute("INSERT INTO external_figures SELECT source, measure, region, period, gender, category, value, "
                "numerator, denominator, status, group_count, file_name, example FROM _ext")
    con.unregister("_ext")
    return replaced


def population_rows(df: pl.DataFrame, municipality: str) -> pl.DataFrame:
    """The municipality's residents 0–20 per year from an SCB file, as population-table rows for
    the whole municipality (area null, ages 0–20)."""
    own = df.filter((pl.col("region") == municipality) & pl.col("value").is_not_null())
    return own.select(pl.col("period").cast(pl.Int32).alias("year"), pl.lit(None, pl.String).alias("area"),
                      pl.lit(0, pl.Int32).alias("age_from"), pl.lit(20, pl.Int32).alias("age_to"),
                      pl.col("value").round(0).cast(pl.Int32).alias("residents"))


def replace_total_population(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> int:
    """SCB's residents 0–20 as the municipality's total in the population table (the areas keep
    their rows): the total rows (area null, ages within 0–20) of those years are replaced."""
    if rows.height == 0:
        return 0
    con.register("_pop", rows)
    con.execute("DELETE FROM population WHERE area IS NULL AND age_from >= 0 AND age_to <= 20 "
                "AND year IN (SELECT year FROM _pop)")
    con.execute("INSERT INTO population SELECT * FROM _pop")
    con.unregister("_pop")
    return rows.height


def load_examples(con: duckdb.DuckDBPyConnection) -> int:
    """The shipped example files (made-up values in each source's shape) into the warehouse being
    written: the demo's comparisons. Returns the rows written."""
    n = 0
    for kind, name in EXAMPLE_FILES.items():
        df, problems, _total = parse(kind, (EXAMPLES / name).read_bytes(), name)
        if df is None:
            raise ValueError(f"example file {name} does not validate: {problems[:3]}")
        write(con, df, name, example=True)
        n += df.height
    return n
