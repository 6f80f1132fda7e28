"""Headless core: models, store, process rules and services. Never imports Textual."""
