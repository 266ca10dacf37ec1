"""What each kind of file must hold: the catalog the importer checks a file against.

Per kind (schools, population, absence, reports, interventions): its columns with their Swedish
aliases, types and codes, the common spellings of code values, the plausible range of each
integer column and the columns that key a row. ``fold`` is how any name or code is compared.

The seam: this is data, not procedure. It changes when a source system adds or renames a column;
reading, validation and the kind recognition (``reading.detect_kind``) all read it and none of
them holds a column name of its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from data import external
from data.domain.codes import (
    COMMITTEES,
    DECISIONS,
    GENDERS,
    INTERVENTION_TYPES,
    OPERATORS,
    REPORTER_CATEGORIES,
    SCHOOL_FORMS,
)

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
