"""Limits of an uploaded .xlsx, checked before it is parsed (an .xlsx is a zip of XML files).

* ``directory`` reads only the zip's central directory: the unpacked size of every part and the
  worst compression ratio, without unpacking anything (a zip bomb packs ~1 GB into ~3 MB);
* ``first_sheet_size`` then streams the first sheet's XML in 1 MB pieces and counts its rows and
  columns without holding it (only after ``directory`` has bounded the unpacked size).

Both the data import (``data.importer``) and the register import (``data.registers``) use them.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

MAX_RATIO = 100  # unpacked size / packed size of any part; plain XML compresses 5-20 times

_CHUNK = 1 << 20
_TAIL = 4096  # bytes kept between pieces, so that a tag split by a piece boundary is still read
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\s[^>]{0,512}?\br=\"([A-Z]{1,3})[0-9]+\"")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\s[^>]*?\br:id=\"([^\"]+)\"")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})[0-9]+(?::([A-Z]{1,3})([0-9]+))?\"")


@dataclass(frozen=True)
class Directory:
    unpacked: int  # bytes, all parts
    worst_ratio: float  # the most compressed part


def directory(data: bytes) -> Directory | None:
    """Sizes from the zip directory only; None when ``data`` is no zip file."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError):
        return None
    return Directory(sum(i.file_size for i in infos),
                     max((i.file_size / max(i.compress_size, 1) for i in infos), default=0.0))


def _column_number(letters: bytes) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _first_sheet_part(z: zipfile.ZipFile) -> str | None:
    """The zip member of the workbook's first sheet (the one ``sheet_id=1`` reads)."""
    names = set(z.namelist())
    first = _SHEET.search(z.read("xl/workbook.xml")) if "xl/workbook.xml" in names else None
    rels = z.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    if first is not None:
        rel = re.search(rb"<(?:\w+:)?Relationship\s[^>]*?Id=\"" + re.escape(first.group(1)) + rb"\"[^>]*>", rels)
        target = re.search(rb"Target=\"([^\"]+)\"", rel.group(0)) if rel else None
        if target:
            path = target.group(1).decode().lstrip("/")
            path = path if path.startswith("xl/") else "xl/" + path
            if path in names:
                return path
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    return sheets[0] if sheets else None


def first_sheet_size(data: bytes) -> tuple[int, int] | None:
    """(rows, columns) of the first sheet, streamed: rows counted by their tags, columns the
    largest of the cell references and the sheet's own ``dimension``. None: no sheet found.
    Call only after ``directory`` has bounded the unpacked size (it reads every byte once)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        part = _first_sheet_part(z)
        if part is None:
            return None
        rows = cols = 0
        carry = b""
        with z.open(part) as f:
            while True:
                piece = f.read(_CHUNK)
                buf = carry + piece
                limit = len(buf) if not piece else max(len(buf) - _TAIL, 0)
                if rows == 0 and cols == 0:
                    dim = _DIMENSION.search(buf)
                    if dim and dim.group(2):
                        cols = _column_number(dim.group(2))
                # a tag that starts before the limit is counted here, one after it in the next piece
                rows += sum(1 for m in _ROW.finditer(buf) if m.start() < limit)
                for m in _CELL_REF.finditer(buf):
                    if m.start() < limit:
                        cols = max(cols, _column_number(m.group(1)))
                carry = buf[limit:]
                if not piece:
                    return rows, cols
