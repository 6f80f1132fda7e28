"""Textual widgets of wbtui."""
