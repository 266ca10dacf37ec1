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
    """Kind, file and optional mapping file."""
    cols = st.columns([1, 2])
    with cols[0]:
        kind = st.selectbox("Vad innehåller filen?", list(importer.KINDS), key="import_kind",
                            format_func=lambda k: importer.KIND_LABELS[k].capitalize())
    with cols[1]:
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
    if plan.already_imported:
        st.info(f"{fmt.literal(plan.file_name)} är redan importerad. Ingenting ändras.", icon=":material/info:")
        return
    if plan.problems:
        st.error(f"{fmt.literal(plan.file_name)} kan inte importeras: {plan.problem_total} fel. Databasen är oförändrad. "
                 "Rätta filen och ladda upp den igen.", icon=":material/error:")
        st.dataframe(pl.DataFrame({
            "Rad": [p.row for p in plan.problems], "Kolumn": [p.column or "" for p in plan.problems],
            "Hittat": [p.found for p in plan.problems], "Vad som förväntas": [p.expected for p in plan.problems],
        }), hide_index=True, width="stretch")
        return
    st.success(f"{fmt.literal(plan.file_name)} är giltig: {fmt.number(plan.rows.height)} rader "
               f"({importer.KIND_LABELS[plan.kind]}), period {plan.period or '–'}.", icon=":material/check:")
    st.markdown("**Det här ändras:**")
    st.dataframe(plan.changes.rename({"period": "Period", "rows_added": "Läggs till",
                                      "rows_replaced": "Ersätts (tidigare rader för perioden)"}),
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
        if not auth.record(user, "import", f"{plan.kind}: {plan.file_name}, period {plan.period or '–'}, "
                                           f"{result.rows_added} rader"):
            st.error("Importen är gjord och står i importloggen, men granskningsloggen kunde inte skrivas: "
                     "lagret svarar inte. Meddela systemförvaltaren.")
        st.session_state.pop("_import_plan", None)
        if result.already_imported:
            st.info("Filen är redan importerad. Ingenting ändrades.")
        else:
            st.success(f"Klart: {fmt.number(result.rows_added)} rader tillagda, "
                       f"{fmt.number(result.rows_replaced)} ersatta. Alla sidor visar de nya uppgifterna.")
            for notice in result.notices:
                st.info(fmt.literal(notice), icon=":material/mail:")


def import_ledger() -> None:
    path = settings.db_path()
    if not path.exists():
        st.caption("Ingen databas finns ännu.")
        return
    df = importer.ledger(path)
    if df.height == 0:
        st.caption("Inga importer ännu.")
        return
    st.dataframe(df.select(
        pl.col("imported_at").dt.strftime("%Y-%m-%d %H:%M").alias("Tid"),
        pl.col("imported_by").alias("Av"),
        pl.col("kind").replace(importer.KIND_LABELS).alias("Typ"),
        pl.col("file_name").alias("Fil"), pl.col("period").alias("Period"),
        pl.col("rows_added").alias("Tillagda"), pl.col("rows_replaced").alias("Ersatta"),
        pl.col("rows_rejected").alias("Avvisade"), pl.col("data_until").alias("Data t.o.m."),
        pl.col("file_hash").str.slice(0, 12).alias("Kontrollsumma"),
    ), hide_index=True, width="stretch")
