"""The API's JSON parser: bounded in size and nesting depth, NaN and Infinity refused."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from marketplace.jsonlimits import JsonTooDeep, json_loads_bounded


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser reads the whole stream and recurses without limit: a 2 KB body
    nested 1,000 levels deep raised RecursionError (a 500). This one reads at most
    DATA_UPLOAD_MAX_MEMORY_SIZE bytes and refuses deep nesting with a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestDataTooBig
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json_loads_bounded(raw.decode(encoding))
        except UnicodeDecodeError as exc:
            raise ParseError(_("The request body is not valid text.")) from exc
        except JsonTooDeep as exc:
            raise ParseError(_("The request body is nested too deeply.")) from exc
        except ValueError as exc:
            raise ParseError(_("The request body is not valid JSON.")) from exc
