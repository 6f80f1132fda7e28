"""On PostgreSQL a sequence number is taken at insert, not at
commit, so feed rows can commit out of order. A reader that pages by seq alone skips a row that
commits late; the server's reader (cursor (tx, seq), only transactions below the oldest running
feed writer) never does. Both are shown here: the gate-less reader loses a row in a fixed interleaving,
and the server's reader loses none while many writers commit in random order."""

from __future__ import annotations

import random
import threading
import time

from sqlalchemy import insert, text

from server_helpers import pg_database

ORG = "org-feed-test"


def _write(engine, hold: float) -> int:
    from wbtui.server.feed import FEED_LOCK
    from wbtui.server.models import SrvFeed

    with engine.begin() as conn:
        # a feed writer announces itself before it has a transaction id (server.feed.announce_writer)
        conn.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": FEED_LOCK})
        conn.execute(text("SELECT pg_current_xact_id()"))
        seq = conn.execute(
            insert(SrvFeed.__table__).values(org_id=ORG, kind="set", payload="{}").returning(SrvFeed.__table__.c.seq)
        ).scalar()
        time.sleep(hold)
    return seq


def _read_all(engine, cursor: tuple[int, int], seen: list[int]) -> tuple[int, int]:
    from wbtui.server.feed import page as feed_page

    # as the server reads (deps.authorized): in autocommit, each page its own transaction — PostgreSQL keeps a
    # transaction's first reading of pg_stat_activity, so a gate read twice in one transaction misses new writers
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while True:
            rows = feed_page(conn, "postgresql", ORG, cursor[0], cursor[1], 7)
            for row in rows:
                seen.append(row[1])
                cursor = (row[0], row[1])
            if len(rows) < 7:
                return cursor


def test_property_18_the_gated_feed_never_skips_a_late_commit():
    from wbtui.server.store import init_schema, make_engine

    with pg_database() as url:
        engine = make_engine(url)
        init_schema(engine)
        try:
            # fixed interleaving: seq 1 is taken first but commits after seq 2
            slow = threading.Thread(target=_write, args=(engine, 0.6))
            slow.start()
            time.sleep(0.15)
            fast = _write(engine, 0)
            with engine.connect() as conn:  # the gate-less reader moves past the late row ...
                naive = [
                    r[0]
                    for r in conn.execute(
                        text("SELECT seq FROM srv_feed WHERE org_id = :o AND seq > 0 ORDER BY seq"), {"o": ORG}
                    )
                ]
            gated: list[int] = []
            cursor = _read_all(engine, (0, 0), gated)  # ... the gated one waits for it
            slow.join()
            with engine.connect() as conn:
                naive += [
                    r[0]
                    for r in conn.execute(
                        text("SELECT seq FROM srv_feed WHERE org_id = :o AND seq > :s ORDER BY seq"),
                        {"o": ORG, "s": max(naive)},
                    )
                ]
            cursor = _read_all(engine, cursor, gated)
            assert naive == [fast]  # the first row was skipped for good
            assert sorted(gated) == sorted({fast, fast - 1}) and len(gated) == 2

            # many writers, random commit order, a reader polling all the time
            committed: list[int] = []
            lock = threading.Lock()

            def writer(n: int) -> None:
                rng = random.Random(n)
                for _ in range(15):
                    seq = _write(engine, rng.random() * 0.02)
                    with lock:
                        committed.append(seq)

            threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
            for th in threads:
                th.start()
            while any(th.is_alive() for th in threads):
                cursor = _read_all(engine, cursor, gated)
                time.sleep(random.random() * 0.01)
            for th in threads:
                th.join()
            deadline = time.time() + 30
            while len(gated) < len(committed) + 2 and time.time() < deadline:
                cursor = _read_all(engine, cursor, gated)
                time.sleep(0.05)
            assert len(gated) == len(set(gated)), "a row was delivered twice"
            assert set(gated) == set(committed) | {fast, fast - 1}, "a committed row was skipped"
        finally:
            engine.dispose()


def test_a_feed_writer_in_another_database_of_the_cluster_held_every_pull_back__now_the_gate_is_per_database():
    """Advisory locks are cluster-wide: a long push on another wbtui database (another region, a test)
    made this server's pulls return nothing until it ended."""
    from wbtui.server.feed import FEED_LOCK
    from wbtui.server.feed import page as feed_page
    from wbtui.server.models import SrvFeed
    from wbtui.server.store import init_schema, make_engine

    with pg_database() as here_url, pg_database() as other_url:
        here, other = make_engine(here_url), make_engine(other_url)
        try:
            init_schema(here)
            with other.connect() as busy:  # a feed writer over there, still running
                busy.execute(text("BEGIN"))
                busy.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": FEED_LOCK})
                busy.execute(text("SELECT pg_current_xact_id()"))
                with here.begin() as conn:
                    conn.execute(insert(SrvFeed.__table__).values(org_id=ORG, kind="set", payload="{}"))
                with here.connect() as conn:
                    assert len(feed_page(conn, "postgresql", ORG, 0, 0, 10)) == 1
                busy.execute(text("ROLLBACK"))
        finally:
            here.dispose()
            other.dispose()
