"""A small closed-loop HTTP/1.1 load generator for the benchmarks: ``concurrency`` keep-alive connections,
each sending the next prepared request as soon as the previous answer is read, for ``seconds``.

Requests are prepared byte strings (signed ones are signed before the run, each with its own nonce, so the
client spends no time on crypto while measuring). It runs in its own process (``run_in_process``) so that
the server under test and the client do not share an interpreter. Latency is measured per request from
write to the last byte of the body.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    seconds: float
    requests: int
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = None
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if length is not None:
        await reader.readexactly(length)
    elif chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _worker(host: str, port: int, requests: Iterator[bytes], deadline: float, result: LoadResult,
                  warmup_until: float) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            now = time.perf_counter()
            if now >= deadline:
                return
            try:
                request = next(requests)
            except StopIteration:
                return
            start = time.perf_counter()
            writer.write(request)
            status = await _read_response(reader)
            end = time.perf_counter()
            if start >= warmup_until:
                result.requests += 1
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.latencies_ms.append((end - start) * 1000)
    finally:
        writer.close()


async def _run(host: str, port: int, requests: list[bytes], concurrency: int, seconds: float,
               warmup: float) -> LoadResult:
    iterator = iter(requests)
    start = time.perf_counter()
    warmup_until = start + warmup
    deadline = warmup_until + seconds
    result = LoadResult(seconds=seconds, requests=0)
    await asyncio.gather(*(_worker(host, port, iterator, deadline, result, warmup_until)
                           for _ in range(concurrency)))
    measured = min(time.perf_counter(), deadline) - warmup_until
    result.seconds = measured
    return result


def run(host: str, port: int, requests: list[bytes], concurrency: int, seconds: float,
        warmup: float = 2.0) -> LoadResult:
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvicorn[standard] brings uvloop
        pass
    return asyncio.run(_run(host, port, requests, concurrency, seconds, warmup))


def _child(conn: object, make: Callable[[], list[bytes]], host: str, port: int, concurrency: int,
           seconds: float, warmup: float) -> None:
    result = run(host, port, make(), concurrency, seconds, warmup)
    conn.send(result)  # type: ignore[attr-defined]


def run_in_process(make: Callable[[], list[bytes]], host: str, port: int, concurrency: int, seconds: float,
                   warmup: float = 2.0) -> LoadResult:
    """Prepare the requests with ``make`` (a picklable top-level function) and run the load in a child process."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=_child, args=(child, make, host, port, concurrency, seconds, warmup))
    process.start()
    result: LoadResult = parent.recv()
    process.join()
    return result


def get_request(host: str, port: int, path_and_query: str, headers: dict[str, str] | None = None) -> bytes:
    """One keep-alive GET as bytes."""
    lines = [f"GET {path_and_query} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
