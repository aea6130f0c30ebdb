"""The daphne + Channels baseline of bench/chat.py: the product's stack with nothing of ours.

    daphne bench.channels_relay:application

The project's settings (so the same CHANNEL_LAYERS and REDIS_URL: `RedisPubSubChannelLayer`
unless CHANNEL_LAYER says otherwise), and one consumer at /relay/<c|l>/<pair>/: a listener
joins its pair's group; a client's frame is forwarded to that group with `group_send` and
acknowledged, as the bare relay does. No authentication, no origin check, no database, no
safety scan. What is left per message is daphne, Channels and the channel layer.
"""

import gc
import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
django.setup()

from channels.consumer import get_handler_name  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class RelayConsumer(AsyncWebsocketConsumer):
    async def dispatch(self, message):
        """Channels' dispatch without its `close_old_connections` thread hop before every
        frame and event: there is no database here (the product's consumer skips it too)."""
        await getattr(self, get_handler_name(message))(message)

    async def connect(self):
        kwargs = self.scope["url_route"]["kwargs"]
        self.group = f"bench-relay.{kwargs['pair']}"
        self.listening = kwargs["role"] == "l"
        if self.listening:
            await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data='{"type":"hello"}')

    async def disconnect(self, code):
        if self.listening:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.loads(text_data)
        await self.channel_layer.group_send(self.group, {"type": "relay.frame", "text": text_data})
        await self.send(
            text_data=json.dumps({"type": "message.ack", "client_id": frame["client_id"]})
        )

    async def relay_frame(self, event):
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {
        "websocket": URLRouter(
            [path("relay/<str:role>/<int:pair>/", RelayConsumer.as_asgi())],
        ),
    }
)

gc.freeze()  # as marketplace.asgi does, so the two stacks collect garbage alike
