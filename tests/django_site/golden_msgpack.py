"""Golden msgpack bodies for the channels_redis codec (src/layers/channels_redis/codec.rs).

Each line of tests/data/channels_redis_golden.jsonl is one message as
channels_redis stores it (msgpack.packb with its defaults, as
channels_redis.serializers.MsgPackSerializer does), with:
  name:    what the case covers
  message: the same message in wsviews' model (bytes -> {"$bytes": base64},
           NaN/inf -> {"$float": ...}, a tag-like map -> {"$map": ...})
  hex:     the msgpack bytes

Made once with:   python tests/django_site/golden_msgpack.py > tests/data/channels_redis_golden.jsonl
Checked live with: python tests/django_site/golden_msgpack.py --check tests/data/channels_redis_golden.jsonl
(scripts/test.sh runs the check in the interop venv, so a msgpack that writes
other bytes fails CI.)
"""

import base64
import json
import math
import sys

import msgpack

TAGS = ("$bytes", "$float", "$map")

CASES = [
    ("chat event", {"type": "chat.message", "text": "hi"}),
    ("binary event", {"type": "websocket.send", "bytes": b"\x00\x01\xfe\xff"}),
    ("empty bytes and text", {"type": "t", "bytes": b"", "text": ""}),
    ("group body", {"type": "t", "text": "x", "__asgi_channel__": ["a.b!c", "a.b!d"]}),
    ("send body", {"type": "t", "__asgi_channel__": "specific.ab12!cd34"}),
    ("positive ints", {"type": "n", "v": [0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1]}),
    ("negative ints", {"type": "n", "v": [-1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1, -(2**63)]}),
    ("floats", {"type": "f", "v": [1.5, 1.0, -0.0, 0.1, 1e300, -2.5e-300]}),
    ("special floats", {"type": "f", "v": [float("nan"), float("inf"), float("-inf")]}),
    ("nesting", {"type": "x", "a": [1, "x", None, True, False, {"b": b"\x07", "c": []}], "d": {}}),
    ("unicode", {"type": "u", "text": "é中😀\u0000"}),
    ("str8", {"type": "s", "text": "a" * 40}),
    ("str16 and bin16", {"type": "s", "text": "b" * 300, "bytes": bytes(range(256)) * 2}),
    ("tuple is an array", {"type": "t", "v": (1, 2)}),
    ("tag-like maps", {"type": "t", "m": {"$bytes": "AA=="}, "f": {"$float": 1}, "w": {"$map": {}}}),
    ("key order kept", {"z": 1, "type": "k", "a": 2}),
]


def model(value):
    """The value in wsviews' JSON model."""
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")}
    if isinstance(value, (list, tuple)):
        return [model(v) for v in value]
    if isinstance(value, dict):
        inner = {k: model(v) for k, v in value.items()}
        if len(value) == 1 and next(iter(value)) in TAGS:
            return {"$map": inner}
        return inner
    return value


def lines():
    for name, message in CASES:
        body = msgpack.packb(message)
        top = {k: model(v) for k, v in message.items()}
        yield json.dumps({"name": name, "message": top, "hex": body.hex()}, ensure_ascii=False)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        with open(sys.argv[2], encoding="utf-8") as f:
            committed = [line.rstrip("\n") for line in f if line.strip()]
        now = list(lines())
        if committed != now:
            for a, b in zip(committed, now):
                if a != b:
                    print("golden msgpack differs:\n  committed %s\n  now       %s" % (a[:200], b[:200]))
            print("FAILED: %d committed cases, %d now" % (len(committed), len(now)))
            sys.exit(1)
        # Python's unpackb reads every committed body back to the same message.
        for name, message in CASES:
            back = msgpack.unpackb(msgpack.packb(message))
            assert model(back) == model(message) or name == "special floats", name
        print("golden msgpack: %d cases match msgpack %s" % (len(now), msgpack.version))
        return
    for line in lines():
        print(line)


if __name__ == "__main__":
    main()
