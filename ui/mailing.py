"""The steering group's monthly brief, e-mailed: when an import extends the data through a new
complete month, and on demand (``cli.py send-brief``).

The brief is ``ui.brief``'s steering version for the month (Word or PDF, as the distribution
list says), built exactly as the dashboard's button builds it, and sent through the SMTP server
of the settings (``SAMVERKAN_SMTP_*``) to the distribution list (``data.distribution``).

Personal data: the subject and body hold only the month, the data date, the source and the
goals' titles, statuses and shares (aggregates, already public in the brief); nobody's name,
no register owners, no analysis authors. Recipients are in the SMTP envelope only (the header
says ``undisclosed-recipients``), and the audit log and every message count them, never name
them. No Streamlit here: the CLI, the import hook and the tests share it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from data import distribution, importer, personnummer, settings, store
from data.warehouse import Warehouse
from metrics import engine, goals, periods
from ui import brief
from ui import format as fmt

log = logging.getLogger("samverkan.mail")

# The monthly sources: a month is complete when every source that has data covers all of it.
SOURCES = ("pupils", "reports", "interventions_active")


def complete_month(wh: Warehouse) -> str | None:
    """The last month ('2026-10') that every monthly source with data covers to its last day;
    None when there are no data. Absence is monthly (a month present is complete); reports and
    interventions are complete through a month when their data date is its last day or later.

    Example: absence to 2026-11, reports to 2026-11-30, interventions to 2026-11-20 -> '2026-10'."""
    ends = []
    for source in SOURCES:
        span = engine.data_span(wh, source)
        if span is None:
            continue
        last = span[1]
        month = periods.month(last.year, last.month)
        if last < month.end:
            month = month.shift_months(-1)
        ends.append(month)
    return min(ends, key=lambda p: p.start).code if ends else None


@dataclass(frozen=True)
class Sent:
    month: str  # '2026-11'
    recipients: int
    subject: str
    attachment: str  # file name
    size: int  # bytes


def compose(b: brief.Brief, attachment: bytes, file_name: str, sender: str) -> EmailMessage:
    """The e-mail: a short summary in the body, the brief attached. No recipient in a header."""
    msg = EmailMessage()
    msg["Subject"] = f"Samverkan: styrgruppens månadsrapport, {b.month}"
    msg["From"] = sender
    msg["To"] = "undisclosed-recipients:;"
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] if "@" in sender else None)
    msg.set_content(body(b, file_name))
    maintype, subtype = (("application", "pdf") if file_name.endswith(".pdf") else
                         ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"))
    msg.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=file_name)
    return msg


def body(b: brief.Brief, file_name: str) -> str:
    """The message text: what is attached, the goals in brief and what changed since last month
    (goal titles, statuses and shares only: no names, no register owners or due items)."""
    lines = [f"Styrgruppens månadsrapport för {b.month} är bifogad ({file_name}).", "",
             f"Data t.o.m.: {b.as_of.isoformat() if b.as_of else fmt.NO_DATA}. Källa: {b.source}. "
             f"Officiell period: {b.period}.", "", "Målen i korthet:"]
    for cells in b.scorecard:  # the scorecard's words (ui.goal_text.scorecard_row), nothing new
        row = dict(zip(brief.SCORECARD_HEADINGS, cells, strict=True))
        title = row["Mål"]
        part = title.startswith("– ")
        own = row["Nu"] != fmt.SEE_PARTS
        facts = ", ".join(x for x in (f"nu {row['Nu']}", f"målnivå {row['Målnivå']}",
                                      f"förändring {row['Förändring (95 %-intervall)']}",
                                      f"kvar till målet: {row['Kvar till målet']}") if own and x)
        prelim = row["Preliminärt"]
        lines.append(("  – " if part else "- ") + f"{title.removeprefix('– ')}: {row['Status']}"
                     + (f"; {facts}" if facts else "")
                     + (f". Preliminärt: {prelim}" if prelim != fmt.NOT_APPLICABLE else "") + ".")
    lines += ["", f"Förändringar sedan månaden innan ({b.month}):", *(f"- {c}" for c in b.changes), ""]
    lines += [*b.notes, "",
              "Rapporten innehåller bara skyddade, sammanräknade uppgifter och blir allmän handling när den "
              "lämnats till styrgruppen eller nämnden.",
              f"Meddelandet skickades av Samverkan {datetime.now():%Y-%m-%d %H:%M}. Svara inte på det; "
              "frågor om rapporten går till förvaltningens controller."]
    return "\n".join(lines) + "\n"


def build(db: Path, month: str, fmt: str) -> tuple[brief.Brief, bytes, str]:
    """The steering group's brief for ``month`` from the warehouse at ``db``: (brief, file, name)."""
    cfg = goals.load(settings.goals_path())
    b = brief.build(Warehouse(db), cfg, settings.store_url(), "all", None, month)
    data = brief.pdf_bytes(b) if fmt == "pdf" else brief.docx_bytes(b)
    return b, data, brief.file_name(b, fmt).replace("uppfoljningsrapport", f"manadsrapport-{month}", 1)


def deliver(msg: EmailMessage, recipients: list[str], smtp: settings.Smtp) -> None:
    """Send through the configured server (STARTTLS, TLS or plain for a local relay)."""
    context = ssl.create_default_context()
    if smtp.security == "ssl":
        server = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=60, context=context)
    else:
        server = smtplib.SMTP(smtp.host, smtp.port, timeout=60)
    with server:
        if smtp.security == "starttls":
            server.starttls(context=context)
        if smtp.user:
            server.login(smtp.user, smtp.password)
        refused = server.send_message(msg, from_addr=smtp.sender, to_addrs=recipients)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)


class NotSent(Exception):
    """Why the brief was not sent (Swedish, names no recipient)."""


def send_brief(db: Path, month: str | None = None, *, dry_run: bool = False,
               who: str = "samverkan") -> tuple[Sent, EmailMessage]:
    """Build the month's brief (default: the last complete month) and e-mail it to the
    distribution list; ``dry_run`` builds everything and sends nothing. Raises NotSent."""
    wh = Warehouse(db)
    month = month or complete_month(wh)
    if month is None:
        raise NotSent("Databasen innehåller inga data, så det finns ingen månad att rapportera.")
    periods.parse(month)  # a Swedish message for a bad month
    smtp = settings.smtp()
    if smtp is None and not dry_run:
        raise NotSent("Ingen e-postserver är inställd (SAMVERKAN_SMTP_HOST), så rapporten skickades inte.")
    try:
        dist = distribution.load(settings.distribution_path())
    except distribution.DistributionError as exc:
        raise NotSent(str(exc)) from None
    b, data, name = build(db, month, dist.format)
    msg = compose(b, data, name, smtp.sender if smtp else settings.get("SAMVERKAN_MAIL_FROM"))
    sent = Sent(month=month, recipients=len(dist.addresses), subject=msg["Subject"], attachment=name, size=len(data))
    if dry_run:
        return sent, msg
    try:
        deliver(msg, dist.addresses, smtp)
    except (OSError, smtplib.SMTPException) as exc:
        # the server's reply can quote an address: masked of personnummer, and never logged in full
        raise NotSent(f"E-postservern {smtp.host}:{smtp.port} tog inte emot rapporten "
                      f"({type(exc).__name__}: {personnummer.mask(str(exc))[:200]}).") from None
    try:
        store.audit(settings.store_url(), who, "brief_sent",
                    f"månadsrapport {month} ({name}) till {sent.recipients} mottagare")
    except Exception as exc:  # the e-mail went out; the log entry is secondary
        log.warning("brief sent, audit log not written (%s)", type(exc).__name__)
    log.info("monthly brief %s sent to %d recipients", month, sent.recipients)
    return sent, msg


def sent_text(s: Sent) -> str:
    return (f"Styrgruppens månadsrapport för {periods.parse(s.month).label} skickades till "
            f"{s.recipients} mottagare ({s.attachment}).")


def _around_import(db: Path):
    """Before an import: the complete month now. After it: if the data now reach a later complete
    month (and reached one before: a first load of a history sends nothing), send its brief."""
    before = complete_month(Warehouse(db)) if Path(db).exists() else None

    def after(result: importer.Result) -> str | None:
        if before is None:
            return None
        now = complete_month(Warehouse(db))
        if now is None or periods.parse(now).start <= periods.parse(before).start:
            return None
        try:
            sent, _msg = send_brief(db, now, who=f"import ({result.kind})")
        except NotSent as exc:
            log.warning("monthly brief %s not sent: %s", now, exc)
            return (f"Data t.o.m. {periods.parse(now).label}: styrgruppens månadsrapport skickades inte. {exc} "
                    f"Skicka den med 'python cli.py send-brief --month {now}'.")
        except Exception as exc:  # building failed: the import stands, the steward is told
            log.exception("monthly brief %s not built", now)
            return (f"Data t.o.m. {periods.parse(now).label}: styrgruppens månadsrapport kunde inte byggas "
                    f"({type(exc).__name__}). Skicka den med 'python cli.py send-brief --month {now}'.")
        return sent_text(sent)

    return after


def install() -> None:
    """Send the brief after every import that completes a new month (cli.py and the dashboard)."""
    importer.on_apply(_around_import)
