"""A municipality's mapping file: its own column names, code spellings and columns to leave out,
read from YAML (IMPORT.md, "Mapping file").

The seam: a mapping is the one input besides the file itself; the reader and the kind
recognition use it to name columns, the validation to read codes. It is parsed (bounded, masked)
before any of them runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from data import personnummer
from data.importer.results import _n
from data.importer.specs import fold

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
