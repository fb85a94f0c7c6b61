"""A local HTTP server that stands in for the group robots and the SMS provider."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class Answer:
    status: int = 200
    payload: object = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    delay: float = 0.0


class FakeServer:
    """Records each POST and answers from a script (then with the default answer).

    Listens on 127.0.0.1 on a free port, in a thread of the test process; a Celery worker
    process reaches it at ``url`` just as the test does.
    """

    def __init__(self, default: Answer | None = None) -> None:
        self.default = default or Answer()
        self.script: list[Answer] = []
        self.received: list[Received] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                parts = urllib.parse.urlsplit(self.path)
                server.received.append(
                    Received(
                        path=parts.path,
                        query=dict(urllib.parse.parse_qsl(parts.query)),
                        headers=dict(self.headers.items()),
                        body=self.rfile.read(length),
                    )
                )
                answer = server.script.pop(0) if server.script else server.default
                time.sleep(answer.delay)
                data = json.dumps(answer.payload).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, format, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def answer(self, *answers: Answer) -> FakeServer:
        self.script.extend(answers)
        return self

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
