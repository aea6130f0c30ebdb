"""Factories for the marketplace app. Each app keeps its own in tests/<app>/factories.py."""

import factory

from marketplace.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["phone"]

    phone = factory.Sequence(lambda n: f"139{n:08d}")
    display_name = factory.Sequence(lambda n: f"user{n}")
    role = User.Role.CLIENT


class ListenerUserFactory(UserFactory):
    role = User.Role.LISTENER


class StaffUserFactory(UserFactory):
    role = User.Role.STAFF
    is_staff = True
