"""The OpenAPI 3.1 description of API v1; the kinds' data schemas come from their pydantic models."""
from ..dossiers.kinds import KINDS
from ..lists.query import SORTS
from ..orgs.models import LEVELS
from ..states import EVENTS, STATES, TREE_EVENTS

USER_EVENTS = [event for event in EVENTS if event not in TREE_EVENTS]


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema):
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*codes):
    text = {401: "No or bad token", 403: "Not allowed", 404: "Not found or not visible to you",
            409: "Stale version or event not allowed in this state", 413: "Too large", 422: "Invalid input"}
    return {str(c): {"description": text[c], **_json(_ref("Error"))} for c in codes}


def openapi_document() -> dict:
    kind_data, nested = {}, {}
    for code, kind in KINDS.items():
        schema = kind.Data.model_json_schema(ref_template="#/components/schemas/{model}")
        nested.update(schema.pop("$defs", {}))  # row models (e.g. Solution) become components of their own
        kind_data[f"{code}_data"] = schema
    id_param = lambda name: {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}  # noqa: E731
    secured = [{"bearer": []}]
    schemas = {
        **nested,
        **kind_data,
        "Error": {"type": "object", "required": ["error"], "properties": {
            "error": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}},
        "Org": {"type": "object", "required": ["id", "code", "name"], "properties": {
            "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}}},
        "Organisation": {"type": "object", "required": ["id", "code", "name", "level", "parent", "valid_from",
                                                        "valid_to", "successor"], "properties": {
            "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
            "level": {"type": "string", "enum": list(LEVELS)},
            "parent": {"oneOf": [_ref("Org"), {"type": "null"}], "description": "Now, or when it ended"},
            "valid_from": {"type": ["string", "null"], "format": "date"},
            "valid_to": {"type": ["string", "null"], "format": "date", "description": "Its last day"},
            "successor": {"oneOf": [_ref("Org"), {"type": "null"}]},
            "placements": {"type": "array", "items": {"type": "object", "properties": {
                "parent": _ref("Org"), "valid_from": {"type": "string", "format": "date"},
                "valid_to": {"type": ["string", "null"], "format": "date"}}}}}},
        "RouteStep": {"type": "object", "required": ["org", "role"], "properties": {
            "org": _ref("Org"), "role": {"type": "string", "enum": ["review", "decide"]}}},
        "Route": {"type": "object", "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(KINDS)}, "jurisdiction": _ref("Org"),
            "valid_from": {"type": "string", "format": "date"},
            "valid_to": {"type": ["string", "null"], "format": "date"},
            "basis": {"type": "string"}, "steps": {"type": "array", "items": {"type": "object", "properties": {
                "level": {"type": "string", "enum": ["upper_grassroots", "province", "confederation"]},
                "role": {"type": "string", "enum": ["review", "decide"]},
                "decides_up_to_vnd": {"type": ["integer", "null"]}}}}}},
        "Document": {"type": "object", "required": ["id", "doc_type", "number", "issued_at", "sha256", "url"],
                     "properties": {"id": {"type": "integer"},
                                    "doc_type": {"type": "string", "enum": ["TTr", "TB", "BB", "QĐ"]},
                                    "title": {"type": "string"},
                                    "number": {"type": "string", "examples": ["05/TTr-LĐLĐ"]},
                                    "issued_on": {"type": "string", "format": "date"},
                                    "issued_at": {"type": "string", "format": "date-time"},
                                    "issuer": _ref("Org"), "sha256": {"type": "string"}, "size": {"type": "integer"},
                                    "page_count": {"type": "integer"}, "url": {"type": "string"}}},
        "Dossier": {"type": "object", "required": ["id", "kind", "state", "version", "org", "allowed_events"],
                    "properties": {"id": {"type": "integer"}, "kind": {"type": "string", "enum": list(KINDS)},
                                   "state": {"type": "string", "enum": list(STATES)}, "version": {"type": "integer"},
                                   "org": {"type": "object", "required": ["id", "name"], "properties": {
                                       "id": {"type": "integer"}, "name": {"type": "string"}}},
                                   "subject": {"type": "string"}, "round": {"type": "integer"},
                                   "route": {"type": "array", "items": _ref("RouteStep"),
                                             "description": "The levels that act on it, from the union's upper "
                                                            "level to the one that decides; empty before the first "
                                                            "submission"},
                                   "current_org": {"oneOf": [_ref("Org"), {"type": "null"}],
                                                   "description": "Where it waits now; null once decided or closed"},
                                   "campaign": {"type": ["object", "null"], "properties": {
                                       "id": {"type": "integer"}, "plan_number": {"type": "string"},
                                       "title": {"type": "string"}}},
                                   "phase": {"type": ["object", "null"], "properties": {
                                       "name": {"type": "string"}, "ends_on": {"type": "string", "format": "date"}}},
                                   "submitted_late": {"type": "boolean"},
                                   "data": {"type": "object"},
                                   "allowed_events": {"type": "array",
                                                      "items": {"type": "string", "enum": USER_EVENTS}},
                                   "documents": {"type": "array", "items": _ref("Document")},
                                   "history": {"type": "array", "items": {"type": "object"}}}},
        "Batch": {"type": "object", "required": ["id", "number", "dossiers", "documents", "bundle_url"],
                  "properties": {"id": {"type": "integer"}, "number": {"type": ["string", "null"]},
                                 "org": _ref("Org"), "recipient": _ref("Org"),
                                 "dossiers": {"type": "array", "items": _ref("Dossier")},
                                 "documents": {"type": "array", "items": _ref("Document")},
                                 "bundle_url": {"type": "string"}}},
    }
    pdf = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
    paths = {
        "/tokens": {"post": {"summary": "Get a bearer token", "requestBody": _json({
            "type": "object", "required": ["username", "password"],
            "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}),
            "responses": {"201": {"description": "Token", **_json({"type": "object", "properties": {
                "token": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}}})},
                **_errors(401, 422)}},
                   "delete": {"summary": "Revoke the presented token", "security": secured,
                              "responses": {"204": {"description": "Revoked"}, **_errors(401)}}},
        "/dossiers": {
            "get": {"summary": "Dossiers visible to you", "security": secured, "parameters": [
                {"name": "state", "in": "query", "schema": {"type": "string", "enum": list(STATES)}},
                {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(KINDS)}},
                {"name": "union", "in": "query", "schema": {"type": "integer"},
                 "description": "A grassroots union's id"},
                {"name": "campaign", "in": "query", "schema": {"type": "integer"}},
                {"name": "late", "in": "query", "schema": {"type": "string", "enum": ["1"]},
                 "description": "Only dossiers submitted after their phase's deadline"},
                {"name": "waiting", "in": "query", "schema": {"type": "string", "enum": ["1"]},
                 "description": "Only dossiers waiting at your organisation now"},
                {"name": "from", "in": "query", "schema": {"type": "string"},
                 "description": "Submitted on or after (dd/mm/yyyy or yyyy-mm-dd)"},
                {"name": "to", "in": "query", "schema": {"type": "string"}, "description": "Submitted on or before"},
                {"name": "q", "in": "query", "schema": {"type": "string"},
                 "description": "Names (accents optional) or the start of a citizen ID"},
                {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(SORTS)}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}],
                "responses": {"200": {"description": "One page of the list", **_json({"type": "object", "properties": {
                    "dossiers": {"type": "array", "items": _ref("Dossier")}, "page": {"type": "integer"},
                    "per_page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"}}})},
                    **_errors(401, 422)}},
            "post": {"summary": "Create a draft", "security": secured, "requestBody": _json({
                "type": "object", "required": ["kind", "data"], "properties": {
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "campaign_id": {"type": ["integer", "null"],
                                    "description": "The plan it answers (default: the one with a phase open today)"},
                    "data": {"oneOf": [_ref(name) for name in kind_data]}}}),
                "responses": {"201": {"description": "Created", **_json(_ref("Dossier"))}, **_errors(401, 403, 422)}}},
        "/dossiers/{id}": {
            "parameters": [id_param("id")],
            "get": {"summary": "One dossier", "security": secured,
                    "responses": {"200": {"description": "Dossier", **_json(_ref("Dossier"))}, **_errors(401, 404)}},
            "patch": {"summary": "Change fields while editable", "security": secured, "requestBody": _json({
                "type": "object", "required": ["version", "data"],
                "properties": {"version": {"type": "integer"}, "data": {"type": "object"}}}),
                "responses": {"200": {"description": "Dossier", **_json(_ref("Dossier"))},
                              **_errors(401, 403, 404, 409, 422)}}},
        "/dossiers/{id}/transitions": {
            "parameters": [id_param("id")],
            "post": {"summary": "Fire a workflow event", "security": secured, "requestBody": _json({
                "type": "object", "required": ["event", "version"], "properties": {
                    "event": {"type": "string", "enum": USER_EVENTS}, "version": {"type": "integer"},
                    "comment": {"type": "string"}, "granted_amount_vnd": {"type": "integer"}}}),
                "responses": {"200": {"description": "Dossier", **_json(_ref("Dossier"))},
                              **_errors(401, 403, 404, 409, 422)}}},
        "/dossiers/{id}/documents": {
            "parameters": [id_param("id")],
            "get": {"summary": "Documents issued for a dossier", "security": secured,
                    "responses": {"200": {"description": "Documents", **_json({"type": "object", "properties": {
                        "documents": {"type": "array", "items": _ref("Document")}}})}, **_errors(401, 404)}}},
        "/documents/{id}": {
            "parameters": [id_param("id")],
            "get": {"summary": "The issued PDF, byte for byte", "security": secured,
                    "responses": {"200": {"description": "PDF", **pdf}, **_errors(401, 404)}}},
        "/batches": {"get": {"summary": "Batches your organisation sent or received", "security": secured,
                             "responses": {"200": {"description": "Batches", **_json({"type": "object", "properties": {
                                 "batches": {"type": "array", "items": _ref("Batch")}}})}, **_errors(401)}},
                     "post": {"summary": "Send approved dossiers of one kind, waiting at your organisation, to the "
                                         "next level of their route", "security": secured,
                              "requestBody": _json({"type": "object", "required": ["dossier_ids"], "properties": {
                                  "dossier_ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1},
                                  "versions": {"type": "object", "additionalProperties": {"type": "integer"}}}}),
                              "responses": {"201": {"description": "Batch", **_json(_ref("Batch"))},
                                            **_errors(401, 403, 404, 409, 422)}}},
        "/batches/{id}": {"parameters": [id_param("id")],
                          "get": {"summary": "A forwarded batch", "security": secured,
                                  "responses": {"200": {"description": "Batch", **_json(_ref("Batch"))},
                                                **_errors(401, 404)}}},
        "/batches/{id}/bundle.pdf": {"parameters": [id_param("id")],
                                     "get": {"summary": "The batch's bundle", "security": secured,
                                             "responses": {"200": {"description": "PDF", **pdf}, **_errors(401, 404)}}},
        "/batches/{id}/bundle.zip": {"parameters": [id_param("id")],
                                     "get": {"summary": "The batch's files and manifest.json of SHA-256 sums",
                                             "security": secured,
                                             "responses": {"200": {"description": "ZIP", "content": {
                                                 "application/zip": {"schema": {"type": "string",
                                                                                "format": "binary"}}}},
                                                 **_errors(401, 404)}}},
        "/dossiers/{id}/attachments": {
            "parameters": [id_param("id")],
            "get": {"summary": "A dossier's attachments", "security": secured,
                    "responses": {"200": {"description": "Attachments", **_json({"type": "object"})},
                                  **_errors(401, 404)}},
            "post": {"summary": "Upload an attachment (PDF, JPEG or PNG, checked by content)", "security": secured,
                     "requestBody": {"content": {"multipart/form-data": {"schema": {
                         "type": "object", "required": ["file", "attachment_type"],
                         "properties": {"file": {"type": "string", "format": "binary"},
                                        "attachment_type": {"type": "string"}}}}}},
                     "responses": {"201": {"description": "Attachment", **_json({"type": "object"})},
                                   **_errors(401, 403, 404, 409, 413, 422)}}},
        "/attachments/{id}": {
            "parameters": [id_param("id")],
            "get": {"summary": "The uploaded file, byte for byte", "security": secured,
                    "responses": {"200": {"description": "File"}, **_errors(401, 404)}},
            "delete": {"summary": "Take back a file of the round not yet submitted", "security": secured,
                       "responses": {"204": {"description": "Removed"}, **_errors(401, 404, 409)}}},
        "/organisations": {"get": {
            "summary": "The organisations, past and present, with their place in the tree", "security": secured,
            "parameters": [{"name": "level", "in": "query", "schema": {"type": "string", "enum": list(LEVELS)}},
                           {"name": "code", "in": "query", "schema": {"type": "string"}},
                           {"name": "in_force_on", "in": "query", "schema": {"type": "string", "format": "date"}},
                           {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                           {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                          "maximum": 5000}}],
            "responses": {"200": {"description": "Organisations", **_json({"type": "object", "properties": {
                "organisations": {"type": "array", "items": _ref("Organisation")}, "page": {"type": "integer"},
                "per_page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"}}})},
                **_errors(401, 422)}}},
        "/routes": {"get": {"summary": "Each kind's route in force today for your organisation", "security": secured,
                            "responses": {"200": {"description": "Routes", **_json({"type": "object", "properties": {
                                "routes": {"type": "array", "items": _ref("Route")},
                                "on": {"type": "string", "format": "date"}}})}, **_errors(401)}}},
        "/kinds": {"get": {"summary": "Each dossier kind's JSON Schema",
                           "responses": {"200": {"description": "Kinds", **_json({"type": "object"})}}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Union dossier workflow API", "version": "1.0.0",
                 "description": "Dossiers of grassroots unions, taken along each kind's route of upper "
                                "organisations to the one that decides."},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "paths": paths,
    }
