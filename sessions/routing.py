from django.urls import path

from sessions.consumers import ChatConsumer

websocket_urlpatterns: list = [
    # One socket per tab, multiplexing all of the user's sessions (docs/chat.md).
    path("ws/chat/", ChatConsumer.as_asgi(), name="chat-socket"),
]
