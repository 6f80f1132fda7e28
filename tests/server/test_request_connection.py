"""Issue 16: a push or a pull reads its token on the connection it then works on, and the pool does not ping a
connection before handing it out (server.deps.authorized). A connection PostgreSQL has dropped (a restart,
an administrator ending sessions) must not cost a request: the token query fails on it and runs once more on
a fresh one."""

from __future__ import annotations

import httpx
import psycopg

from server_helpers import PG_ADMIN, pg_database, provision, running_server


def test_connections_the_database_dropped__the_next_push_and_pull_are_answered():
    with pg_database() as db_url, running_server(db_url) as (url, engine):
        token = provision(engine)["ifk.ida"]
        body = {"device_id": "d", "batch_id": "b", "schema_version": 2, "changes": []}
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            for _ in range(3):  # the pool holds connections now
                assert http.get("/sync/v1/pull").status_code == 200
                assert http.post("/sync/v1/push", json=body).status_code == 200
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                ended = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (db_url.rsplit("/", 1)[1],),
                ).fetchone()
            assert ended is not None and ended[0] >= 1
            assert http.get("/sync/v1/pull").status_code == 200
            assert http.post("/sync/v1/push", json=body).status_code == 200
            assert http.get("/sync/v1/pull", headers={"Authorization": "Bearer wbt_x.y"}).status_code == 401
