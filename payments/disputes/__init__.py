"""Disputes: a client contests a finished session; staff decide on the dispute desk.

models.py         - Dispute, its audit log, and in-site notifications
services.py       - open, answer, decide / approve (writes; money through payments.services)
selectors.py      - permission-checked reads, the desk queue and the evidence of one dispute
notifications.py  - in-site notification + SMS, both sent after commit
api.py, views.py  - thin edges
"""
