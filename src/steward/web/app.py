"""`create_app`: the FastAPI application behind `steward serve`, opened once per process.

The App (config, store engine, acting user) is built once; every request opens its own read transaction, so a
page always shows the store as it is now, including changes made by CLI commands while the server runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from steward.app import App, open_app
from steward.errors import NotFound, UsageError
from steward.web import routes
from steward.web.render import render
from steward.web.security import SecurityHeaders, allowed_hosts


def _error(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    application: App = request.app.state.steward
    html = render(
        "error.html",
        project=application.slug,
        demo=application.config.project_kind == "demo",
        path=request.url.path,
        status=status,
        title=title,
        message=message,
    )
    return HTMLResponse(html, status_code=status)


def _install_errors(api: FastAPI) -> None:
    async def not_found(request: Request, exc: Exception) -> HTMLResponse:
        return _error(request, 404, "Not found", str(exc))

    async def bad_request(request: Request, exc: Exception) -> HTMLResponse:
        return _error(request, 400, "Bad request", str(exc))

    async def invalid(request: Request, exc: Exception) -> HTMLResponse:
        # A non-numeric tracker number is simply a page that does not exist; never echo FastAPI's JSON detail.
        return _error(request, 404, "Not found", f"no page at {request.url.path}; the tracker list is at /")

    async def http_error(request: Request, exc: Exception) -> HTMLResponse:
        status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
        message = "no such page; the tracker list is at /" if status == 404 else "the request was refused"
        return _error(request, status, "Not found" if status == 404 else "Error", message)

    api.add_exception_handler(NotFound, not_found)
    api.add_exception_handler(UsageError, bad_request)
    api.add_exception_handler(RequestValidationError, invalid)
    api.add_exception_handler(StarletteHTTPException, http_error)


def create_app(
    config_path: Path | None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    hosts: Iterable[str] = (),
) -> FastAPI:
    """The UI of the project at `config_path` (else the nearest .steward/), answering loopback Host names plus
    `hosts` (`["*"]` for `serve --allow-remote`). The acting user must be on the roster, as for `steward show`.
    """
    application = open_app(config_path, cwd=cwd, env=env)
    try:
        application.member()
    except BaseException:
        application.store.close()
        raise

    @asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        yield
        application.store.close()

    api = FastAPI(
        title=f"steward — {application.slug}", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    api.state.steward = application
    static = resources.files("steward.web").joinpath("static")
    api.mount("/static", StaticFiles(directory=str(static)), name="static")
    api.include_router(routes.router)
    _install_errors(api)
    api.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(hosts))
    api.add_middleware(SecurityHeaders)
    return api
