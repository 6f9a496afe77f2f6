"""A local Cloud Asset Inventory REST server on 127.0.0.1, for tests of live collection.

It serves ``GET /v1/{parent}/assets`` (ListAssets) from an in-memory inventory, pages
results, honours ``assetTypes`` and ``contentType``, records every request, and can be told
to fail: a list of scripted responses (HTTP status and Google error body) is consumed one
per request before normal answers resume, and ``drop_after_pages`` closes the connection
mid-collection.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

CONTENT_TYPES = {"1": "RESOURCE", "2": "IAM_POLICY", "RESOURCE": "RESOURCE", "IAM_POLICY": "IAM_POLICY"}
STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
          429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


def google_error(code: int, message: str, reason: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": STATUS.get(code, "UNKNOWN")}
    if reason:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
                             "domain": "googleapis.com", "metadata": {"service": "cloudasset.googleapis.com"}}]
    return {"error": error}


@dataclass
class FakeCai:
    """Inventory per scope: ``{"projects/acme": [camelCase Asset dicts]}``; IAM records carry ``iamPolicy``."""

    inventory: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page_size: int = 100
    script: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    drop_after_pages: int | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    read_time: str = "2026-12-01T08:00:00Z"
    pages_served: int = 0

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                fake.handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        query = parse_qs(url.query)
        parent = url.path.removeprefix("/v1/").removesuffix("/assets")
        content = CONTENT_TYPES.get(query.get("contentType", [""])[0], "")
        self.requests.append({"parent": parent, "contentType": content, "assetTypes": query.get("assetTypes", []),
                              "pageToken": query.get("pageToken", [""])[0]})
        if self.script:
            status, body = self.script.pop(0)
            return self._send(request, status, body)
        if self.drop_after_pages is not None and self.pages_served >= self.drop_after_pages:
            request.connection.shutdown(2)  # the connection drops mid-collection
            return None
        if parent not in self.inventory:
            return self._send(request, 404, google_error(404, f"{parent} not found"))
        wanted = set(query.get("assetTypes", []))
        matching = [a for a in self.inventory[parent]
                    if (not wanted or a["assetType"] in wanted)
                    and (("iamPolicy" in a) == (content == "IAM_POLICY"))]
        size = min(int(query.get("pageSize", ["100"])[0]), self.page_size)
        start = int(query.get("pageToken", ["0"])[0] or 0)
        page = {"readTime": self.read_time, "assets": matching[start:start + size]}
        if start + size < len(matching):
            page["nextPageToken"] = str(start + size)
        self.pages_served += 1
        return self._send(request, 200, page)

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
