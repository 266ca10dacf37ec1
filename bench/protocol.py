"""A test client that speaks Streamlit's websocket protocol, as a browser tab does, without a browser.

Only ``bench/`` speaks the wire protocol (the product uses Streamlit's public API): this is how the
capacity benchmark (``bench/capacity.py``) opens hundreds of sessions on the same two cores as the
servers without spending them on browsers. What a browser tab does, and this client with it
(streamlit 1.67's frontend and ``web/server/starlette/starlette_websocket.py``):

1. ``GET /`` – the page itself; behind the front door this sets the ``samverkan_node`` cookie that
   keeps the tab on one server (DEPLOY.md);
2. opens ``/_stcore/stream`` with the subprotocol ``streamlit``, the cookies and its own origin;
3. asks for a page: a ``BackMsg.rerun_script`` whose ``ClientState`` names the page
   (``page_name`` = its URL path on a first load, ``page_script_hash`` when it was picked from the
   menu), the query string, the hashes of the messages it has cached and its locale;
4. reads ``ForwardMsg`` frames – ``new_session``, ``navigation`` (the page list), deltas (the
   elements) – until ``script_finished``: then the page has run.

A page counts as done when its script run finished successfully; an error the app shows
("Något gick fel", an exception element) is counted apart, and so is a run that did not finish in
time. Element counts and bytes say how much each page sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ERROR_TEXT = "Något gick fel"  # ui.components.friendly_errors
FINISHED = ForwardMsg.ScriptFinishedStatus
DEFAULT_MAX_CACHED_MESSAGE_AGE = 2  # streamlit's global.maxCachedMessageAge


@dataclass(frozen=True)
class Page:
    """A page of the app as ``navigation`` lists it: ``path`` is its URL path ('' = the default)."""
    path: str
    script_hash: str
    title: str
    hidden: bool = False


@dataclass
class PageRun:
    """One page asked for and what came back."""
    path: str
    query: str
    seconds: float
    ok: bool  # the script run finished successfully
    elements: int = 0  # new elements and blocks (deltas)
    cached: int = 0  # of them sent as a reference to a message the client had cached
    charts: int = 0
    dataframes: int = 0
    frame_bytes: int = 0  # what went over the websocket for this run
    errors: list[str] = field(default_factory=list)  # an exception element or the app's error text
    # what the page says, kept when the session was opened with ``read=True`` (tests): the text of
    # markdown, headings, captions and alerts, and every dataframe's rows
    texts: list[str] = field(default_factory=list)
    tables: list[list[dict]] = field(default_factory=list)


def insecure_ssl() -> ssl.SSLContext:
    """The front door's self-signed certificate (bench/front_door.py) is not checked."""
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    return ctx


def first_get(url: str, timeout: float) -> str:
    """``GET url/`` as a browser's first request; the cookies set (name=value; ...)."""
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=insecure_ssl()))
    with opener.open(url.rstrip("/") + "/", timeout=timeout) as r:
        r.read()
        cookies = [c.split(";", 1)[0].strip() for c in r.headers.get_all("Set-Cookie") or []]
    return "; ".join(c for c in cookies if c)


class Session:
    """One browser tab's session on a server (``http(s)://host:port``), over one websocket.

    ``cookie``: a cookie header to send instead of the one the first ``GET`` sets (a test that
    wants a session on a particular server); ``read``: keep what each page says (``PageRun.texts``,
    ``PageRun.tables``). Use as ``async with Session(url) as s``."""

    def __init__(self, url: str, *, timeout: float = 60.0, cookie: str | None = None, locale: str = "sv-SE",
                 read: bool = False):
        self.url = url.rstrip("/")
        self.read = read
        self.timeout = timeout
        self.cookie = cookie
        self.locale = locale
        self.pages: list[Page] = []
        self.session_id = ""
        self._ws = None
        self._cache: dict[str, int] = {}  # message hash -> run it was last used in (the browser's cache)
        self._runs = 0
        self._max_age = DEFAULT_MAX_CACHED_MESSAGE_AGE

    async def __aenter__(self) -> Session:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def connect(self) -> None:
        if self.cookie is None:
            self.cookie = await asyncio.to_thread(first_get, self.url, self.timeout)
        parsed = urllib.parse.urlsplit(self.url)
        ws_url = ("wss" if parsed.scheme == "https" else "ws") + f"://{parsed.netloc}/_stcore/stream"
        headers = {"Origin": f"{parsed.scheme}://{parsed.netloc}"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        self._ws = await asyncio.wait_for(websockets.connect(
            ws_url, subprotocols=["streamlit"], additional_headers=headers, max_size=None,
            ssl=insecure_ssl() if parsed.scheme == "https" else None, open_timeout=self.timeout,
            compression=None, ping_interval=None), self.timeout)

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
            self._ws = None

    def page(self, path: str) -> Page | None:
        return next((p for p in self.pages if p.path == path), None)

    async def run(self, path: str = "", query: str = "") -> PageRun:
        """Ask for the page at URL path ``path`` ('' = the default page) with ``query`` (without
        '?'), as a browser does when the URL is opened (before the page list is known) or a menu
        entry picked (after), and wait until its script run has finished. Raises TimeoutError
        when it does not finish within the session's timeout."""
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = query
        page = self.page(path)
        if page is not None:
            rerun.page_script_hash = page.script_hash
        else:
            rerun.page_name = path
        if not self.read:  # a reading session gets every message whole, none as a reference
            rerun.cached_message_hashes.extend(sorted(self._cache))
        rerun.context_info.locale = self.locale
        rerun.context_info.timezone = "Europe/Stockholm"
        rerun.context_info.url = f"{self.url}/{path}" + (f"?{query}" if query else "")
        result = PageRun(path=path, query=query, seconds=0.0, ok=False)
        t0 = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        await asyncio.wait_for(self._read_until_finished(result), self.timeout)
        result.seconds = time.perf_counter() - t0
        return result

    async def _read_until_finished(self, result: PageRun) -> None:
        while True:
            data = await self._ws.recv()
            result.frame_bytes += len(data)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if fwd.metadata.cacheable and fwd.hash:
                self._cache[fwd.hash] = self._runs
            if kind == "ref_hash":
                self._cache[fwd.ref_hash] = self._runs
                result.elements += 1
                result.cached += 1
            elif kind == "delta":
                self._count_delta(fwd, result)
            elif kind == "new_session":
                self.session_id = fwd.new_session.initialize.session_id or self.session_id
                age = fwd.new_session.config.max_cached_message_age
                self._max_age = age if age > 0 else self._max_age
            elif kind == "navigation":
                self.pages = [Page(p.url_pathname, p.page_script_hash, p.page_name, p.is_hidden)
                              for p in fwd.navigation.app_pages]
            elif kind == "page_not_found":
                result.errors.append(f"sidan finns inte: {result.path}")
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == FINISHED.FINISHED_EARLY_FOR_RERUN:
                    continue  # the app reran itself (st.rerun): the page comes with the next run
                self._end_run()
                result.ok = status == FINISHED.FINISHED_SUCCESSFULLY and not result.errors
                return

    def _count_delta(self, fwd: ForwardMsg, result: PageRun) -> None:
        delta = fwd.delta
        which = delta.WhichOneof("type")
        if which not in ("new_element", "add_block"):
            return
        result.elements += 1
        if which != "new_element":
            return
        element = delta.new_element
        etype = element.WhichOneof("type")
        if etype == "plotly_chart":
            result.charts += 1
        elif etype in ("dataframe", "table"):
            result.dataframes += 1
        elif self.read and etype in ("markdown", "heading", "alert", "text"):
            result.texts.append(getattr(element, etype).body)
        if self.read and etype == "dataframe":
            arrow = element.dataframe.arrow_data.data or element.dataframe.lazy_data.initial_chunk.data
            if arrow:
                result.tables.append(_rows(arrow))
        if etype == "exception":
            result.errors.append(f"undantag: {element.exception.type}: {element.exception.message[:200]}")
        elif etype == "alert" and ERROR_TEXT in element.alert.body:
            result.errors.append(element.alert.body[:200])

    def _end_run(self) -> None:
        # the browser's ForwardMsgCache: a message unused for more than max_cached_message_age
        # runs is dropped, and the next run's request lists what is left
        self._runs += 1
        self._cache = {h: r for h, r in self._cache.items() if self._runs - r <= self._max_age}


def _rows(arrow: bytes) -> list[dict]:
    """A dataframe element's Arrow IPC bytes as rows (column name -> value)."""
    import pyarrow.ipc

    return pyarrow.ipc.open_stream(arrow).read_all().to_pylist()
