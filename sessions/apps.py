from django.apps import AppConfig


class LiveSessionsConfig(AppConfig):
    # django.contrib.sessions owns the label "sessions".
    name = "sessions"
    label = "live_sessions"
    verbose_name = "Live sessions"

    def ready(self) -> None:
        # The reply clock plugs its steps into the message pipeline, the session's end
        # and resync (sessions.services.clocks.register) in every process.
        from sessions.services import clocks  # noqa: F401
