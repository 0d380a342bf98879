"""Catalog interchange routes for harvesters: the DCAT-AP export and a read-only CKAN action API.

- ``GET /api/v1/catalog/dcat.jsonld``: every published entry the caller may see as a ``dcat:Catalog``
  (``application/ld+json``).
- ``/api/3/action/<action>`` (and ``/api/action/<action>``, the path ckanapi calls), GET with query
  parameters or POST with a JSON object: ``package_list``, ``package_show``, ``package_search``,
  ``organization_list``, ``organization_show``, ``help_show``. Answers use CKAN's envelope
  ``{"help", "success", "result"}``; errors ``{"success": false, "error": {"__type", "message"}}`` with
  CKAN's status codes, since CKAN clients read those rather than problem+json.

A personal token works as CKAN clients send it (``Authorization: gdp_…``) or as a Bearer token; without one
the caller is anonymous and sees only the entries open to the public (``web.edge.allows_anonymous``).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from govdata.catalog import interop, service
from govdata.core.errors import DomainError, FieldError, Invalid
from govdata.core.i18n import pick_language
from govdata.web.edge import call, invalid_from_pydantic

router = APIRouter(tags=["catalog"])

LD_JSON = "application/ld+json"


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/api/v1/catalog/dcat.jsonld", response_class=JSONResponse,
            responses={200: {"content": {LD_JSON: {}}, "description": "DCAT-AP JSON-LD dcat:Catalog"}})
def dcat_export(request: Request) -> JSONResponse:
    """Every published entry the caller may see as a DCAT-AP ``dcat:Catalog`` in JSON-LD: all of them with a
    personal token, those open to the public without one. Information items are described, never their
    values. Signed-in exports are audited (``catalog.export_dcat``)."""
    error = getattr(request.state, "auth_error", None)
    if error is not None:
        raise error
    document = call(request, service.export_dcat, out=lambda rows: interop.dcat_catalog(rows, base_url(request)))
    return JSONResponse(document, media_type=LD_JSON)


# --- CKAN action API ---------------------------------------------------------------------------------

Action = Callable[[Request, dict[str, Any]], Any]
ACTIONS: dict[str, Action] = {}


def action(fn: Action) -> Action:
    ACTIONS[fn.__name__] = fn
    return fn


def _required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Invalid([FieldError(name, "missing", "必填")])
    return value.strip()


@action
def package_list(request: Request, params: dict[str, Any]) -> list[str]:
    """Names of the published datasets the caller may see, sorted by name.

    :param limit: at most this many (optional)
    :param offset: skip this many (optional)
    """
    filt = interop.PublishedFilter(sort=[("name", False)], start=interop.param_int(params, "offset", 0) or 0,
                                   rows=interop.param_int(params, "limit", None))
    return call(request, service.list_published, filt,
                out=lambda page: [interop.package_name(resource) for resource, _ in page.rows])


@action
def package_show(request: Request, params: dict[str, Any]) -> dict[str, Any]:
    """One published dataset by name (the resource code in lower case).

    :param id: the dataset's name or id
    """
    code = _required(params, "id")
    return call(request, service.get_published, code,
                out=lambda row: interop.ckan_package(row[0], row[1], row[0].department, base_url(request)))


@action
def package_search(request: Request, params: dict[str, Any]) -> dict[str, Any]:
    """Search the published datasets the caller may see.

    :param q: words that must all occur in the title, description, keywords, code or item names, or
        fielded clauses as in fq (optional)
    :param fq: ``organization:<name>``, ``tags:<tag>``, ``res_format:<format>``, ``name:<name>``,
        ``dataset_type:dataset``, ``metadata_modified:[<from> TO <to>]``, combined with AND (optional)
    :param sort: e.g. ``metadata_modified desc`` or ``name asc`` (default ``score desc, metadata_modified desc``)
    :param rows: page size, at most 1000 (default 10)
    :param start: offset (default 0)
    :param facet.field: JSON list of ``organization`` and/or ``tags`` (optional)
    :param facet.limit: values per facet, -1 for all (default 50)
    """
    filt = interop.search_filter(params)
    sort = params.get("sort")
    return call(request, service.list_published, filt,
                out=lambda page: interop.ckan_search_result(page, filt, sort, base_url(request)))


_ORG_SORTS: dict[str, tuple[Callable[[tuple[Any, int]], Any], bool]] = {
    "name asc": (lambda row: row[0].credit_code, False), "name desc": (lambda row: row[0].credit_code, True),
    "title asc": (lambda row: row[0].name, False), "title desc": (lambda row: row[0].name, True),
    "package_count desc": (lambda row: row[1], True), "package_count asc": (lambda row: row[1], False),
}


@action
def organization_list(request: Request, params: dict[str, Any]) -> list[Any]:
    """The departments publishing datasets the caller may see.

    :param all_fields: full organization dicts with ``package_count`` instead of names (default false)
    :param sort: ``name asc`` (default), ``title asc``, ``package_count desc`` …
    :param limit: at most this many (optional)
    :param offset: skip this many (optional)
    """
    all_fields = interop.param_bool(params, "all_fields")
    sort = str(params.get("sort") or "name asc").strip()
    if sort not in _ORG_SORTS:
        raise Invalid([FieldError("sort", "invalid", f"不支持的排序：{sort}（可用 {'、'.join(_ORG_SORTS)}）")])
    offset = interop.param_int(params, "offset", 0) or 0
    limit = interop.param_int(params, "limit", None)

    def out(rows: list[tuple[Any, int]]) -> list[Any]:
        key, descending = _ORG_SORTS[sort]
        ordered = sorted(rows, key=key, reverse=descending)
        ordered = ordered[offset:] if limit is None else ordered[offset:offset + limit]
        if all_fields:
            return [interop.ckan_organization(department, count) for department, count in ordered]
        return [interop.organization_name(department) for department, _ in ordered]

    return call(request, service.list_publishers, out=out)


@action
def organization_show(request: Request, params: dict[str, Any]) -> dict[str, Any]:
    """One department that publishes datasets the caller may see.

    :param id: its name (the unified social credit code in lower case)
    :param include_datasets: add its datasets as ``packages``, at most 1000 (default false)
    """
    name = _required(params, "id")
    datasets = interop.ROWS_MAX if interop.param_bool(params, "include_datasets") else 0

    def out(found: tuple[Any, int, list[Any]]) -> dict[str, Any]:
        department, count, rows = found
        org = interop.ckan_organization(department, count)
        if datasets:
            org["packages"] = [interop.ckan_package(r, v, department, base_url(request)) for r, v in rows]
        return org

    return call(request, service.get_publisher, name, datasets, out=out)


@action
def help_show(request: Request, params: dict[str, Any]) -> str:
    """The documentation of an action.

    :param name: the action's name
    """
    name = _required(params, "name")
    fn = ACTIONS.get(name)
    if fn is None:
        raise DomainError("not_found", f"没有名为“{name}”的接口", f"Action not found: {name}")
    return inspect.getdoc(fn) or ""


_ERROR_TYPES = {404: "Not Found Error", 401: "Authorization Error", 403: "Authorization Error"}


def _failure(request: Request, help_url: str, exc: DomainError) -> JSONResponse:
    """CKAN's error envelope: 404 Not Found Error, 403 Authorization Error, 409 Validation Error (with the
    messages per field, as CKAN sends them, besides ``message``)."""
    status = exc.status or 400
    error_type = _ERROR_TYPES.get(status, "Validation Error")
    error: dict[str, Any] = {"__type": error_type, "message": exc.message(pick_language(
        request.headers.get("accept-language")))}
    for field_error in exc.errors:
        error.setdefault(field_error.field, []).append(field_error.message)
    code = {"Not Found Error": 404, "Authorization Error": 403}.get(error_type, 409)
    return JSONResponse({"help": help_url, "success": False, "error": error}, status_code=code)


async def _params(request: Request) -> dict[str, Any]:
    """GET: the query parameters (repeated ones as a list); POST: a JSON object, or form fields."""
    params: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        params[key] = values if len(values) > 1 else values[0]
    if request.method == "POST":
        body = await request.body()
        content_type = request.headers.get("content-type", "")
        if "form" in content_type:
            params.update((k, v) for k, v in (await request.form()).items() if isinstance(v, str))
        elif body.strip():
            try:
                data = json.loads(body)
            except ValueError:
                raise Invalid([FieldError("body", "json_invalid", "JSON 格式错误")]) from None
            if not isinstance(data, dict):
                raise Invalid([FieldError("body", "dict_type", "应为 JSON 对象")])
            params.update(data)
    return params


async def ckan_action(request: Request, name: str) -> JSONResponse:
    help_url = f"{base_url(request)}/api/3/action/help_show?name={name}"
    fn = ACTIONS.get(name)
    if fn is None:
        return JSONResponse({"help": help_url, "success": False, "error": {
            "__type": "Bad Request", "message": f"Bad request - Action name not known: {name}"}}, status_code=400)
    error = getattr(request.state, "auth_error", None)
    try:
        if error is not None:
            raise error
        params = await _params(request)
        result = await run_in_threadpool(fn, request, params)
    except DomainError as exc:
        return _failure(request, help_url, exc)
    except ValidationError as exc:
        return _failure(request, help_url, invalid_from_pydantic(exc))
    return JSONResponse({"help": help_url, "success": True, "result": result})


for _prefix in ("/api/3/action", "/api/action"):
    router.add_api_route(f"{_prefix}/{{name}}", ckan_action, methods=["GET", "POST"], include_in_schema=False)
