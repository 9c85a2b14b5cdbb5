"""Python websockets' echo server, the baseline of `loadgen deflate`.

    python websockets_echo.py 127.0.0.1:PORT [--no-compression]

Compression is websockets' default (permessage-deflate on, its own tuned
window sizes) unless --no-compression.
"""

import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)


async def main():
    host, port = sys.argv[1].rsplit(":", 1)
    compression = None if "--no-compression" in sys.argv[2:] else "deflate"
    async with serve(echo, host, int(port), compression=compression, max_size=2**20):
        await asyncio.get_running_loop().create_future()


asyncio.run(main())
