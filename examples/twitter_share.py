# %% [markdown]
# # How much does Twitter's share of customer service cost in public?
#
# A researcher's notebook (cells marked `# %%`: open it in VS Code or Jupyter with jupytext,
# or run it whole from the repository root: `.venv/bin/python examples/twitter_share.py`).
#
# We take the 2015 day of `scenarios/twitter-2015.toml` and move Twitter's share from its
# 2010 level to its 2015 level in a few steps. Two things move together, as they did between
# 2010 and 2015 (docs/behaviour.md):
#
# - the share of needs that try Twitter first (the survey preset's default Twitter share:
#   0.8% in survey-2010, 3.2% in survey-2015; each reason's share moves with it, the other
#   channels keeping their 2015 proportions), and
# - the share of customers on Twitter (`needs.twitter_users`: US 8% -> 20%, EU 5% -> 12%),
#   who alone can tweet, and can complain in public after a bad experience elsewhere.
#
# Everything else (the phone, chat, email staffing, the social team) stays as in 2015. Every
# level runs with the same seed, so the levels see the same customers (common random
# numbers) and the curve is smoother than independent runs would give.
#
# What it prints (5 levels, 10 replications each, about 5 s; `unanswered`: impressions of
# public complaints before the brand's first reply, per day, with its 95% CI), and the plots
# it saves in `results/twitter-share/` (unanswered_impressions.png, public-2015-level.png):
#
# ```
# to 2015 twitter first on twitter US public complaints unanswered ci_low ci_high
#      0%          0.8%          8.0%                55        105     67     142
#     25%          1.4%         11.0%                88        177    124     229
#     50%          2.0%         14.0%               126        276    220     332
#     75%          2.6%         17.0%               162        396    296     497
#    100%          3.2%         20.0%               200        716    483     949
# ```
#
# Seven times the impressions for four times the first-choice share: more Twitter users also
# means more complaints in public after a bad experience elsewhere, and the same social team
# takes longer to reach each mention as they grow.

# %%
import os
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

import sim

# FRONTDOOR_EXAMPLE_QUICK=1 (the smoke test): two levels, two replications.
QUICK = os.environ.get("FRONTDOOR_EXAMPLE_QUICK") == "1"
LEVELS = 2 if QUICK else 5
REPLICATIONS = 2 if QUICK else 10
OUT = Path(os.environ.get("FRONTDOOR_EXAMPLE_OUT", "results/twitter-share"))
FILE = "scenarios/twitter-2015.toml"

# %% [markdown]
# ## The two ends of the range
#
# A validated scenario knows its tables of first choices (`choice_tables()`, per reason);
# `sim.load(FILE, set={...})` loads the file with dotted keys changed, validated again.

# %%
TABLES_2015 = sim.load(FILE).choice_tables()
TABLES_2010 = sim.load(FILE, set={"choice.preset": "survey-2010"}).choice_tables()
TWITTER_FIRST = {year: tables["default"]["twitter"]
                 for year, tables in ((2010, TABLES_2010), (2015, TABLES_2015))}
TWITTER_USERS = {2010: {"US": 0.08, "EU": 0.05}, 2015: {"US": 0.20, "EU": 0.12}}


def with_twitter(first: float) -> dict[str, dict[str, float]]:
    """The 2015 choice tables with every reason's Twitter share scaled so that the default
    one is `first`, the other channels keeping their 2015 proportions."""
    factor = first / TWITTER_FIRST[2015]
    tables = {}
    for reason, shares in TABLES_2015.items():
        twitter = shares["twitter"] * factor
        rest = (1 - twitter) / (1 - shares["twitter"])
        tables[reason] = {channel: twitter if channel == "twitter" else share * rest
                          for channel, share in shares.items()}
    return tables


def level(x: float) -> dict[str, object]:
    """The scenario keys to change at `x` of the way from 2010 (0) to 2015 (1)."""
    first = TWITTER_FIRST[2010] + x * (TWITTER_FIRST[2015] - TWITTER_FIRST[2010])
    users = {region: share + x * (TWITTER_USERS[2015][region] - share)
             for region, share in TWITTER_USERS[2010].items()}
    return {"choice": with_twitter(first), "needs.twitter_users": users}


# %% [markdown]
# ## Run every level
#
# `result.summary()` is a row per channel and a column per (metric, mean / ci_low / ci_high),
# in stored units; in a notebook, a result shows its key figures as a small table.

# %%
rows = []
results = {}
for k in range(LEVELS):
    x = k / (LEVELS - 1)
    change = level(x)
    result = sim.run(sim.load(FILE, set=change), replications=REPLICATIONS)
    results[x] = result
    twitter = result.summary().loc["twitter"]
    rows.append({
        "to 2015": x,
        "twitter first": change["choice"]["default"]["twitter"],
        "on twitter US": change["needs.twitter_users"]["US"],
        "public complaints": twitter[("public_complaints", "mean")],
        "unanswered": twitter[("unanswered_impressions", "mean")],  # impressions
        "ci_low": twitter[("unanswered_impressions", "ci_low")],
        "ci_high": twitter[("unanswered_impressions", "ci_high")],
    })
table = pd.DataFrame(rows)
percent, count = "{:.1%}".format, "{:,.0f}".format
print(table.to_string(index=False, formatters={
    "to 2015": "{:.0%}".format, "twitter first": percent, "on twitter US": percent,
    "public complaints": count, "unanswered": count, "ci_low": count, "ci_high": count}))

# %% [markdown]
# ## Unanswered impressions against Twitter's share, with 95% confidence intervals

# %%
fig = Figure(figsize=(6.4, 4.2), dpi=110, layout="constrained")
ax = fig.subplots()
share = table["twitter first"] * 100
error = [table["unanswered"] - table["ci_low"], table["ci_high"] - table["unanswered"]]
ax.errorbar(share, table["unanswered"], yerr=error, marker="o", capsize=3)
for year, k in ((2010, 0), (2015, len(table) - 1)):
    ax.annotate(f"{year} level", (share[k], table["unanswered"][k]),
                xytext=(6, -12), textcoords="offset points", fontsize=8)
ax.set_xlabel("needs that try Twitter first (default share, %)")
ax.set_ylabel("impressions of complaints while unanswered")
ax.set_title("Twitter's share and the complaints seen in public, per day", fontsize=11)
ax.set_ylim(bottom=0)
ax.grid(alpha=0.3)
fig.supxlabel(f"twitter-2015; {REPLICATIONS} replications per point, the same seed; "
              "bars: 95% CI", fontsize=8, color="0.3")
OUT.mkdir(parents=True, exist_ok=True)
fig.savefig(OUT / "unanswered_impressions.png")  # in a notebook: end the cell with `fig`

# %% [markdown]
# ## The plot helpers: the report's plots of one run, as matplotlib Figures

# %%
latest = results[max(results)]
latest.plot("public").savefig(OUT / "public-2015-level.png")
print(f"plots in {OUT}/")
