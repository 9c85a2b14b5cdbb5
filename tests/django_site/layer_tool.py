"""channels_redis' RedisChannelLayer driven by JSON lines, for the interop tests.

    python layer_tool.py REDIS_URL CAPACITY EXPIRY

Reads one command per line on stdin and answers one JSON line on stdout:
  {"op": "send", "channel": C, "message": M}        -> {"ok": true} | {"error": "ChannelFull"}
  {"op": "group_send", "group": G, "message": M}    -> {"ok": true}
  {"op": "group_add", "group": G, "channel": C}     -> {"ok": true}
  {"op": "receive", "channel": C, "timeout": S}     -> {"message": M} | {"timeout": true}
  {"op": "new_channel"}                             -> {"channel": C}
Messages are in wsviews' model (bytes as {"$bytes": base64}; see golden_msgpack.py).
"""

import asyncio
import base64
import json
import math
import sys

from channels.exceptions import ChannelFull
from channels_redis.core import RedisChannelLayer

from golden_msgpack import model


def unmodel(value):
    """The Python value for wsviews' model (the inverse of model())."""
    if isinstance(value, list):
        return [unmodel(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            (key, inner), = value.items()
            if key == "$bytes":
                return base64.b64decode(inner)
            if key == "$float":
                return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[inner]
            if key == "$map":
                return {k: unmodel(v) for k, v in inner.items()}
        return {k: unmodel(v) for k, v in value.items()}
    return value


async def run(layer, command):
    op = command["op"]
    if op == "send":
        try:
            await layer.send(command["channel"], unmodel(command["message"]))
        except ChannelFull:
            return {"error": "ChannelFull"}
        return {"ok": True}
    if op == "group_send":
        await layer.group_send(command["group"], unmodel(command["message"]))
        return {"ok": True}
    if op == "group_add":
        await layer.group_add(command["group"], command["channel"])
        return {"ok": True}
    if op == "receive":
        try:
            message = await asyncio.wait_for(layer.receive(command["channel"]), command["timeout"])
        except asyncio.TimeoutError:
            return {"timeout": True}
        return {"message": {k: model(v) for k, v in message.items()}}
    if op == "new_channel":
        return {"channel": await layer.new_channel()}
    return {"error": "unknown op %r" % op}


async def main():
    url, capacity, expiry = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    layer = RedisChannelLayer(hosts=[url], capacity=capacity, expiry=expiry)
    print(json.dumps({"ready": True}), flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        answer = await run(layer, json.loads(line))
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
