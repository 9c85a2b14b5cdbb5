"""The chat consumer, as in the Channels tutorial, with events for the tests."""

import json

from channels.generic.websocket import AsyncWebsocketConsumer


class ChatConsumer(AsyncWebsocketConsumer):
    """Member of the group chat-<room>; says its channel name first."""

    async def connect(self):
        self.group = "chat-" + self.scope["url_route"]["kwargs"]["room"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data=json.dumps({"channel": self.channel_name}))

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is not None:
            event = {"type": "chat.message", "text": text_data}
        else:
            event = {"type": "chat.message", "bytes": bytes_data}
        await self.channel_layer.group_send(self.group, event)

    async def chat_message(self, event):
        """{"type": "chat.message", "text" or "bytes": ...} → a frame."""
        await self.send(text_data=event.get("text"), bytes_data=event.get("bytes"))

    async def echo_request(self, event):
        """A direct send from another process: answer on the channel it names."""
        reply = {k: v for k, v in event.items() if k not in ("type", "reply_to")}
        reply.update({"type": "echo.reply", "from": self.channel_name})
        await self.channel_layer.send(event["reply_to"], reply)
