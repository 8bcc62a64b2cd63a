"""The writers every export shares: formula neutralisation, CSV for Norwegian Excel, XLSX cells."""

import datetime
import io

import openpyxl
import pytest

from registrations.backoffice.spreadsheets import Table, csv_bytes, neutralise, xlsx_bytes
from tests.conftest import oslo
from tests.registrations.backoffice.conftest import read_csv, read_xlsx

DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_it_puts_an_apostrophe_before_a_leading_formula_character(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Oslo", "1+1", "a=b", " =1", "'=1", "", "kari@kommune.example"])
def test_it_leaves_other_values_alone(value):
    assert neutralise(value) == value


def test_a_phone_number_with_a_country_code_gets_the_apostrophe_too():
    # Accepted trade-off: «+47 …» starts with «+», which Excel reads as a formula. One rule for every cell
    # is safer than a list of columns believed harmless, so the phone shows as «'+47 …».
    assert neutralise("+47 99 99 99 99") == "'+47 99 99 99 99"


def table(*rows) -> Table:
    return Table(title="Ark", headers=["Tekst", "Tall", "Tid"], rows=[list(row) for row in rows])


def test_the_csv_starts_with_a_byte_order_mark_and_separates_with_semicolons():
    content = csv_bytes(table(["Bodø; Nordland", 3, oslo(2021, 2, 15, 12, 5)]))

    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").splitlines() == ["Tekst;Tall;Tid", '"Bodø; Nordland";3;15.02.2021 12:05']
    assert read_csv(content) == [["Tekst", "Tall", "Tid"], ["Bodø; Nordland", "3", "15.02.2021 12:05"]]


@pytest.mark.parametrize("value", DANGEROUS)
def test_no_csv_cell_starts_with_a_formula_character(value):
    assert read_csv(csv_bytes(table([value, 1, None])))[1] == ["'" + value, "1", ""]


@pytest.mark.parametrize("value", DANGEROUS)
def test_no_xlsx_cell_becomes_a_formula(value):
    content = xlsx_bytes(table([value, 1, None]))

    cell = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]["A2"]
    assert (cell.value, cell.data_type) == ("'" + value, "s")


def test_xlsx_drops_control_characters_it_cannot_store_before_neutralising():
    # «\x01=1+1» would become the formula «=1+1» if the character were stripped after the check.
    content = xlsx_bytes(table(["\x01=1+1", 1, None], ["a\x00b\x1fc", 2, None]))

    assert [row[0] for row in read_xlsx(content)] == ["Tekst", "'=1+1", "abc"]


def test_xlsx_keeps_numbers_as_numbers_and_times_as_oslo_times():
    content = xlsx_bytes(table(["x", 6, oslo(2021, 2, 15, 12, 5)]))

    assert read_xlsx(content) == [["Tekst", "Tall", "Tid"], ["x", 6, datetime.datetime(2021, 2, 15, 12, 5)]]


def test_sami_and_norwegian_letters_and_emoji_survive_both_formats():
    text = "Ŋuorra Šaččá Đuommá Ŧ Žž Áilu æøå ÆØÅ 🎻"

    assert read_csv(csv_bytes(table([text, 1, None])))[1][0] == text
    assert read_xlsx(xlsx_bytes(table([text, 1, None])))[1][0] == text
