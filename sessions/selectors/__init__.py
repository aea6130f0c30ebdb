"""Reads for orders and live sessions, one module per sub-domain.

chat.py - access checks, transcripts, the listener dashboard and unread counts
"""
