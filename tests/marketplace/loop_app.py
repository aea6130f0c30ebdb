"""A bare ASGI app for tests/marketplace/test_webnode.py: answers every HTTP request with
the module of the event loop it runs on ("uvloop" or "asyncio"), after reading its whole
body; accepts every WebSocket and echoes its text frames."""

import asyncio


async def application(scope, receive, send):
    if scope["type"] == "websocket":
        await _echo(receive, send)
        return
    if scope["type"] != "http":
        return
    more = True
    while more:  # the whole body, as a real view would read it
        message = await receive()
        more = message.get("more_body", False)
    loop_module = type(asyncio.get_running_loop()).__module__.split(".")[0]
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": loop_module.encode()})


async def _echo(receive, send):
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive" and message.get("text") is not None:
            await send({"type": "websocket.send", "text": message["text"]})
        elif message["type"] == "websocket.disconnect":
            return
