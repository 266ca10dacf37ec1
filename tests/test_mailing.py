"""The steering group's monthly brief arrives by itself: an import that completes a new month
e-mails it, through a real SMTP server on the loopback (aiosmtpd), to the distribution list;
nothing personal in the subject or body; ``cli.py send-brief``; the distribution list's rules."""

from __future__ import annotations

import email
import email.policy
import io
import re
import socket
from datetime import date

import pytest
import yaml
from aiosmtpd.controller import Controller
from pypdf import PdfReader

import cli
from data import demo_registers, distribution, personnummer, store
from data.warehouse import Warehouse
from tests.conftest import absence_rows, build_warehouse
from ui import mailing

RECIPIENTS = ["styrgrupp.bun@kommun.example", "styrgrupp.sn@kommun.example", "controller@kommun.example"]
GOALS = {
    "mandate_period": {"start": 2023, "end": 2026},
    "committees": [{"id": "BUN", "name": "Barn- och utbildningsnämnden"}],
    "goals": [{"id": "g", "committee": "BUN", "title": "Hög frånvaro ska minska i grundskolan",
               "indicator": "high_absence_share", "baseline_period": "2022/23",
               "target": {"kind": "absolute_change", "value": -2.0},
               "filter": {"operator": ["kommunal"], "school_form": ["grundskola"]}}],
}
AUTHOR = "Birgitta Exempelsson"  # a comment's author: a name, never in a message


class Inbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd), on a free port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _months(pupil, school, months, absent=60):
    return absence_rows(pupil, school, "5", "flicka", [(m, 1000, absent) for m in months])


@pytest.fixture
def mail_env(tmp_path, monkeypatch, smtp_server):
    """A warehouse with absence through September 2024, a goal file, a store with registers and an
    analysis signed by a person, a distribution list, and the SMTP settings of the test server."""
    inbox, port = smtp_server
    months = [date(2022, m, 1) for m in (8, 9, 10, 11, 12)] + [date(2023, m, 1) for m in range(1, 13)] \
        + [date(2024, m, 1) for m in range(1, 10)]
    rows = []
    for i in range(30):
        rows += _months(f"p{i}", "G1" if i % 2 else "G2", months, absent=200 if i < 6 else 50)
    wh = build_warehouse(tmp_path / "w.duckdb", absence=rows)
    goals_path = tmp_path / "goals.yaml"
    goals_path.write_text(yaml.safe_dump(GOALS, allow_unicode=True), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    demo_registers.seed(url)
    store.add_comment(url, "g", "2024/25", "BUN", "Vi ser en liten förbättring.", author=AUTHOR)
    dist = tmp_path / "distribution.yaml"
    dist.write_text(yaml.safe_dump({"format": "pdf", "recipients": [{"email": e} for e in RECIPIENTS]}),
                    encoding="utf-8")
    for k, v in {"SAMVERKAN_GOALS": goals_path, "SAMVERKAN_STORE_URL": url, "SAMVERKAN_DISTRIBUTION": dist,
                 "SAMVERKAN_SMTP_HOST": "127.0.0.1", "SAMVERKAN_SMTP_PORT": port, "SAMVERKAN_SMTP_SECURITY": "none",
                 "SAMVERKAN_MAIL_FROM": "samverkan@kommun.example", "SAMVERKAN_DB": wh.path}.items():
        monkeypatch.setenv(k, str(v))
    return wh.path, inbox, url


def _extract(tmp_path, name: str, month: str, n: int = 30) -> str:
    lines = ["pupil_id;school_id;grade;gender;month;scheduled_minutes;absent_minutes;invalid_absent_minutes"]
    lines += [f"p{i};{'G1' if i % 2 else 'G2'};5;flicka;{month};1000;{200 if i < 5 else 50};0" for i in range(n)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _message(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.original_content, policy=email.policy.default)


def test_complete_month_is_the_last_month_every_source_covers(tmp_path):
    m = [date(2024, 9, 1), date(2024, 10, 1)]
    report = ("r1", "c1", date(2024, 10, 20), None, None, "skola", None, None, "ej_bedomd", None, None, None,
              None, None)
    wh = build_warehouse(tmp_path / "a.duckdb", absence=_months("p", "G1", m), reports=[report])
    # absence through October; reports only to 20 October: September is the last complete month
    assert mailing.complete_month(wh) == "2024-09"
    wh = build_warehouse(tmp_path / "b.duckdb", absence=_months("p", "G1", m))
    assert mailing.complete_month(wh) == "2024-10"  # a source without data does not hold it back
    assert mailing.complete_month(build_warehouse(tmp_path / "c.duckdb")) is None


def test_an_import_that_completes_a_month_mails_the_brief(mail_env, tmp_path, capsys):
    db, inbox, url = mail_env
    assert mailing.complete_month(Warehouse(db)) == "2024-09"
    assert cli.main(["import", "absence", _extract(tmp_path, "okt.csv", "2024-10"), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Styrgruppens månadsrapport för oktober 2024 skickades till 3 mottagare" in out
    assert len(inbox.envelopes) == 1
    env = inbox.envelopes[0]
    assert sorted(env.rcpt_tos) == sorted(RECIPIENTS) and env.mail_from == "samverkan@kommun.example"
    msg = _message(env)
    assert msg["Subject"] == "Samverkan: styrgruppens månadsrapport, oktober 2024"
    headers = "\n".join(f"{k}: {v}" for k, v in msg.items())
    assert not any(r in headers for r in RECIPIENTS)  # recipients in the envelope only
    text = msg.get_body(("plain",)).get_content()
    assert "Styrgruppens månadsrapport för oktober 2024 är bifogad" in text
    assert "Data t.o.m.: 2024-10-31" in text
    assert "Hög frånvaro ska minska i grundskolan:" in text
    # no personal data in the subject or body: no address, no personnummer, no person's name
    for part in (msg["Subject"], text):
        assert "@" not in part and not personnummer.find(part)
        assert AUTHOR not in part
        for owner in {a["owner"] for a in demo_registers.ACTIONS} | {d["owner"] for d in demo_registers.DECISIONS}:
            assert owner not in part
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename().startswith("manadsrapport-2024-10-") and attachment.get_filename().endswith(".pdf")
    pdf = PdfReader(io.BytesIO(attachment.get_content()))
    first = pdf.pages[0].extract_text()
    assert "Uppföljningsrapport" in first and "Styrgruppen" in first and "oktober 2024" in first
    # the audit log counts the recipients and names none
    events = store.audit_events(url)
    (sent,) = [e for e in events if e.action == "brief_sent"]
    assert "3 mottagare" in sent.detail and "@" not in sent.detail


def test_no_mail_without_a_new_complete_month(mail_env, tmp_path, capsys):
    db, inbox, _url = mail_env
    # a corrected extract for a month already complete: the data reach no new month
    assert cli.main(["import", "absence", _extract(tmp_path, "sep.csv", "2024-09"), "--db", str(db)]) == 0
    assert inbox.envelopes == []
    assert "månadsrapport" not in capsys.readouterr().out


def test_a_failed_send_never_fails_the_import(mail_env, tmp_path, capsys, monkeypatch):
    db, inbox, _url = mail_env
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: odt\nrecipients:\n  - email: inte-en-adress\n", encoding="utf-8")
    monkeypatch.setenv("SAMVERKAN_DISTRIBUTION", str(bad))
    assert cli.main(["import", "absence", _extract(tmp_path, "okt.csv", "2024-10"), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Importerade okt.csv" in out
    assert "månadsrapport skickades inte" in out and "format: ska vara pdf eller docx (fick 'odt')" in out
    assert "recipients → 0 → email: 'inte-en-adress' är ingen e-postadress" in out
    assert "cli.py send-brief --month 2024-10" in out
    assert inbox.envelopes == []
    assert Warehouse(db).fetchone("SELECT max(month) FROM absence")[0] == date(2024, 10, 1)


def test_send_brief_on_demand_and_dry_run(mail_env, capsys, monkeypatch):
    db, inbox, _url = mail_env
    assert cli.main(["send-brief", "--dry-run", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Inget skickades" in out and "3 mottagare" in out and "september 2024" in out
    assert inbox.envelopes == []
    assert cli.main(["send-brief", "--month", "2024-08", "--db", str(db)]) == 0
    assert "augusti 2024 skickades till 3 mottagare" in capsys.readouterr().out
    assert _message(inbox.envelopes[0])["Subject"].endswith("augusti 2024")
    monkeypatch.setenv("SAMVERKAN_SMTP_HOST", "")
    assert cli.main(["send-brief", "--db", str(db)]) == 2
    assert "Ingen e-postserver är inställd (SAMVERKAN_SMTP_HOST)" in capsys.readouterr().err


def test_distribution_list_is_validated_with_its_place(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text("format: pdf\nrecipients:\n  - email: A@kommun.example\n  - email: a@kommun.example\n"
                    "  - email: b@kommun.example\n    namn: Anna\n", encoding="utf-8")
    with pytest.raises(distribution.DistributionError) as err:
        distribution.load(path)
    text = str(err.value)
    assert "recipients → 2 → namn: okänt fält (stavfel?)" in text
    path.write_text("format: docx\nrecipients: []\n", encoding="utf-8")
    with pytest.raises(distribution.DistributionError, match="recipients: minst en mottagare behövs"):
        distribution.load(path)
    path.write_text("format: pdf\nrecipients:\n  - email: A@kommun.example\n  - email: a@kommun.example\n",
                    encoding="utf-8")
    with pytest.raises(distribution.DistributionError, match=re.escape("samma adress står flera gånger (a@kommun.example)")):
        distribution.load(path)
    with pytest.raises(distribution.DistributionError, match="finns inte"):
        distribution.load(tmp_path / "saknas.yaml")
    shipped = distribution.load(cli.settings.ROOT / "config" / "distribution.yaml")
    assert shipped.format == "pdf" and all(a.endswith("@kommun.example") for a in shipped.addresses)
