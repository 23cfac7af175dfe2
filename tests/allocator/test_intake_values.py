"""Each way people write a value, read one by one (allocator.intake.values) and through a row."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from allocator.intake.headers import field_of
from allocator.intake.values import (
    Unreadable,
    clean_text,
    parse_count,
    parse_date,
    parse_date_range,
    parse_occurrences,
    parse_service,
    parse_stamp,
    parse_time_cell,
    parse_zone,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Senin, 4 Januari 2027", date(2027, 1, 4)),
        ("Selasa, 05 Jan 2027", date(2027, 1, 5)),
        ("Rabu 6/1/2027", date(2027, 1, 6)),
        ("7 Jan 27", date(2027, 1, 7)),
        ("08/01/2027", date(2027, 1, 8)),
        ("8-1-27", date(2027, 1, 8)),
        ("08.01.2027", date(2027, 1, 8)),
        ("Jum'at, 8 Jan. 2027", date(2027, 1, 8)),
        ("Friday, 8 January 2027", date(2027, 1, 8)),
        ("January 8, 2027", date(2027, 1, 8)),
        ("12 Agustus 2027", date(2027, 8, 12)),
        ("12 Agt 2027", date(2027, 8, 12)),
        ("1 Des 2027", date(2027, 12, 1)),
        ("3 Mei 2027", date(2027, 5, 3)),
        ("2027-01-08", date(2027, 1, 8)),
        (46391, date(2027, 1, 4)),  # an Excel serial
        ("46391", date(2027, 1, 4)),
        (datetime(2027, 1, 4, 0, 0), date(2027, 1, 4)),
    ],
)
def test_dates(text: object, expected: date) -> None:
    assert parse_date(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [("31/02/2027", "no_such_date"), ("Rabu, 31 Februari 2027", "no_such_date"), ("13/13/2027", "not_date"),
     ("Senin, 5 Januari 2027", "weekday_mismatch"), ("besok", "not_date"), ("minggu depan", "not_date"),
     (123, "not_date")],
)  # fmt: skip
def test_dates_that_are_wrong_say_why(text: object, code: str) -> None:
    with pytest.raises(Unreadable) as caught:
        parse_date(text)
    assert caught.value.code == code


def test_a_date_cell_may_carry_the_time() -> None:
    assert parse_date("Jumat, 8 Januari 2027 pukul 09.00 WITA") == (date(2027, 1, 8), None, "pukul 09.00 wita")
    assert parse_date(46391.375) == (date(2027, 1, 4), time(9, 0), "")


@pytest.mark.parametrize(
    ("text", "start", "end", "open_end", "zone"),
    [
        ("09.00", time(9), None, False, None),
        ("9:00", time(9), None, False, None),
        ("jam 9 pagi", time(9), None, False, None),
        ("9 pagi", time(9), None, False, None),
        ("jam 2 siang", time(14), None, False, None),
        ("4 sore", time(16), None, False, None),
        ("7 malam", time(19), None, False, None),
        ("1:30 PM", time(13, 30), None, False, None),
        ("13.30 WITA", time(13, 30), None, False, "Asia/Makassar"),
        ("pukul 08.00 WIB", time(8), None, False, "Asia/Jakarta"),
        ("09.00 - 11.00 WITA", time(9), time(11), False, "Asia/Makassar"),
        ("09.00-11.00", time(9), time(11), False, None),
        ("09.00 – 11.30", time(9), time(11, 30), False, None),
        ("pukul 08.30 s.d. 12.00 WIT", time(8, 30), time(12), False, "Asia/Jayapura"),
        ("19.00 sampai 21.00", time(19), time(21), False, None),
        ("09.00 s/d selesai", time(9), None, True, None),
        ("09.00 - selesai", time(9), None, True, None),
        ("09.00 WITA s/d Selesai", time(9), None, True, "Asia/Makassar"),
        ("10:00 to end", time(10), None, True, None),
        (0.375, time(9), None, False, None),  # a spreadsheet time
        (time(13, 30), time(13, 30), None, False, None),
    ],
)
def test_times_and_ranges(text: object, start: time, end: time | None, open_end: bool, zone: str | None) -> None:
    clock = parse_time_cell(text)
    assert (clock.start, clock.end, clock.open_end, clock.zone) == (start, end, open_end, zone)


@pytest.mark.parametrize("text", ["25.00", "9.75", "pagi", "jam sembilan", "09.00 - nanti"])
def test_times_that_are_wrong(text: str) -> None:
    with pytest.raises(Unreadable, match="not_time"):
        parse_time_cell(text)


@pytest.mark.parametrize(
    ("text", "zone"),
    [("WIB", "Asia/Jakarta"), ("wita", "Asia/Makassar"), ("WIT", "Asia/Jayapura"),
     ("Waktu Indonesia Tengah", "Asia/Makassar"), ("GMT+7", "Asia/Jakarta"), ("Asia/Jayapura", "Asia/Jayapura")],
)  # fmt: skip
def test_zones(text: str, zone: str) -> None:
    assert parse_zone(text) == zone


def test_unknown_zone() -> None:
    with pytest.raises(Unreadable, match="not_zone"):
        parse_zone("WITT")


@pytest.mark.parametrize(
    ("text", "count", "guessed"),
    [("± 50 orang", 50, True), ("±50", 50, True), ("+/- 50", 50, True), ("kurang lebih 75 org", 75, True),
     ("50-60", 60, True), ("50 - 60 orang", 60, True), ("100 peserta", 100, False), ("1.000", 1000, False),
     ("120", 120, False), (120.0, 120, False), ("80 pax", 80, False)],
)  # fmt: skip
def test_head_counts(text: object, count: int, guessed: bool) -> None:
    got, guess = parse_count(text)
    assert got == count and (guess is not None) == guessed


@pytest.mark.parametrize("text", ["banyak", "50 + 10 panitia", "1,5", "-5"])
def test_head_counts_that_are_wrong(text: str) -> None:
    with pytest.raises(Unreadable, match="not_count"):
        parse_count(text)


@pytest.mark.parametrize(
    ("text", "service", "kit"),
    [("Zoom + Operator", "link_operator", False), ("Link Zoom saja", "link", False),
     ("Operator saja", "operator", False), ("Link + Operator", "link_operator", False),
     ("Link Zoom, Operator, Peminjaman Alat", "link_operator", True), ("Zoom + Pinjam alat", "link", True),
     ("Zoom meeting tanpa operator", "link", False), ("Zoom+Oprator", "link_operator", False),
     ("Zoom link only", "link", False), ("link_operator", "link_operator", False)],
)  # fmt: skip
def test_service_words(text: str, service: str, kit: bool) -> None:
    found = parse_service(text)
    assert (found.service, found.kit) == (service, kit)


def test_service_words_that_are_not_a_service() -> None:
    with pytest.raises(Unreadable, match="kit_only"):
        parse_service("Pinjam alat")
    with pytest.raises(Unreadable, match="not_service"):
        parse_service("Konsumsi")


def test_names_and_stamps() -> None:
    assert clean_text("  Dinas   Perhubungan \n") == "Dinas Perhubungan"
    assert parse_stamp("21/12/2026 8:12:45") == (datetime(2026, 12, 21, 8, 12, 45), None)
    assert parse_stamp("2026/12/21 8:12:45 PM GMT+8") == (datetime(2026, 12, 21, 20, 12, 45), "Asia/Makassar")


@pytest.mark.parametrize(
    ("header", "field"),
    [("Stempel waktu", "submitted_at"), ("Timestamp", "submitted_at"), ("Alamat email", "respondent_email"),
     ("Nama Unit Kerja / OPD", "unit"), ("No. HP/WA PIC", "pic_phone"), ("Tanggal Pelaksanaan", "date"),
     ("Waktu Pelaksanaan (Jam Mulai - Jam Selesai)", "time_range"), ("JUMLAH PESERTA", "participants"),
     ("Jumlah Pserta", "participants"), ("Jenis Layanan", "service"), ("Nomor Surat", "letter_number"),
     ("Tanggal Surat", "letter_date"), ("Tempat", "venue"), ("Instansi Pemohon", "unit"), ("Hari/Tanggal", "date"),
     ("zona_waktu", "timezone"), ("start", "start_time"), ("Keterangan", None), ("Unit kerja ", "unit")],
)  # fmt: skip
def test_headers_by_meaning(header: str, field: str | None) -> None:
    assert field_of(header)[0] == field


@pytest.mark.parametrize(("cell", "count"), [("3", 3), ("3 kali", 3), ("3x", 3), ("5 hari", 5), (4.0, 4), (8, 8)])
def test_a_series_count_is_read_as_a_number_of_meetings(cell: object, count: int) -> None:
    assert parse_occurrences(cell) == count


@pytest.mark.parametrize("cell", ["abc", "3-4", "± 3", "3.5", 2.5])
def test_a_series_count_that_is_no_number_of_meetings_is_named_so(cell: object) -> None:
    with pytest.raises(Unreadable) as exc:
        parse_occurrences(cell)
    assert exc.value.code == "not_occurrences"


SPANS = {
    (date(2027, 1, 12), date(2027, 1, 14)): ["12 s.d. 14 Januari 2027", "12 sd 14 Januari 2027", "12-14 Jan 2027",
                                             "12 sampai dengan 14 Januari 2027", "12 – 14 Januari 2027",
                                             "12/01/2027 s.d. 14/01/2027", "12 - 14/01/2027"],
    (date(2027, 1, 18), date(2027, 1, 20)): ["Senin-Rabu, 18-20 Januari 2027", "Senin s.d. Rabu, 18 - 20 Januari 2027"],
    (date(2027, 1, 30), date(2027, 2, 2)): ["30 Januari - 2 Februari 2027"],
    (date(2026, 12, 30), date(2027, 1, 2)): ["30 Desember - 2 Januari 2027", "30 Desember 2026 - 2 Januari 2027"],
}  # fmt: skip


@pytest.mark.parametrize(("text", "span"), [(text, span) for span, texts in SPANS.items() for text in texts])
def test_spans_of_days(text: str, span: tuple[date, date]) -> None:
    """A multi-day event's date as offices write it: its first and last day."""
    assert parse_date_range(text) == span


@pytest.mark.parametrize(
    "text",
    ["14-01-2027", "2027-01-12", "1 Oktober 2027", "Senin, 4 Januari 2027", "12 Januari 2027 09.00 - 11.00",
     "14 - 12 Januari 2027", "1 Januari - 28 Februari 2027", 46391],
)  # fmt: skip
def test_single_dates_and_no_spans(text: object) -> None:
    """A single date (dashes inside it, a time range after it), a backwards or over-long span: no span of days."""
    assert parse_date_range(text) is None


def test_a_span_whose_weekdays_are_wrong_says_so() -> None:
    with pytest.raises(Unreadable) as err:
        parse_date_range("Senin-Rabu, 19-21 Januari 2027")  # 19 January 2027 is a Tuesday
    assert err.value.code == "weekday_mismatch" and err.value.params["actual"] == ("Selasa-Kamis", "Tuesday-Thursday")
