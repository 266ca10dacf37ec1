"""The import page's widgets: upload, dry-run preview with every problem, import, the ledger."""

from __future__ import annotations

import hashlib

import polars as pl
import streamlit as st

from data import access, importer, privacy, settings, store
from ui import auth, mailing
from ui import format as fmt

mailing.install()  # an import that completes a new month e-mails the steering group's brief

# The open demo (no login) imports nothing: the file's data would be served to anyone.
DEMO_REFUSAL = ("I demoläget, utan inloggning, importeras inget: Samverkan visar aldrig importerade data "
                "öppet. Filen har kontrollerats ovan. För kommunens egna data: ange en egen databas "
                "(`SAMVERKAN_DB`, t.ex. /var/lib/samverkan/stad.duckdb), lägg in inloggning (`[auth]` i "
                "`.streamlit/secrets.toml`) och importera där – se DEPLOY.md.")


def import_form():
    """The file, an optional mapping file, and what the file contains: recognised from its
    columns when a file arrives (and changeable), else chosen. Returns (kind or None, upload,
    mapping)."""
    # JSON: Kolada, SCB and CSN files for the comparisons (IMPORT.md "External figures")
    upload = st.file_uploader("Fil (CSV, Excel .xlsx eller JSON)", type=["csv", "txt", "xlsx", "json"],
                              key="import_file")
    mapping = None
    with st.expander("Mappningsfil för leverantörens kolumnnamn (valfri)"):
        mapping_file = st.file_uploader("Mappningsfil (YAML)", type=["yaml", "yml"], key="import_mapping",
                                        max_upload_size=1)
        if mapping_file is not None:
            try:
                if mapping_file.size > importer.MAX_MAPPING_BYTES:  # before it is decoded or parsed
                    raise ValueError(f"filen är större än {importer.MAX_MAPPING_BYTES // 1000} kB")
                mapping = importer.Mapping.load(mapping_file.getvalue().decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                st.error(f"Mappningsfilen kunde inte läsas: {fmt.literal(str(exc))}")
                st.stop()
    detected = None
    if upload is not None:
        seen = (hashlib.sha256(upload.getvalue()).hexdigest(), repr(mapping))
        if st.session_state.get("_import_detected_for") != seen:  # a new file: recognise it once
            st.session_state["_import_detected_for"] = seen
            st.session_state["_import_detected"] = importer.detect_kind(upload.getvalue(), mapping)
            if st.session_state["_import_detected"]:
                st.session_state["import_kind"] = st.session_state["_import_detected"]
        detected = st.session_state.get("_import_detected")
    kind = st.selectbox("Vad innehåller filen?", list(importer.KINDS), index=None, key="import_kind",
                        format_func=lambda k: importer.KIND_LABELS[k][:1].upper() + importer.KIND_LABELS[k][1:], width=320,
                        placeholder="Välj vad filen innehåller …",
                        help="Samverkan känner igen filen på dess kolumner; välj själv om den inte gör det.")
    if upload is not None and detected:
        st.caption(f"Samverkan känner igen filen som {importer.KIND_LABELS[detected]} utifrån dess kolumner.")
    elif upload is not None and kind is None:
        st.info("Samverkan känner inte igen filen på dess kolumner. Välj vad den innehåller.",
                icon=":material/help:")
    return kind, upload, mapping


def import_plan(kind: str, upload, mapping) -> importer.Plan:
    """Validate the upload once per file, kind and mapping (kept for the confirm click)."""
    data = upload.getvalue()
    key = ("import_plan", kind, hashlib.sha256(data).hexdigest(), repr(mapping))
    plan = st.session_state.get("_import_plan")
    if plan is None or st.session_state.get("_import_plan_key") != key:
        with st.spinner("Kontrollerar filen …"):
            plan = importer.prepare(kind, data, upload.name, settings.db_path(), mapping)
        st.session_state["_import_plan"], st.session_state["_import_plan_key"] = plan, key
    return plan


def import_preview(plan: importer.Plan, user: auth.User) -> None:
    done = st.session_state.get("_import_done")
    if plan.already_imported and done and done[0] == plan.file_hash:  # the import just made
        st.success(done[1], icon=":material/check:")
        for notice in done[2]:
            st.info(fmt.literal(notice), icon=":material/mail:")
        return
    if plan.already_imported:
        st.info(f"{fmt.literal(plan.file_name)} är redan importerad. Ingenting ändras.", icon=":material/info:")
        return
    if len(plan.problems) == 1 and plan.problems[0].row is None and plan.problems[0].column is None:
        # a problem with the whole file (its format, its size): one sentence
        st.error(f"{fmt.literal(plan.file_name)} kan inte importeras. {fmt.literal(plan.problems[0].expected)} "
                 "Databasen är oförändrad.", icon=":material/error:")
        return
    if plan.problems:
        st.error(f"{fmt.literal(plan.file_name)} kan inte importeras: {fmt.number(plan.problem_total)} fel. "
                 "Databasen är oförändrad. Rätta filen och ladda upp den igen.", icon=":material/error:")
        st.dataframe(pl.DataFrame({
            "Rad": [fmt.number(p.row) if p.row is not None else "" for p in plan.problems],
            "Kolumn": [p.column or "" for p in plan.problems],
            "Hittat": [p.found for p in plan.problems], "Vad som förväntas": [p.expected for p in plan.problems],
        }, schema={c: pl.String for c in ("Rad", "Kolumn", "Hittat", "Vad som förväntas")}),
            hide_index=True, width="stretch")
        return
    st.success(f"{fmt.literal(plan.file_name)} är giltig: {fmt.number(plan.rows.height)} rader "
               f"({importer.KIND_LABELS[plan.kind]}), period {plan.period or '–'}.", icon=":material/check:")
    st.markdown("**Det här ändras:**")
    st.dataframe(pl.DataFrame({
        "Period": [p or "–" for p in plan.changes["period"]],
        "Läggs till": [fmt.number(n) for n in plan.changes["rows_added"]],
        "Ersätts (tidigare rader för perioden)": [fmt.number(n) for n in plan.changes["rows_replaced"]]},
        schema={c: pl.String for c in ("Period", "Läggs till", "Ersätts (tidigare rader för perioden)")}),
        hide_index=True)
    if plan.key_version:
        st.caption(f"Personnummer ersätts med pseudonymer (nyckelversion {plan.key_version}).")
    if user.mode == "demo":
        st.info(DEMO_REFUSAL, icon=":material/lock:")
        return
    # logged in: the ledger's "who" is the user; without login (SAMVERKAN_AUTH=off) a name
    who = user.id
    label = "Ditt namn eller din funktion (sparas i importloggen)"
    if user.mode != "login":
        who = st.text_input(label, key="import_user").strip() or user.id
    if st.button("Bekräfta import", type="primary", key="import_confirm"):
        if not access.may_import(user.grants) or user.mode == "demo":  # checked on the server, not only by the page
            auth.record(user, "refused", f"import: {plan.file_name}")
            st.error(DEMO_REFUSAL if user.mode == "demo" else "Import kräver rollen dataförvaltare eller admin.")
            return
        if (refused := privacy.typed_problem(label, who)) is not None:
            st.error(refused)
            return
        try:  # a store that does not answer stops the import before it starts
            store.probe(settings.store_url())
        except store.StoreUnavailable:
            st.error("Importen gjordes inte: lagret (granskningsloggen) svarar inte. Försök igen om en stund.")
            return
        with st.spinner("Importerar …"):
            result = importer.apply(plan, settings.db_path(), user=who)
        # The warehouse and the store are two databases: the import's own record is its ledger row,
        # written in the import's swap; the audit line follows, and its failure is shown.
        rows = f"{fmt.number(result.rows_added)} {'rad' if result.rows_added == 1 else 'rader'}"
        if not auth.record(user, "import", f"{importer.KIND_LABELS[plan.kind]}: {plan.file_name}, "
                                           f"period {plan.period or '–'}, {rows}"):
            st.error("Importen är gjord och står i importloggen, men granskningsloggen kunde inte skrivas: "
                     "lagret svarar inte. Meddela systemförvaltaren.")
        st.session_state.pop("_import_plan", None)
        if result.already_imported:
            st.info("Filen är redan importerad. Ingenting ändrades.")
            return
        # kept for the next run (the ledger below is drawn again with the import in it), with the
        # e-mail notices of a brief sent because the import completed a month
        st.session_state["_import_done"] = (plan.file_hash, f"Klart: {fmt.number(result.rows_added)} rader tillagda, "
                                            f"{fmt.number(result.rows_replaced)} ersatta ur "
                                            f"{fmt.literal(plan.file_name)}. Alla sidor visar de nya uppgifterna.",
                                            tuple(result.notices))
        st.rerun()


def import_ledger() -> None:
    path = settings.db_path()
    if not path.exists():
        st.caption("Ingen databas finns ännu.")
        return
    df = importer.ledger(path)
    if df.height == 0:
        st.caption("Inga importer ännu.")
        return
    st.dataframe(ledger_table(df), hide_index=True, width="stretch")


def ledger_table(df: pl.DataFrame) -> pl.DataFrame:
    """The import ledger as the page shows it: every value as Swedish text, numbers with a
    thousands separator ('1 695 695'), '–' where a file has no period or date (never 'None')."""
    def text(values, show=str) -> list[str]:
        return ["–" if v is None or v == "" else show(v) for v in values]

    return pl.DataFrame({
        "Tid": text(df["imported_at"], lambda t: f"{t:%Y-%m-%d %H:%M}"), "Av": text(df["imported_by"]),
        "Typ": text(df["kind"], lambda k: importer.KIND_LABELS.get(k, k)), "Fil": text(df["file_name"]),
        # '..' means a hidden value everywhere else: a ledger's month range reads '2019-08–2026-10'
        "Period": text(df["period"], lambda p: p.replace("..", "–")), "Tillagda": text(df["rows_added"], fmt.number),
        "Ersatta": text(df["rows_replaced"], fmt.number), "Avvisade": text(df["rows_rejected"], fmt.number),
        "Data t.o.m.": text(df["data_until"], lambda d: d.isoformat()),
        "Kontrollsumma": text(df["file_hash"], lambda h: h[:12]),
    }, schema={c: pl.String for c in ("Tid", "Av", "Typ", "Fil", "Period", "Tillagda", "Ersatta", "Avvisade",
                                      "Data t.o.m.", "Kontrollsumma")})
