#!/usr/bin/env python3
"""The Python asyncio peer of src/Samples/HttpHello in the network comparison (compare.sh).

One process, one thread, one asyncio event loop, an asyncio.Protocol per connection (the fastest way plain asyncio
offers: no streams layer). HTTP/1.1 keep-alive with pipelining; it answers GET / with the same bytes as HttpHello
and Kestrel (Content-Length, Content-Type, Date, in that order), any other path with 404, HTTP/1.0 and
"Connection: close" by closing after the answer, and a head over 8 KB with 431. It reads less than HttpHello does
(no header validation, no request bodies), which only favours it.

usage: asyncio_hello.py [--port N]     (listens on 127.0.0.1, default port 8080; prints one line once listening)
"""

import argparse
import asyncio
import signal
import time
from email.utils import formatdate

MAX_HEAD = 8192
BODY = b"Hello, World!"


class Responses:
    """Every answer prepared as bytes; the Date field is rewritten once a second."""

    def __init__(self):
        self.refresh()

    def refresh(self):
        date = formatdate(usegmt=True).encode("ascii")
        self.hello = (b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nDate: "
                      + date + b"\r\n\r\n" + BODY)
        self.hello_close = (b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n"
                            b"Content-Type: text/plain\r\nDate: " + date + b"\r\n\r\n" + BODY)
        self.not_found = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nDate: " + date + b"\r\n\r\n"
        self.not_found_close = (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\nDate: "
                                + date + b"\r\n\r\n")
        self.bad_request = (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\nDate: "
                            + date + b"\r\n\r\n")
        self.too_large = (b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
                          b"Connection: close\r\nDate: " + date + b"\r\n\r\n")


RESPONSES = Responses()


class HelloProtocol(asyncio.Protocol):
    def __init__(self):
        self.transport = None
        self.pending = b""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        buffer = self.pending + data if self.pending else data
        answers = []
        start = 0
        close = False
        while True:
            end = buffer.find(b"\r\n\r\n", start)
            if end < 0:
                break
            head = buffer[start:end]
            start = end + 4
            line_end = head.find(b"\r\n")
            parts = (head if line_end < 0 else head[:line_end]).split(b" ")
            if len(parts) != 3 or parts[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
                answers.append(RESPONSES.bad_request)
                close = True
                break
            lowered = head.lower()
            close = (b"connection: close" in lowered
                     or (parts[2] == b"HTTP/1.0" and b"connection: keep-alive" not in lowered))
            if parts[1] == b"/" and parts[0] == b"GET":
                answers.append(RESPONSES.hello_close if close else RESPONSES.hello)
            else:
                answers.append(RESPONSES.not_found_close if close else RESPONSES.not_found)
            if close:
                break
        self.pending = buffer[start:]
        if not close and len(self.pending) >= MAX_HEAD:
            answers.append(RESPONSES.too_large)
            close = True
        if answers:
            self.transport.write(answers[0] if len(answers) == 1 else b"".join(answers))
        if close:
            self.transport.close()


def keep_date(loop):
    RESPONSES.refresh()
    loop.call_later(1.0 - (time.time() % 1.0), keep_date, loop)  # at the next whole second


async def main(port):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HelloProtocol, "127.0.0.1", port, backlog=4096)
    keep_date(loop)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(f"listening on http://127.0.0.1:{server.sockets[0].getsockname()[1]}/ (asyncio, one thread)", flush=True)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="HTTP hello server on Python asyncio")
    parser.add_argument("--port", type=int, default=8080)
    asyncio.run(main(parser.parse_args().port))
