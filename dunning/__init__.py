"""The functional core of dunning: rules, money, proposals and letters.

Nothing here talks to the network or to Prefect; time is always an argument.
"""
