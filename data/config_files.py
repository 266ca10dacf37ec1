"""A configuration file read one way: YAML validated by a pydantic model, every problem named
in Swedish (the role file, the comparison file, the brief's distribution list).

The goal file (``metrics.goals``) has its own reader: it also names the YAML error's line and
gathers rule problems beyond the model's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

# What every file says for the commonest problems; a file's own ``messages`` come first.
COMMON_MESSAGES = {"missing": "saknas", "extra_forbidden": "okänt fält (stavfel?)"}


def load_model(path: Path | str, model: type[M], error: type[ValueError], noun: str, expected: str,
               setting: str = "", empty_is_default: bool = False,
               messages: Callable[[dict], str | None] = lambda e: None) -> M:
    """``path`` read as YAML and validated by ``model``; else ``error`` with a Swedish message
    naming the file (``noun``: 'Rollfilen'), the setting that points to it, and every problem.

    ``expected``: what the file holds ('claim, groups och users'); ``empty_is_default``: an empty
    file is the model's defaults; ``messages``: a pydantic error -> the file's own text for it,
    None for the common one. Example of a message: 'Sändlistan x.yaml är felaktig:\\n  - format:
    ska vara pdf eller docx (fick 'odt')'."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{noun} {path} finns inte" + (f" ({setting})." if setting else ".")) from None
    except yaml.YAMLError as exc:
        raise error(f"{noun} {path} är inte giltig YAML: {exc}") from None
    if empty_is_default:
        raw = raw or {}
    if not isinstance(raw, dict):
        raise error(f"{noun} {path} ska innehålla {expected}.")
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        lines = [f"{noun} {path} är felaktig:"]
        for e in err.errors():
            loc = " → ".join(str(x) for x in e["loc"]) or "(filen)"
            msg = messages(e) or COMMON_MESSAGES.get(e["type"]) or e["msg"].removeprefix("Value error, ")
            lines.append(f"  - {loc}: {msg}")
        raise error("\n".join(lines)) from None
