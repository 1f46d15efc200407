"""The import parser (contacts_ui.imports.csv_rows): every encoding and delimiter staff's files
come in, column guessing in Polish and English, broken files, and the checks of each row."""

import codecs
import csv
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts_ui.forms import ContactForm
from contacts_ui.imports import csv_rows
from contacts_ui.imports.csv_rows import ImportFileError, load, validate_rows
from contacts_ui.imports.forms import ImportUploadForm

POLISH = "ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ"

HEADER = ["Imię", "Nazwisko", "Telefon", "E-mail", "Miasto"]
ROWS = [
    ["Zażółć", "Gęślą-Jaźń", "500 600 700", "zg@example.pl", "Łódź"],
    ["Anna", "Kowalska", "+48 501-600-700", "anna@example.pl", "Kraków"],
]


def _csv(rows, delimiter=";") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _load(text_or_bytes, max_rows=1000):
    data = text_or_bytes.encode() if isinstance(text_or_bytes, str) else text_or_bytes
    return load(data, max_rows=max_rows)


def _cells(loaded) -> list[list[str]]:
    return [cells for _line, cells in loaded.table.records]


def _refusal(data: bytes, max_rows=1000) -> str:
    with pytest.raises(ImportFileError) as caught:
        load(data, max_rows=max_rows)
    return caught.value.message


# --- Encodings --------------------------------------------------------------------------


ENCODINGS = [
    (lambda text: text.encode("utf-8"), "utf-8"),
    (lambda text: codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8-sig"),
    (lambda text: text.encode("cp1250"), "cp1250"),
    # Excel's "Unicode text": UTF-16 with a byte order mark.
    (lambda text: text.encode("utf-16"), "utf-16"),
]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"], ids=["semicolon", "comma", "tab"])
@pytest.mark.parametrize(
    ("encode", "encoding"), ENCODINGS, ids=["utf-8", "utf-8 with BOM", "windows-1250", "utf-16"]
)
def test_it_reads_every_encoding_and_delimiter_with_polish_letters_intact(
    encode, encoding, delimiter
):
    rows = [HEADER, [POLISH, "Kowalska", "500600700", "", "Łódź"], *ROWS]
    loaded = _load(encode(_csv(rows, delimiter)))
    assert loaded.encoding == encoding
    assert loaded.delimiter == delimiter
    assert _cells(loaded) == rows


def test_the_byte_order_mark_is_not_part_of_the_first_column_name():
    loaded = _load(codecs.BOM_UTF8 + _csv([HEADER, *ROWS]).encode())
    assert _cells(loaded)[0][0] == "Imię"
    assert csv_rows.guess_mapping(loaded.table, True)[0] == "first_name"


def test_a_file_that_is_not_utf8_is_read_as_windows_1250():
    # "ł" is 0xB3 in Windows-1250, which alone is never valid UTF-8.
    loaded = _load("Nazwisko;Telefon\r\nMałecki;500600700\r\n".encode("cp1250"))
    assert loaded.encoding == "cp1250"
    assert _cells(loaded)[1] == ["Małecki", "500600700"]


def test_a_file_with_a_utf8_mark_but_other_bytes_is_refused():
    message = _refusal(codecs.BOM_UTF8 + "Telefon\nMałecki".encode("cp1250"))
    assert "cannot be read" in message


# --- Delimiters and quoting -------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", ",", "\t"], ids=["semicolon", "comma", "tab"])
def test_it_detects_every_delimiter(delimiter):
    loaded = _load(_csv([HEADER, *ROWS], delimiter))
    assert loaded.delimiter == delimiter
    assert _cells(loaded) == [HEADER, *ROWS]


@pytest.mark.parametrize("delimiter", [";", ",", "\t"], ids=["semicolon", "comma", "tab"])
def test_quoted_fields_keep_the_delimiter_and_line_breaks_inside(delimiter):
    rows = [
        ["Telefon", "Adres", "Opis"],
        ["500600700", f"ul. Długa 1{delimiter} m. 2", "Dzwonić po 16.\r\nNie w weekendy."],
        ["501600700", 'Biuro "Centrum"', ""],
    ]
    loaded = _load(_csv(rows, delimiter))
    assert loaded.delimiter == delimiter
    assert _cells(loaded) == rows
    # A record spanning two lines: the next one starts on line 4.
    assert [line for line, _cells in loaded.table.records] == [1, 2, 4]


def test_commas_in_addresses_do_not_hide_the_semicolons():
    text = (
        "Imię;Telefon;Adres\n"
        "Anna;500600700;ul. Piotrkowska 1, m. 2, Łódź\n"
        "Jan;501600700;ul. Długa 5, Kraków\n"
    )
    assert _load(text).delimiter == ";"


def test_semicolons_inside_quoted_values_do_not_hide_the_commas():
    text = 'Imię,Telefon,Opis\nAnna,500600700,"a; b; c"\nJan,501600700,"d; e"\n'
    assert _load(text).delimiter == ","


def test_any_line_ending_is_read():
    for newline in ("\r\n", "\n", "\r"):
        loaded = _load(newline.join(["Telefon;Imię", "500600700;Anna", "501600700;Jan"]))
        assert _cells(loaded) == [["Telefon", "Imię"], ["500600700", "Anna"], ["501600700", "Jan"]]


def test_a_file_of_one_column_of_phones_is_read():
    loaded = _load("500600700\n501600700\n502600700\n")
    assert _cells(loaded) == [["500600700"], ["501600700"], ["502600700"]]
    assert loaded.has_header is False
    assert csv_rows.guess_mapping(loaded.table, False) == ["phone"]


def test_blank_lines_are_left_out_but_counted_in_line_numbers():
    loaded = _load("Telefon;Imię\n\n500600700;Anna\n;\n501600700;Jan\n")
    assert [(line, cells[0]) for line, cells in loaded.table.records] == [
        (1, "Telefon"),
        (3, "500600700"),
        (5, "501600700"),
    ]


def test_a_stray_quotation_mark_inside_a_value_is_kept():
    loaded = _load('Telefon;Opis\n500600700;monitor 24"\n501600700;ok\n')
    assert _cells(loaded)[1] == ["500600700", 'monitor 24"']


# --- Column names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("Telefon", "phone"),
        ("Nr telefonu", "phone"),
        ("tel.", "phone"),
        ("Komórka", "phone"),
        ("Telefon komórkowy", "phone"),
        ("Imię", "first_name"),
        ("Nazwisko", "last_name"),
        ("E-mail", "email"),
        ("Adres e-mail", "email"),
        ("Firma", "company"),
        ("Nazwa firmy", "company"),
        ("NIP", "tax_id"),
        ("Adres", "address"),
        ("Ulica", "address"),
        ("Miasto", "city"),
        ("Miejscowość", "city"),
        ("Opis", "description"),
        ("Uwagi", "description"),
    ],
)
def test_it_knows_polish_column_names(name, field):
    assert csv_rows.guess_field(name) == field


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("Phone", "phone"),
        ("Mobile", "phone"),
        ("Mobile Phone", "phone"),
        ("First name", "first_name"),
        ("Last name", "last_name"),
        ("Surname", "last_name"),
        ("Email", "email"),
        ("E-mail Address", "email"),
        ("Company", "company"),
        ("Tax ID", "tax_id"),
        ("VAT", "tax_id"),
        ("Address", "address"),
        ("City", "city"),
        ("Notes", "description"),
        ("Description", "description"),
    ],
)
def test_it_knows_english_column_names(name, field):
    assert csv_rows.guess_field(name) == field


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("  TELEFON ", "phone"),
        ("imie", "first_name"),
        ("MIEJSCOWOSC", "city"),
        ("nr_telefonu", "phone"),
        ("E_MAIL", "email"),
        ("Łącznie uwagi", "description"),
    ],
)
def test_names_are_compared_without_case_spaces_punctuation_or_polish_letters(name, field):
    assert csv_rows.guess_field(name) == field


@pytest.mark.parametrize("name", ["Imię i nazwisko", "Lp.", "Data", "", "Kolumna"])
def test_a_name_that_does_not_say_one_field_is_left_for_the_person(name):
    assert csv_rows.guess_field(name) == ""


def test_the_mapping_is_guessed_from_the_header_each_field_once():
    text = _csv([["Lp.", "Imię", "Telefon", "Tel. domowy", "Miasto"], ["1", "Anna", "500600700"]])
    loaded = _load(text)
    assert loaded.has_header is True
    assert csv_rows.guess_mapping(loaded.table, True) == [
        "",
        "first_name",
        "phone",
        "",
        "city",
    ]


def test_without_a_header_the_phone_and_email_columns_are_found_by_their_cells():
    text = _csv(
        [["Anna", "anna@example.pl", "500 600 700"], ["Jan", "jan@example.pl", "501600700"]]
    )
    loaded = _load(text)
    assert loaded.has_header is False
    assert csv_rows.guess_mapping(loaded.table, False) == ["", "email", "phone"]
    assert csv_rows.column_names(loaded.table, False) == ["Column 1", "Column 2", "Column 3"]


def test_column_names_come_from_the_header_and_fill_in_where_it_has_none():
    loaded = _load("Telefon;;Imię\n500600700;x;Anna;extra\n")
    assert csv_rows.column_names(loaded.table, True) == [
        "Telefon",
        "Column 2",
        "Imię",
        "Column 4",
    ]


# --- Broken and refused files -----------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n\t\n"], ids=["nothing", "whitespace"])
def test_an_empty_file_is_refused(data):
    assert _refusal(data) == "The file is empty."


def test_a_file_of_empty_cells_is_refused_as_empty():
    assert _refusal(b";;;\r\n;;\r\n") == "The file is empty."


def test_a_file_with_only_a_header_is_refused():
    message = _refusal("Imię;Nazwisko;Telefon\r\n".encode())
    assert message == "The file holds only a row of column names and no contacts to import."


def test_binary_junk_is_refused():
    assert "not text" in _refusal(os.urandom(4096) + b"\x00")


def test_an_image_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))
    assert "not text" in _refusal(png)


@pytest.mark.parametrize(
    "magic", [b"PK\x03\x04\x14\x00\x06\x00", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00"]
)
def test_an_excel_workbook_is_refused_with_how_to_save_it_as_csv(magic):
    message = _refusal(magic + b"\x00" * 100)
    assert message.startswith("This is an Excel workbook, not a CSV file.")
    assert "Save As" in message


def test_a_quotation_mark_that_never_closes_is_refused_with_its_line():
    text = 'Telefon;Imię\n500600700;Anna\n501600700;"Jan\n502600700;Ewa\n503600700;Ola\n'
    message = _refusal(text.encode())
    assert "line 3" in message
    assert "never closes" in message


def test_a_value_beyond_the_csv_field_limit_is_refused_with_its_line():
    text = 'Telefon;Opis\n500600700;"' + "x" * (csv.field_size_limit() + 10) + '"\n'
    message = _refusal(text.encode())
    assert message.startswith("Line 2 holds a value longer than")


def test_too_many_rows_are_refused():
    text = "Telefon\n" + "".join(f"5006{n:05d}\n" for n in range(11))
    assert _refusal(text.encode(), max_rows=10) == (
        "The file has more than 10 rows; one import takes up to 10. Split it into smaller files."
    )
    assert _load(text, max_rows=11).data_rows == 11


def test_too_many_columns_are_refused():
    text = ";".join(f"c{n}" for n in range(101)) + "\n" + ";".join(["500600700"] * 101)
    assert _refusal(text.encode()).startswith("The file has 101 columns")


def test_empty_cells_count_towards_the_column_limit():
    text = "Telefon;Imię\n500600700;Anna" + ";" * 150 + "\n"
    assert _refusal(text.encode()).startswith("The file has 152 columns")


def test_a_line_of_nothing_but_delimiters_is_refused_and_not_read_on():
    text = "Telefon\n500600700\n" + ";" * 200_000 + "\n" + "501600700\n" * 5
    assert _refusal(text.encode()).startswith("The file has 200,001 columns")


def test_a_few_empty_cells_at_the_ends_of_rows_add_no_column_to_map():
    loaded = _load("Telefon;Imię;;\n500600700;Anna;;\n")
    assert loaded.table.width == 2


def test_ragged_rows_short_ones_are_filled_long_ones_are_errors():
    text = (
        "Telefon;Imię;Miasto\n500600700;Anna\n501600700;Jan;Kraków;Polska;\n502600700;Ewa;Gdańsk;\n"
    )
    loaded = _load(text)
    rows = validate_rows(loaded.table, True, ["phone", "first_name", "city"])
    short, long, trailing = rows
    assert short.ok and short.data.city == ""
    assert long.errors == [
        "This row has values in 4 columns, the header names only 3: a value with the "
        "delimiter in it needs quotation marks."
    ]
    # An empty cell at the end (Excel writes them) is no error.
    assert trailing.ok and trailing.data.city == "Gdańsk"


# --- The upload form --------------------------------------------------------------------


def test_a_20_mb_upload_is_refused_with_a_message_before_it_is_read(settings):
    settings.IMPORT_MAX_BYTES = 10 * 1024 * 1024
    upload = SimpleUploadedFile("big.csv", b"Telefon\n" + b"500600700\n" * (2 * 1024 * 1024))
    assert upload.size > 20 * 1000 * 1000

    class Unread(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the file was read")

        def chunks(self, *args):
            raise AssertionError("the file was read")

    upload.file = Unread()
    form = ImportUploadForm(files={"file": upload})
    assert not form.is_valid()
    # filesizeformat keeps a number and its unit together with a no-break space.
    assert form.errors["file"] == [
        "The file is 20.0\xa0MB; an import takes files of up to 10.0\xa0MB."
    ]


def test_the_upload_form_reads_a_good_file(settings):
    data = _csv([HEADER, *ROWS]).encode("cp1250")
    form = ImportUploadForm(files={"file": SimpleUploadedFile("kontakty.csv", data)})
    assert form.is_valid(), form.errors
    assert form.loaded.encoding == "cp1250"
    assert form.loaded.data_rows == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"\n\n", "The file is empty."),
        (b"Telefon;Imi\xc4\x99\n", "The file holds only a row of column names"),
        (b"\x00\x01\x02binary", "This file is not text"),
    ],
    ids=["no bytes", "blank lines", "only a header", "binary"],
)
def test_the_upload_form_says_why_a_file_is_refused(settings, data, message):
    form = ImportUploadForm(files={"file": SimpleUploadedFile("x.csv", data)})
    assert not form.is_valid()
    assert form.errors["file"][0].startswith(message)


def test_the_upload_form_refuses_too_many_rows(settings):
    settings.IMPORT_MAX_ROWS = 2
    data = _csv([HEADER, *ROWS, ROWS[0]]).encode()
    form = ImportUploadForm(files={"file": SimpleUploadedFile("x.csv", data)})
    assert not form.is_valid()
    assert form.errors["file"][0].startswith("The file has more than 2 rows;")


# --- Rows as they will be sent ----------------------------------------------------------

MAPPING = ["first_name", "last_name", "phone", "email", "city"]


def _rows(rows, existing=None, mapping=MAPPING):
    loaded = _load(_csv([HEADER, *rows]))
    return validate_rows(loaded.table, True, mapping, existing)


def test_a_good_row_is_sent_with_its_phone_in_e164_and_its_values_trimmed():
    [row] = _rows([["  Anna ", "Kowalska", " 500-600-700 ", "anna@example.pl", "Łódź"]])
    assert row.ok
    assert row.line == 2
    assert row.data.phone == "+48500600700"
    assert row.data.first_name == "Anna"
    assert row.data.company == ""
    # The cells stay as the file had them, for the file of failed rows.
    assert row.cells[0] == "  Anna "


NOT_A_PHONE = "Enter a phone number, such as 500 600 700 or +48 500 600 700."


@pytest.mark.parametrize(
    ("phone", "error"),
    [
        ("", "Phone: This field is required."),
        ("12", f"Phone: {NOT_A_PHONE}"),
        ("abc", f"Phone: {NOT_A_PHONE}"),
        ("5" * 41, "Phone: Ensure this value has at most 40 characters (it has 41)."),
    ],
)
def test_a_missing_or_invalid_phone_is_an_error_as_the_contact_form_says(phone, error):
    [row] = _rows([["Anna", "", phone, "", ""]])
    assert row.errors == [error]


def test_a_field_over_255_characters_is_an_error_and_255_is_not():
    [fits, too_long] = _rows(
        [["A" * 255, "", "500600700", "", ""], ["Jan", "B" * 256, "501600700", "", ""]]
    )
    assert fits.ok
    assert too_long.errors == [
        "Last name: Ensure this value has at most 255 characters (it has 256)."
    ]


def test_an_invalid_email_or_nip_is_an_error_with_the_contact_forms_own_messages():
    header = ["Telefon", "E-mail", "NIP"]
    loaded = _load(_csv([header, ["500600700", "anna@", "526-025-02-75"]]))
    [row] = validate_rows(loaded.table, True, ["phone", "email", "tax_id"])
    form = ContactForm({"phone": "500600700", "email": "anna@", "tax_id": "526-025-02-75"})
    assert not form.is_valid()
    assert row.errors == [
        f"Email: {form.errors['email'][0]}",
        f"Tax ID (NIP): {form.errors['tax_id'][0]}",
    ]
    assert row.errors == [
        "Email: Enter a valid email address.",
        "Tax ID (NIP): This NIP’s check digit is wrong; check it for a typo.",
    ]


def test_a_phone_repeated_in_the_file_says_which_line_it_repeats():
    rows = _rows(
        [
            ["Anna", "", "500600700", "", ""],
            ["Jan", "", "501600700", "", ""],
            ["Anna", "bis", "+48 500 600 700", "", ""],
        ]
    )
    assert [row.errors for row in rows] == [[], [], ["The same phone number as line 2."]]


def test_a_phone_already_in_a_target_group_is_an_error_naming_the_groups():
    existing = {"+48500600700": ["Klienci"], "+48501600700": ["Klienci", "VIP"]}
    rows = _rows(
        [
            ["Anna", "", "500 600 700", "", ""],
            ["Jan", "", "0048501600700", "", ""],
            ["Ewa", "", "502600700", "", ""],
        ],
        existing,
    )
    assert [row.errors for row in rows] == [
        ["Already in the target group “Klienci”."],
        ["Already in the target groups “Klienci”, “VIP”."],
        [],
    ]


def test_ten_thousand_rows_parse_and_validate():
    lines = ["Imię;Nazwisko;Telefon;Miasto"]
    lines += [f"Osoba {n};Nazwisko {n};+48 5{n:08d};Łódź" for n in range(10_000)]
    loaded = _load(("\r\n".join(lines) + "\r\n").encode("cp1250"), max_rows=10_000)
    assert loaded.data_rows == 10_000
    mapping = csv_rows.guess_mapping(loaded.table, loaded.has_header)
    assert mapping == ["first_name", "last_name", "phone", "city"]
    rows = validate_rows(loaded.table, True, mapping, {"+48500000007": ["Klienci"]})
    assert len(rows) == 10_000
    assert [row.line for row in rows if not row.ok] == [9]
    assert rows[-1].line == 10_001
    assert rows[-1].data.phone == "+48500009999"


# --- Writing rows back ------------------------------------------------------------------


def test_rows_are_written_back_for_polish_excel_with_an_error_column():
    content = csv_rows.rows_csv(
        ["Imię", "Telefon", "Opis"],
        [(["Zażółć", "12", "dwie\nlinie; i średnik"], "“12” is not a valid phone number.")],
    )
    assert content.startswith(codecs.BOM_UTF8)
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Imię;Telefon;Opis;Error"
    # The file read back is the same rows, so it can be fixed and uploaded again.
    loaded = _load(content)
    assert loaded.delimiter == ";"
    assert _cells(loaded) == [
        ["Imię", "Telefon", "Opis", "Error"],
        ["Zażółć", "12", "dwie\nlinie; i średnik", "“12” is not a valid phone number."],
    ]


def test_rows_written_back_are_as_wide_as_the_header():
    content = csv_rows.rows_csv(["A", "B"], [(["1"], "e1"), (["1", "2", "3"], "e2")])
    assert content.decode("utf-8-sig").splitlines()[1:] == ["1;;e1", "1;2;e2"]


def test_an_error_that_a_spreadsheet_would_run_as_a_formula_is_not_written_as_one():
    content = csv_rows.rows_csv(["A"], [(["=1+1"], "=HYPERLINK(1)")])
    assert content.decode("utf-8-sig").splitlines()[1] == "=1+1;'=HYPERLINK(1)"
