"""The indicator catalog: every indicator of DOMAIN.md as a record.

A record says what the indicator means (Swedish label and definition, population, numerator and
denominator in words, edge cases) and how it is computed: a *source* (the unit that is counted:
a pupil in a period, a concern report, an intervention), a fixed population condition, and the
numerator and denominator as SQL conditions over the source's columns. ``metrics.engine`` turns
every record into numbers by one code path; METRICS.md is generated from these records.

Kinds:
* ``share``  value = numerator / denominator (both counts), with a 95 % Wilson interval;
* ``count``  value = numerator (a count);
* ``rate``   value = numerator / denominator x 1 000 (denominator: residents aged 0-20);
* ``mean``   value = numerator / denominator (numerator: a sum of days; denominator: cases);
* ``change`` value = numerator / denominator - 1 (this period's count against the same period
  one year earlier).
"""

from __future__ import annotations

from dataclasses import dataclass

from data.warehouse import SCHOOL_SYSTEM_REPORTERS

KINDS = ("share", "count", "rate", "mean", "change")
POLARITIES = {"lower_better": "lägre är bättre", "higher_better": "högre är bättre",
              "neutral": "varken högre eller lägre är i sig bättre"}

_SCHOOL_SYSTEM = "(" + ", ".join(f"'{c}'" for c in SCHOOL_SYSTEM_REPORTERS) + ")"
_ASSESSED = "decision IN ('utredning_inleds', 'utredning_inleds_ej')"


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str  # Swedish column heading


DIMENSIONS: dict[str, Dimension] = {d.name: d for d in (
    Dimension("school_form", "Skolform"),
    Dimension("area", "Område"),
    Dimension("school", "Skolenhet"),
    Dimension("grade", "Årskurs"),
    Dimension("gender", "Kön"),
    Dimension("operator", "Huvudman"),
    Dimension("reporter_category", "Anmälarkategori"),
    Dimension("decision", "Beslut"),
    Dimension("age_band", "Ålder"),
    Dimension("intervention_type", "Insatstyp"),
    Dimension("committee", "Ansvarig nämnd"),
    Dimension("absence_band", "Frånvaro"),
)}


@dataclass(frozen=True)
class Source:
    name: str
    unit: str  # Swedish: what one row is
    dims: tuple[str, ...]
    description: str


SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("pupils", "elev under perioden",
           ("school_form", "area", "school", "grade", "gender", "operator", "absence_band"),
           "En rad per elev och skolform under perioden: schemalagd tid, frånvaro och ogiltig "
           "frånvaro summeras över periodens alla månader innan något tröskelvärde prövas. Skola, "
           "årskurs och kön är elevens uppgifter den senaste månaden i perioden. Kolumnen "
           "with_intervention är sann om barnet hade en insats aktiv någon gång under perioden. "
           "Frånvarointervallet (absence_band) är 0–15 %, över 15–25 %, över 25–50 % eller över 50 % "
           "av den schemalagda tiden."),
    Source("reports", "orosanmälan som inkom under perioden",
           ("reporter_category", "gender", "area", "school", "school_form", "operator",
            "age_band", "decision"),
           "En rad per orosanmälan med inkomstdatum i perioden. Område är anmälans område, annars "
           "skolenhetens område; saknas båda redovisas 'okänt'."),
    Source("interventions_active", "barn med aktiv insats under perioden",
           ("intervention_type", "committee", "school", "area", "school_form"),
           "Insatser som var aktiva någon gång under perioden (start senast periodens sista dag och "
           "slut tidigast periodens första dag eller inget slutdatum). Barn räknas unikt per grupp."),
    Source("interventions_started", "insats som startade under perioden",
           ("intervention_type", "committee", "school", "area", "school_form"),
           "Insatser med startdatum i perioden."),
    Source("interventions_ended", "insats som avslutades under perioden",
           ("intervention_type", "committee", "school", "area", "school_form"),
           "Insatser med slutdatum i perioden."),
)}


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str  # Swedish, short
    definition: str  # Swedish, one sentence
    kind: str
    source: str
    polarity: str
    unit: str  # Swedish unit: 'andel', 'antal', 'per 1 000 invånare 0–20 år', 'dagar'
    format: str  # percent | integer | decimal
    population: str  # Swedish
    numerator_text: str
    denominator_text: str
    numerator: str  # SQL condition over the source (a sum expression for kind 'mean')
    denominator: str = "TRUE"  # SQL condition over the source
    where: str = "TRUE"  # fixed population condition
    edge_cases: str = ""
    distinct_children: bool = False  # count children, not rows (interventions_active)

    @property
    def dims(self) -> tuple[str, ...]:
        return SOURCES[self.source].dims if self.kind != "rate" else ("area",)


_HIGH = "absent * 100 > 15 * scheduled"  # exclusive: exactly 15.0 % is not "more than 15 %"
_EDGE_ABSENCE = ("Exakt 15,0 % räknas inte som hög frånvaro (gränsen är 'mer än'). Månadsminuterna "
                 "summeras före tröskeln, så en elev med en enstaka frånvarotung månad räknas inte. "
                 "Elever utan schemalagd tid ingår inte i nämnaren. En elev som byter skolform under "
                 "perioden räknas en gång i varje skolform.")

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "high_absence_share", "Andel elever med hög frånvaro",
        "Andelen elever vars totala frånvaro (giltig och ogiltig) under perioden är mer än 15 % "
        "av den schemalagda tiden.",
        "share", "pupils", "lower_better", "andel", "percent",
        "Elever med schemalagd tid under perioden.",
        "Elever vars frånvaro är mer än 15 % av den schemalagda tiden.",
        "Elever med schemalagd tid under perioden.",
        _HIGH, "scheduled > 0", edge_cases=_EDGE_ABSENCE),
    Indicator(
        "very_high_absence_share", "Andel elever med mycket hög frånvaro (över 50 %)",
        "Andelen elever vars totala frånvaro under perioden är mer än 50 % av den schemalagda "
        "tiden (problematisk skolfrånvaro).",
        "share", "pupils", "lower_better", "andel", "percent",
        "Elever med schemalagd tid under perioden.",
        "Elever vars frånvaro är mer än 50 % av den schemalagda tiden.",
        "Elever med schemalagd tid under perioden.",
        "absent * 100 > 50 * scheduled", "scheduled > 0",
        edge_cases="Exakt 50,0 % räknas inte. " + _EDGE_ABSENCE),
    Indicator(
        "invalid_absence_share", "Andel elever med hög ogiltig frånvaro",
        "Andelen elever vars ogiltiga frånvaro under perioden är mer än 15 % av den schemalagda "
        "tiden.",
        "share", "pupils", "lower_better", "andel", "percent",
        "Elever med schemalagd tid och registrerad ogiltig frånvaro varje månad i perioden.",
        "Elever vars ogiltiga frånvaro är mer än 15 % av den schemalagda tiden.",
        "Elever med schemalagd tid och uppgift om ogiltig frånvaro för alla periodens månader.",
        "invalid * 100 > 15 * scheduled", "scheduled > 0 AND n_invalid = n_months",
        edge_cases="Elever där ogiltig frånvaro saknas för någon månad ingår inte. "
                   + _EDGE_ABSENCE),
    Indicator(
        "high_absence_share_intervention", "Andel elever med hög frånvaro bland barn med insats",
        "Andelen elever i förskoleklass–årskurs 9 i kommunala skolor med en insats aktiv någon gång "
        "under perioden vars frånvaro är mer än 15 % av den schemalagda tiden.",
        "share", "pupils", "lower_better", "andel", "percent",
        "Elever i kommunal grundskola (F–9) som hade en insats aktiv någon gång under perioden.",
        "Elever i populationen vars frånvaro är mer än 15 % av den schemalagda tiden.",
        "Elever i populationen med schemalagd tid.",
        _HIGH, "scheduled > 0",
        where="school_form = 'grundskola' AND operator = 'kommunal' AND with_intervention",
        edge_cases="Insatser av alla typer och nämnder räknas; en insats som startar efter "
                   "periodens slut räknas inte. Elev och insats kopplas med det pseudonyma "
                   "barn-id:t. " + _EDGE_ABSENCE),
    Indicator(
        "intervention_coverage", "Andel elever med hög frånvaro som har en insats",
        "Andelen av eleverna med mer än 15 % frånvaro under perioden som hade en insats aktiv "
        "någon gång under perioden.",
        "share", "pupils", "higher_better", "andel", "percent",
        "Elever med mer än 15 % frånvaro under perioden.",
        "Elever med hög frånvaro och en insats aktiv under perioden.",
        "Elever med hög frånvaro.",
        "with_intervention", f"scheduled > 0 AND {_HIGH}",
        edge_cases="Alla insatstyper räknas. " + _EDGE_ABSENCE),
    Indicator(
        "pupil_count", "Antal elever",
        "Antalet elever med schemalagd tid under perioden.",
        "count", "pupils", "neutral", "antal", "integer",
        "Elever med schemalagd tid under perioden.", "Elever med schemalagd tid.", "–",
        "scheduled > 0",
        edge_cases="Delat på frånvarointervall ger fördelningen av elever efter frånvaro. En elev "
                   "som byter skolform under perioden räknas en gång i varje skolform."),
    Indicator(
        "report_count", "Antal orosanmälningar",
        "Antalet orosanmälningar som inkom under perioden.",
        "count", "reports", "neutral", "antal", "integer",
        "Orosanmälningar om barn 0–20 år.", "Inkomna orosanmälningar.", "–",
        "TRUE", edge_cases="En anmälan räknas en gång även om den gäller ett barn som anmälts "
                           "tidigare; flera anmälningar om samma barn räknas var för sig."),
    Indicator(
        "report_rate_per_1000", "Orosanmälningar per 1 000 invånare 0–20 år",
        "Antalet inkomna orosanmälningar under perioden per 1 000 invånare i åldern 0–20 år.",
        "rate", "reports", "neutral", "per 1 000 invånare 0–20 år", "decimal",
        "Orosanmälningar om barn 0–20 år; befolkningen 0–20 år.",
        "Inkomna orosanmälningar.",
        "Invånare 0–20 år det kalenderår perioden börjar (per område vid uppdelning på område).",
        "TRUE",
        edge_cases="Värdet räknas inte om till helår: en månad ger en månads anmälningar per "
                   "1 000. Kan bara delas upp på område. Saknas befolkning för året ges inget värde."),
    Indicator(
        "report_change", "Förändring av antalet orosanmälningar jämfört med året innan",
        "Antalet inkomna orosanmälningar under perioden jämfört med samma period ett år tidigare, "
        "som relativ förändring.",
        "change", "reports", "neutral", "förändring", "percent",
        "Orosanmälningar om barn 0–20 år.",
        "Anmälningar under perioden.", "Anmälningar under samma period ett år tidigare.",
        "TRUE",
        edge_cases="Inga anmälningar året innan ger inget värde (ingen division med noll)."),
    Indicator(
        "school_system_share", "Skolväsendets andel av orosanmälningarna",
        "Andelen av periodens orosanmälningar som kom från skola, förskola eller elevhälsa.",
        "share", "reports", "neutral", "andel", "percent",
        "Orosanmälningar om barn 0–20 år.",
        "Anmälningar från skola, förskola eller elevhälsa.", "Alla anmälningar.",
        f"reporter_category IN {_SCHOOL_SYSTEM}"),
    Indicator(
        "investigation_share", "Andel anmälningar som leder till utredning",
        "Andelen av de förhandsbedömda anmälningarna där förhandsbedömningen ledde till att en "
        "utredning inleddes.",
        "share", "reports", "neutral", "andel", "percent",
        "Orosanmälningar som förhandsbedömts (utredning inleds eller inleds ej).",
        "Anmälningar där utredning inleds.",
        "Anmälningar med beslut 'utredning inleds' eller 'utredning inleds ej'.",
        "decision = 'utredning_inleds'", _ASSESSED,
        edge_cases="Anmälningar som gäller ett barn med pågående utredning och anmälningar som "
                   "ännu inte bedömts ingår inte i nämnaren; de redovisas i egna indikatorer."),
    Indicator(
        "ongoing_investigation_share", "Andel anmälningar om barn med pågående utredning",
        "Andelen av periodens anmälningar som gällde ett barn där en utredning redan pågick.",
        "share", "reports", "neutral", "andel", "percent",
        "Orosanmälningar om barn 0–20 år.",
        "Anmälningar med beslut 'pågående utredning'.", "Alla anmälningar.",
        "decision = 'pagaende_utredning'"),
    Indicator(
        "unassessed_share", "Andel anmälningar som ännu inte bedömts",
        "Andelen av periodens anmälningar som ännu saknar förhandsbedömning.",
        "share", "reports", "lower_better", "andel", "percent",
        "Orosanmälningar om barn 0–20 år.",
        "Anmälningar med beslut 'ej bedömd'.", "Alla anmälningar.",
        "decision = 'ej_bedomd'",
        edge_cases="Höga värden är väntade för de senaste två veckorna före dataleveransen."),
    Indicator(
        "assessment_within_14_days", "Andel förhandsbedömningar inom 14 dagar",
        "Andelen förhandsbedömda anmälningar där beslutet fattades högst 14 dagar efter att "
        "anmälan inkom.",
        "share", "reports", "higher_better", "andel", "percent",
        "Förhandsbedömda anmälningar (utredning inleds eller inleds ej) med beslutsdatum.",
        "Anmälningar med beslutsdatum högst 14 dagar efter inkomstdatum.",
        "Förhandsbedömda anmälningar med beslutsdatum.",
        "decision_date - received_date <= 14", f"{_ASSESSED} AND decision_date IS NOT NULL",
        edge_cases="Exakt 14 dagar räknas som inom tidsgränsen. Anmälningar som ännu inte bedömts "
                   "ingår inte (se 'Andel anmälningar som ännu inte bedömts')."),
    Indicator(
        "feedback_share", "Andel anmälningar från skolväsendet med återkoppling",
        "Andelen bedömda anmälningar från skola, förskola eller elevhälsa där anmälaren fick veta "
        "om en utredning inleddes.",
        "share", "reports", "higher_better", "andel", "percent",
        "Anmälningar från skola, förskola eller elevhälsa som har bedömts.",
        "Anmälningar där återkoppling gavs.",
        "Anmälningar från skolväsendet med annat beslut än 'ej bedömd'.",
        "feedback_given IS TRUE", "decision <> 'ej_bedomd'",
        where=f"reporter_category IN {_SCHOOL_SYSTEM}",
        edge_cases="Saknad uppgift om återkoppling räknas som att återkoppling inte gavs."),
    Indicator(
        "feedback_days", "Dagar till återkoppling",
        "Genomsnittligt antal dagar från att anmälan inkom till att anmälaren fick återkoppling, "
        "för anmälningar från skolväsendet.",
        "mean", "reports", "lower_better", "dagar", "decimal",
        "Anmälningar från skola, förskola eller elevhälsa med återkopplingsdatum.",
        "Summan av dagar från inkomstdatum till återkopplingsdatum.",
        "Anmälningar med återkopplingsdatum.",
        "feedback_date - received_date", "feedback_given IS TRUE AND feedback_date IS NOT NULL",
        where=f"reporter_category IN {_SCHOOL_SYSTEM}"),
    Indicator(
        "meeting_share", "Andel anmälningar från skolväsendet med anmälningsmöte",
        "Andelen anmälningar från skola, förskola eller elevhälsa där ett anmälningsmöte hölls.",
        "share", "reports", "higher_better", "andel", "percent",
        "Anmälningar från skola, förskola eller elevhälsa med uppgift om anmälningsmöte.",
        "Anmälningar där anmälningsmöte hölls.", "Anmälningar med uppgift om anmälningsmöte.",
        "meeting_held IS TRUE", "meeting_held IS NOT NULL",
        where=f"reporter_category IN {_SCHOOL_SYSTEM}",
        edge_cases="Anmälningar utan uppgift om möte ingår inte i nämnaren."),
    Indicator(
        "meeting_attended_share", "Andel anmälningsmöten där anmälaren deltog",
        "Andelen hållna anmälningsmöten om anmälningar från skolväsendet där skolan eller "
        "förskolan deltog.",
        "share", "reports", "higher_better", "andel", "percent",
        "Anmälningsmöten om anmälningar från skola, förskola eller elevhälsa.",
        "Möten där anmälaren deltog.", "Hållna möten med uppgift om deltagande.",
        "reporter_attended IS TRUE", "meeting_held IS TRUE AND reporter_attended IS NOT NULL",
        where=f"reporter_category IN {_SCHOOL_SYSTEM}"),
    Indicator(
        "interventions_active", "Barn med aktiv insats",
        "Antalet barn som hade en insats aktiv någon gång under perioden.",
        "count", "interventions_active", "neutral", "antal", "integer",
        "Barn med insats.", "Unika barn med minst en aktiv insats.", "–", "TRUE",
        edge_cases="Ett barn med flera insatstyper räknas en gång per typ men en gång i totalen, "
                   "så typerna summerar inte alltid till totalen. En insats som startar efter "
                   "periodens slut räknas inte.",
        distinct_children=True),
    Indicator(
        "interventions_started", "Nya insatser",
        "Antalet insatser som startade under perioden.",
        "count", "interventions_started", "neutral", "antal", "integer",
        "Insatser.", "Insatser med startdatum i perioden.", "–", "TRUE"),
    Indicator(
        "intervention_duration_days", "Insatsernas längd i dagar",
        "Genomsnittlig längd i dagar för insatser som avslutades under perioden.",
        "mean", "interventions_ended", "neutral", "dagar", "decimal",
        "Insatser som avslutades under perioden.",
        "Summan av dagar från start till slut.", "Avslutade insatser.",
        "end_date - start_date", "TRUE",
        edge_cases="Pågående insatser ingår inte."),
)

BY_NAME: dict[str, Indicator] = {i.name: i for i in INDICATORS}


class UnknownIndicator(KeyError):
    def __str__(self) -> str:
        return (f"Okänd indikator '{self.args[0]}'. Kända: " + ", ".join(BY_NAME) + ".")


def get(name: str) -> Indicator:
    try:
        return BY_NAME[name]
    except KeyError:
        raise UnknownIndicator(name) from None


# Swedish labels for code values shown to users.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "school_form": {"forskola": "Förskola", "grundskola": "Grundskola", "gymnasieskola": "Gymnasieskola"},
    "operator": {"kommunal": "Kommunal", "fristaende": "Fristående"},
    "gender": {"flicka": "Flickor", "pojke": "Pojkar", "annat": "Annat kön"},
    "reporter_category": {
        "skola": "Skola", "forskola": "Förskola", "elevhalsa": "Elevhälsa", "polis": "Polis",
        "halso_och_sjukvard": "Hälso- och sjukvård", "socialtjanst": "Socialtjänst",
        "privatperson": "Privatperson/anhörig", "anonym": "Anonym", "annan": "Annan"},
    "decision": {"utredning_inleds": "Utredning inleds", "utredning_inleds_ej": "Utredning inleds ej",
                 "pagaende_utredning": "Pågående utredning", "ej_bedomd": "Ej bedömd"},
    "intervention_type": {
        "skolsocialt_team": "Skolsocialt team", "skolfam": "Skolfam", "starka": "STÄRKA",
        "tsi": "TSI – tidiga samordnade insatser", "foraldraskapsstod": "Föräldraskapsstöd",
        "narvaroteam": "Närvaroteam", "sip": "SIP – samordnad individuell plan",
        "utan_behovsprovning": "Insats utan individuell behovsprövning", "annan": "Annan insats"},
    "committee": {"sn": "Socialnämnden", "bun": "Barn- och utbildningsnämnden", "gemensam": "Gemensam"},
    "grade": {"F": "Förskoleklass"},
}

# Order of the absence bands (for charts and tables).
ABSENCE_BANDS = ("0–15 %", "över 15–25 %", "över 25–50 %", "över 50 %")

# How every indicator is treated, in Swedish for the definitions page.
METHOD_NOTES = (
    "Perioder: månad, termin (HT = 1 juli–31 december, VT = 1 januari–30 juni), läsår (HT + VT) "
    "eller kalenderår. Frånvaro rapporteras per månad; en månad hör till perioden om "
    "dess första dag gör det.",
    "Frånvaro summeras per elev över hela perioden innan gränsen 15 % prövas; månadsandelar "
    "medelvärdesbildas aldrig.",
    "Andelar visas med ett 95 %-konfidensintervall (Wilson). Överlappar två intervall kan "
    "skillnaden bero på slumpen.",
    "'..' betyder att värdet inte visas: antal 1–4 och andelar med färre än 10 i nämnaren visas "
    "inte, och ytterligare celler döljs så att ett dolt värde inte kan räknas fram ur en summa.",
    "Alla antal i tabeller, diagram och nedladdningar är avrundade till närmaste 5, och andelar räknas "
    "på de avrundade antalen, så att ingen skillnad mellan två siffror kan avslöja enskilda barn. "
    "Målens status räknas på exakta antal.",
    "Målen jämför läsår med basåret. Under ett pågående läsår jämförs terminen hittills med samma "
    "månader basåret.",
)
