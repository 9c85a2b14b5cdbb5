"""Plain Django views that push to the channel layer from sync code."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.http import HttpResponse
from django.urls import path


def group_send(request, group):
    """GET /group-send/<group>?text=T (or ?hex=..): {"type": "chat.message", ...} to the group."""
    if "hex" in request.GET:
        event = {"type": "chat.message", "bytes": bytes.fromhex(request.GET["hex"])}
    else:
        event = {"type": "chat.message", "text": request.GET["text"]}
    async_to_sync(get_channel_layer().group_send)(group, event)
    return HttpResponse("sent")


def send(request, channel):
    """GET /send/<channel>?text=T&close=N: one event straight to a channel."""
    event = {"type": request.GET.get("type", "chat.message")}
    if "text" in request.GET:
        event["text"] = request.GET["text"]
    if "close" in request.GET:
        event["close"] = int(request.GET["close"])
    async_to_sync(get_channel_layer().send)(channel, event)
    return HttpResponse("sent")


urlpatterns = [
    path("group-send/<str:group>", group_send),
    path("send/<str:channel>", send),
]
