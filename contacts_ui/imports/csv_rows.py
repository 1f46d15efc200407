"""Reading a CSV file of contacts for import: pure logic, no HTTP, no API calls.

Files come from Excel and other systems: UTF-8 (with or without a byte order mark)
or Windows-1250, separated by `;`, `,` or tabs. This module decodes them, finds the
delimiter, splits them into records, guesses which column holds which contact field
(from Polish or English column names, or from what the cells look like), and checks
each row as it would be sent. It also writes rows back as a CSV with an error column
that Polish Excel opens as it is (UTF-8 with a byte order mark, `;`).
"""

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..forms import ContactForm, normalise_phone
from ..serwersms import CONTACT_FIELDS, PAGE_LIMIT, ContactData, SerwerSMSClient, every_item
from ..spreadsheet import safe_cell

DELIMITERS = (";", ",", "\t")
# When no delimiter shows (a file of one column), the one Polish Excel writes.
DEFAULT_DELIMITER = ";"
# The contact form's limits: each text field (the API's, api/CONTRACT.md), and a phone.
FIELD_MAX = ContactForm.base_fields["email"].max_length
PHONE_MAX = ContactForm.base_fields["phone"].max_length
# More columns than any address book has: a file with more is not one.
MAX_COLUMNS = 100
# How much of the file the delimiter is guessed from.
SAMPLE_CHARS = 64 * 1024
SNIFF_CHARS = 4 * 1024
SAMPLE_RECORDS = 50


class ImportFileError(Exception):
    """The file cannot be imported at all. `str(error)` is a sentence for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Decoding ---------------------------------------------------------------------------

# The encodings are named as Python's codecs name them; `utf-8-sig` is UTF-8 with a BOM.
ENCODING_NAMES = {
    "utf-8": gettext_lazy("UTF-8"),
    "utf-8-sig": gettext_lazy("UTF-8 with a byte order mark"),
    "utf-16": gettext_lazy("UTF-16 (Excel’s “Unicode text”)"),
    "cp1250": gettext_lazy("Windows-1250"),
}
DELIMITER_NAMES = {
    ";": gettext_lazy("semicolons"),
    ",": gettext_lazy("commas"),
    "\t": gettext_lazy("tabs"),
}

# Control characters that text files do carry: tab, line breaks, form feed, and the
# DOS end-of-file mark. Any other is a sign of binary data.
_TEXT_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1a")


def _workbook_error() -> ImportFileError:
    return ImportFileError(
        _(
            "This is an Excel workbook, not a CSV file. In Excel choose File → Save As, "
            "pick “CSV (semicolon delimited)” or “CSV UTF-8”, and upload that file."
        )
    )


def _binary_error() -> ImportFileError:
    return ImportFileError(
        _(
            "This file is not text, so it is not a CSV file. Save the sheet as CSV "
            "(in Excel: File → Save As → CSV) and upload that file."
        )
    )


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and its encoding: UTF-8 (with or without a BOM), else Windows-1250.

    Refuses (ImportFileError) an empty file, a workbook, and anything that is not text.
    """
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    # Zip (an .xlsx or .ods workbook) and OLE2 (an old .xls).
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
        raise _workbook_error()
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        # Windows-1250 text is almost never valid UTF-8, so UTF-8 is tried first;
        # whatever fails it is taken for Windows-1250, the Polish Windows default.
        candidates = ["utf-8", "cp1250"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            raise _binary_error()
        return text, encoding
    if candidates == ["utf-8", "cp1250"]:
        raise _binary_error()
    raise ImportFileError(
        _(
            "The file says it is Unicode text but is not: its characters cannot be read. "
            "Save it again as “CSV UTF-8” and upload that file."
        )
    )


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:SAMPLE_CHARS]
    controls = sum(1 for char in sample if char < " " and char not in _TEXT_CONTROLS)
    # One stray control character is a typo; one in a hundred is not text.
    return controls * 100 > len(sample)


# --- Delimiter and records --------------------------------------------------------------


def detect_delimiter(text: str) -> str:
    """`;`, `,` or tab: csv.Sniffer restricted to those, checked against the header, else
    the one that splits the first records into the most even columns."""
    sample = _whole_lines(text, SAMPLE_CHARS)
    # The sniffer's regular expressions take time that grows with the square of what they
    # read when quotation marks do not pair up, so it reads only the first few lines.
    try:
        sniffed = csv.Sniffer().sniff(_whole_lines(text, SNIFF_CHARS), "".join(DELIMITERS))
    except csv.Error:
        sniffed = None
    # The sniffer is easily misled (a comma in an address, a quoted header); its answer
    # stands only if it splits the header into columns.
    delimiter = sniffed.delimiter if sniffed else None
    if delimiter in DELIMITERS and len(_first_records(sample, delimiter, 1)[0]) > 1:
        return delimiter
    return _delimiter_by_counting(sample)


def _whole_lines(text: str, size: int) -> str:
    """The start of the text, cut at a line's end: a record cut in half would mislead."""
    if len(text) <= size:
        return text
    sample = text[:size]
    end = max(sample.rfind("\n"), sample.rfind("\r"))
    return sample[:end] if end > 0 else sample


def _first_records(sample: str, delimiter: str, count: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append(cells)
            if len(records) == count:
                break
    except csv.Error:
        pass
    return records or [[]]


def _delimiter_by_counting(sample: str) -> str:
    """The delimiter under which the most records are as wide as the header, and wider than 1."""
    best, best_score = DEFAULT_DELIMITER, (0, 0)
    for delimiter in DELIMITERS:
        records = _first_records(sample, delimiter, SAMPLE_RECORDS)
        width = len(records[0])
        if width < 2:
            continue
        score = (sum(1 for cells in records if len(cells) == width), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass(frozen=True)
class Table:
    """A file's records (blank lines left out), each with the line it starts on."""

    records: list[tuple[int, list[str]]]
    # The most cells any record has, not counting empty cells at its end.
    width: int
    # Reading stopped before the end (read_table's max_records).
    truncated: bool = False
    # The most cells any record has, every cell counted (and blank records too): what the
    # column limit is checked against, so that a line of delimiters is no way around it.
    cells: int = 0


def read_table(text: str, delimiter: str, max_records: int | None = None) -> Table:
    """Split the text into records with the csv module (quoted fields may hold the
    delimiter and line breaks). Refuses a file whose quotation marks do not close.
    Stops after `max_records` and one more, so that a file too long is not read whole."""
    source = io.StringIO(text, newline="")
    pending: list[str] = []

    def lines() -> Iterator[str]:
        for line in source:
            pending.append(line)
            yield line

    # Not strict: a stray quotation mark inside a value (`5" screen`, `"a"b`) is kept
    # as it is, as Excel keeps it. A quoted value that never ends is caught below.
    reader = csv.reader(lines(), delimiter=delimiter, strict=False)
    records: list[tuple[int, list[str]]] = []
    width = cells_at_most = 0
    start = 1
    last_raw, last_start = "", 1
    try:
        for cells in reader:
            last_raw, last_start = "".join(pending), start
            pending.clear()
            cells_at_most = max(cells_at_most, len(cells))
            if cells_at_most > MAX_COLUMNS:
                # Not a list of contacts: read no further (load() refuses it).
                return Table(records=records, width=width, cells=cells_at_most)
            if any(cell.strip() for cell in cells):
                records.append((start, cells))
                width = max(width, _used_width(cells))
            start = reader.line_num + 1
            if max_records is not None and len(records) > max_records:
                return Table(records=records, width=width, truncated=True, cells=cells_at_most)
    except csv.Error:
        raise ImportFileError(
            _(
                "Line %(line)d holds a value longer than %(limit)d characters. A quotation "
                "mark that opens a value and never closes it causes this; check that line."
            )
            % {"line": start, "limit": csv.field_size_limit()}
        )
    if start - last_start > 1:
        # The last record spans lines: perhaps a quoted value that runs to the end of file.
        _check_closed(last_raw, delimiter, last_start)
    return Table(records=records, width=width, cells=cells_at_most)


def _check_closed(raw: str, delimiter: str, line: int) -> None:
    """Refuse a record in which a quoted value runs to the end of the file."""
    try:
        list(csv.reader(io.StringIO(raw, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise ImportFileError(
                _(
                    "A quotation mark on line %(line)d opens a value that never closes, so the "
                    "rest of the file would be read as one value. Check that line."
                )
                % {"line": line}
            )
        # Anything else strictness minds (`"a"b`) the lenient reading took as it is.


def _used_width(cells: Sequence[str]) -> int:
    width = len(cells)
    while width and not cells[width - 1].strip():
        width -= 1
    return width


# --- A whole upload ---------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedFile:
    text: str
    encoding: str
    delimiter: str
    table: Table
    has_header: bool

    @property
    def data_rows(self) -> int:
        return len(self.table.records) - (1 if self.has_header else 0)


def load(data: bytes, max_rows: int) -> LoadedFile:
    """Decode, split and check an uploaded file as a whole: it must hold between one and
    `max_rows` rows to import, in at most MAX_COLUMNS columns."""
    text, encoding = decode(data)
    delimiter = detect_delimiter(text)
    # One record more than the rows allowed may be the header.
    table = read_table(text, delimiter, max_records=max_rows + 1)
    if table.cells > MAX_COLUMNS:
        raise ImportFileError(
            _(
                "The file has %(columns)s columns; an import takes at most %(limit)d. "
                "Is it a list of contacts?"
            )
            % {"columns": number_format(table.cells, force_grouping=True), "limit": MAX_COLUMNS}
        )
    if table.truncated:
        raise _too_many_rows(max_rows)
    if not table.records:
        raise ImportFileError(_("The file is empty."))
    loaded = LoadedFile(text, encoding, delimiter, table, guess_has_header(table))
    if loaded.data_rows == 0:
        raise ImportFileError(
            _("The file holds only a row of column names and no contacts to import.")
        )
    if loaded.data_rows > max_rows:
        raise _too_many_rows(max_rows)
    return loaded


def _too_many_rows(max_rows: int) -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(limit)s rows; one import takes up to %(limit)s. "
            "Split it into smaller files."
        )
        % {"limit": number_format(max_rows, force_grouping=True)}
    )


# --- Columns ----------------------------------------------------------------------------


# A column that is not a contact field: whether to put the row's number on the blacklist.
BLACKLIST = "blacklist"
# What a blacklist column's cells say, compared by _key: yes, or no (an empty cell is no).
_YES = frozenset({"tak", "t", "yes", "y", "1", "x", "true", "prawda"})
_NO = frozenset({"", "nie", "n", "no", "0", "false", "falsz"})


def field_label(name: str) -> str:
    """A contact field's name for people, as the contact form labels it."""
    if name == BLACKLIST:
        return str(_("On the blacklist (no messages)"))
    return str(ContactForm.base_fields[name].label)


def column_names(table: Table, has_header: bool) -> list[str]:
    """A name for each column: its cell in the header row, else “Column N”."""
    header = table.records[0][1] if has_header and table.records else []
    names = []
    for index in range(table.width):
        cell = header[index].strip() if index < len(header) else ""
        names.append(cell or _("Column %(number)d") % {"number": index + 1})
    return names


def _key(name: str) -> str:
    """A column name compared without case, spaces, punctuation or Polish letters."""
    decomposed = unicodedata.normalize("NFKD", name.lower().replace("ł", "l"))
    return re.sub(r"[^a-z0-9]", "", decomposed.encode("ascii", "ignore").decode())


# Column names as staff's files have them, compared by _key.
_HEADER_NAMES = {
    "phone": (
        "telefon",
        "tel",
        "nr tel",
        "nr telefonu",
        "numer telefonu",
        "telefon komórkowy",
        "komórka",
        "komórkowy",
        "nr komórki",
        "gsm",
        "phone",
        "phone number",
        "telephone",
        "mobile",
        "mobile phone",
        "mobile number",
        "cell",
        "cell phone",
        "msisdn",
    ),
    "email": (
        "e-mail",
        "email",
        "mail",
        "adres e-mail",
        "adres email",
        "email address",
        "e-mail address",
    ),
    "first_name": ("imię", "first name", "given name"),
    "last_name": ("nazwisko", "last name", "lastname", "surname", "family name"),
    "company": (
        "firma",
        "nazwa firmy",
        "company",
        "company name",
        "organizacja",
        "organization",
        "organisation",
    ),
    "tax_id": ("nip", "tax id", "tax number", "vat", "vat id", "vat number", "nip firmy"),
    "address": ("adres", "ulica", "address", "street", "adres pocztowy", "street address"),
    "city": ("miasto", "miejscowość", "city", "town"),
    "description": ("opis", "uwagi", "notatki", "notes", "note", "description", "komentarz"),
    BLACKLIST: (
        "czarna lista",
        "na czarnej liście",
        "blacklist",
        "blacklisted",
        "do not text",
        "nie wysyłać",
        "blokada sms",
    ),
}
_BY_KEY = {_key(name): field for field, names in _HEADER_NAMES.items() for name in names}
# Parts of longer names (“Telefon kontaktowy”, “Nazwa firmy klienta”); a name with the
# parts of two fields in it (“Imię i nazwisko”) is left for the person to map.
_PARTS = {
    "phone": ("telefon", "phone", "mobile", "komork"),
    "email": ("email", "mail"),
    "first_name": ("imie", "firstname"),
    "last_name": ("nazwisko", "lastname", "surname"),
    "company": ("firm", "company"),
    "tax_id": ("nip",),
    "address": ("adres", "address", "ulica", "street"),
    "city": ("miasto", "miejscowosc", "city"),
    "description": ("opis", "uwagi", "notes", "description"),
}


def guess_field(name: str) -> str:
    """The contact field a column name means, or "" when it is not clear."""
    key = _key(name)
    if key in _BY_KEY:
        return _BY_KEY[key]
    matches = {field for field, parts in _PARTS.items() if any(part in key for part in parts)}
    # An e-mail address is an address only in name.
    if matches == {"email", "address"}:
        return "email"
    return matches.pop() if len(matches) == 1 else ""


def guess_mapping(table: Table, has_header: bool) -> list[str]:
    """A contact field, or "", for each column: by its name when there is a header, and the
    phone and email columns by what their cells look like when the names do not tell."""
    mapping = [""] * table.width
    if has_header:
        for index, name in enumerate(column_names(table, True)):
            guess = guess_field(name)
            if guess and guess not in mapping:
                mapping[index] = guess
    records = [cells for _line, cells in table.records[1 if has_header else 0 :][:20]]
    for field_name, looks_right in (("phone", _looks_like_phone), ("email", _looks_like_email)):
        if field_name in mapping:
            continue
        for index in range(table.width):
            values = [cells[index].strip() for cells in records if index < len(cells)]
            values = [value for value in values if value]
            if (
                not mapping[index]
                and values
                and sum(map(looks_right, values)) * 5 >= len(values) * 4
            ):
                mapping[index] = field_name
                break
    return mapping


def _looks_like_phone(value: str) -> bool:
    if len(value) > PHONE_MAX or not re.fullmatch(r"[+(]?[0-9][0-9 ()./-]{6,}", value):
        return False
    try:
        normalise_phone(value)
    except forms.ValidationError:
        return False
    return True


def _looks_like_email(value: str) -> bool:
    return len(value) <= FIELD_MAX and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None


def guess_has_header(table: Table) -> bool:
    """Whether the first record names the columns rather than holds a contact: every contact
    has a phone number, so a first record with none is taken for the column names."""
    if not table.records:
        return False
    return not any(_looks_like_phone(cell.strip()) for cell in table.records[0][1])


# --- Rows as they will be sent ----------------------------------------------------------


@dataclass
class Row:
    """One record of the file to import: where it is, what would be sent, what is wrong."""

    line: int
    cells: list[str]
    data: ContactData
    errors: list[str] = field(default_factory=list)
    # Its number to be put on the blacklist (a column mapped to BLACKLIST says yes).
    blacklist: bool = False

    def value(self, name: str) -> str:
        """What the preview shows in the column mapped to `name`."""
        if name == BLACKLIST:
            return str(_("Yes")) if self.blacklist else str(_("No"))
        return getattr(self.data, name)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class CheckedFields:
    """A record's own checks (validate_rows's costly part, which depends only on the
    mapping): its values as they would be sent, what is wrong with them, and its phone in
    E.164 when that is a valid one."""

    values: dict[str, str]
    errors: list[str]
    phone: str | None
    blacklist: bool = False

    def as_json(self) -> list:
        values = [self.values[name] for name in CONTACT_FIELDS]
        return [values, self.errors, self.phone, self.blacklist]

    @classmethod
    def from_json(cls, stored: list) -> "CheckedFields":
        values, errors, phone, *blacklist = stored  # kept before the column existed: no
        fields = dict(zip(CONTACT_FIELDS, values, strict=True))
        return cls(fields, errors, phone, bool(blacklist and blacklist[0]))


def check_fields(table: Table, has_header: bool, mapping: Sequence[str]) -> list[CheckedFields]:
    """Each record to import checked on its own, as it would be sent.

    `mapping` gives a contact field (or "") for each column. A record's errors: no phone or
    not a valid one, a value too long, an invalid email or NIP (the contact form's own
    rules and messages), values beyond the header's columns.
    """
    records = table.records[1:] if has_header else table.records
    header_width = _used_width(table.records[0][1]) if has_header and table.records else None
    columns = [(index, name) for index, name in enumerate(mapping) if name in CONTACT_FIELDS]
    blacklist_column = mapping.index(BLACKLIST) if BLACKLIST in mapping else None
    checked = []
    for _line, cells in records:
        values = {name: "" for name in CONTACT_FIELDS}
        for index, name in columns:
            if index < len(cells):
                values[name] = cells[index].strip()
        errors = []
        if header_width is not None and _used_width(cells) > header_width:
            errors.append(
                _(
                    "This row has values in %(cells)d columns, the header names only %(columns)d: "
                    "a value with the delimiter in it needs quotation marks."
                )
                % {"cells": _used_width(cells), "columns": header_width}
            )
        values, field_errors = ContactForm.clean_contact_fields(values)
        for messages in field_errors.values():
            errors.extend(messages)
        phone = values["phone"] if "phone" not in field_errors else None
        blacklist = False
        if blacklist_column is not None:
            cell = cells[blacklist_column].strip() if blacklist_column < len(cells) else ""
            blacklist = _key(cell) in _YES
            if not blacklist and _key(cell) not in _NO:
                errors.append(
                    _(
                        "“%(value)s” in the blacklist column is neither yes nor no (tak or nie, "
                        "1 or 0, or empty)."
                    )
                    % {"value": cell}
                )
        checked.append(CheckedFields(values, errors, phone, blacklist))
    return checked


def validate_rows(
    table: Table,
    has_header: bool,
    mapping: Sequence[str],
    existing: Mapping[str, Sequence[str]] | None = None,
    checked: Sequence[CheckedFields] | None = None,
) -> list[Row]:
    """Each record to import, checked as it would be sent: its own checks (check_fields,
    or `checked` when they were made before with this mapping), the same phone as an
    earlier row, a phone already in a target group. `existing` maps each phone (E.164)
    already in a target group to those groups' names.
    """
    existing = existing or {}
    records = table.records[1:] if has_header else table.records
    if checked is None:
        checked = check_fields(table, has_header, mapping)
    seen: dict[str, int] = {}
    rows = []
    for (line, cells), fields in zip(records, checked, strict=True):
        errors = list(fields.errors)
        phone = fields.phone
        if phone is not None:
            if phone in seen:
                errors.append(_("The same phone number as line %(line)d.") % {"line": seen[phone]})
            else:
                seen[phone] = line
            if phone in existing:
                names = existing[phone]
                errors.append(
                    ngettext(
                        "Already in the target group %(groups)s.",
                        "Already in the target groups %(groups)s.",
                        len(names),
                    )
                    % {"groups": ", ".join(f"“{name}”" for name in names)}
                )
        data = ContactData(**fields.values)
        rows.append(Row(line, cells, data, errors, blacklist=fields.blacklist))
    return rows


def phone_or_none(raw: str) -> str | None:
    """The phone in E.164, as the contact form saves it, or None if it is not a valid one."""
    try:
        return ContactForm.base_fields["phone"].clean(raw) or None
    except forms.ValidationError:
        return None


def phones_in_group(client: SerwerSMSClient, group_id: int) -> list[str]:
    """Each phone (E.164) in the group, read now: a call for each PAGE_LIMIT members. What
    an import's rows are checked against, by its preview or (for a large group) its job."""
    members = every_item(
        lambda page: client.contacts_index(group_id=group_id, page=page, limit=PAGE_LIMIT)
    )
    return sorted({phone_or_none(contact.phone) or contact.phone for contact in members})


# --- Writing rows back ------------------------------------------------------------------


def rows_csv(header: Sequence[str], rows: Iterable[tuple[Sequence[str], str]]) -> bytes:
    """A CSV of rows with an error column at the end, as Polish Excel opens it: UTF-8 with a
    BOM, separated by semicolons. Each row is (its cells, what is wrong with it)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    width = len(header)
    writer.writerow([*header, _("Error")])
    for cells, error in rows:
        cells = list(cells)[:width] + [""] * (width - len(cells))
        # The row's own cells go back as the file had them, so that it can be uploaded
        # again; only the error text (ours, which may quote the API) is made safe.
        writer.writerow([*cells, safe_cell(error)])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
