"""CSV files (sim/files/tables.py): what pandas reads back is the table written, plain values
stay unquoted, and values or names that need quotes get them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.files.tables import write_csv


def table(**changes) -> pd.DataFrame:
    columns = {"channel": ["phone", "all"], "metric": ["offered", "wait_mean"],
               "mean": [190.0, 0.1 + 0.2], "ci_low": [math.nan, 1.5e-7],
               "significant": [True, False], "replications": [1, 30]}
    return pd.DataFrame({**columns, **changes})


def test_a_plain_table_reads_back_the_same_and_unquoted(tmp_path):
    path = write_csv(tmp_path / "t.csv", table())
    text = path.read_text()
    assert text.splitlines()[:2] == ["channel,metric,mean,ci_low,significant,replications",
                                     "phone,offered,190,,true,1"]
    pd.testing.assert_frame_equal(pd.read_csv(path), table())


@pytest.mark.parametrize("value", ['a,b', 'say "hi"', "two\nlines"])
def test_a_value_that_needs_quotes_gets_them(tmp_path, value):
    written = table(channel=[value, "all"])
    path = write_csv(tmp_path / "t.csv", written)
    pd.testing.assert_frame_equal(pd.read_csv(path), written)


def test_a_column_name_that_needs_quotes_gets_them(tmp_path):
    written = table().rename(columns={"mean": "mean, s"})
    path = write_csv(tmp_path / "t.csv", written)
    pd.testing.assert_frame_equal(pd.read_csv(path), written)


def test_categories_and_missing_values_are_written_as_their_names(tmp_path):
    written = table(channel=pd.Categorical(["phone", None]))
    back = pd.read_csv(write_csv(tmp_path / "t.csv", written))
    assert back.channel.iloc[0] == "phone" and pd.isna(back.channel.iloc[1])
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]  # no temporary left
