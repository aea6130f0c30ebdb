from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListenersConfig(AppConfig):
    name = "listeners"
    verbose_name = _("Listeners")
