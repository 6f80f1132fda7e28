"""Client side of the sync protocol. Never imports Textual."""
