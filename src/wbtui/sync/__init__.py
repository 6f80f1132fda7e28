"""Client side of the sync protocol (sync-design.md 4). Never imports Textual."""
