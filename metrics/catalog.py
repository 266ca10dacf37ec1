"""The indicator catalog: every indicator of DOMAIN.md as a record.

A record says what the indicator means (Swedish label and definition, population, numerator and
denominator in words, edge cases) and how it is computed: a *source* (the unit that is counted:
a pupil in a period, a concern report, an intervention), a fixed population condition, and the
numerator and denominator as SQL conditions over the source's columns. ``metrics.engine`` turns
every record into numbers by one code path; METRICS.md is generated from these records.

The kinds (share, count, rate, mean, change) and everything each one implies live in one
table, ``metrics.kinds.SPECS``. The catalog is also the one source of goal rules: which
indicators can carry a goal (``goal_capable``), which filters each accepts (``filters``) and its
polarity; ``metrics.goals`` validates goal files against it.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import duckdb

from data.domain import absence
from data.domain.codes import COMMITTEES, INTERVENTION_TYPES, SCHOOL_SYSTEM_REPORTERS
from metrics.kinds import POLARITY_TEXT, SPECS, Kind, KindSpec, Polarity

KINDS = tuple(Kind)
POLARITIES = POLARITY_TEXT

_SCHOOL_SYSTEM = "(" + ", ".join(f"'{c}'" for c in SCHOOL_SYSTEM_REPORTERS) + ")"
_ASSESSED = "decision IN ('utredning_inleds', 'utredning_inleds_ej')"


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str  # Swedish column heading


DIMENSIONS: dict[str, Dimension] = {d.name: d for d in (
    Dimension(name="school_form", label="Skolform"),
    Dimension(name="area", label="Område"),
    Dimension(name="school", label="Skolenhet"),
    Dimension(name="grade", label="Årskurs"),
    Dimension(name="gender", label="Kön"),
    Dimension(name="operator", label="Huvudman"),
    Dimension(name="reporter_category", label="Anmälarkategori"),
    Dimension(name="decision", label="Beslut"),
    Dimension(name="age_band", label="Ålder"),
    Dimension(name="intervention_type", label="Insatstyp"),
    Dimension(name="committee", label="Ansvarig nämnd"),
    Dimension(name="absence_band", label="Frånvaro"),
)}


@dataclass(frozen=True)
class Filter:
    """A filter that is not a breakdown: a column of the source's unit, or a condition on
    something joined to it (e.g. which interventions make a pupil 'with intervention')."""
    name: str
    label: str  # Swedish
    help: str  # Swedish: what it does
    values: tuple[str, ...] | None = None  # the allowed values; None: true/false
    # A column of the interventions table: the filter chooses which interventions count for
    # with_intervention instead of restricting the unit's rows. None: a column of the unit.
    intervention_column: str | None = None


@dataclass(frozen=True)
class Source:
    name: str
    unit: str  # Swedish: what one row is
    dims: tuple[str, ...]
    description: str
    filters: tuple[Filter, ...] = ()  # filters besides the breakdown dimensions
    # Every column of the engine's unit for this source (its 'unit' CTE in metrics.engine): what
    # an indicator's SQL may read. ``validate`` checks the indicators against it, and
    # tests/test_validation.py checks it against the engine's query on an empty warehouse.
    columns: tuple[str, ...] = ()
    # The places of the source's smallest published cells (DISCLOSURE.md, rule 3): every figure
    # above them is a sum of the cells. A school for pupils; an area for concern reports and
    # interventions, which are a handful per school and month (sums of many such cells would
    # rest on stand-ins), so they are not broken down by school, school form or operator.
    cells: tuple[str, ...] = ()


_PUPIL_FILTERS = (
    Filter(name="with_intervention", label="Med insats",
           help="Sant: bara elever med en insats aktiv någon gång under perioden; falskt: bara elever utan."),
    Filter(name="intervention_committee", label="Insatsens ansvariga nämnd",
           help="Vilka insatser som räknas när det avgörs om eleven har en insats: bara insatser med "
                "denna ansvariga nämnd (t.ex. sn = socialnämndens egna).",
           values=COMMITTEES, intervention_column="committee"),
    Filter(name="intervention_type", label="Insatstyp",
           help="Vilka insatser som räknas när det avgörs om eleven har en insats: bara insatser av "
                "denna typ.", values=INTERVENTION_TYPES, intervention_column="intervention_type"),
)

_REPORT_COLUMNS = ("period", "report_id", "child_key", "received_date", "age", "reporter_category",
                   "decision", "decision_date", "feedback_given", "feedback_date", "meeting_held",
                   "reporter_attended", "as_of", "area", "gender", "school", "school_form", "operator",
                   "age_band")
_INTERVENTION_COLUMNS = ("period", "intervention_id", "child_key", "intervention_type", "committee",
                         "start_date", "end_date", "school", "area", "school_form")

SOURCES: dict[str, Source] = {s.name: s for s in (
    Source(name="pupils", unit="elev under perioden", filters=_PUPIL_FILTERS,
           dims=("school_form", "area", "school", "grade", "gender", "operator", "absence_band"),
           cells=("area", "school", "school_form", "operator"),
           description="En rad per elev under perioden: schemalagd tid, frånvaro och ogiltig frånvaro summeras "
           "över periodens alla månader, i alla skolor och skolformer, innan något tröskelvärde prövas. "
           "Skola, skolform, årskurs och kön är elevens uppgifter den senaste månaden i perioden; har "
           "eleven flera skolor den månaden gäller den med mest schemalagd tid (vid lika: högst "
           "skolenhetskod). En elev räknas alltså en gång i totalen även om hon bytt skola eller skolform. Kolumnen "
           "with_intervention är sann om barnet hade en insats aktiv någon gång under perioden. "
           f"Frånvarointervallet (absence_band) är {absence.listed()} av den schemalagda tiden.",
           columns=("period", "pupil_key", "school_form", "school", "grade", "gender", "scheduled", "absent",
                    "invalid", "n_invalid", "n_months", "area", "operator", "with_intervention",
                    "absence_band")),
    Source(name="reports", unit="orosanmälan som inkom under perioden",
           dims=("reporter_category", "gender", "area", "age_band", "decision"), cells=("area",),
           description="En rad per orosanmälan med inkomstdatum i perioden. Område är anmälans område, annars "
           "skolenhetens område; saknas båda redovisas 'okänt'. Anmälningarna redovisas per område, inte per "
           "skolenhet, skolform eller huvudman: de är för få per skola och månad (DISCLOSURE.md).",
           columns=_REPORT_COLUMNS),
    Source(name="interventions_active", unit="barn med aktiv insats under perioden",
           dims=("intervention_type", "committee", "area"), cells=("area",),
           description="Insatser som var aktiva någon gång under perioden (start senast periodens sista dag och "
           "slut tidigast periodens första dag eller inget slutdatum). Barn räknas unikt per grupp; i de avrundade, "
           "publicerade siffrorna räknas ett barn med insatser i två områden under perioden i båda. Insatserna "
           "redovisas per område, inte per skolenhet eller skolform: de är för få per skola och månad.",
           columns=_INTERVENTION_COLUMNS),
    Source(name="interventions_started", unit="insats som startade under perioden",
           dims=("intervention_type", "committee", "area"), cells=("area",),
           description="Insatser med startdatum i perioden, per område (inte per skolenhet eller skolform).", columns=_INTERVENTION_COLUMNS),
    Source(name="interventions_ended", unit="insats som avslutades under perioden",
           dims=("intervention_type", "committee", "area"), cells=("area",),
           description="Insatser med slutdatum i perioden, per område (inte per skolenhet eller skolform).", columns=_INTERVENTION_COLUMNS),
)}


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str  # Swedish, short
    definition: str  # Swedish, one sentence
    kind: Kind
    source: str
    polarity: Polarity
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
    # What one unit of the numerator is, as a plural noun phrase for sentences about a goal's
    # gap ("… behöver ungefär 290 färre elever med hög frånvaro …"); goal-capable indicators.
    numerator_noun: str = "fall"

    @property
    def spec(self) -> KindSpec:
        return SPECS[self.kind]

    @property
    def dims(self) -> tuple[str, ...]:
        """Breakdowns: the source's dimensions (a rate only by area: residents are known per area)."""
        return SOURCES[self.source].dims if self.spec.denominator_source != "population" else ("area",)

    @property
    def filters(self) -> tuple[str, ...]:
        """Everything a filter may name: the source's dimensions and its extra filters."""
        return SOURCES[self.source].dims + tuple(f.name for f in SOURCES[self.source].filters)

    def reads(self, column: str) -> bool:
        """Whether the indicator's population, numerator or denominator SQL reads ``column``
        (e.g. 'with_intervention', or 'as_of' for the 14-day rule): a column the parsed SQL
        refers to, not a substring of it (so 'school' is not read by 'school_form = ...')."""
        return column in self.columns_read

    @property
    def columns_read(self) -> frozenset[str]:
        """Every column the population, numerator and denominator SQL refers to (``sql_columns``)."""
        return sql_columns(self.where) | sql_columns(self.numerator) | sql_columns(self.denominator)

    def filter_spec(self, name: str) -> Filter | None:
        """The extra filter called ``name`` (None for a breakdown dimension or unknown name)."""
        return next((f for f in SOURCES[self.source].filters if f.name == name), None)

    @property
    def goal_capable(self) -> bool:
        """A goal can be set on it: a share with a direction (lower or higher is better)."""
        return self.spec.goal_capable and self.polarity != Polarity.NEUTRAL


_HIGH = absence.more_than_sql(absence.HIGH)  # exclusive: exactly 15.0 % is not "more than 15 %"
_EDGE_ABSENCE = ("Exakt 15,0 % räknas inte som hög frånvaro (gränsen är 'mer än'). Månadsminuterna "
                 "summeras före tröskeln, så en elev med en enstaka frånvarotung månad räknas inte. "
                 "Elever utan schemalagd tid ingår inte i nämnaren. En elev som byter skola eller skolform "
                 "under perioden räknas en gång, i den skola hon gick i den senaste månaden.")

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        name="high_absence_share", label="Andel elever med hög frånvaro",
        definition="Andelen elever vars totala frånvaro (giltig och ogiltig) under perioden är mer än 15 % "
        "av den schemalagda tiden.",
        kind=Kind.SHARE, source="pupils", polarity=Polarity.LOWER_BETTER, unit="andel", format="percent",
        population="Elever med schemalagd tid under perioden.",
        numerator_noun="elever med hög frånvaro",
        numerator_text="Elever vars frånvaro är mer än 15 % av den schemalagda tiden.",
        denominator_text="Elever med schemalagd tid under perioden.",
        numerator=_HIGH, denominator="scheduled > 0", edge_cases=_EDGE_ABSENCE),
    Indicator(
        name="very_high_absence_share", label=f"Andel elever med mycket hög frånvaro ({absence.BANDS[-1].label})",
        definition="Andelen elever vars totala frånvaro under perioden är mer än 50 % av den schemalagda "
        "tiden (problematisk skolfrånvaro).",
        kind=Kind.SHARE, source="pupils", polarity=Polarity.LOWER_BETTER, unit="andel", format="percent",
        population="Elever med schemalagd tid under perioden.",
        numerator_noun="elever med mycket hög frånvaro",
        numerator_text="Elever vars frånvaro är mer än 50 % av den schemalagda tiden.",
        denominator_text="Elever med schemalagd tid under perioden.",
        numerator=absence.more_than_sql(absence.VERY_HIGH), denominator="scheduled > 0",
        edge_cases="Exakt 50,0 % räknas inte. " + _EDGE_ABSENCE),
    Indicator(
        name="invalid_absence_share", label="Andel elever med hög ogiltig frånvaro",
        definition="Andelen elever vars ogiltiga frånvaro under perioden är mer än 15 % av den schemalagda "
        "tiden.",
        kind=Kind.SHARE, source="pupils", polarity=Polarity.LOWER_BETTER, unit="andel", format="percent",
        population="Elever med schemalagd tid och registrerad ogiltig frånvaro varje månad i perioden.",
        numerator_noun="elever med hög ogiltig frånvaro",
        numerator_text="Elever vars ogiltiga frånvaro är mer än 15 % av den schemalagda tiden.",
        denominator_text="Elever med schemalagd tid och uppgift om ogiltig frånvaro för alla periodens månader.",
        numerator=absence.more_than_sql(absence.HIGH, "invalid"), denominator="scheduled > 0 AND n_invalid = n_months",
        edge_cases="Elever där ogiltig frånvaro saknas för någon månad ingår inte. "
                   + _EDGE_ABSENCE),
    Indicator(
        name="high_absence_share_intervention", label="Andel elever med hög frånvaro bland barn med insats",
        definition="Andelen elever i förskoleklass–årskurs 9 i kommunala skolor med en insats aktiv någon gång "
        "under perioden vars frånvaro är mer än 15 % av den schemalagda tiden.",
        kind=Kind.SHARE, source="pupils", polarity=Polarity.LOWER_BETTER, unit="andel", format="percent",
        population="Elever i kommunal grundskola (F–9) som hade en insats aktiv någon gång under perioden.",
        numerator_noun="elever med hög frånvaro",
        numerator_text="Elever i populationen vars frånvaro är mer än 15 % av den schemalagda tiden.",
        denominator_text="Elever i populationen med schemalagd tid.",
        numerator=_HIGH, denominator="scheduled > 0",
        where="school_form = 'grundskola' AND operator = 'kommunal' AND with_intervention",
        edge_cases="Utan filter räknas insatser av alla typer och nämnder; filtren "
                   "intervention_committee och intervention_type väljer vilka som räknas "
                   "(socialnämndens mål: bara nämndens egna, intervention_committee = sn). En insats som "
                   "startar efter periodens slut räknas inte. Elev och insats kopplas med det pseudonyma "
                   "barn-id:t. " + _EDGE_ABSENCE),
    Indicator(
        name="intervention_coverage", label="Andel elever med hög frånvaro som har en insats",
        definition="Andelen av eleverna med mer än 15 % frånvaro under perioden som hade en insats aktiv "
        "någon gång under perioden.",
        kind=Kind.SHARE, source="pupils", polarity=Polarity.HIGHER_BETTER, unit="andel", format="percent",
        population="Elever med mer än 15 % frånvaro under perioden.",
        numerator_noun="elever med hög frånvaro som har en insats",
        numerator_text="Elever med hög frånvaro och en insats aktiv under perioden.",
        denominator_text="Elever med hög frånvaro.",
        numerator="with_intervention", denominator=f"scheduled > 0 AND {_HIGH}",
        edge_cases="Alla insatstyper räknas. " + _EDGE_ABSENCE),
    Indicator(
        name="pupil_count", label="Antal elever",
        definition="Antalet elever med schemalagd tid under perioden.",
        kind=Kind.COUNT, source="pupils", polarity=Polarity.NEUTRAL, unit="antal", format="integer",
        population="Elever med schemalagd tid under perioden.", numerator_text="Elever med schemalagd tid.", denominator_text="–",
        numerator="scheduled > 0",
        edge_cases="Delat på frånvarointervall ger fördelningen av elever efter frånvaro. En elev "
                   "som byter skola eller skolform under perioden räknas en gång, i den senaste."),
    Indicator(
        name="report_count", label="Antal orosanmälningar",
        definition="Antalet orosanmälningar som inkom under perioden.",
        kind=Kind.COUNT, source="reports", polarity=Polarity.NEUTRAL, unit="antal", format="integer",
        population="Orosanmälningar om barn 0–20 år.", numerator_text="Inkomna orosanmälningar.", denominator_text="–",
        numerator="TRUE", edge_cases="En anmälan räknas en gång även om den gäller ett barn som anmälts "
                           "tidigare; flera anmälningar om samma barn räknas var för sig."),
    Indicator(
        name="report_rate_per_1000", label="Orosanmälningar per 1 000 invånare 0–20 år",
        definition="Antalet inkomna orosanmälningar under perioden per 1 000 invånare i åldern 0–20 år.",
        kind=Kind.RATE, source="reports", polarity=Polarity.NEUTRAL, unit="per 1 000 invånare 0–20 år", format="decimal",
        population="Orosanmälningar om barn 0–20 år; befolkningen 0–20 år.",
        numerator_text="Inkomna orosanmälningar.",
        denominator_text="Invånare 0–20 år det kalenderår perioden börjar (per område vid uppdelning på område).",
        numerator="TRUE",
        edge_cases="Värdet räknas inte om till helår: en månad ger en månads anmälningar per "
                   "1 000. Kan bara delas upp på område. Saknas befolkning för året ges inget värde."),
    Indicator(
        name="report_change", label="Förändring av antalet orosanmälningar jämfört med året innan",
        definition="Antalet inkomna orosanmälningar under perioden jämfört med samma period ett år tidigare, "
        "som relativ förändring.",
        kind=Kind.CHANGE, source="reports", polarity=Polarity.NEUTRAL, unit="förändring", format="percent",
        population="Orosanmälningar om barn 0–20 år.",
        numerator_text="Anmälningar under perioden.", denominator_text="Anmälningar under samma period ett år tidigare.",
        numerator="TRUE",
        edge_cases="Inga anmälningar året innan ger inget värde (ingen division med noll)."),
    Indicator(
        name="school_system_share", label="Skolväsendets andel av orosanmälningarna",
        definition="Andelen av periodens orosanmälningar som kom från skola, förskola eller elevhälsa.",
        kind=Kind.SHARE, source="reports", polarity=Polarity.NEUTRAL, unit="andel", format="percent",
        population="Orosanmälningar om barn 0–20 år.",
        numerator_text="Anmälningar från skola, förskola eller elevhälsa.", denominator_text="Alla anmälningar.",
        numerator=f"reporter_category IN {_SCHOOL_SYSTEM}"),
    Indicator(
        name="investigation_share",
        label="Andel som leder till utredning, av förhandsbedömda anmälningar",
        definition="Andelen av de förhandsbedömda anmälningarna där förhandsbedömningen ledde till att en "
        "utredning inleddes.",
        kind=Kind.SHARE, source="reports", polarity=Polarity.NEUTRAL, unit="andel", format="percent",
        population="Orosanmälningar som förhandsbedömts (utredning inleds eller inleds ej).",
        numerator_text="Anmälningar där utredning inleds.",
        denominator_text="Anmälningar med beslut 'utredning inleds' eller 'utredning inleds ej'.",
        numerator="decision = 'utredning_inleds'", denominator=_ASSESSED,
        edge_cases="Anmälningar som gäller ett barn med pågående utredning och anmälningar som "
                   "ännu inte bedömts ingår inte i nämnaren; de redovisas i egna indikatorer. Andelen "
                   "av alla inkomna anmälningar är en egen indikator (investigation_share_all)."),
    Indicator(
        name="investigation_share_all",
        label="Andel som leder till utredning, av alla inkomna anmälningar",
        definition="Andelen av periodens alla inkomna anmälningar där förhandsbedömningen ledde till att en "
        "utredning inleddes.",
        kind=Kind.SHARE, source="reports", polarity=Polarity.NEUTRAL, unit="andel", format="percent",
        population="Orosanmälningar om barn 0–20 år.",
        numerator_text="Anmälningar där utredning inleds.",
        denominator_text="Alla inkomna anmälningar, oavsett beslut.",
        numerator="decision = 'utredning_inleds'",
        edge_cases="Anmälningar om barn med pågående utredning och obedömda anmälningar ingår i "
                   "nämnaren, så andelen är lägre än andelen av de förhandsbedömda och sjunker för de "
                   "senaste veckorna innan anmälningarna hunnit bedömas."),
    Indicator(
        name="ongoing_investigation_share", label="Andel anmälningar om barn med pågående utredning",
        definition="Andelen av periodens anmälningar som gällde ett barn där en utredning redan pågick.",
        kind=Kind.SHARE, source="reports", polarity=Polarity.NEUTRAL, unit="andel", format="percent",
        population="Orosanmälningar om barn 0–20 år.",
        numerator_text="Anmälningar med beslut 'pågående utredning'.", denominator_text="Alla anmälningar.",
        numerator="decision = 'pagaende_utredning'"),
    Indicator(
        name="unassessed_share", label="Andel anmälningar som ännu inte bedömts",
        definition="Andelen av periodens anmälningar som ännu saknar förhandsbedömning.",
        kind=Kind.SHARE, source="reports", polarity=Polarity.LOWER_BETTER, unit="andel", format="percent",
        population="Orosanmälningar om barn 0–20 år.",
        numerator_noun="obedömda anmälningar",
        numerator_text="Anmälningar med beslut 'ej bedömd'.", denominator_text="Alla anmälningar.",
        numerator="decision = 'ej_bedomd'",
        edge_cases="Höga värden är väntade för de senaste två veckorna före dataleveransen."),
    Indicator(
        name="assessment_within_14_days", label="Andel förhandsbedömningar inom 14 dagar",
        definition="Andelen av de anmälningar vars 14 dagar har gått där förhandsbedömningen var klar "
        "högst 14 dagar efter att anmälan inkom; en anmälan som ännu inte är bedömd efter 14 dagar "
        "räknas som för sen.",
        kind=Kind.SHARE, source="reports", polarity=Polarity.HIGHER_BETTER, unit="andel", format="percent",
        population="Orosanmälningar som inkom minst 14 dagar före datadatum, utom anmälningar om barn med "
                   "pågående utredning och bedömda anmälningar utan beslutsdatum.",
        numerator_noun="förhandsbedömningar inom 14 dagar",
        numerator_text="Anmälningar som förhandsbedömts (utredning inleds eller inleds ej) högst 14 dagar "
                       "efter inkomstdatum.",
        denominator_text="Anmälningar vars 14 dagar har gått: bedömda med beslutsdatum, och obedömda "
                         "(räknas som för sena).",
        numerator=f"{_ASSESSED} AND decision_date - received_date <= 14",
        denominator=f"received_date + 14 <= as_of AND ((decision = 'ej_bedomd') "
                    f"OR ({_ASSESSED} AND decision_date IS NOT NULL))",
        edge_cases="Exakt 14 dagar räknas som inom tidsgränsen. Datadatum är den senaste dagen med "
                   "anmälningsdata (eller importloggens datum om det är senare). Anmälningar från de "
                   "senaste 14 dagarna före datadatum ingår inte ännu: deras tid har inte gått ut. En "
                   "obedömd anmälan vars 14 dagar har gått räknas som för sen, inte som bortfall."),
    Indicator(
        name="feedback_share", label="Andel anmälningar från skolväsendet med återkoppling",
        definition="Andelen bedömda anmälningar från skola, förskola eller elevhälsa där anmälaren fick veta "
        "om en utredning inleddes.",
        kind=Kind.SHARE, source="reports", polarity=Polarity.HIGHER_BETTER, unit="andel", format="percent",
        population="Anmälningar från skola, förskola eller elevhälsa som har bedömts.",
        numerator_noun="anmälningar med återkoppling",
        numerator_text="Anmälningar där återkoppling gavs.",
        denominator_text="Anmälningar från skolväsendet med annat beslut än 'ej bedömd'.",
        numerator="feedback_given IS TRUE", denominator="decision <> 'ej_bedomd'",
        where=f"reporter_category IN {_SCHOOL_SYSTEM}",
        edge_cases="Saknad uppgift om återkoppling räknas som att återkoppling inte gavs."),
    Indicator(
        name="feedback_days", label="Dagar till återkoppling",
        definition="Genomsnittligt antal dagar från att anmälan inkom till att anmälaren fick återkoppling, "
        "för anmälningar från skolväsendet.",
        kind=Kind.MEAN, source="reports", polarity=Polarity.LOWER_BETTER, unit="dagar", format="decimal",
        population="Anmälningar från skola, förskola eller elevhälsa med återkopplingsdatum.",
        numerator_text="Summan av dagar från inkomstdatum till återkopplingsdatum.",
        denominator_text="Anmälningar med återkopplingsdatum.",
        numerator="feedback_date - received_date", denominator="feedback_given IS TRUE AND feedback_date IS NOT NULL",
        where=f"reporter_category IN {_SCHOOL_SYSTEM}"),
    Indicator(
        name="meeting_share", label="Andel anmälningar från skolväsendet med anmälningsmöte",
        definition="Andelen anmälningar från skola, förskola eller elevhälsa där ett anmälningsmöte hölls.",
        kind=Kind.SHARE, source="reports", polarity=Polarity.HIGHER_BETTER, unit="andel", format="percent",
        population="Anmälningar från skola, förskola eller elevhälsa med uppgift om anmälningsmöte.",
        numerator_noun="anmälningar med anmälningsmöte",
        numerator_text="Anmälningar där anmälningsmöte hölls.", denominator_text="Anmälningar med uppgift om anmälningsmöte.",
        numerator="meeting_held IS TRUE", denominator="meeting_held IS NOT NULL",
        where=f"reporter_category IN {_SCHOOL_SYSTEM}",
        edge_cases="Anmälningar utan uppgift om möte ingår inte i nämnaren."),
    Indicator(
        name="meeting_attended_share", label="Andel anmälningsmöten där anmälaren deltog",
        definition="Andelen hållna anmälningsmöten om anmälningar från skolväsendet där skolan eller "
        "förskolan deltog.",
        kind=Kind.SHARE, source="reports", polarity=Polarity.HIGHER_BETTER, unit="andel", format="percent",
        population="Anmälningsmöten om anmälningar från skola, förskola eller elevhälsa.",
        numerator_noun="möten där anmälaren deltog",
        numerator_text="Möten där anmälaren deltog.", denominator_text="Hållna möten med uppgift om deltagande.",
        numerator="reporter_attended IS TRUE", denominator="meeting_held IS TRUE AND reporter_attended IS NOT NULL",
        where=f"reporter_category IN {_SCHOOL_SYSTEM}"),
    Indicator(
        name="interventions_active", label="Barn med aktiv insats",
        definition="Antalet barn som hade en insats aktiv någon gång under perioden.",
        kind=Kind.COUNT, source="interventions_active", polarity=Polarity.NEUTRAL, unit="antal", format="integer",
        population="Barn med insats.", numerator_text="Unika barn med minst en aktiv insats.", denominator_text="–", numerator="TRUE",
        edge_cases="Ett barn med flera insatstyper räknas en gång per typ men en gång i totalen, "
                   "så typerna summerar inte alltid till totalen. En insats som startar efter "
                   "periodens slut räknas inte.",
        distinct_children=True),
    Indicator(
        name="interventions_started", label="Nya insatser",
        definition="Antalet insatser som startade under perioden.",
        kind=Kind.COUNT, source="interventions_started", polarity=Polarity.NEUTRAL, unit="antal", format="integer",
        population="Insatser.", numerator_text="Insatser med startdatum i perioden.", denominator_text="–", numerator="TRUE"),
    Indicator(
        name="intervention_duration_days", label="Insatsernas längd i dagar",
        definition="Genomsnittlig längd i dagar för insatser som avslutades under perioden.",
        kind=Kind.MEAN, source="interventions_ended", polarity=Polarity.NEUTRAL, unit="dagar", format="decimal",
        population="Insatser som avslutades under perioden.",
        numerator_text="Summan av dagar från start till slut.", denominator_text="Avslutade insatser.",
        numerator="end_date - start_date", denominator="TRUE",
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
ABSENCE_BANDS = absence.LABELS

# How every indicator is treated, in Swedish for the definitions page. What depends on the
# settings in effect (what is hidden, the rounding) is a {placeholder} that the page fills in
# (ui.definitions_page.method_notes_text), so the notes say what the figures beside them do.
METHOD_NOTES = (
    "Perioder: månad, termin (HT = 1 juli–31 december, VT = 1 januari–30 juni), läsår (HT + VT) "
    "eller kalenderår. Frånvaro rapporteras per månad; en månad hör till perioden om "
    "dess första dag gör det.",
    "Frånvaro summeras per elev över hela perioden innan gränsen 15 % prövas; månadsandelar "
    "medelvärdesbildas aldrig.",
    "Andelar visas med ett 95 %-konfidensintervall (Wilson). Överlappar två intervall kan "
    "skillnaden bero på slumpen.",
    "{suppression}",
    "{rounding} Målens status räknas på exakta antal. Analytiker, dataförvaltare och administratörer "
    "kan visa exakta värden som internt underlag.",
    "Målen jämför läsår med basåret. Under ett pågående läsår jämförs terminen hittills med samma "
    "månader basåret.",
    "Ett mål i procentenheter redovisar sin förändring i procentenheter (p.e.); ett mål i procent redovisar "
    "den i procent av basvärdet, med procentenheterna inom parentes. Målens egna värden (målkort, "
    "målnivå, rader märkta ”exakt”) räknas på exakta antal och avrundas inte.",
    "Orden i tabellerna: '..' = dolt värde (för få barn), ”inga data” = uppgifter saknas för perioden, "
    "”beräknas inte” = värdet kan inte räknas ut, ”se delmålen” = målet består av delar som redovisas var "
    "för sig, ”ej aktuellt” = inget pågående läsår i perioden, ”ofullständigt” = en skola eller månad saknas "
    "i underlaget, ”osäkert” = förändringen kan bero på slumpen.",
)


# --- SQL columns, the filter rule and the catalog's validation --------------------------------

_PARSER: duckdb.DuckDBPyConnection | None = None
_PARSER_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def sql_columns(fragment: str) -> frozenset[str]:
    """The columns an SQL expression refers to, from DuckDB's own parse tree (not a text search:
    a string literal or a longer name is no column). Raises ValueError (Swedish) for an
    expression that does not parse as one expression.

    Example: ``"received_date + 14 <= as_of AND decision = 'ej_bedomd'"`` ->
    ``{'received_date', 'as_of', 'decision'}``."""
    global _PARSER
    with _PARSER_LOCK:  # one connection (opening one costs more than parsing); pages run in threads
        if _PARSER is None:
            _PARSER = duckdb.connect()  # in memory, nothing attached: parsing only, nothing is run
        row = _PARSER.execute("SELECT json_serialize_sql(?)", [f"SELECT ({fragment})"]).fetchone()
    tree = json.loads(row[0])
    statements = tree.get("statements") or []
    if tree.get("error") or len(statements) != 1 or len(statements[0]["node"].get("select_list", [])) != 1:
        # DuckDB's own message is English and points into the SELECT ( … ) the fragment is parsed
        # in, not at what the author wrote: the fragment itself says where to look
        raise ValueError(f"SQL-uttrycket '{fragment}' kan inte tolkas som ett SQL-uttryck "
                         "(kontrollera operatorer, parenteser och citattecken)")
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("class") == "COLUMN_REF":
                found.add(node["column_names"][-1])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(statements[0]["node"]["select_list"])
    return frozenset(found)


# The code lists a filter's values are checked against (dimensions without one, such as school
# or area, depend on the data and are not checked; grade's labels name only 'F', not every grade).
CODE_LISTS: dict[str, tuple[str, ...]] = {d: tuple(v) for d, v in VALUE_LABELS.items() if d not in ("grade",)}


@dataclass(frozen=True)
class FilterProblem:
    """One thing wrong with a filter on an indicator (``filter_problems``). kind: 'unknown' (the
    indicator cannot be filtered on it), 'bool' (a yes/no filter given a list), 'list' (a filter
    of values given true/false), 'values' (values outside the filter's closed list), 'interventions'
    (a filter choosing which interventions count, on an indicator that reads none)."""
    key: str
    kind: str
    bad: tuple[str, ...] = ()  # the offending values ('values', 'list')
    allowed: tuple[str, ...] = ()  # the closed list, when there is one
    intervention_filter: bool = False  # the filter chooses interventions (its values become SQL literals)

    @property
    def refused_by_engine(self) -> bool:
        """Whether the engine refuses the query too, not only the goal file. The engine passes a
        breakdown value as a parameter (outside its code list it matches no rows) and takes a
        yes/no filter as text from the command line ('true'); but an unknown filter, an
        intervention filter's unknown value (written into SQL as a literal) or an intervention
        filter on an indicator without interventions cannot be computed."""
        return self.kind in ("unknown", "interventions") or (
            self.kind in ("values", "list") and self.intervention_filter)


def filter_problems(ind: Indicator, flt: dict) -> list[FilterProblem]:
    """Every problem of the filter ``flt`` ({name: values or true/false}) on ``ind``, in the
    filter's order: the one filter rule of the engine (``engine._filter_sql``) and the goal file
    (``goals.goal_rule_problems``), each of which words the problems itself."""
    problems = []
    for key, values in flt.items():
        if key not in ind.filters:
            problems.append(FilterProblem(key, "unknown"))
            continue
        spec = ind.filter_spec(key)
        allowed = spec.values if spec is not None else CODE_LISTS.get(key)
        intervention = spec is not None and spec.intervention_column is not None
        if spec is not None and spec.values is None:  # a yes/no filter
            if not isinstance(values, bool):
                problems.append(FilterProblem(key, "bool"))
            continue
        if isinstance(values, bool):
            problems.append(FilterProblem(key, "list", (str(values),), allowed or (), intervention))
            continue
        if allowed is not None:
            bad = tuple(str(v) for v in values if str(v) not in allowed)
            if bad:
                problems.append(FilterProblem(key, "values", bad, allowed, intervention))
        if intervention and not ind.reads("with_intervention") and "with_intervention" not in flt:
            problems.append(FilterProblem(key, "interventions", intervention_filter=True))
    return problems


class CatalogError(ValueError):
    """The catalog breaks one of its rules (``validate``); the message lists every problem, in Swedish."""

    def __init__(self, problems: list[str]):
        super().__init__("Indikatorkatalogen (metrics/catalog.py) är felaktig:\n"
                         + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


FORMATS = ("percent", "integer", "decimal")


def _source_problems(src: Source, interventions: tuple[str, ...]) -> list[str]:
    where = f"Källan '{src.name}'"
    problems = [f"{where}: uppdelningen '{d}' finns inte bland dimensionerna ({', '.join(DIMENSIONS)})"
                for d in src.dims if d not in DIMENSIONS]
    problems += [f"{where}: uppdelningen '{d}' är ingen kolumn i källan"
                 for d in src.dims if d not in src.columns]
    names = [f.name for f in src.filters]
    for f in src.filters:
        if f.name in src.dims or names.count(f.name) > 1:
            problems.append(f"{where}: filtret '{f.name}' finns mer än en gång (som filter eller uppdelning)")
        if f.intervention_column is not None:
            if f.intervention_column not in interventions:
                problems.append(f"{where}: filtret '{f.name}' väljer på insatsernas kolumn "
                                f"'{f.intervention_column}', som inte finns")
            if not f.values:
                problems.append(f"{where}: filtret '{f.name}' väljer insatser men saknar lista med värden")
        elif f.name not in src.columns:
            problems.append(f"{where}: filtret '{f.name}' är ingen kolumn i källan")
    return problems


def _indicator_problems(ind: Indicator, sources: dict[str, Source]) -> list[str]:
    where = f"Indikatorn '{ind.name}'"
    if ind.source not in sources:
        return [f"{where}: okänd källa '{ind.source}'; kända: {', '.join(sources)}"]
    src = sources[ind.source]
    problems = []
    if ind.kind not in SPECS:
        problems.append(f"{where}: okänd typ '{ind.kind}'; kända: {', '.join(SPECS)}")
    if ind.polarity not in POLARITIES:
        problems.append(f"{where}: okänd riktning '{ind.polarity}'; kända: {', '.join(POLARITIES)}")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", ind.name):
        problems.append(f"{where}: namnet ska bestå av små bokstäver a–z, siffror och _ (det skrivs på "
                        "kommandoraden och i målfilen)")
    if not ind.label.strip():
        problems.append(f"{where}: saknar label (rubriken som visas för användarna)")
    if ind.format not in FORMATS:
        problems.append(f"{where}: okänt format '{ind.format}'; kända: {', '.join(FORMATS)}")
    for part in ("where", "numerator", "denominator"):
        fragment = getattr(ind, part)
        try:
            unknown = sorted(sql_columns(fragment) - set(src.columns))
        except ValueError as exc:
            problems.append(f"{where} → {part}: {exc}")
            continue
        if unknown:
            problems.append(f"{where} → {part}: kolumnen {', '.join(repr(c) for c in unknown)} finns inte i "
                            f"källan '{src.name}' (kolumner: {', '.join(src.columns)})")
    if ind.kind not in SPECS or ind.polarity not in POLARITIES:
        return problems
    # A goal is set on a share with a direction (goal_capable): its target is a percentage, and
    # the goal card words the gap in the numerator's units, so such an indicator needs both.
    if ind.goal_capable:
        capable = f"{where}: kan bära ett mål ({POLARITIES[ind.polarity]}) men"
        if ind.format in FORMATS and ind.format != "percent":  # an unknown format is named above
            problems.append(f"{capable} visas inte i procent (format '{ind.format}')")
        if ind.numerator_noun == Indicator.numerator_noun:
            problems.append(f"{capable} saknar numerator_noun (vad en enhet i täljaren är, för "
                            f"målkortets mening om hur många som behövs)")
    return problems


def validate(indicators: tuple[Indicator, ...] | None = None,
             sources: dict[str, Source] | None = None) -> list[str]:
    """Every problem of the catalog, in Swedish (empty: valid), in the spirit of dbt's semantic
    manifest checks: unique indicator names (``BY_NAME`` would otherwise keep only the last),
    each source's breakdowns and filters among its columns, each indicator's SQL parsed and its
    columns among its source's, known kind, polarity and format, and a goal-capable indicator
    shown in percent with its numerator's noun. Run at start-up (app.py, cli.py) and in CI
    (tests/test_validation.py)."""
    indicators = INDICATORS if indicators is None else indicators  # read at call time: tests replace them
    sources = SOURCES if sources is None else sources
    interventions = sources["interventions_active"].columns if "interventions_active" in sources else ()
    problems = [p for src in sources.values() for p in _source_problems(src, interventions)]
    seen: dict[str, int] = {}
    for n, ind in enumerate(indicators, 1):
        if ind.name in seen:
            problems.append(f"Indikatorn '{ind.name}' finns mer än en gång (namnen ska vara unika): "
                            f"nummer {seen[ind.name]} och {n} i INDICATORS")
        seen.setdefault(ind.name, n)
        problems.extend(_indicator_problems(ind, sources))
    return problems
