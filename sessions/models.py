"""Data and row-local rules."""

from django.db import models  # noqa: F401
