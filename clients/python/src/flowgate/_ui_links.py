"""Links into the web UI, found as the TypeScript SDK finds them: FLOWGATE_UI_URL of this process (a UI
reached through another name) overrides the address the server reports serving the UI on (GetCaller's
``ui_url``: its FLOWGATE_UI_URL, else the HTTP address it bound)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import quote


def configured_ui_url(env: Mapping[str, str] | None = None) -> str | None:
    """FLOWGATE_UI_URL of this process without a trailing slash; None when unset or blank."""
    url = (os.environ if env is None else env).get("FLOWGATE_UI_URL", "").strip()
    return url.rstrip("/") if url else None


def run_page_url(ui_url: str, flow_run_id: str) -> str:
    """A run's page under the UI's base address."""
    return f"{ui_url}/runs/{quote(flow_run_id, safe='')}"
