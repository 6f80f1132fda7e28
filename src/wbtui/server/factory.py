"""The server application built from the environment — what each uvicorn worker process imports
when ``wbtui serve --workers N`` runs several (the database URL and the pepper never travel on a
command line)."""

from __future__ import annotations


def app_from_env():
    from wbtui.server.admin import pepper, server_db_url
    from wbtui.server.api import create_app
    from wbtui.server.store import make_engine

    return create_app(make_engine(server_db_url()), pepper())
