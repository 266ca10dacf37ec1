"""The store on SQLite and on a real PostgreSQL server (``store_url``)."""

from data import store


def test_latest_comment_per_goal_and_period(store_url):
    url = store_url
    store.add_comment(url, "g1", "2025/26", "BUN", "Första analysen")
    store.add_comment(url, "g1", "2025/26", "BUN", "  Reviderad analys  ", author="Controller")
    store.add_comment(url, "g1", "2024/25", "BUN", "Förra året")
    latest = store.latest_comments(url, "2025/26")
    assert latest["g1"].text == "Reviderad analys" and latest["g1"].author == "Controller"
    assert store.latest_comments(url, "2024/25")["g1"].text == "Förra året"
    assert store.latest_comments(url, "2023/24") == {}


def test_empty_or_too_long_comment_is_refused(store_url):
    url = store_url
    for text in ("   ", "x" * (store.MAX_COMMENT_CHARS + 1)):
        try:
            store.add_comment(url, "g1", "2025/26", "BUN", text)
        except store.CommentError:
            continue
        raise AssertionError("accepted")
    assert store.latest_comments(url, "2025/26") == {}


def test_demo_comments_are_seeded_once(store_url):
    url = store_url
    assert store.seed_demo_comments(url, "2026/27") == 2
    assert store.seed_demo_comments(url, "2026/27") == 0
    assert all(c.text.startswith("Demodata") for c in store.latest_comments(url, "2026/27").values())
