"""List assets through the Cloud Asset Inventory API (ListAssets), for ``hascan audit --project``.

Only this module imports Google's client libraries, and only when a live audit runs, so
offline audits start fast and need no Google packages. One ListAssets call per scope and
content type (RESOURCE, IAM_POLICY), restricted to the asset types the loaded rules read,
with Application Default Credentials. Transient errors (429, 500, 503, deadline exceeded)
are retried with exponential backoff by the client library's retry machinery; any other
error, or a retry budget that runs out, stops the collection: a live audit never reports
on partial data.

No other Google API is called: every field the rules read is in Cloud Asset Inventory
(Secret Manager secret versions are CAI assets too), so google-cloud-compute and
google-cloud-secret-manager are not needed for the current rule pack.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.errors import CollectError

CONTENT_TYPES = ("RESOURCE", "IAM_POLICY")
PAGE_SIZE = 1000  # the API's maximum
TRANSIENT = ("TooManyRequests", "InternalServerError", "ServiceUnavailable", "DeadlineExceeded", "BadGateway",
             "GatewayTimeout")


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for transient errors: first wait, longest wait, and the budget per call."""

    initial: float = 1.0
    maximum: float = 32.0
    multiplier: float = 2.0
    deadline: float = 180.0


@dataclass
class CollectStats:
    scopes_done: list[str] = field(default_factory=list)
    pages: int = 0
    assets: int = 0
    retries: int = 0
    read_time: str | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def records(self) -> int:
        """Asset records read (RESOURCE and IAM_POLICY), as a snapshot reader counts them."""
        return self.assets


def collect_assets(
    scopes: Sequence[str],
    asset_types: Iterable[str],
    endpoint: str | None = None,
    retry_policy: RetryPolicy = RetryPolicy(),
    stats: CollectStats | None = None,
    progress: Callable[[CollectStats], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield every asset record of the scopes, in ``gcloud asset export`` form (snake_case envelope).

    ``scopes`` are ``projects/ID``, ``folders/N`` or ``organizations/N``. With ``endpoint``
    (an emulator or a test server) the REST transport talks to it with anonymous credentials.
    """
    asset_v1, api_exceptions, retry_module, auth_exceptions = _google()
    stats = stats if stats is not None else CollectStats()
    client = _client(asset_v1, endpoint, auth_exceptions)
    types = sorted(set(asset_types))

    def on_error(exc: Exception) -> None:
        stats.retries += 1

    retry = retry_module.Retry(
        predicate=retry_module.if_exception_type(*(getattr(api_exceptions, n) for n in TRANSIENT)),
        initial=retry_policy.initial, maximum=retry_policy.maximum, multiplier=retry_policy.multiplier,
        timeout=retry_policy.deadline, on_error=on_error,
    )
    for scope in scopes:
        for content_type in CONTENT_TYPES:
            request = asset_v1.ListAssetsRequest(parent=scope, asset_types=types, page_size=PAGE_SIZE,
                                                 content_type=getattr(asset_v1.ContentType, content_type))
            try:
                pager = client.list_assets(request=request, retry=retry)
                for page in pager.pages:
                    stats.pages += 1
                    if stats.read_time is None and page.read_time:
                        stats.read_time = page.read_time.isoformat().replace("+00:00", "Z")
                    for asset in page.assets:
                        stats.assets += 1
                        yield type(asset).to_dict(asset, preserving_proto_field_name=True,
                                                  always_print_fields_with_no_presence=False)
                    if progress is not None:
                        progress(stats)
            except api_exceptions.RetryError as exc:  # the retry budget ran out on transient errors
                cause = exc.cause if exc.cause is not None else exc
                raise CollectError(
                    f"gave up on {scope} ({content_type}) after {stats.retries} retries over "
                    f"{retry_policy.deadline:.0f}s: {cause}; nothing is reported from a partial read",
                    where=scope) from None
            except api_exceptions.GoogleAPICallError as exc:
                raise _explain(exc, scope, content_type, stats, api_exceptions) from None
            except auth_exceptions.GoogleAuthError as exc:
                raise CollectError(f"the credentials were rejected ({exc}): run 'gcloud auth application-default "
                                   "login' or set GOOGLE_APPLICATION_CREDENTIALS", where=scope) from None
            except OSError as exc:  # connection dropped mid-collection
                raise CollectError(f"the connection failed while reading {scope} ({content_type}) after "
                                   f"{stats.assets} assets: {exc}; nothing is reported from a partial read",
                                   where=scope) from None
        stats.scopes_done.append(scope)


def _google() -> tuple[Any, Any, Any, Any]:
    try:
        from google.api_core import exceptions as api_exceptions
        from google.api_core import retry as retry_module
        from google.auth import exceptions as auth_exceptions
        from google.cloud import asset_v1
    except ImportError:
        raise CollectError("live audits need google-cloud-asset: pip install google-cloud-asset") from None
    return asset_v1, api_exceptions, retry_module, auth_exceptions


def _client(asset_v1: Any, endpoint: str | None, auth_exceptions: Any) -> Any:
    try:
        if endpoint:
            from google.api_core.client_options import ClientOptions
            from google.auth.credentials import AnonymousCredentials

            return asset_v1.AssetServiceClient(credentials=AnonymousCredentials(), transport="rest",
                                               client_options=ClientOptions(api_endpoint=endpoint))
        return asset_v1.AssetServiceClient(transport="rest")
    except auth_exceptions.DefaultCredentialsError:
        raise CollectError("no Application Default Credentials found: run 'gcloud auth application-default "
                           "login', or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file") from None


def _explain(exc: Any, scope: str, content_type: str, stats: CollectStats, api_exceptions: Any) -> CollectError:
    """One clear message per error class, saying what to enable or grant."""
    project_hint = scope.split("/", 1)[1] if scope.startswith("projects/") else "PROJECT"
    reason = getattr(exc, "reason", None) or ""
    text = str(getattr(exc, "message", exc))
    # REST raises the HTTP classes (Forbidden, Unauthorized), gRPC the status classes.
    denied = isinstance(exc, (api_exceptions.PermissionDenied, api_exceptions.Forbidden))
    if denied and (reason == "SERVICE_DISABLED" or "disabled" in text.lower() or "has not been used" in text):
        return CollectError(f"the Cloud Asset API is not enabled: gcloud services enable cloudasset.googleapis.com "
                            f"--project={project_hint} ({text})", where=scope)
    if denied:
        return CollectError(f"permission denied listing {content_type} assets: grant the caller "
                            f"roles/cloudasset.viewer on {scope} ({text})", where=scope)
    if isinstance(exc, (api_exceptions.Unauthenticated, api_exceptions.Unauthorized)):
        return CollectError("the credentials were rejected: run 'gcloud auth application-default login' "
                            f"({text})", where=scope)
    if isinstance(exc, api_exceptions.NotFound):
        return CollectError(f"{scope} does not exist or is not visible to the caller ({text})", where=scope)
    if isinstance(exc, api_exceptions.InvalidArgument):
        return CollectError(f"the Cloud Asset API refused the request: {text}", where=scope)
    return CollectError(f"reading {scope} ({content_type}) failed after {stats.assets} assets: "
                        f"{type(exc).__name__}: {text}; nothing is reported from a partial read", where=scope)
