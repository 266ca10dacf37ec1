"""Swedish number formatting for everything a user sees: ``13,4 %``, ``12 345``, ``..``.

**One meaning per symbol.** ``..`` (``SUPPRESSED``) means only one thing: the value is hidden by
disclosure control (too few children), always explained by ``SUPPRESSED_NOTE``. Everything else
that has no number says so in words: the data do not exist (``NO_DATA``), the value cannot be
computed (``NOT_COMPUTED``), a goal made of parts (``SEE_PARTS``), nothing in progress
(``NOT_APPLICABLE``). A formatter given None says ``NO_DATA``; a caller that knows a value is
suppressed shows ``SUPPRESSED`` (``shown``).
"""

from __future__ import annotations

import re

from babel.numbers import format_decimal, format_percent

from data.domain import numbers
from metrics import catalog

SUPPRESSED = ".."
NO_DATA = "inga data"
NOT_COMPUTED = "beräknas inte"
SEE_PARTS = "se delmålen"
NOT_APPLICABLE = "ej aktuellt"
SUPPRESSED_NOTE = ("'..' betyder att värdet inte visas: för få barn för att visas utan risk att enskilda barn "
                   "kan identifieras, eller en summa som mest skulle bestå av sådana dolda värden. ”Inga data” "
                   "betyder att det inte finns uppgifter för perioden.")
LOCALE = numbers.LOCALE


EXACT_NOTE = "Exakta värden – internt underlag, röjandekontrollera före publicering"
EXACT_FILE_PREFIX = "exakta-varden-internt-"  # every exported file of an exact view starts so
EXACT_SHEET = "Exakta värden – internt"  # the Excel data sheet of an exact view


def rounding_note(exact: bool = False) -> str:
    """Said wherever published counts are shown (sidebar, exports): they are rounded; or, for an
    entitled role's exact view, that they are exact and internal (``EXACT_NOTE``)."""
    from data import settings

    if exact:
        return f"{EXACT_NOTE}: antalen är exakta, inget är dolt eller avrundat."
    from metrics import suppression

    base = settings.rounding_base()
    if base <= 1:
        return ""
    sums = (" Större enheter och kommunen visar summan av skolenheternas avrundade antal (orosanmälningar och "
            "insatser: områdenas), avrundad igen, så delarna kan avvika något från totalen."
            if suppression.rounding_protects(base, suppression.Thresholds(*settings.suppression_thresholds())) else "")
    return (f"Antal är avrundade till närmaste {base} och andelar och medelvärden räknas på de avrundade antalen, så "
            f"att enskilda barn inte kan räknas fram.{sums} Målens status räknas på exakta antal.")


_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$:&=@\"'"})


def literal(text: str | None) -> str:
    """Text from data or from users, escaped so that Streamlit's Markdown shows it as it is.

    Every ASCII punctuation character that Markdown, HTML or Streamlit's directives (``:red[…]``,
    ``:material/…:``) could use gets a backslash, so '![x](http://host/p.png)' stays that text and
    no image, link or element is made of it. GitHub-flavoured Markdown also links bare addresses
    ('https://…', 'www.…', 'a@b.se') whatever their escapes, so a zero-width space is put inside
    those patterns. Example: 'A*b*' -> 'A\\*b\\*'."""
    t = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + "\u200b" + m.group(0)[-1], text or "")
    return t.translate(_MARKDOWN_SPECIAL)


# '://' (any scheme), 'www.' and the '@' of an e-mail address start GFM's bare links.
_AUTOLINK = re.compile(r":/(?=/)|(?i:\bwww)\.|@(?=\w)")


# A symbol beside every status's words, so that colour is never the only signal.
STATUS_SYMBOLS = {"achieved": "✓", "partly": "◐", "not_achieved": "✗", "no_data": "–", "baseline": "○",
                  "before_baseline": "○"}

MINUS = numbers.MINUS
_minus = numbers.minus


def pct(x: float | None, decimals: int = 1) -> str:
    """0.134 -> '13,4 %'; -0.05 -> '−5,0 %'."""
    if x is None:
        return NO_DATA
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + " %"
    return _minus(format_percent(x, pattern, locale=LOCALE))


def number(n: float | int | None) -> str:
    """12345 -> '12 345' (non-breaking space); -3 -> '−3'."""
    if n is None:
        return NO_DATA
    return numbers.integer(n)


def decimal(x: float | None, decimals: int = 1) -> str:
    """158.81 -> '158,8'."""
    if x is None:
        return NO_DATA
    return numbers.decimal(x, decimals)


# Numbers drawn inside a chart group their thousands with a narrow no-break space (U+202F), the
# typographic choice for figures set in a graphic, where Babel's no-break space (U+00A0) of the
# tables and sentences reads too wide; plotly formats a chart's own numbers (axis ticks, hover
# texts) in the browser with these separators: decimal comma, then the thousands separator.
CHART_SEPARATORS = ",\u202f"


def chart_number(n: float | int | None) -> str:
    """A count written on a chart (a bar's label), grouped as the chart's axis and hover texts
    are (``CHART_SEPARATORS``): 12345 -> '12 345' (U+202F)."""
    return number(n).replace("\xa0", CHART_SEPARATORS[1])


def pp(x: float | None, decimals: int = 1) -> str:
    """A difference of two shares in percentage points: -0.023 -> '−2,3 procentenheter',
    0.0004 -> '0,0 procentenheter'."""
    if x is None:
        return NO_DATA
    if round(x * 100, decimals) == 0:  # no sign on what reads as zero: '0,0', never '+0,0' or '−0,0'
        return f"{decimal(0, decimals)} procentenheter"
    signed = '+#,##0.' + '0' * decimals + ';-#,##0.' + '0' * decimals
    return f"{_minus(format_decimal(x * 100, signed, locale=LOCALE))} procentenheter"


def distinct_from(x: float, other: float, show, decimals: int = 1, most: int = 3) -> str:
    """``show(x, d)`` with the fewest decimals from ``decimals`` up to ``most`` at which ``x`` does
    not read as ``other`` (e.g. a change of −1,96 pp next to a target of −2,0: '−1,96')."""
    for d in range(decimals, most + 1):
        if show(x, d) != show(other, d) or x == other:
            return show(x, d)
    return show(x, most)


def signed_pct(x: float | None, decimals: int = 1) -> str:
    """A relative change: -0.164 -> '-16,4 %', 0.05 -> '+5,0 %'."""
    if x is None:
        return NO_DATA
    if round(x * 100, decimals) == 0:  # no sign on what reads as zero
        return pct(0.0, decimals)
    pattern = "+#,##0." + "0" * decimals + " %;-#,##0." + "0" * decimals + " %"
    return _minus(format_percent(x, pattern, locale=LOCALE))


def shown(x, suppressed: bool | None, formatter) -> str:
    """A value as a table cell: '..' when suppressed, 'inga data' when there is none, else
    ``formatter(x)``. Example: shown(None, True, pct) -> '..'; shown(0.134, False, pct) -> '13,4 %'."""
    if suppressed:
        return SUPPRESSED
    return NO_DATA if x is None else formatter(x)


def indicator_value(x: float | None, indicator: str) -> str:
    """A value in the indicator's own format (share, count, rate, days)."""
    fmt = catalog.get(indicator).format
    if fmt == "percent":
        return pct(x)
    if fmt == "integer":
        return number(x)
    return decimal(x)
