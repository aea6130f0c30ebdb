from django.apps import AppConfig


class LiveSessionsConfig(AppConfig):
    # django.contrib.sessions owns the label "sessions".
    name = "sessions"
    label = "live_sessions"
    verbose_name = "Live sessions"
