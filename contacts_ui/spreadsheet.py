"""Cells written to CSV files that people open in a spreadsheet (exports, rows sent back)."""

import re

# A spreadsheet takes a cell starting with one of these for a formula (or, for tab
# and carriage return, strips them and looks again): "=HYPERLINK(...)" or a DDE
# call in a contact's name would run when the file is opened (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A phone as the API keeps it (E.164): "+" and digits only. Excel reads it as a
# number at worst; with no letters, brackets or operators after the "+" it cannot
# call a function or reach another cell, so it is left as it is rather than
# spoiled with an apostrophe for every contact (the file would not import back).
SAFE_PHONE = re.compile(r"\+[0-9]{1,15}")


def safe_cell(value: str, phone: bool = False) -> str:
    """The value as a cell that no spreadsheet runs as a formula (`phone`: a phone column)."""
    if phone and SAFE_PHONE.fullmatch(value):
        return value
    if value.startswith(FORMULA_STARTS):
        # The OWASP advice: a leading apostrophe makes the cell text.
        return "'" + value
    return value
