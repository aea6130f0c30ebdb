from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveSessionsConfig(AppConfig):
    # django.contrib.sessions owns the label "sessions".
    name = "sessions"
    label = "live_sessions"
    verbose_name = _("Live sessions")

    def ready(self) -> None:
        # The reply clock plugs its steps into the message pipeline, the session's end
        # and resync (sessions.services.clocks.register) in every process.
        # The safety step (flags, crisis escalations) runs after the clock's.
        from sessions.services import (
            clocks,  # noqa: F401
            safety,  # noqa: F401
        )
