"""Accessibility (WCAG 2.1 AA, as DOS-lagen requires): the page language, visible focus, and the
accessibility statement (Tillgänglighetsredogörelse) with what is known not to be accessible.

``GAPS`` is the one list of known gaps: the statement names each of them, and the browser sweep
(tests/test_a11y.py) allows an axe-core violation only when a gap with its rule and element is
listed here, so nothing is excused in the test that the statement does not tell users.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import streamlit as st

from data import settings
from ui import format as fmt

AXE_VERSION = "4.14.1"  # tests/a11y/package.json pins the same version (a test compares them)
ASSESSED = date(2026, 12, 3)  # the date of the latest assessment (the sweep, the keyboard walk, review)
DIGG_FORM = "https://www.digg.se/tdosanmalan"
WIDTHS = (1280, 820)  # desktop and tablet, CSS pixels: the sweep's widths


@dataclass(frozen=True)
class Gap:
    """Something that is not accessible, in the statement's words (Swedish)."""
    criterion: str  # the WCAG 2.1 success criterion, e.g. '3.1.2 Språk för delar av innehållet'
    what: str  # what a user meets
    why: str  # why it is so (Streamlit renders it and has no public option to change it)
    axe_rule: str | None = None  # the axe-core rule that reports it, if any
    axe_target: str | None = None  # a CSS selector the reported element matches (or lies inside)


# English that Streamlit renders, in view or as names for screen readers, with no public option to
# change it: the statement lists these, and the browser sweep allows no other English.
# (pattern, what it is, in the statement's words)
STREAMLIT_ENGLISH: tuple[tuple[str, str, tuple[str, ...]], ...] = (  # (pattern, what it is, examples)
    (r"Skip to main content", "länken för att hoppa till sidans innehåll", ("Skip to main content",)),
    (r"Sidebar|Collapse sidebar|Expand sidebar|App pages", "sidopanelens och menyns namn och knappar",
     ("Sidebar", "Collapse sidebar", "App pages")),
    (r"Help for .+", "hjälpknapparna bredvid fälten", ("Help for …",)),
    (r"Open|Close|Clear all|Clear value", "knapparna som öppnar och tömmer listor", ("Open", "Clear all")),
    (r"\d+ results? available\.?|\d+ options? available\.?|.*(option|result).*(selected|focused).*",
     "det en skärmläsare läser upp om en lista när man väljer i den", ("6 options available",)),
    (r"Link to heading", "länken till ett måls rubrik på målkortet", ("Link to heading",)),
    (r"Upload|Add files|\d+MB per file.*|file upload|Remove file|Delete file|Browse files", "filuppladdningen",
     ("Upload", "Add files", "200MB per file")),
    (r"Running\.*|Running…|Stop", "statusrutan medan sidan räknar", ("Running…", "Stop")),
    (r"Show/hide columns|Search|Fullscreen|Close fullscreen|Clear search", "tabellernas verktygsrad",
     ("Search", "Fullscreen")),
)


def _english_parts() -> str:
    """'… (”Skip to main content”), …' for the statement, the English marked as English (3.1.2)."""
    def english(text: str) -> str:
        return f'”<span lang="en">{text}</span>”'

    return "; ".join(f"{what} ({', '.join(english(e) for e in examples)})"
                     for _pattern, what, examples in STREAMLIT_ENGLISH)


GAPS: tuple[Gap, ...] = (
    Gap("3.1.1 Sidans språk",
        "Den HTML-sida som servern skickar anger engelska som språk (lang=\"en\"). Ett skript sätter "
        "svenska (lang=\"sv\") så snart sidan har laddats, så skärmläsare och webbläsare som läser "
        "sidan efter laddningen får svenska; verktyg som läser sidans källkod utan att köra skript "
        "ser engelska.",
        "Ramverket Streamlit skriver in språket i sidans mall och har ingen inställning för det "
        "([Streamlits ärende om sidans språk](https://github.com/streamlit/streamlit/issues/15726))."),
    Gap("3.1.2 Språk för delar av innehållet",
        "Några texter som ramverket ritar, synliga eller som namn som skärmläsare läser upp, är på "
        f"engelska och inte märkta som engelska: {_english_parts()}. Meddelandet som visas om "
        "förbindelsen med servern bryts är också på engelska.",
        "Streamlit har ingen inställning för de texterna. Alla texter som Samverkan själv skriver, och "
        "alla etiketter, platshållare och format som Streamlit låter oss ange, är på svenska."),
    Gap("1.1.1 Icke-textuellt innehåll och 2.1.1 Tangentbord",
        "Diagrammen går inte att utforska med tangentbordet punkt för punkt (värdet visas när "
        "muspekaren vilar på en punkt).",
        "Diagrammen ritas av Plotly i Streamlit. Varje diagram har i stället en mening som säger vad "
        "det visar (också uppläst av skärmläsare) och en tabell med samma siffror under "
        "”Visa tabell”."),
)


def streamlit_english(text: str) -> bool:
    """Whether ``text`` is one of Streamlit's English texts that the statement names."""
    return any(re.fullmatch(pattern, text) for pattern, _what, _examples in STREAMLIT_ENGLISH)


def statement_gaps() -> tuple[Gap, ...]:
    return GAPS


# Scripts in st.html run only with unsafe_allow_javascript; this one is a constant of ours.
_SWEDISH = "<script>document.documentElement.setAttribute('lang', 'sv');</script>"
# Streamlit's own focus marks are faint on some controls: a clear ring on every focused control
# (2.4.7), in the primary colour, which has 5:1 contrast against white.
_FOCUS_CSS = ("<style>:focus-visible{outline:3px solid #0072B2 !important;outline-offset:2px !important}"
              "</style>")


def page_setup() -> None:
    """Every page: Swedish as the document's language (lang="sv") and a visible focus ring."""
    st.html(_FOCUS_CSS)  # style only: Streamlit puts it where it takes no room
    st.html(_SWEDISH, unsafe_allow_javascript=True, width="content")


def contact_text() -> str:
    contact = settings.accessibility_contact()
    if not contact:
        return ("Ingen kontaktuppgift är inställd ännu: systemförvaltaren anger den med inställningen "
                "SAMVERKAN_ACCESSIBILITY_CONTACT.")
    if "@" in contact and "://" not in contact:
        return f"[{fmt.literal(contact)}](mailto:{contact})"
    return f"[{fmt.literal(contact)}]({contact})"


def statement() -> None:
    """The statement on its page (and on the login page, before anyone has logged in)."""
    # HTML for the English examples marked lang="en"; the text is ours (the contact is escaped)
    st.markdown(statement_markdown(settings.municipality() or "Kommunen"), unsafe_allow_html=True)


def statement_markdown(owner: str) -> str:
    """The statement as Markdown, in the order of DIGG's model statement (``owner``: who runs
    the service, e.g. the municipality)."""
    gaps = "\n".join(f"- **{g.criterion}.** {g.what} *Varför:* {g.why}" for g in statement_gaps())
    when = ASSESSED.isoformat()
    widths = " och ".join(fmt.number(w) for w in WIDTHS)
    return f"""
{fmt.literal(owner)} står bakom Samverkan, uppföljningen av nämndernas gemensamma mål för barn som far
illa eller riskerar att fara illa. Vi vill att alla som behöver tjänsten ska kunna använda den. Här
beskriver vi hur Samverkan uppfyller lagen (2018:1937) om tillgänglighet till digital offentlig
service, vilka brister vi känner till och hur du rapporterar brister till oss.

### Hur tillgänglig är tjänsten?
Samverkan är **delvis förenlig** med lagen om tillgänglighet till digital offentlig service, som
hänvisar till nivå AA i WCAG 2.1 (standarden EN 301 549). Bristerna beskrivs under *Innehåll som
inte är tillgängligt*. De finns i delar som ramverket Streamlit ritar och som vi inte kan ändra.

### Vad kan du göra om du inte kan använda delar av tjänsten?
Varje diagram har en mening som säger vad det visar och en tabell med samma siffror (*Visa tabell*).
Den som får ladda ner kan också ta varje sida som HTML-rapport och uppföljningsrapporten i Word och
som taggad PDF. Behöver du innehållet i ett annat format, kontakta oss: {contact_text()}

### Rapportera brister
Vi arbetar med att göra tjänsten mer tillgänglig. Upptäcker du något som vi inte beskriver här,
eller anser du att tjänsten inte uppfyller lagens krav, kontakta oss: {contact_text()} Skriv vilken
sida det gäller och vad som inte fungerar.

### Tillsyn
Myndigheten för digital förvaltning (Digg) har ansvaret för tillsyn enligt lagen om tillgänglighet
till digital offentlig service. Är du inte nöjd med hur vi hanterar dina synpunkter kan du anmäla
det till Digg: [Anmäl bristande tillgänglighet]({DIGG_FORM}).

### Teknisk information om tjänstens tillgänglighet
Samverkan är delvis förenlig med WCAG 2.1 nivå AA, på grund av bristerna nedan.

#### Innehåll som inte är tillgängligt
{gaps}

### Hur vi har testat tjänsten
Vi har själva granskat Samverkan. Den senaste bedömningen gjordes {when}:
- automatiskt med axe-core {AXE_VERSION} i webbläsaren Chromium, mot alla regler för WCAG 2.1 nivå
  A och AA, på varje sida i bredderna {widths} bildpunkter (dator och surfplatta) och på de sidor
  som ser olika ut för rollerna ledamot, styrgrupp, analytiker och dataförvaltare;
- med enbart tangentbord: på Översikt nås varje kontroll, och fokus syns;
- för hand: texter, diagrammens beskrivningar, bildexporter och rapporter.

De automatiska testerna körs vid varje ändring av tjänsten. Redogörelsen uppdaterades senast {when}.
"""
