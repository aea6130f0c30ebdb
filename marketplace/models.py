"""Users and their sign-in codes."""

from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    def create_user(self, phone: str, password: str | None = None, **fields) -> "User":
        user = self.model(phone=phone, **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()  # people sign in with SMS codes
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True, role=User.Role.STAFF)
        return self.create_user(phone, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        CLIENT = "client", _("Client")
        LISTENER = "listener", _("Listener")
        STAFF = "staff", _("Staff")

    # Mainland mobile number, 11 digits, stored without the +86 prefix.
    phone = models.CharField(_("phone number"), max_length=11, unique=True)
    display_name = models.CharField(_("display name"), max_length=40, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.CLIENT)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Bumped by "log out everywhere": it is part of the session auth hash, so every web
    # session (and WebSocket) signed in before the bump no longer verifies and is ended.
    session_epoch = models.PositiveIntegerField(_("times logged out everywhere"), default=0)
    # Same labels as Django's AbstractUser (these fields are redefined here, not inherited).
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.masked_phone

    # Django checks this hash on every request (django.contrib.auth.get_user, and Channels'
    # get_user for WebSockets); a mismatch flushes the session. Mixing in the epoch makes
    # "log out everywhere" end every session without any middleware or session scan.
    def _session_hash(self, secret: str | None) -> str:
        key_salt = "marketplace.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_hash(None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(fallback_secret)

    @property
    def masked_phone(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]}"

    @property
    def is_listener(self) -> bool:
        return self.role == self.Role.LISTENER

    @property
    def is_client(self) -> bool:
        return self.role == self.Role.CLIENT


class SmsCode(models.Model):
    """One code sent to one phone. Rows double as the rate-limit log (per phone, per IP)."""

    phone = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=128)
    requested_ip = models.GenericIPAddressField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["requested_ip", "created_at"])]

    def __str__(self) -> str:
        return f"code for {self.phone[:3]}****{self.phone[-4:]} at {self.created_at:%H:%M:%S}"


class SelfExclusion(models.Model):
    """A client's pause of their own account (7, 30 or 90 days): no bookings, no top-ups,
    no marketing while it lasts. Ending it early is asked for and takes effect 24 hours
    after the first ask (`marketplace.exclusion`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    starts_at = models.DateTimeField(_("starts at"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends at"))
    end_requested_at = models.DateTimeField(_("early end asked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account pause")
        verbose_name_plural = _("account pauses")
        indexes = [models.Index(fields=["user", "ends_at"], name="self_exclusion_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="self_exclusion_window_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"pause of {self.user_id} until {self.ends_at:%Y-%m-%d}"
