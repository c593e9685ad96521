"""The read-only pages (v1): tracker list, one tracker, drafts, audit. Handlers only fetch and render."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from steward.app import App
from steward.web import pages
from steward.web.render import render

router = APIRouter()


def _app(request: Request) -> App:
    found: App = request.app.state.steward
    return found


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    application = _app(request)
    html = render(
        template,
        project=application.slug,
        demo=application.config.project_kind == "demo",
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


@router.get("/", response_class=HTMLResponse)
def tracker_list(
    request: Request,
    label: Annotated[str | None, Query(max_length=200)] = None,
    state: Annotated[str | None, Query(max_length=60)] = None,
) -> HTMLResponse:
    filters = pages.parse_filters(label, state)
    return page(request, "list.html", **pages.tracker_list(_app(request), filters))


@router.get("/trackers/{number}", response_class=HTMLResponse)
def tracker(request: Request, number: int) -> HTMLResponse:
    return page(request, "tracker.html", **pages.tracker_page(_app(request), number))


@router.get("/drafts", response_class=HTMLResponse)
def drafts(request: Request) -> HTMLResponse:
    return page(request, "drafts.html", **pages.drafts_page(_app(request)))


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request) -> HTMLResponse:
    return page(request, "audit.html", **pages.audit_page(_app(request)))
