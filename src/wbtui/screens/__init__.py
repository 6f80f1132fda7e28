"""Textual screens of wbtui."""
