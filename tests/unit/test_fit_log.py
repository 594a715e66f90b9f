"""Reading a contact log and a staffing file (sim.fit.log, sim.fit.agents): what is accepted,
and each refusal as one line naming the file, the row as a spreadsheet shows it (CSV: the
header is row 1) or the data row (parquet), the column and the reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.fit.agents import average_day_agents, read_agents
from sim.fit.log import LogError, parse_columns, read_log

HEADER = "arrival,channel,answered,ended"
GOOD = "2024-01-05 10:00:00,phone,2024-01-05 10:01:00,2024-01-05 10:05:00"


def csv(tmp_path: Path, *lines: str, name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def parquet(tmp_path: Path, rows: list[list[str]], name: str = "contacts.parquet",
            columns: tuple[str, ...] = ("arrival", "channel", "answered", "ended")) -> Path:
    path = tmp_path / name
    pd.DataFrame(rows, columns=list(columns), dtype=object).to_parquet(path)
    return path


def refusal(path: Path, **options) -> str:
    with pytest.raises(LogError) as info:
        read_log(path, **options)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_log_is_read_into_four_typed_columns_sorted_by_arrival(tmp_path):
    path = csv(tmp_path, "id,ended,channel,answered,arrival,note",
               "1,2024-01-06 09:05:00,chat,2024-01-06 09:01:00,2024-01-06 09:00:00,x",
               "2,2024-01-05 23:59:00,phone,,2024-01-05 23:50:00,",
               "3,,email,,2024-01-07 08:00:00,still waiting")
    log = read_log(path)
    table = log.table
    assert list(table.columns) == ["arrival", "channel", "answered", "ended"]
    assert all(str(table[c].dtype) == "datetime64[ns]" for c in ("arrival", "answered", "ended"))
    assert table["channel"].tolist() == ["phone", "chat", "email"]
    assert table["arrival"].is_monotonic_increasing
    assert pd.isna(table["answered"].iloc[0]) and pd.isna(table["ended"].iloc[2])
    assert (log.rows, log.dropped, log.first_problem) == (3, 0, None)
    assert log.channels == ["chat", "email", "phone"]
    assert log.start == pd.Timestamp("2024-01-05") and log.end == pd.Timestamp("2024-01-08")
    assert log.path == path


def test_ties_in_arrival_keep_the_file_order(tmp_path):
    rows = [f"2024-01-05 10:00:00,phone,,2024-01-05 10:0{i}:00" for i in range(1, 6)]
    log = read_log(csv(tmp_path, HEADER, "2024-01-05 11:00:00,chat,,2024-01-05 11:00:00",
                       *rows))
    assert log.table["ended"].dt.minute.tolist() == [1, 2, 3, 4, 5, 0]


def test_timestamps_with_t_or_space_and_fractions(tmp_path):
    log = read_log(csv(tmp_path, HEADER,
                       "2024-01-05T10:00:00.250,phone,2024-01-05 10:00:01.5,2024-01-05T10:00:02"))
    row = log.table.iloc[0]
    assert row["arrival"] == pd.Timestamp("2024-01-05 10:00:00.250")
    assert row["answered"] == pd.Timestamp("2024-01-05 10:00:01.500")


def test_offsets_are_dropped_keeping_each_wall_clock(tmp_path):
    log = read_log(csv(tmp_path, HEADER,  # either side of a change to summer time, and Z
                       "2024-03-30T09:00:00+01:00,phone,,2024-03-30T09:01:00Z",
                       "2024-03-31T09:00:00+02:00,phone,,2024-03-31T09:01:00Z",
                       "2024-04-01 09:00:00.5 -0530,phone,,2024-04-01T09:01:00+00:00"))
    assert log.table["arrival"].dt.strftime("%H:%M:%S.%f").tolist() == [
        "09:00:00.000000", "09:00:00.000000", "09:00:00.500000"]
    assert (log.table["ended"].dt.strftime("%H:%M") == "09:01").all()


def test_one_offset_for_a_whole_column_is_dropped_too(tmp_path):
    log = read_log(csv(tmp_path, HEADER, "2024-01-05T10:00:00+05:00,phone,,2024-01-05T10:01:00"))
    assert log.table["arrival"].iloc[0] == pd.Timestamp("2024-01-05 10:00")


def test_a_parquet_log_with_a_time_zone_keeps_its_wall_clock(tmp_path):
    arrival = pd.Series(pd.to_datetime(["2024-03-30 09:00", "2024-03-31 09:00"])).dt.tz_localize(
        "Europe/Paris")
    path = tmp_path / "contacts.parquet"
    pd.DataFrame({"arrival": arrival, "channel": pd.Categorical(["phone", "chat"]),
                  "answered": [pd.NaT, pd.NaT],
                  "ended": arrival + pd.Timedelta(minutes=1)}).to_parquet(path)
    log = read_log(path)
    assert log.table["arrival"].tolist() == [pd.Timestamp("2024-03-30 09:00"),
                                             pd.Timestamp("2024-03-31 09:00")]
    assert str(log.table["arrival"].dtype) == "datetime64[ns]"
    assert log.channels == ["chat", "phone"]


def test_a_parquet_log_of_strings(tmp_path):
    log = read_log(parquet(tmp_path, [GOOD.split(","), ["2024-01-05 09:00", "chat", None, None]]),)
    assert log.table["channel"].tolist() == ["chat", "phone"]
    assert log.rows == 2


@pytest.mark.parametrize("suffix", [".pq", ".PARQUET"])
def test_parquet_suffixes(tmp_path, suffix):
    assert read_log(parquet(tmp_path, [GOOD.split(",")], name="log" + suffix)).rows == 1


def test_columns_are_mapped_by_name(tmp_path):
    path = csv(tmp_path, "CallStart,Queue,answered,End", "2024-01-05 10:00,phone,,2024-01-05 10:01")
    columns = parse_columns("arrival=CallStart, channel=Queue,ended=End")
    assert columns == {"arrival": "CallStart", "channel": "Queue", "ended": "End"}
    assert read_log(path, columns=columns).table["channel"].tolist() == ["phone"]


@pytest.mark.parametrize(("text", "says"), [
    ("arrival=A,start=B", "'start' is not one of arrival, channel, answered, ended"),
    ("arrival", "'arrival' is not NAME=COLUMN"),
    ("arrival=A,arrival=B", "arrival is given twice"),
    ("arrival=", "no column after 'arrival='"),
    ("arrival=A,ended=A", "column 'A' is both arrival and ended"),
])
def test_parse_columns_refuses(text, says):
    with pytest.raises(ValueError, match=r"^--columns: ") as info:
        parse_columns(text)
    assert says in str(info.value)


def test_a_missing_column_is_named_with_the_columns_there_and_how_to_map(tmp_path):
    path = csv(tmp_path, "arrival,channel,answered,when", GOOD)
    assert refusal(path) == (f"{path}: no column 'ended' (columns: arrival, channel, answered, "
                             "when; map names with --columns ended=NAME)")
    assert refusal(path, columns={"ended": "End"}, drop_bad=True) == (
        f"{path}: no column 'End' (columns: arrival, channel, answered, when; "
        "mapped by --columns ended=End)")


def test_a_missing_column_in_parquet(tmp_path):
    path = parquet(tmp_path, [["2024-01-05", "phone"]], columns=("arrival", "channel"))
    assert refusal(path).startswith(f"{path}: no columns 'answered', 'ended' (columns: "
                                    "arrival, channel; map names with --columns "
                                    "answered=NAME,ended=NAME)")


def test_a_semicolon_file_is_hinted_at(tmp_path):
    path = csv(tmp_path, "arrival;channel;answered;ended", GOOD.replace(",", ";"))
    assert "separated by something other than commas" in refusal(path)


def test_files_that_cannot_be_read(tmp_path):
    assert refusal(tmp_path / "none.csv") == f"{tmp_path / 'none.csv'}: no such file"
    assert refusal(tmp_path) == f"{tmp_path}: not a regular file"
    xlsx = csv(tmp_path, HEADER, GOOD, name="log.xlsx")
    assert refusal(xlsx) == (f"{xlsx}: cannot tell the format of '.xlsx' "
                             "(a log is .csv, .parquet, .pq)")
    fake = csv(tmp_path, HEADER, GOOD, name="log.parquet")
    assert refusal(fake).startswith(f"{fake}: cannot read as parquet: ")
    empty = csv(tmp_path, name="empty.csv")
    empty.write_text("")
    assert refusal(empty) == f"{empty}: empty file (not even a header row)"
    latin = tmp_path / "latin.csv"
    latin.write_bytes(f"{HEADER}\n2024-01-05,t\xe9l\xe9phone,,2024-01-05\n".encode("latin-1"))
    assert refusal(latin).startswith(f"{latin}: cannot read as CSV: not UTF-8 text")
    long = csv(tmp_path, HEADER, GOOD, GOOD + ",extra,fields", name="long.csv")
    assert refusal(long) == (f"{long}: row 3: 6 values, but the header has 4 columns (a value "
                             "with a comma in it not quoted?)")


def test_a_log_without_rows(tmp_path):
    assert refusal(csv(tmp_path, HEADER)).endswith(": no rows (only a header)")
    assert refusal(csv(tmp_path, HEADER, "", ",,,", "")).endswith(": no rows (only a header)")
    assert refusal(parquet(tmp_path, [])).endswith(": no rows")


BAD_ROWS = [  # (row, message after "FILE: row N")
    (",phone,,2024-01-05 10:01:00", ", column 'arrival': is empty (every contact has an arrival)"),
    ("2024-13-01 10:00,phone,,2024-01-05 10:01:00",
     ", column 'arrival': '2024-13-01 10:00' is not a timestamp"),
    ("2300-01-01 10:00,phone,,",
     ", column 'arrival': '2300-01-01 10:00' is out of range (years 1678-2261)"),
    ("2024-01-05 10:00:00,,,2024-01-05 10:01:00", ", column 'channel': is empty"),
    ("2024-01-05 10:00:00,  ,,2024-01-05 10:01:00", ", column 'channel': is empty"),
    ("2024-01-05 10:00:00,phone,soon,2024-01-05 10:01:00",
     ", column 'answered': 'soon' is not a timestamp"),
    ("2024-01-05 10:00:00,phone,2024-01-05 10:01:00,2024-01-05 25:00:00",
     ", column 'ended': '2024-01-05 25:00:00' is not a timestamp"),
    ("2024-01-05 10:00:00,phone,2024-01-05 10:01:00,",
     ", column 'ended': is empty, but the contact was answered (only an unanswered one may have "
     "no end: it was still waiting)"),
    ("2024-01-05 10:05:00,phone,2024-01-05 10:04:00,2024-01-05 10:09:00",
     ": answered (10:04:00) is before arrival (10:05:00)"),
    ("2024-01-05 10:05:00,phone,2024-01-05 10:06:00.5,2024-01-05 10:06:00",
     ": ended (10:06:00) is before answered (10:06:00.5)"),
    ("2024-01-05 10:05:00,phone,,2024-01-04 10:06:00",
     ": ended (2024-01-04 10:06:00) is before arrival (2024-01-05 10:05:00)"),
]


@pytest.mark.parametrize(("line", "says"), BAD_ROWS)
def test_a_bad_csv_row_is_named_as_a_spreadsheet_shows_it(tmp_path, line, says):
    path = csv(tmp_path, HEADER, GOOD, line, GOOD)
    assert refusal(path) == f"{path}: row 3{says}"


@pytest.mark.parametrize(("line", "says"), BAD_ROWS)
def test_a_bad_parquet_row_is_named_by_its_data_row(tmp_path, line, says):
    rows = [[value or None for value in text.split(",")] for text in (GOOD, line, GOOD)]
    path = parquet(tmp_path, rows)
    assert refusal(path) == f"{path}: row 2{says}"


def test_the_first_bad_row_is_named_and_within_it_the_first_column(tmp_path):
    path = csv(tmp_path, HEADER, GOOD, GOOD, "2024-01-05 10:00,,x,y", "x,,,")
    assert refusal(path) == f"{path}: row 4, column 'channel': is empty"


def test_a_mapped_column_is_named_as_in_the_file(tmp_path):
    path = csv(tmp_path, "Start,channel,answered,ended", "yesterday,phone,,")
    assert refusal(path, columns={"arrival": "Start"}) == (
        f"{path}: row 2, column 'Start' (arrival): 'yesterday' is not a timestamp")


def test_a_long_value_is_shortened(tmp_path):
    path = csv(tmp_path, HEADER, f"2024-01-05 10:00,phone,{'x' * 500},")
    message = refusal(path)
    assert "x" * 57 + "..." in message and "x" * 58 not in message and len(message) < 200 + len(
        str(path))


def test_blank_lines_are_skipped_but_counted_in_row_numbers(tmp_path):
    path = csv(tmp_path, HEADER, GOOD, "", GOOD, ",,,", "2024-01-05 10:00,phone,never,", "")
    assert refusal(path) == f"{path}: row 6, column 'answered': 'never' is not a timestamp"
    assert read_log(csv(tmp_path, HEADER, GOOD, "", GOOD, "", name="ok.csv")).rows == 2


def test_a_quoted_value_across_lines_is_one_row(tmp_path):
    path = csv(tmp_path, "note," + HEADER, f'"two\nlines",{GOOD}', "x,2024-01-05,phone,,nope")
    assert refusal(path) == f"{path}: row 3, column 'ended': 'nope' is not a timestamp"


def test_short_rows_are_read_as_empty_values(tmp_path):
    path = csv(tmp_path, HEADER, GOOD, "2024-01-05 10:00:00,phone")
    assert read_log(path).table["ended"].isna().sum() == 1


def test_drop_bad_skips_and_counts_bad_rows(tmp_path):
    path = csv(tmp_path, HEADER, GOOD, "2024-01-05 10:00,,,", GOOD,
               "2024-01-05 10:05:00,phone,2024-01-05 10:04:00,2024-01-05 10:09:00", GOOD)
    log = read_log(path, drop_bad=True)
    assert (log.rows, log.dropped, len(log.table)) == (5, 2, 3)
    assert log.first_problem == f"{path}: row 3, column 'channel': is empty"


def test_drop_bad_with_no_good_row_is_an_error(tmp_path):
    path = csv(tmp_path, HEADER, "x,phone,,", "2024-01-05,,,")
    assert refusal(path, drop_bad=True) == (
        f"{path}: no good row (all 2 are bad); the first: row 2, column 'arrival': 'x' is not "
        "a timestamp")


def test_a_large_log_is_read(tmp_path):
    n = 200_000
    rng = np.random.default_rng(7)
    arrival = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.uniform(0, 14 * 86400, n), "s")
    answered = arrival + pd.to_timedelta(rng.exponential(20, n), "s")
    ended = answered + pd.to_timedelta(rng.exponential(300, n), "s")
    abandoned = rng.random(n) < 0.1
    path = tmp_path / "big.csv"
    pd.DataFrame({
        "arrival": arrival.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "channel": rng.choice(["phone", "chat", "email"], n),
        "answered": np.where(abandoned, "", answered.strftime("%Y-%m-%d %H:%M:%S.%f")),
        "ended": np.where(abandoned, answered.strftime("%Y-%m-%d %H:%M:%S.%f+01:00"),
                          ended.strftime("%Y-%m-%d %H:%M:%S.%f+02:00")),
    }).to_csv(path, index=False)
    log = read_log(path)
    assert log.rows == n and len(log.table) == n
    assert log.table["arrival"].is_monotonic_increasing
    assert log.table["answered"].isna().sum() == abandoned.sum()
    assert log.channels == ["chat", "email", "phone"]


# the staffing file

AGENTS = "interval_start,channel,agents"


def agents_refusal(path: Path, **options) -> str:
    with pytest.raises(LogError) as info:
        read_agents(path, ["phone", "email", "chat"], **options)
    return str(info.value)


def test_a_staffing_file_is_read(tmp_path):
    path = csv(tmp_path, AGENTS, "2024-01-05 10:00,phone,3", "2024-01-05T09:30:00+01:00,chat,2.0",
               "2024-01-05 09:30,phone, 0", name="agents.csv")
    agents = read_agents(path, ["phone", "chat"])
    assert list(agents.columns) == ["interval_start", "channel", "agents"]
    assert agents["agents"].tolist() == [2, 0, 3] and agents["agents"].dtype == np.int64
    assert agents["channel"].tolist() == ["chat", "phone", "phone"]
    assert agents.index.tolist() == [3, 4, 2] and agents.index.name == "row"
    assert str(agents["interval_start"].dtype) == "datetime64[ns]"
    assert agents.attrs["dropped"] == 0 and agents.attrs["rows"] == 3


@pytest.mark.parametrize(("line", "says"), [
    ("2024-01-05 10:61,phone,3", "column 'interval_start': '2024-01-05 10:61' is not a timestamp"),
    (",phone,3", "column 'interval_start': is empty"),
    ("2024-01-05 10:30,sms,3",
     "column 'channel': 'sms' is not a channel of the log (channels: chat, email, phone)"),
    ("2024-01-05 10:30,phone,2.5", "column 'agents': '2.5' is not a whole number >= 0"),
    ("2024-01-05 10:30,phone,-1", "column 'agents': '-1' is not a whole number >= 0"),
    ("2024-01-05 10:30,phone,many", "column 'agents': 'many' is not a whole number >= 0"),
    ("2024-01-05 10:30,phone,", "column 'agents': is empty"),
    ("2024-01-05 10:00:00,phone,4",
     "interval_start 2024-01-05 10:00:00 and channel 'phone' repeat row 2"),
])
def test_a_bad_staffing_row(tmp_path, line, says):
    path = csv(tmp_path, AGENTS, "2024-01-05 10:00,phone,3", "2024-01-05 10:00,chat,1", line,
               name="agents.csv")
    where = "row 4: " if "repeat" in says else "row 4, "
    assert agents_refusal(path) == f"{path}: {where}{says}"
    rows = [text.split(",") for text in ("2024-01-05 10:00,phone,3", line)]
    pq = parquet(tmp_path, [[v or None for v in r] for r in rows], name="agents.parquet",
                 columns=("interval_start", "channel", "agents"))
    assert agents_refusal(pq).startswith(f"{pq}: row 2")


def test_a_typed_parquet_staffing_file(tmp_path):
    path = tmp_path / "agents.parquet"
    pd.DataFrame({"interval_start": pd.to_datetime(["2024-01-05 10:00", "2024-01-05 10:30"]),
                  "channel": ["phone", "phone"], "agents": [3, -2]}).to_parquet(path)
    assert agents_refusal(path) == (
        f"{path}: row 2, column 'agents': '-2' is not a whole number >= 0")


def test_a_staffing_file_without_a_column(tmp_path):
    path = csv(tmp_path, "interval_start,channel,staff", "2024-01-05 10:00,phone,3",
               name="agents.csv")
    assert agents_refusal(path, drop_bad=True) == (
        f"{path}: no column 'agents' (columns: interval_start, channel, staff)")


def test_drop_bad_in_a_staffing_file(tmp_path):
    path = csv(tmp_path, AGENTS, "2024-01-05 10:00,phone,3", "2024-01-05 10:00,sms,1",
               "2024-01-05 10:00,phone,4", "2024-01-05 10:30,phone,5", name="agents.csv")
    agents = read_agents(path, ["phone"], drop_bad=True)
    assert agents["agents"].tolist() == [3, 5]
    assert (agents.attrs["rows"], agents.attrs["dropped"]) == (4, 2)
    assert agents.attrs["first_problem"].startswith(f"{path}: row 3, column 'channel': 'sms'")


def test_average_day_agents_counts_a_missing_interval_as_0_and_a_missing_day_not_at_all(tmp_path):
    path = csv(tmp_path, AGENTS,
               "2024-01-05 00:00,phone,2", "2024-01-05 06:00,phone,4",  # day 1
               "2024-01-06 06:00,phone,6", "2024-01-06 12:00,phone,2",  # day 2
               "2024-01-05 12:00,chat,3",  # chat: day 1 only
               name="agents.csv")
    means = average_day_agents(read_agents(path, ["phone", "chat"]), 6 * 3600)
    assert means == {"chat": [0.0, 0.0, 3.0, 0.0], "phone": [1.0, 5.0, 1.0, 0.0]}


def test_average_day_agents_refuses_an_interval_off_the_grid(tmp_path):
    path = csv(tmp_path, AGENTS, "2024-01-05 10:00,phone,2", "2024-01-05 10:30,phone,4",
               "2024-01-05 11:00,phone,4", "2024-01-05 11:07,phone,4", name="agents.csv")
    with pytest.raises(LogError) as info:
        average_day_agents(read_agents(path, ["phone"]), 1800)
    assert str(info.value).startswith(
        f"{path}: row 5, column 'interval_start': 2024-01-05 11:07:00 is not on the file's "
        "30min grid")
    path = csv(tmp_path, AGENTS, "2024-01-05 10:00,phone,2", "2024-01-05 10:07,phone,4",
               name="agents.csv")
    with pytest.raises(LogError, match="7min apart, which does not divide a day"):
        average_day_agents(read_agents(path, ["phone"]), 1800)


@pytest.mark.parametrize("interval", [900, 1800, 3600])
def test_average_day_agents_spreads_the_files_own_intervals_over_the_profiles(tmp_path,
                                                                               interval):
    rows = [f"2024-01-05 {h:02d}:{m:02d},phone,{h}" for h in range(24) for m in (0, 30)]
    agents = read_agents(csv(tmp_path, AGENTS, *rows, name="agents.csv"), ["phone"])
    means = average_day_agents(agents, interval)["phone"]
    hours = np.arange(0, 24, interval / 3600)
    assert means == pytest.approx(np.floor(hours) if interval <= 1800 else hours)
    with pytest.raises(ValueError, match="does not divide a day"):
        average_day_agents(agents, 7 * 60)
