"""Samverkan command line: build the demo, compute indicators and goal attainment, write docs.

    python cli.py demo [--db PATH] [--seed N] [--if-missing]
    python cli.py status [--goals FILE] [--db PATH] [--period P] [--format table|json]
    python cli.py metric --list
    python cli.py metric NAME [--period P] [--by DIM ...] [--filter DIM=VALUE ...]
                              [--format table|json|csv] [--explain] [--exact] [--db PATH]
    python cli.py import KIND FILE [--db PATH] [--mapping FILE] [--dry-run]
    python cli.py send-brief [--month 2026-10] [--db PATH] [--dry-run]
    python cli.py precompute [--db PATH] [--list]
    python cli.py backup TARGET [--db PATH]
    python cli.py retention [--years N] [--db PATH] [--goals FILE] [--dry-run]
    python cli.py docs [--check]
    python cli.py settings [--markdown]

Errors are printed in Swedish on stderr with exit code 2, never as a traceback. Every command but
``settings`` first checks the settings in effect and the indicator catalog (``data.settings.check``,
``metrics.catalog.validate``): a wrong value or a broken catalog entry stops it before it starts.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
import time
from pathlib import Path

import polars as pl

from data import demo, formulas, importer, personnummer, settings, store, warehouse
from data.warehouse import Warehouse, WarehouseMissing
from metrics import attainment, catalog, docs, engine, goals, periods, precompute, suppression
from ui import format as fmt  # the exact view's marking, the same words as the dashboard's
from ui import tables  # the metric's text table is the page's table

log = logging.getLogger("samverkan.cli")


class CliError(Exception):
    """An error for the user: printed without a traceback."""


def _warehouse(db: str | None) -> Warehouse:
    path = Path(db) if db else settings.db_path()
    if not path.exists():
        raise CliError(f"Databasen {path} finns inte. Bygg demodata med 'python cli.py demo' "
                       f"eller ange en annan med --db.")
    return Warehouse(path)


def cmd_demo(args: argparse.Namespace) -> int:
    path = Path(args.db) if args.db else settings.db_path()
    if args.if_missing and path.exists():
        print(f"Databasen finns redan: {path}")
        return 0
    if path.exists() and Warehouse(path).provenance() == "real":
        raise CliError(f"Databasen {path} innehåller importerade data (se importloggen); demodata skrivs inte "
                       "över den. Ange en annan sökväg med --db.")
    t0 = time.perf_counter()
    counts = demo.build_with_examples(path, args.store or settings.store_url(),
                                      args.seed if args.seed is not None else settings.demo_seed())
    rows = ", ".join(f"{DEMO_TABLES.get(k, k)}: {fmt.number(v)}" for k, v in counts.items())
    print(f"{demo.DEMO_LABEL} byggd i {fmt.decimal(time.perf_counter() - t0)} s: {path}\n{rows}")
    return 0


# What the demo wrote, in Swedish: 'skolenheter: 43, frånvarorader: 1 696 802, …'.
DEMO_TABLES = {"schools": "skolenheter", "population": "befolkningsrader", "absence": "frånvarorader",
               "reports": "orosanmälningar", "interventions": "insatser"}


def _fmt(value) -> str:
    """A cell of the command line's tables, whose callers pass text already in Swedish form (the
    metric's is ``tables.display_frame``); a missing value is empty, a flag 'ja'/'nej'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    return str(value)


def _table(headers: list[str], rows: list[list]) -> str:
    cells = [[_fmt(v) for v in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(out)


def cmd_status(args: argparse.Namespace) -> int:
    cfg = goals.load(args.goals or settings.goals_path())
    wh = _warehouse(args.db)
    results = attainment.evaluate_all(wh, cfg, args.period)
    if args.format == "json":
        print(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2))
        return 0
    from ui import goal_text  # the same words as the dashboard and the brief (no Streamlit)

    print(goal_text.status_table(results, cfg))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ui import brief  # the Word and PDF renderers (no Streamlit)

    cfg = goals.load(args.goals or settings.goals_path())
    committee = args.committee if args.committee == "all" else args.committee.upper()
    if committee != "all" and committee not in {c.id for c in cfg.committees}:
        raise CliError(f"Okänd nämnd '{args.committee}'. Ange {', '.join(c.id for c in cfg.committees)} eller all.")
    if args.month:
        periods.parse(args.month)  # a Swedish message for a bad month
    b = brief.build(_warehouse(args.db), cfg, settings.store_url(), committee, args.period, args.month)
    data = brief.docx_bytes(b) if args.format == "docx" else brief.pdf_bytes(b)
    out = Path(args.out or brief.file_name(b, args.format))
    out.write_bytes(data)
    print(f"{b.title}, {b.committee}, {b.period}: {out} ({len(data) // 1024} kB)")
    return 0


def _parse_filters(items: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items or []:
        if "=" not in item:
            raise CliError(f"Filter ska skrivas DIMENSION=VÄRDE[,VÄRDE], t.ex. school_form=grundskola (fick '{item}').")
        key, values = item.split("=", 1)
        out.setdefault(key.strip(), []).extend(v.strip() for v in values.split(",") if v.strip())
    return out


def _typed_filters(ind: catalog.Indicator, filters: dict[str, list[str]]) -> dict[str, list[str] | bool]:
    """A yes/no filter's word as true or false (with_intervention=ja -> True); other filters
    as written. A yes/no filter given anything else, or a value outside a filter's code list, is
    refused, naming it."""
    out: dict[str, list[str] | bool] = {}
    for key, values in filters.items():
        spec = ind.filter_spec(key)
        if spec is None or spec.values is not None:
            out[key] = values
            continue
        # the importer's yes/no words (ja, nej, sant, falskt, 1, 0 …): one vocabulary for both
        words = {v.strip().lower() for v in values}
        if len(words) != 1 or not words <= importer.TRUE_WORDS | importer.FALSE_WORDS:
            raise CliError(f"Filtret '{key}' är ja eller nej, t.ex. {key}=ja (fick '{','.join(values)}').")
        out[key] = words <= importer.TRUE_WORDS
    # a value outside a closed code list (school_form=grundskolan) matches no rows: the engine
    # would give an empty row, which reads like a zero; on the command line it is refused instead
    for problem in catalog.filter_problems(ind, out):
        if problem.kind == "values":
            raise CliError(f"Filtret '{problem.key}' har okända värden ({', '.join(problem.bad)}). "
                           f"Möjliga: {', '.join(problem.allowed)}.")
    return out


def _check_places(wh: Warehouse, filters: dict) -> None:
    """An area or school that is not in the school register (area=norr for Norr) would give an
    empty row that reads like a zero: refused, with the register's values. Reports and
    interventions also have the area 'okänt' (neither the report nor the school names one)."""
    register = wh.sql("SELECT DISTINCT area, school_id FROM schools")
    known = {"area": sorted({*register["area"].to_list(), "okänt"}), "school": sorted(register["school_id"].to_list())}
    for key, values in filters.items():
        if key in known and not isinstance(values, bool):
            bad = [v for v in values if v not in known[key]]
            if bad:
                hint = ", ".join(known[key]) if key == "area" else "skolenhetskoder ur skolregistret (t.ex. " + \
                    ", ".join(known[key][:3]) + ")"
                raise CliError(f"Filtret '{key}' har okända värden ({', '.join(bad)}). Möjliga: {hint}.")


def _default_period(wh: Warehouse, ind: catalog.Indicator) -> str:
    """The latest complete school year with data for the indicator's source."""
    until = engine.data_until(wh, ind.source)
    if until is None:
        raise CliError("Databasen innehåller inga data för indikatorn.")
    return periods.last_complete_school_year(until).code


def _sums_of_cells(ind: catalog.Indicator, exact: bool) -> bool:
    t = suppression.Thresholds(*settings.suppression_thresholds())
    return engine.adds_up(ind, not exact, settings.rounding_base(), t)


def cmd_metric(args: argparse.Namespace) -> int:
    if args.list or not args.name:
        width = max(len(i.name) for i in catalog.INDICATORS)
        for ind in catalog.INDICATORS:
            print(f"{ind.name.ljust(width)}  {ind.label}")
        return 0
    ind = catalog.get(args.name)
    wh = _warehouse(args.db)
    period = args.period or _default_period(wh, ind)
    filters = _typed_filters(ind, _parse_filters(args.filter))
    _check_places(wh, filters)
    view = engine.exact_view() if args.exact else contextlib.nullcontext()
    with view:
        if args.explain:
            engine.evaluate(wh, ind.name, period, by=args.by or [], filters=filters)  # refusals
            print(engine.explain(wh, ind.name, period, by=args.by or [], filters=filters))
            return 0
        df = engine.evaluate(wh, ind.name, period, by=args.by or [], filters=filters)
    if args.exact:  # the user has the files already; what was taken out is still on record
        _audit_exact(args, ind.name, period, filters)
    if args.format == "json":
        df = df.drop("period")
        out = {"metric": ind.name, "period": periods.parse(period).code,
               "rounding_base": 1 if args.exact else settings.rounding_base(), "exact": bool(args.exact),
               # rows above the cells (a school, or an area for reports) are their sums (DISCLOSURE.md, rule 3)
               "sums_of_cells": _sums_of_cells(ind, args.exact)}
        if args.exact:
            out["note"] = fmt.EXACT_NOTE
        print(json.dumps({**out, "rows": df.to_dicts()}, ensure_ascii=False, indent=2, default=str))
    elif args.format == "csv":
        df = df.drop("period")
        buf = io.BytesIO()
        formulas.neutralise(df).write_csv(buf)
        sys.stdout.write(buf.getvalue().decode())
        if args.exact:
            sys.stdout.write(f"\n{fmt.EXACT_NOTE}\n")
        elif note := fmt.rounding_note():  # as the page's CSV download says it
            sys.stdout.write(f"\n{note}\n")
    else:
        # the text table is for reading: the page's own table ('56,7 %', '1 424', '..', school
        # names, Swedish headings); the raw numbers are --format json or csv
        shown = tables.display_frame(df, ind.name)
        print(f"{ind.label} – {periods.parse(period).label}")
        print(_table(shown.columns, [list(r) for r in shown.iter_rows()]))
        if args.exact:
            notes = [f"{fmt.EXACT_NOTE}: exakta antal, inget dolt eller avrundat."]
        else:
            notes = ["'..' = visas inte (för få barn, eller en summa som mest skulle bestå av dolda värden; "
                     "DISCLOSURE.md)."]
            if settings.rounding_base() > 1:
                cells = "skolenheternas" if "school" in engine.cell_keys(ind) else "områdenas"
                notes.insert(0, f"Antal avrundade till närmaste {settings.rounding_base()}" + (
                    f"; större enheter och kommunen är summor av {cells} avrundade antal, avrundade igen, så "
                    "delarna kan avvika något från totalen." if _sums_of_cells(ind, args.exact) else "."))
        if (df["coverage"] == "none").all():  # a period before or after the data: an empty row, not zeros
            span = engine.data_span(wh, ind.source)
            notes.insert(0, "Underlaget har inga data för perioden" + (
                f" (data finns från {span[0].isoformat()} till {span[1].isoformat()})." if span else "."))
        if "Underlaget" in shown.columns:
            notes.append("'ofullständigt' under Underlaget = en skolmånad eller månad saknas i underlaget.")
        print(" ".join(notes))
    return 0



def _filter_words(values: list[str] | bool) -> str:
    """A filter's values as typed on the command line: 'grundskola', 'a,b', a yes/no filter 'ja'."""
    if isinstance(values, bool):
        return "ja" if values else "nej"
    return ",".join(map(str, values))


def _audit_exact(args: argparse.Namespace, name: str, period: str, filters: dict) -> None:
    """One line in the audit log for every exact figure taken out on the command line; without a
    working store nothing exact is printed."""
    detail = " ".join(["cli.py metric", name, "--period", str(period),
                       *(f"--by {d}" for d in args.by or []),
                       *(f"--filter {k}={_filter_words(v)}" for k, v in filters.items()), "--exact"])
    try:
        store.audit(settings.store_url(), personnummer.mask(args.user or importer.current_user()), "exact",
                    detail, "kommandorad")
    except Exception as exc:
        raise CliError(f"Exakta värden loggas i granskningsloggen, men loggen kunde inte skrivas "
                       f"({type(exc).__name__}); inget visas.") from None


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.db) if args.db else settings.db_path()
    source = Path(args.file)
    if not source.exists():
        raise CliError(f"Filen {source} finns inte.")
    try:
        mapping = importer.Mapping.load(Path(args.mapping)) if args.mapping else None
    except (ValueError, OSError) as exc:
        raise CliError(str(exc)) from None
    name = personnummer.mask(source.name)  # every line names the file, never with a number in it
    plan = importer.prepare(args.kind, source.read_bytes(), source.name, path, mapping)
    if plan.already_imported:
        print(f"{name} är redan importerad ({importer.KIND_LABELS[args.kind]}): inget ändrades.")
        return 0
    if plan.problems:
        print(f"{name} importerades inte – {plan.problem_total} fel. Databasen är oförändrad.",
              file=sys.stderr)
        for p in plan.problems:
            print(f"  - {p}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(f"{name} är giltig: {plan.rows.height} rader, period {plan.period or '–'}. Inget skrevs.")
        print(_table(["period", "läggs till", "ersätts"], [list(r) for r in plan.changes.iter_rows()]))
        return 0
    was_demo = path.exists() and Warehouse(path).provenance() == "demo"
    result = importer.apply(plan, path, user=args.user)
    if result.already_imported:
        print(f"{name} är redan importerad: inget ändrades.")
        return 0
    print(f"Importerade {name} ({importer.KIND_LABELS[args.kind]}): {result.rows_added} rader tillagda, "
          f"{result.rows_replaced} ersatta, period {result.period or '–'}.")
    if was_demo:
        print(f"Obs: {path} var demodatabasen. Med importerade data räknas den som riktiga data och visas bara "
              "efter inloggning (DEPLOY.md); demodatan ligger kvar i den. För en ren databas: importera till en "
              "ny sökväg med --db (eller SAMVERKAN_DB).")
    for notice in result.notices:
        print(notice)
    return 0


def cmd_send_brief(args: argparse.Namespace) -> int:
    """The steering group's monthly brief to the distribution list (the same e-mail an import
    that completes a new month sends)."""
    from ui import mailing

    wh = _warehouse(args.db)
    try:
        sent, msg = mailing.send_brief(wh.path, args.month, dry_run=args.dry_run, who=args.user or "cli.py send-brief")
    except mailing.NotSent as exc:
        raise CliError(str(exc)) from None
    if args.dry_run:
        print(f"Inget skickades (--dry-run). Ämne: {sent.subject}\nBilaga: {sent.attachment} "
              f"({sent.size // 1024} kB), {sent.recipients} mottagare.\n")
        print(msg.get_body(("plain",)).get_content())
        return 0
    print(mailing.sent_text(sent))
    return 0


def cmd_precompute(args: argparse.Namespace) -> int:
    """Refill the precomputed first views (every import does this itself; needed after the goal
    file or a setting changed, since stored values are used only under the context they were
    computed in)."""
    wh = _warehouse(args.db)
    if not args.list:
        t0 = time.perf_counter()
        warehouse.write(wh.path, lambda con: None)
        print(f"Förberäknade vyer uppdaterade på {fmt.decimal(time.perf_counter() - t0)} s: {wh.path}")
    stored = precompute.stored(Warehouse(wh.path))
    ctx = precompute.context()
    rows = [[r["name"], r["args"], f"{fmt.number(r['seconds'] * 1000)} ms",
             "ja" if r["context"] == ctx else "nej (annan målfil, inställning eller version)"]
            for r in stored.iter_rows(named=True)]
    print(_table(["vy", "argument", "beräkningstid", "används"], rows))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent copy of the warehouse: the main file and its school-year partitions
    (``TARGET`` and ``TARGET.parts/``), taken while no import can swap files."""
    wh = _warehouse(args.db)
    target = Path(args.target)
    if target.resolve() == wh.path.resolve():
        raise CliError("Kopian kan inte skrivas över databasen själv; ange en annan sökväg.")
    if not target.parent.is_dir():
        raise CliError(f"Mappen {target.parent} finns inte.")
    warehouse.copy(wh.path, target)
    copied = warehouse.files(target)
    size = sum(f.stat().st_size for f in copied) / 1e6
    print(f"Kopierade {fmt.number(len(copied))} filer ({fmt.number(size)} MB) till {target}")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    """Retention (gallring): delete pupil-level rows older than the configured retention, keeping
    the goal file's baseline years (data/retention.py); says what it keeps and why, and records
    the deletion in the audit log."""
    from data import retention, store

    years = args.years if args.years is not None else settings.retention_years()
    if years is None:
        raise CliError("Ingen gallringstid är satt: ange --years N eller SAMVERKAN_RETENTION_YEARS (antal läsår "
                       "före det pågående som behålls).")
    wh = _warehouse(args.db)
    cfg = goals.load(args.goals or settings.goals_path())
    baselines = {}
    for top in cfg.goals:
        for g, parent in [(top, None), *((p, top) for p in top.parts)]:
            base = cfg.resolved(g, parent).baseline_period
            if base:
                baselines[g.id] = base
    plan = retention.plan(wh.path, years, baselines)
    for line in plan.lines():
        print(line)
    if args.dry_run:
        print("Provkörning: inget raderades.")
        return 0
    url = settings.store_url()
    try:  # the deletion is recorded in the audit log: a store that does not answer stops it first
        store.probe(url)
    except store.StoreUnavailable:
        raise CliError("Lagret (granskningsloggen) svarar inte; inget raderades.") from None
    deleted = retention.apply(wh.path, plan)
    summary = ", ".join(f"{retention.TABLE_LABELS[t]} {fmt.number(n)}" for t, n in deleted.items() if n) or "inga rader"
    store.audit(url, f"{importer.current_user()} (cli.py retention)", "retention",
                f"Gallring före {plan.cutoff.isoformat()} i {wh.path.name}: {summary}.")
    print(f"Klart: {summary} raderade; förberäknade vyer beräknade på nytt.")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    target = settings.ROOT / "METRICS.md"
    text = docs.metrics_markdown()
    readme = settings.ROOT / "README.md"
    readme_text = readme.read_text(encoding="utf-8")
    try:
        readme_new = settings.readme_with_table(readme_text)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            raise CliError("METRICS.md är inte i takt med katalogen: kör 'python cli.py docs'.")
        if readme_text != readme_new:
            raise CliError("Inställningstabellen i README.md är inte i takt med data/settings.py: "
                           "kör 'python cli.py docs'.")
        print("METRICS.md stämmer med katalogen och README.md med inställningarna.")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"Skrev {target}")
    if readme_new != readme_text:
        readme.write_text(readme_new, encoding="utf-8")
        print(f"Skrev inställningstabellen i {readme}")
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    """Each setting in effect, its value (secrets hidden) and where it comes from; an invalid one is
    listed too, and named on stderr with exit code 2 (this command runs without the start-up check
    so that it can show what is wrong)."""
    if args.markdown:
        print(settings.markdown_table())
        return 0
    rows = [[s.env, shown, origin, s.allowed_sv] for s, shown, origin in settings.in_effect()]
    print(_table(["inställning", "värde", "källa", "tillåtet"], rows))
    problems = settings.problems()
    for p in problems:
        print(f"Fel: {p}", file=sys.stderr)
    return 2 if problems else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cli.py", description="Samverkan – uppföljning av samverkansmål")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="bygg demokommunen (fiktiva data)")
    d.add_argument("--db", help="sökväg till databasen (standard: SAMVERKAN_DB)")
    d.add_argument("--store", help="URL till lagret för analyser (standard: SAMVERKAN_STORE_URL)")
    d.add_argument("--seed", type=int, help="slumpfrö (standard: SAMVERKAN_DEMO_SEED)")
    d.add_argument("--if-missing", action="store_true", help="bygg bara om databasen saknas")
    d.set_defaults(func=cmd_demo)

    s = sub.add_parser("status", help="måluppfyllelse för alla mål")
    s.add_argument("--goals", help="målfil (standard: SAMVERKAN_GOALS)")
    s.add_argument("--db", help="sökväg till databasen (standard: SAMVERKAN_DB)")
    s.add_argument("--period", help="läsår eller termin, t.ex. 2024/25 eller HT2024 (standard: senaste data)")
    s.add_argument("--format", choices=["table", "json"], default="table")
    s.set_defaults(func=cmd_status)

    m = sub.add_parser("metric", help="beräkna en indikator")
    m.add_argument("name", nargs="?", help="indikatorns namn (se --list)")
    m.add_argument("--list", action="store_true", help="lista alla indikatorer")
    m.add_argument("--period", help="2024-09, HT2024, 2024/25 eller 2024 "
                                     "(standard: senaste hela läsår)")
    m.add_argument("--by", nargs="+", action="extend", metavar="DIM",
                   help="uppdelning, t.ex. school_form area (flaggan kan upprepas)")
    m.add_argument("--filter", action="append", metavar="DIM=VALUE",
                   help="filter med ett värde, t.ex. school_form=grundskola (flaggan kan upprepas)")
    m.add_argument("--format", choices=["table", "json", "csv"], default="table")
    m.add_argument("--explain", action="store_true", help="visa SQL-frågan som beräknar indikatorn")
    m.add_argument("--exact", action="store_true",
                   help="exakta antal utan avrundning eller dolda värden (internt underlag, "
                        "röjandekontrollera före publicering); loggas i granskningsloggen")
    m.add_argument("--user", help="vem som tar ut exakta värden (standard: inloggad användare)")
    m.add_argument("--db", help="sökväg till databasen (standard: SAMVERKAN_DB)")
    m.set_defaults(func=cmd_metric)

    i = sub.add_parser("import", help="importera en fil (validerad, allt eller inget)")
    i.add_argument("kind", choices=importer.KINDS, help="vad filen innehåller")
    i.add_argument("file", help="CSV- eller Excelfil")
    i.add_argument("--db", help="sökväg till databasen (standard: SAMVERKAN_DB)")
    i.add_argument("--mapping", help="mappningsfil (YAML) för leverantörens kolumnnamn och koder")
    i.add_argument("--user", help="vem som importerar (standard: inloggad användare)")
    i.add_argument("--dry-run", action="store_true", help="validera och visa vad som skulle ändras")
    i.set_defaults(func=cmd_import)

    r = sub.add_parser("report", help="uppföljningsrapporten till nämnden i Word eller PDF")
    r.add_argument("--committee", default="all", help="BUN, SN eller all (båda nämnderna; standard)")
    r.add_argument("--period", help="avslutat läsår eller termin, t.ex. 2025/26 (standard: senaste avslutade läsåret)")
    r.add_argument("--month", help="styrgruppens version för en månad, t.ex. 2026-10: statusändringar och nyckeltal")
    r.add_argument("--format", choices=["docx", "pdf"], default="docx")
    r.add_argument("--out", help="filnamn (standard: uppfoljningsrapport-<nämnd>-<period>.<format>)")
    r.add_argument("--goals", help="målfil (standard: SAMVERKAN_GOALS)")
    r.add_argument("--db", help="sökväg till databasen (standard: SAMVERKAN_DB)")
    r.set_defaults(func=cmd_report)

    e = sub.add_parser("send-brief", help="e-posta styrgruppens månadsrapport till sändlistan")
    e.add_argument("--month", help="månaden, t.ex. 2026-10 (standard: senaste hela månad med data)")
    e.add_argument("--db", help="sökväg till databasen (standard: SAMVERKAN_DB)")
    e.add_argument("--user", help="vem som skickar (till granskningsloggen)")
    e.add_argument("--dry-run", action="store_true", help="bygg rapporten och visa meddelandet, skicka inget")
    e.set_defaults(func=cmd_send_brief)

    c = sub.add_parser("precompute", help="beräkna sidornas första vyer på nytt (efter ändrad målfil)")
    c.add_argument("--db", help="sökväg till databasen (standard: SAMVERKAN_DB)")
    c.add_argument("--list", action="store_true", help="visa bara vad som finns förberäknat")
    c.set_defaults(func=cmd_precompute)

    b = sub.add_parser("backup", help="kopiera databasen med alla läsårsfiler (säkerhetskopia)")
    b.add_argument("target", help="kopians sökväg; läsårsfilerna hamnar i TARGET.parts/")
    b.add_argument("--db", help="sökväg till databasen (standard: SAMVERKAN_DB)")
    b.set_defaults(func=cmd_backup)

    g = sub.add_parser("retention", help="gallra elevuppgifter äldre än gallringstiden (behåller målens basår)")
    g.add_argument("--years", type=int, help="läsår före det pågående som behålls (standard: SAMVERKAN_RETENTION_YEARS)")
    g.add_argument("--db", help="sökväg till databasen (standard: SAMVERKAN_DB)")
    g.add_argument("--goals", help="målfil (standard: SAMVERKAN_GOALS)")
    g.add_argument("--dry-run", action="store_true", help="visa bara vad som skulle raderas")
    g.set_defaults(func=cmd_retention)

    o = sub.add_parser("docs", help="skriv METRICS.md från indikatorkatalogen")
    o.add_argument("--check", action="store_true", help="kontrollera bara att filen stämmer")
    o.set_defaults(func=cmd_docs)

    t = sub.add_parser("settings", help="visa inställningarna som gäller, deras värden och var de "
                                        "kommer ifrån")
    t.add_argument("--markdown", action="store_true", help="skriv README.md:s inställningstabell")
    t.set_defaults(func=cmd_settings)
    return p


def _start_up_check() -> None:
    """Settings and catalog are checked once, before a command reads either."""
    settings.check()
    problems = catalog.validate()
    if problems:
        raise catalog.CatalogError(problems)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    if args.command != "settings":
        try:
            _start_up_check()
        except (settings.SettingError, catalog.CatalogError) as exc:
            print(f"Fel: {exc}", file=sys.stderr)
            return 2
    precompute.install()  # every write from the CLI stores the pages' first views
    if args.command == "import":
        from ui import mailing  # the brief's renderers: loaded only when an import may send it

        mailing.install()  # an import that completes a new month e-mails the steering group's brief
    try:
        return args.func(args)
    except (CliError, goals.GoalConfigError, periods.PeriodError, engine.MetricError,
            catalog.UnknownIndicator, WarehouseMissing) as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback, and never unmasked data, on the terminal
        log.debug("unexpected error", exc_info=True)
        print(f"Oväntat fel ({type(exc).__name__}): {personnummer.mask(str(exc))[:500]}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
