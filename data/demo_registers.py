"""Demo content of the follow-up registers: the council assignments and audit recommendations
of the audits in ``shared/seeds/`` (each with its source audit), plus plausible actions,
meetings, decisions and chart annotations. Everything is marked as demo content (``demo``).

The assignments and recommendations are quoted or closely paraphrased from the audit reports
(the 2020 Helsingborg report lists improvement areas rather than numbered recommendations; they
are summarised as one); the audits concern real municipalities (Helsingborg, Herrljunga,
Östersund, and a city whose district committees were audited in report 4/2015), while the
demo's numbers are fictional.
"""

from __future__ import annotations

from data import registers
from data.registers import REGISTERS

HBG_2025 = ("Stadsrevisionen Helsingborg: Granskning av samverkan avseende samordnade förebyggande insatser "
            "för barn och unga (revisionsplan 2025)")
HBG_2020 = ("Stadsrevisionen Helsingborg: Granskning av samverkan avseende barn som far illa eller riskerar att "
            "fara illa (2020:4)")
STHLM_2015 = "Stadsrevisionen: Samverkan kring barn som far illa eller riskerar fara illa (revisionsrapport 4/2015)"
HERRLJUNGA_2018 = "Herrljunga kommuns revisorer: Samverkan kring barn och unga i behov av stöd (revisionsplan 2018)"
OSTERSUND = "Revisorerna i Östersunds kommun (Deloitte): Uppföljande granskning av samverkan kring barn och unga i riskzonen"

ASSIGNMENTS = [
    {"body": "Kommunfullmäktige", "decided": "2023-06-14", "paragraph": "§ 99", "case_number": "",
     "title": "Inrättande av skolsociala team",
     "text": "Socialnämnden ska i samverkan med barn- och utbildningsnämnden etablera skolsociala team i stadens "
             "skolor. Pilotfas på utvalda skolor, bredare implementering 2026.",
     "responsible": "SN", "partners": "BUN", "report_due": "2026-12-31", "status": "pågår",
     "goals": "sn-hog-franvaro-insats", "source": HBG_2025},
    {"body": "Kommunfullmäktige", "decided": "2023-06-14", "paragraph": "§ 99",
     "title": "Stärkt föräldraskapsstöd",
     "text": "Barn- och utbildningsnämnden ska i samarbete med socialnämnden se över hur föräldrastödet kan stärkas "
             "och knytas an till befintliga insatser i staden.",
     "responsible": "BUN", "partners": "SN", "report_due": "2025-01-31", "status": "återrapporterat",
     "reported": "2025-01-16", "goals": "bun-hog-franvaro", "source": HBG_2025 + "; redovisat i BUN 2025-01-16 § 5"},
    {"body": "Kommunfullmäktige", "decided": "2023-06-14", "paragraph": "§ 99",
     "title": "Stötta barn och deras familjer i socioekonomiskt utsatta områden",
     "text": "Socialnämnden ska i samverkan med barn- och utbildningsnämnden utreda hur socialtjänsten och förskolor "
             "kan bygga en nära och bred samverkan för att stötta barn och familjer i socioekonomiskt utsatta områden.",
     "responsible": "SN", "partners": "BUN", "report_due": "2025-01-31", "status": "återrapporterat",
     "reported": "2025-01-30", "source": HBG_2025 + "; redovisat i SN 2025-01-30 § 10"},
    {"body": "Kommunfullmäktige", "decided": "2022-06-01", "paragraph": "",
     "title": "Tryggare Helsingborg – tidiga samordnade insatser (TSI)",
     "text": "Trygghetsskapande åtgärder: ökad bemanning för uppsökande, förebyggande och relationsskapande fältarbete "
             "i ungdomsmiljöer; grund för en gemensam modell för tidiga samordnade insatser.",
     "responsible": "SN", "partners": "BUN", "report_due": "2024-09-30", "status": "återrapporterat",
     "reported": "2024-09-26", "source": HBG_2025 + "; redovisat i SN 2024-09-26 § 135"},
]

RECOMMENDATIONS = [
    *[{"audit_title": HBG_2025, "auditor": "Stadsrevisionen", "audit_date": "2025-06-01", "text": text,
       "addressed_to": "BUN och SN", "response_due": "2025-09-30", "status": status, "source": HBG_2025,
       **({"response": "Demodata: Nämnderna har gemensamt beslutat om en plan för uppföljning.",
           "response_date": "2025-09-25"} if status != "ej besvarad" else {})}
      for text, status in (
          ("Säkerställa att lagstiftningens intentioner om samverkan och överenskommelsen följs så att samverkan "
           "för barn och ungas bästa kan genomföras så som överenskommits.", "besvarad"),
          ("Stärka uppföljning och analys av åtgärder i syfte att förbättra måluppfyllelsen vad gäller elevers "
           "närvaro.", "besvarad"),
          ("Säkerställa ett gemensamt systematiskt utvecklingsarbete med omhändertagande av analys och "
           "vidareutveckling av verksamheternas erfarenheter av genomförda projekt och uppdrag.", "ej besvarad"),
          ("Framarbeta gemensamma juridiska ramverk i syfte att skapa ett enhetligt och samordnat stöd i "
           "nämndernas samverkande förebyggande insatser.", "ej besvarad"))],
    {"audit_title": HBG_2020, "auditor": "Stadsrevisionen (revisorsgrupp 2)", "audit_date": "2020-12-16",
     "text": "Förbättringsområden: mer information och kunskap om varandras uppdrag, ökad dialog mellan "
             "verksamheterna, och mer information om hur man skriver en tydlig anmälan och när den ska göras.",
     "addressed_to": "BUN och SN", "response_due": "2021-03-15", "status": "åtgärdad",
     "response": "Demodata: Gemensam utbildning om anmälan har genomförts.", "response_date": "2021-03-10",
     "source": HBG_2020},
    {"audit_title": STHLM_2015, "auditor": "Stadsrevisionen (revisorsgrupp 1)", "audit_date": "2015-09-23",
     "text": "Stadsdelsnämnderna bör i samverkan med utbildningsnämnden följa upp samverkan mellan skola och "
             "socialtjänst.", "addressed_to": "Stadsdelsnämnderna och utbildningsnämnden", "status": "åtgärdad",
     "response_date": "2015-12-15", "response": "Demodata: Uppföljning ingår i den årliga internkontrollen.",
     "source": STHLM_2015},
    {"audit_title": HERRLJUNGA_2018, "auditor": "Kommunens revisorer", "audit_date": "2018-12-01",
     "text": "Bildningsnämnden och socialnämnden bör genom systematiskt kvalitetsarbete och intern kontroll följa "
             "upp och säkerställa att samverkan sker i enlighet med gällande nationella och kommunala styrdokument "
             "så att barn i behov av stöd får det.", "addressed_to": "Bildningsnämnden och socialnämnden",
     "status": "delvis åtgärdad", "response_date": "2019-02-20",
     "response": "Demodata: Samverkan följs upp i internkontrollplanen från 2019.", "source": HERRLJUNGA_2018},
    {"audit_title": OSTERSUND, "auditor": "Deloitte", "audit_date": "2016-11-01",
     "text": "Att förvaltningsövergripande och gemensamma rutiner för hur samverkan ska ske mellan skolor, "
             "elevhälsa och socialtjänst utformas.", "addressed_to": "Barn- och utbildningsnämnden och socialnämnden",
     "status": "åtgärdad", "response_date": "2017-01-31", "response": "Demodata: Gemensam rutin antagen.",
     "source": OSTERSUND},
]

ACTIONS = [
    {"goal_id": "bun-hog-franvaro", "title": "Närvaroteam i årskurs 7–9 på skolorna i Väster och Kustbygden",
     "committee": "BUN", "unit": "Elevhälsan", "owner": "Verksamhetschef elevhälsa", "start": "2025-08-15",
     "due": "2026-06-30", "status": "pågår", "comment": "Demodata: Fyra skolor i gång, två startar i januari.",
     "comment_date": "2026-10-05"},
    {"goal_id": "bun-hog-franvaro", "title": "Gemensam rutin för tidig upptäckt av frånvaro (BUN och SN)",
     "committee": "BUN", "unit": "Grundskoleförvaltningen", "owner": "Utvecklingsledare", "start": "2026-01-10",
     "due": "2026-10-31", "status": "pågår", "comment": "Demodata: Remissrunda klar, beslut väntar.",
     "comment_date": "2026-10-20"},
    {"goal_id": "sn-hog-franvaro-insats", "title": "Skolsociala team i alla F–9-skolor",
     "committee": "SN", "unit": "Barn och familj", "owner": "Enhetschef skolsociala team", "start": "2026-01-15",
     "due": "2026-12-31", "status": "pågår"},
    {"goal_id": "sn-hog-franvaro-insats", "title": "Frånvaro som stående punkt i SIP-möten",
     "committee": "SN", "unit": "Myndighetsutövning barn och unga", "owner": "Sektionschef", "start": "2025-09-01",
     "due": "2026-03-31", "status": "klar", "comment": "Demodata: Införd i mallen för SIP.", "comment_date": "2026-03-20"},
]

MEETINGS = [
    {"held": "2026-09-22", "attendees": "Förvaltningschef BUN, förvaltningschef SN, controller, verksamhetschef elevhälsa",
     "agenda": "Månadsuppföljning augusti; preliminära resultat höstterminen 2026"},
    {"held": "2026-10-20", "attendees": "Förvaltningschef BUN, förvaltningschef SN, controller",
     "agenda": "Månadsuppföljning september; revisionens rekommendationer"},
    {"held": "2026-12-08", "attendees": "", "agenda": "Månadsuppföljning oktober och november"},
]

DECISIONS = [
    {"meeting": "2026-09-22", "text": "Controllern tar fram en gemensam lägesbild per område inför oktobermötet.",
     "owner": "Controller", "due": "2026-10-20", "status": "genomfört", "follow_up": "Redovisad 2026-10-20."},
    {"meeting": "2026-10-20", "text": "Nämnderna besvarar de två obesvarade rekommendationerna från 2025 års granskning.",
     "owner": "Förvaltningscheferna", "due": "2026-11-15", "status": "öppet"},
    {"meeting": "2026-10-20", "text": "Utvärdering av närvaroteamen redovisas för styrgruppen.",
     "owner": "Verksamhetschef elevhälsa", "due": "2026-12-08", "status": "öppet"},
]

ANNOTATIONS = [
    {"on": "2023-08-21", "text": "Skolsociala team: pilot startar", "goal_id": "sn-hog-franvaro-insats"},
    {"on": "2025-08-15", "text": "Närvaroteam i åk 7–9 startar", "goal_id": "bun-hog-franvaro",
     "indicator": "high_absence_share"},
    {"on": "2026-01-15", "text": "Skolsociala team breddinförs", "goal_id": "sn-hog-franvaro-insats"},
]


def seed(url: str) -> int:
    """Load the demo registers once (nothing when any register already has items)."""
    if any(registers.current(url, reg, include_withdrawn=True) for reg in REGISTERS.values()):
        return 0
    n = 0
    for name, items in (("uppdrag", ASSIGNMENTS), ("rekommendationer", RECOMMENDATIONS), ("atgarder", ACTIONS),
                        ("moten", MEETINGS), ("beslut", DECISIONS), ("handelser", ANNOTATIONS)):
        for values in items:
            registers.save(url, REGISTERS[name], values, user="Demodata", note="demoinnehåll", demo=True)
            n += 1
    return n
