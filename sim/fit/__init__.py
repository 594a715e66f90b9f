"""From a contact log to a scenario: reading the log, the estimators, the scenario writer and
the backtest."""
