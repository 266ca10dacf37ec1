"""From bytes to a table of strings, and what kind of file it is.

The limits every file is checked against on its bytes before it is parsed (size, rows, columns,
line and cell length, an .xlsx's zip directory), the decoding (UTF-8 with or without BOM, UTF-16,
Windows-1252, strictly), the separator, the CSV or Excel reader, and the recognition of a file's
kind and of a separator Samverkan does not read (``detect_kind``, ``wrong_separator``), all from the
header alone.

The seam: nothing here knows a column's type or a row's rules; every cell stays a string. What
comes out is a frame ``validation`` checks, or Swedish messages saying why there is none.
"""

from __future__ import annotations

import io
import re

import polars as pl

from data import external, personnummer, xlsx
from data.importer.mapping import Mapping
from data.importer.results import _n
from data.importer.specs import SPECS, fold

# Limits checked before any per-column or per-row work (IMPORT.md, "Limits"); file size, rows
# and the unpacked size of an .xlsx are settings (data/settings.py).
MAX_COLUMNS = 200
MAX_HEADER_BYTES = 10_000
MAX_LINE_BYTES = 100_000
MAX_CELL_CHARS = 4_000
MAX_XLSX_RATIO = xlsx.MAX_RATIO  # unpacked size / packed size of any part of an .xlsx


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


def _cell_limits(raw: pl.DataFrame) -> list[str]:
    """Columns with a cell longer than MAX_CELL_CHARS (one pass over at most MAX_COLUMNS columns)."""
    if raw.width == 0 or raw.height == 0:
        return []
    longest = raw.select(pl.all().str.len_chars().max()).row(0)
    return [f"kolumnen '{col}' har en cell med {_n(n)} tecken; högst {_n(MAX_CELL_CHARS)} godtas"
            for col, n in zip(raw.columns, longest, strict=True) if n is not None and n > MAX_CELL_CHARS]


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
