"""Writes of client care.

nudges.py   - which nudge a page shows (at most once per rule and period) and the choices
profile.py  - the optional monthly income the client may tell us
account.py  - the client's data export and closing the account
"""
