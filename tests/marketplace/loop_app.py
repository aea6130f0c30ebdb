"""A bare ASGI app for tests/marketplace/test_webnode.py: answers every HTTP request with
the module of the event loop it runs on ("uvloop" or "asyncio")."""

import asyncio


async def application(scope, receive, send):
    if scope["type"] != "http":
        return
    loop_module = type(asyncio.get_running_loop()).__module__.split(".")[0]
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": loop_module.encode()})
