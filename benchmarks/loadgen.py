"""The load generator: a separate process that drives gunicorn on 127.0.0.1 over plain HTTP/1.1.

Why our own and not wrk or locust: it needs nothing beyond the standard library (no apt package,
no extra pip dependency); one asyncio event loop holds every client, so 100 concurrent voters cost
the client side a few per cent of one core instead of 100 GIL-bound threads competing with the
server for the machine's two cores (what ``run_clients`` in the same process did); and each client
can carry state between requests (a voter's own one-time code, an editor's last-seen version),
which wrk can only approximate with a Lua table and locust pays for with a much heavier client.

Model: closed loop. Each client sends its next request as soon as the previous answer is read, so
the measured latency includes the wait in gunicorn's queue (a request's time from the first byte
sent — including the TCP connect when the server closed the previous connection, as gunicorn's
sync workers do after every response — to the last byte of the answer).

Input (JSON on stdin)::

    {"port": 8000, "seconds": null,
     "clients": [{"group": "cast", "kind": "list", "requests": [[method, path, body, headers], ...]},
                 {"group": "save", "kind": "editor", "path": "/api/.../{unit}/{criterion}",
                  "headers": {...}, "cells": [[unit, criterion, version], ...], "reason": "..."}]}

``list`` clients send their requests once (or cycle through them until ``seconds`` pass);
``editor`` clients save cells in turn until ``seconds`` pass, each with the version the previous
answer for that cell returned (optimistic locking, as the meeting sheet's script does).

Output (JSON on stdout): per group ``requests, per_second, p50_ms, p99_ms, failures,
failure_statuses`` over the whole run's wall time.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from benchmarks.common import summary


class Connection:
    """One client's connection; reopened when the server closes it (gunicorn sync workers do)."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def send(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.writer.write(head + (body or b""))
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            data = b"".join(parts)
        elif length is not None:
            data = await self.reader.readexactly(length)
        else:
            data, close = await self.reader.read(), True
        if close:
            await self.close()
        return status, data


async def timed_send(conn: Connection, method, path, body, headers, out: list, bad: list, ok: set):
    start = time.perf_counter()
    try:
        status, data = await conn.send(method, path, body, headers)
    except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
        await conn.close()
        status, data = 0, b""
    out.append(time.perf_counter() - start)
    if status not in ok:
        bad.append(status)
    return status, data


async def list_client(port, spec, deadline, out, bad):
    conn = Connection(port)
    requests = spec["requests"]
    ok = set(spec.get("expect", [200, 201]))
    i = 0
    while True:
        if deadline is None and i >= len(requests):
            break
        if deadline is not None and time.perf_counter() >= deadline:
            break
        method, path, body, headers = requests[i % len(requests)]
        await timed_send(conn, method, path, body.encode() if body is not None else None, headers or {}, out, bad, ok)
        i += 1
    await conn.close()


async def editor_client(port, spec, deadline, out, bad):
    conn = Connection(port)
    cells = [list(c) for c in spec["cells"]]
    headers = {"Content-Type": "application/json", **spec.get("headers", {})}
    i = 0
    while time.perf_counter() < deadline:
        cell = cells[i % len(cells)]
        unit, criterion, version = cell
        value = f"{(i % 19) / 2 + 0.5:.1f}"
        body = json.dumps({"value": value, "reason": spec.get("reason", ""), "version": version}).encode()
        path = spec["path"].format(unit=unit, criterion=criterion)
        status, data = await timed_send(conn, "PUT", path, body, headers, out, bad, {200})
        if status == 200:
            cell[2] = json.loads(data)["version"]
        i += 1
    await conn.close()


async def run(job: dict) -> dict:
    port, seconds = job["port"], job.get("seconds")
    groups: dict[str, tuple[list, list]] = {}
    start = time.perf_counter()
    deadline = start + seconds if seconds else None
    tasks = []
    for spec in job["clients"]:
        out, bad = groups.setdefault(spec.get("group", "all"), ([], []))
        if spec["kind"] == "editor":
            tasks.append(editor_client(port, spec, deadline, out, bad))
        else:
            tasks.append(list_client(port, spec, deadline, out, bad))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    return {name: summary(out, elapsed, bad) for name, (out, bad) in groups.items()}


def main() -> None:
    job = json.load(sys.stdin)
    json.dump(asyncio.run(run(job)), sys.stdout)


if __name__ == "__main__":
    main()
