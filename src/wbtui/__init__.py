"""wbtui: the FbW reference process between Jobcenter and Agentur für Arbeit.

The package root stays import-light on purpose: neither SQLModel nor Textual is
imported here, so ``wbtui --help`` and fast CLI paths start quickly.
"""

__version__ = "0.1.0"
