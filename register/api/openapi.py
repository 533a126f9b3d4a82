"""The OpenAPI 3 document describing /api/v1."""

from __future__ import annotations

from typing import Any

from register.models.procurement import CAPACITIES, PROCEDURES, RELATIONS, STAGES

ERROR = {"$ref": "#/components/responses/Error"}


def _errors(*codes: int) -> dict[str, Any]:
    """The error answers of an operation; every operation with a token may also answer 429."""
    text = {
        401: "No token, or an unknown, revoked or expired one",
        403: "The token lacks the operation's scope, or its owner's role does not allow it",
        404: "Not found",
        413: "Upload too large",
        422: "Invalid request",
    }
    answers: dict[str, Any] = {str(c): {**ERROR, "description": text[c]} for c in codes}
    answers["429"] = {
        **ERROR,
        "description": "Too many requests with this token in the current minute",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before the next request",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    }
    return answers


def _scope(scope: str) -> dict[str, Any]:
    """An operation's required scope, as an extension (HTTP bearer schemes have no scopes)."""
    return {"x-required-scope": scope}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


COUNTS = {
    "type": "object",
    "properties": {
        name: {"type": "integer"}
        for name in (
            "in_scope",
            "filed",
            "nil_returns",
            "filed_on_time",
            "filed_late",
            "overdue",
            "not_yet_due",
        )
    }
    | {"percent_filed": {"type": "number"}},
}
OFFICIAL_ROW = {
    "type": "object",
    "required": ["email", "full_name", "role"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "full_name": {"type": "string"},
        "role": {"type": "string", "enum": ["official"]},
        "department_code": {"type": "string"},
        "job_title": {"type": "string"},
        "is_senior": {"type": "boolean"},
        "joined_on": {"type": "string", "format": "date"},
        "left_on": {"type": "string", "format": "date"},
        "other_names": {
            "description": "Other names used (for example a previous surname), to screen "
            "against company officer records: a list, or one string separated by semicolons. "
            "Each needs a forename and a surname; at most 10.",
            "oneOf": [
                {"type": "array", "items": {"type": "string", "maxLength": 200}, "maxItems": 10},
                {"type": "string"},
            ],
        },
        "birth_month": {
            "type": "integer",
            "minimum": 1,
            "maximum": 12,
            "nullable": True,
            "description": "Stored only when the register collects dates of birth "
            "(COLLECT_BIRTH_DATES); otherwise ignored and listed in ignored_columns. Needs "
            "birth_year.",
        },
        "birth_year": {
            "type": "integer",
            "minimum": 1900,
            "nullable": True,
            "description": "From 1900 to 16 years before the current year; stored only when "
            "the register collects dates of birth.",
        },
    },
}

_TEXT = {"type": "string", "nullable": True}
FLAG_STATUSES = ["open", "reopened", "escalated", "decided", "covered"]
CASE_STATES = ["open", "assigned", "information_requested", "escalated", "decided", "reopened"]
_DATE = {"type": "string", "format": "date", "nullable": True}
_TIME = {"type": "string", "format": "date-time", "nullable": True}
OFFICIAL = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "email": {"type": "string"},
    },
}
FLAG = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {
            "type": "string",
            "enum": ["declared", "undeclared"],
            "description": "declared: a declared interest matches an award supplier; "
            "undeclared: the official appears in company records as an officer or PSC of a "
            "supplier and has declared no interest in it",
        },
        "status": {"type": "string", "enum": FLAG_STATUSES},
        "active": {"type": "boolean"},
        "risk_level": {"type": "string", "enum": ["high", "medium", "low"]},
        "score": {"type": "number"},
        "department": _TEXT,
        "official": OFFICIAL,
        "declared_organisation": {**_TEXT, "description": "null for undeclared flags"},
        "undeclared": {
            "type": "object",
            "nullable": True,
            "description": "For undeclared flags, the company record the official was found in",
            "properties": {
                "company_number": {"type": "string"},
                "company_name": {"type": "string"},
                "officer_name": {"type": "string"},
                "role": {"type": "string"},
                "appointed_on": _DATE,
                "resigned_on": _DATE,
                "released_at": {
                    **_TIME,
                    "description": "When compliance let the official see the question",
                },
            },
        },
        "supplier_name": {"type": "string"},
        "award": {
            "type": "object",
            "properties": {
                "ocid": {"type": "string"},
                "award_id": {"type": "string"},
                "title": _TEXT,
                "buyer": _TEXT,
                "value": {**_TEXT, "description": "a decimal number as text"},
                "currency": _TEXT,
                "award_date": _DATE,
            },
        },
        "explanation": {"type": "string"},
        "reasons": {"type": "array", "items": {"type": "object"}},
        "reopened_reason": _TEXT,
        "decision": {
            "type": "object",
            "nullable": True,
            "properties": {
                "outcome": {"type": "string"},
                "reason": {"type": "string"},
                "decided_at": {"type": "string", "format": "date-time"},
            },
        },
        "created_at": {"type": "string", "format": "date-time"},
        "case_id": {"type": "integer", "nullable": True},
    },
}
CASE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["declared", "undeclared"]},
        "official": OFFICIAL,
        "department": _TEXT,
        "organisation": {"type": "string"},
        "organisation_identifier": _TEXT,
        "state": {"type": "string", "enum": CASE_STATES},
        "assignee": {**_TEXT, "description": "the assigned compliance officer's email"},
        "flags": {"type": "integer", "description": "flags now matching"},
        "awards": {"type": "integer"},
        "total_value": {"type": "string", "description": "a decimal number as text"},
        "own_department_value": {"type": "string", "description": "a decimal number as text"},
        "first_award_on": _DATE,
        "last_award_on": _DATE,
        "risk_level": {"type": "string", "enum": ["high", "medium", "low"]},
        "opened_at": {"type": "string", "format": "date-time"},
        "decided_at": _TIME,
        "outcome": _TEXT,
    },
}


PROCUREMENT_ID = {
    "name": "procurement_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
}
PROCUREMENT_IN = {
    "type": "object",
    "required": ["title", "reference", "department_code", "procedure"],
    "properties": {
        "title": {"type": "string", "maxLength": 300},
        "reference": {"type": "string", "maxLength": 100},
        "department_code": {"type": "string"},
        "procedure": {"type": "string", "enum": sorted(PROCEDURES)},
        "estimated_value": {"type": "number", "nullable": True, "minimum": 0},
        "ocid": {"type": "string", "nullable": True, "maxLength": 200},
    },
}
PERSON_IN = {
    "type": "object",
    "required": ["email", "capacity"],
    "properties": {
        "email": {"type": "string"},
        "capacity": {"type": "string", "enum": sorted(CAPACITIES)},
        "external": {"type": "boolean"},
        "name": {"type": "string", "maxLength": 200},
    },
}
SUPPLIER_IN = {
    "type": "object",
    "required": ["name", "relation"],
    "properties": {
        "name": {"type": "string", "maxLength": 300},
        "company_number": {"type": "string", "nullable": True, "maxLength": 20},
        "relation": {"type": "string", "enum": sorted(RELATIONS)},
    },
}
PROCUREMENT = {
    "type": "object",
    "required": ["id", "reference", "title", "stage", "people", "suppliers"],
    "properties": {
        "id": {"type": "integer"},
        "reference": {"type": "string"},
        "title": {"type": "string"},
        "ocid": {"type": "string", "nullable": True},
        "department_code": {"type": "string"},
        "stage": {"type": "string", "enum": list(STAGES)},
        "people": {"type": "array", "items": {"type": "object"}},
        "suppliers": {"type": "array", "items": {"type": "object"}},
        "conflicts": {"type": "integer"},
        "assessment_current": {"type": "boolean"},
        "latest_revision": {"type": "integer", "nullable": True},
    },
}
ASSESSMENT = {
    "type": "object",
    "required": ["procurement", "revision", "complete", "current", "content", "digest"],
    "properties": {
        "procurement": PROCUREMENT,
        "revision": {"type": "integer"},
        "complete": {"type": "boolean"},
        "current": {"type": "boolean"},
        "prepared_at": {"type": "string", "format": "date-time"},
        "content": {"type": "object"},
        "digest": {"type": "string"},
        "audit_seq": {"type": "integer"},
        "audit_head_hash": {"type": "string"},
    },
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Register of interests API",
            "version": "1",
            "description": "HR rosters and contract awards in; flags and completeness out. "
            "Every endpoint except this document needs `Authorization: Bearer <token>`. A token "
            "acts as its owner and may use an operation only if it holds the operation's scope "
            "(`x-required-scope`: roster:write, awards:write, flags:read, completeness:read) "
            "and its owner's role allows that scope now; otherwise 403. People make their own "
            "tokens on the register's API tokens page; administrators make them for service "
            "accounts only. A token expires on the date chosen when it was made (at most a year "
            "later); after that, or once revoked, 401. Each token may make a limited number of "
            "requests a minute (API_REQUESTS_PER_MINUTE, 60 by default): more get 429 with "
            "Retry-After. Every read of personal data (flags, completeness) is audited with the "
            "token, the filters and the number of records returned. Errors are JSON objects "
            "{error, message}.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": _json(
                    {
                        "type": "object",
                        "required": ["error", "message"],
                        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
                    },
                    "Error",
                ),
            },
        },
        "paths": {
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3"}},
                }
            },
            "/roster": {
                "post": {
                    **_scope("roster:write"),
                    "summary": "Create or update departments and officials (administrators)",
                    "description": "Same rules as the roster CSV import: each bad row is reported "
                    "and the good ones are kept. A roster creates and updates officials only: a "
                    "row with another role, or for a person who is not an official, is rejected. "
                    "Send JSON, or a roster CSV as text/csv. "
                    "other_names, birth_month and birth_year are optional: when no official in "
                    "the request has one of them, what is recorded for it is left unchanged; "
                    "when some do, a missing or null value clears it.",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "departments": {
                                            "type": "array",
                                            "items": {
                                                "type": "object",
                                                "required": ["code", "name"],
                                                "properties": {
                                                    "code": {"type": "string"},
                                                    "name": {"type": "string"},
                                                },
                                            },
                                        },
                                        "officials": {"type": "array", "items": OFFICIAL_ROW},
                                    },
                                }
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        }
                    },
                    "responses": {
                        "200": {
                            "description": "What was created, updated or rejected, and any "
                            "columns ignored (officials.ignored_columns)"
                        },
                        **_errors(401, 403, 413, 422),
                    },
                }
            },
            "/awards": {
                "post": {
                    **_scope("awards:write"),
                    "summary": "Import contract awards (administrators)",
                    "description": "OCDS release or record packages, JSON Lines or CSV, optionally "
                    "gzipped; the same formats and checks as the import page. Idempotent.",
                    "requestBody": {
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"file": {"type": "string", "format": "binary"}},
                                }
                            },
                            "application/octet-stream": {
                                "schema": {"type": "string", "format": "binary"}
                            },
                        }
                    },
                    "parameters": [
                        {
                            "name": "filename",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "The file name, for a raw body",
                        }
                    ],
                    "responses": {
                        "200": {"description": "Import report"},
                        **_errors(401, 403, 413, 422),
                    },
                }
            },
            "/flags": {
                "get": {
                    **_scope("flags:read"),
                    "summary": (
                        "Flags, highest score first (compliance officers and auditors; "
                        "compliance: officials now in their departments only)"
                    ),
                    "parameters": [
                        {"name": n, "in": "query", "schema": s}
                        for n, s in (
                            ("kind", {"type": "string", "enum": ["declared", "undeclared"]}),
                            (
                                "status",
                                {
                                    "type": "string",
                                    "enum": FLAG_STATUSES,
                                },
                            ),
                            ("risk_level", {"type": "string"}),
                            ("department", {"type": "string"}),
                            ("cycle", {"type": "string"}),
                            ("min_score", {"type": "number"}),
                            ("page", {"type": "integer", "minimum": 1}),
                            ("per_page", {"type": "integer", "minimum": 1, "maximum": 100}),
                        )
                    ],
                    "description": "Declared-interest and undeclared-interest flags. cycle: "
                    "the cycle of the declaration the flag was screened against.",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "items": {"type": "array", "items": FLAG},
                                    "page": {"type": "integer"},
                                    "per_page": {"type": "integer"},
                                    "total": {"type": "integer"},
                                    "next_page": {"type": "integer", "nullable": True},
                                },
                            },
                            "A page of flags, highest score first",
                        ),
                        **_errors(401, 403, 422),
                    },
                }
            },
            "/cases": {
                "get": {
                    **_scope("flags:read"),
                    "summary": (
                        "Cases (every flag about one official and one organisation), highest "
                        "risk first; compliance: officials now in their departments only"
                    ),
                    "parameters": [
                        {"name": n, "in": "query", "schema": s}
                        for n, s in (
                            ("state", {"type": "string", "enum": CASE_STATES}),
                            ("kind", {"type": "string", "enum": ["declared", "undeclared"]}),
                            ("department", {"type": "string"}),
                            ("page", {"type": "integer", "minimum": 1}),
                            ("per_page", {"type": "integer", "minimum": 1, "maximum": 100}),
                        )
                    ],
                    "description": "Internal notes and evidence are never in the API.",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "items": {"type": "array", "items": CASE},
                                    "page": {"type": "integer"},
                                    "per_page": {"type": "integer"},
                                    "total": {"type": "integer"},
                                    "next_page": {"type": "integer", "nullable": True},
                                },
                            },
                            "A page of cases, highest risk first",
                        ),
                        **_errors(401, 403, 422),
                    },
                }
            },
            "/procurements": {
                "post": {
                    **_scope("procurements:write"),
                    "summary": "Record a procurement (procurement leads, for their department)",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": PROCUREMENT_IN}},
                    },
                    "responses": {
                        "201": _json(PROCUREMENT, "The procurement recorded"),
                        **_errors(401, 403, 422),
                    },
                }
            },
            "/procurements/{procurement_id}/people": {
                "post": {
                    **_scope("procurements:write"),
                    "summary": (
                        "Add someone acting in relation to the procurement: a register user by "
                        "email, or an external person (external: true, name, email); they are "
                        "asked to declare and the conflicts check runs again"
                    ),
                    "parameters": [PROCUREMENT_ID],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": PERSON_IN}},
                    },
                    "responses": {
                        "201": _json(PROCUREMENT, "The procurement with the person added"),
                        **_errors(401, 403, 404, 422),
                    },
                }
            },
            "/procurements/{procurement_id}/suppliers": {
                "post": {
                    **_scope("procurements:write"),
                    "summary": (
                        "Add a supplier (market engagement, bidder or subcontractor); everyone "
                        "acting is asked to declare again and the check runs again"
                    ),
                    "parameters": [PROCUREMENT_ID],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": SUPPLIER_IN}},
                    },
                    "responses": {
                        "201": _json(PROCUREMENT, "The procurement with the supplier added"),
                        **_errors(401, 403, 404, 422),
                    },
                }
            },
            "/procurements/{procurement_id}/assessment": {
                "get": {
                    **_scope("procurements:read"),
                    "summary": (
                        "The latest revision of the procurement's conflicts assessment "
                        "(Procurement Act 2023, s.83), with its digest and audit chain position"
                    ),
                    "parameters": [PROCUREMENT_ID],
                    "responses": {
                        "200": _json(ASSESSMENT, "The latest revision"),
                        **_errors(401, 403, 404),
                    },
                }
            },
            "/completeness": {
                "get": {
                    **_scope("completeness:read"),
                    "summary": "Completeness of a cycle per department and overall",
                    "parameters": [
                        {
                            "name": "cycle",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "cycle": {"type": "object"},
                                    "as_of": {"type": "string", "format": "date"},
                                    "total": COUNTS,
                                    "departments": {"type": "array", "items": COUNTS},
                                },
                            },
                            "Counts",
                        ),
                        **_errors(401, 403, 404, 422),
                    },
                }
            },
        },
    }
