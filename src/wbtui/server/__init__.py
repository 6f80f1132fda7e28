"""The central sync service (FastAPI on PostgreSQL; SQLite for a trial). Never imports Textual."""
