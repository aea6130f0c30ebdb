from django.conf import settings
from django.http import HttpResponseServerError
from django.utils import translation


class LanguageMiddleware:
    """Simplified Chinese unless the user chose otherwise.

    Unlike Django's LocaleMiddleware this ignores Accept-Language on purpose: the product
    speaks Chinese by default, and a phone set to English switches with one tap.
    The choice is the language cookie (set by Django's set_language view).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class ErrorPagesMiddleware:
    """Our own 404 and 500 pages in the debug run too (production shows them anyway).

    With DEBUG on Django answers an HTML 404/500 with its technical page; this swaps in
    ours unless DEBUG_ERROR_PAGES is set (to see Django's page while debugging). The API
    keeps its JSON errors.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and not settings.DEBUG_ERROR_PAGES
            and response.status_code in (404, 500)
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path_info.startswith("/api/")
        ):
            from django.shortcuts import render
            from django.template import loader

            if response.status_code == 404:
                return render(request, "404.html", status=404)
            return HttpResponseServerError(loader.render_to_string("500.html"))
        return response
