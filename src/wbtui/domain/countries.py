"""Countries a qualification was gained in: the common ones as ISO 3166-1 alpha-2 codes (their names are
the catalog's, ``country.<code>``); any other country is stored as its name, as typed (README "Documents").

Germany first, then the others in the order of their German names. ``XK`` (Kosovo) is the user-assigned
code the EU and the Bundesagentur use, ISO 3166 having none."""

from __future__ import annotations

COUNTRIES: tuple[str, ...] = (
    "DE",
    "AF",
    "EG",
    "AL",
    "DZ",
    "BA",
    "BG",
    "CN",
    "ER",
    "FR",
    "GR",
    "IN",
    "IQ",
    "IR",
    "IT",
    "KZ",
    "XK",
    "HR",
    "LT",
    "MA",
    "MD",
    "NG",
    "MK",
    "AT",
    "PK",
    "PL",
    "PT",
    "RO",
    "RU",
    "CH",
    "RS",
    "SO",
    "ES",
    "SY",
    "TR",
    "UA",
    "HU",
    "US",
    "GB",
    "VN",
)
OTHER = "other"  # the pick list's "anderes Land": the name is typed instead
