"""Demo users shared by every app's demo seed."""

from dataclasses import dataclass

from marketplace.models import User

DEMO_APPS = ["listeners", "sessions", "payments", "reviews"]


@dataclass(frozen=True)
class DemoUsers:
    client: User
    staff: User
    listeners: list[User]

    def as_rows(self) -> list[tuple[str, User]]:
        rows = [("client", self.client), ("staff", self.staff)]
        return rows + [("listener", listener) for listener in self.listeners]


LISTENERS = [
    ("13900000001", "小林 Lin"),
    ("13900000002", "阿舟 Zhou"),
    ("13900000003", "Mia"),
]


def _ensure(phone: str, **fields) -> User:
    user, _created = User.objects.get_or_create(phone=phone, defaults=fields)
    return user


def demo_users_ensure() -> DemoUsers:
    client = _ensure("13800000001", display_name="小雨 Rain", role=User.Role.CLIENT)
    staff = _ensure(
        "13700000001",
        display_name="客服 Staff",
        role=User.Role.STAFF,
        is_staff=True,
        is_superuser=True,
    )
    listeners = [
        _ensure(phone, display_name=name, role=User.Role.LISTENER) for phone, name in LISTENERS
    ]
    return DemoUsers(client=client, staff=staff, listeners=listeners)
