"""The OpenAPI 3.1 description of API v1; the kinds' data schemas come from their pydantic models."""
from ..auth.models import ROLES
from ..auth.operations import USERNAME_PATTERN
from ..dossiers.kinds import KINDS
from ..formatting import MAX_ID
from ..lists.query import SORTS
from ..orgs.models import LEVELS
from ..orgs.operations import CODE_PATTERN, FLAG_FIELDS, HEADER_FIELDS
from ..pdf.signature import AUTHORITIES
from ..reports.figures import COUNTS, OUTCOMES
from ..states import EVENTS, STATES, TREE_EVENTS

USER_EVENTS = [event for event in EVENTS if event not in TREE_EVENTS]


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema):
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*codes, described=None):
    text = {401: "No or bad token", 403: "Not allowed", 404: "Not found or not visible to you",
            409: "Stale version or event not allowed in this state", 413: "Too large", 422: "Invalid input",
            429: "Too many failed sign-ins (from this address or for this account), or the account's sign-in is "
                 "locked; Retry-After says when to try again", **(described or {})}
    return {str(c): {"description": text[c], **_json(_ref("Error"))} for c in codes}


# The administration's answers (workflow/api/administration.py): only admins, within their subtree.
ADMIN_ERRORS = {403: "Not an admin (or an admin changing their own account or moving their own organisation)",
                404: "Not found, or outside the subtree the admin manages",
                422: "Invalid input; `errors` names each field (unknown fields too)"}


def _admin_errors(*codes):
    return _errors(*codes, described=ADMIN_ERRORS)


JOB_TITLE = "The position a review record prints after the reviewer's name, e.g. Chuyên viên Ban Chính sách"


def _text(low, high, description=None):
    schema = {"type": "string", "minLength": low, "maxLength": high}
    return schema | ({"description": description} if description else {})


HEADER_DESCRIPTIONS = {
    "short_header_name": "A shorter name for the header's first line (empty: none)",
    "abbreviation": "In document numbers, e.g. LĐLĐ in 05/TTr-LĐLĐ",
    "place_name": "Before the date, e.g. Đồng Nai",
    "signing_body": "The collective that signs, e.g. BAN THƯỜNG VỤ",
    "head_title": "The signer's title, e.g. CHỦ TỊCH",
    "head_name": "The signer's name (empty: left blank)",
    "signing_authority": "How documents are signed when not by the head: \"\" the head signs; \"KT.\" a deputy "
                         "for the head; \"Q.\" an acting head; \"TL.\"/\"TUQ.\" by order / by authorisation "
                         "(then signer_title and signer_name are needed; only signer_name for \"Q.\")",
    "signer_title": "The title of whoever signs when not the head, e.g. PHÓ CHỦ TỊCH",
    "signer_name": "The name of whoever signs when not the head",
    "drafting_unit": "The drafting unit's abbreviation in the filing line (\"- Lưu: VT, VP.\")",
    "finance_office": "Who carries out a grant decision's payment (its Điều 3), e.g. Ban Tài chính",
    "office_address": "Where a review record is drawn up (empty: the organisation's seat)",
}
FLAG_DESCRIPTIONS = {
    "record_approval": "A review record (Biên bản thẩm định) signed by the reviewer also carries the leader's "
                       "approval (DUYỆT)",
}


def openapi_document() -> dict:
    kind_data, nested = {}, {}
    for code, kind in KINDS.items():
        schema = kind.Data.model_json_schema(ref_template="#/components/schemas/{model}")
        nested.update(schema.pop("$defs", {}))  # row models (e.g. Solution) become components of their own
        kind_data[f"{code}_data"] = schema
    id_param = lambda name: {"name": name, "in": "path", "required": True,  # noqa: E731
                             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
    secured = [{"bearer": []}]
    header_fields = {field: _text(low if field != "short_header_name" else 0, high, HEADER_DESCRIPTIONS.get(field))
                     for field, (low, high) in HEADER_FIELDS.items()}
    authority = {"type": "string", "enum": list(AUTHORITIES), "description": HEADER_DESCRIPTIONS["signing_authority"]}
    header_fields["signing_authority"] = authority
    flag_fields = {field: {"type": "boolean", "description": FLAG_DESCRIPTIONS[field]} for field in FLAG_FIELDS}
    citation = {"oneOf": [_ref("Citation"), {"type": "null"}],
                "description": "The regulation as documents cite it after \"Căn cứ\" (null: only `basis` is known)"}
    header_name = _text(3, 200, "The name as the documents' header prints it (default: the name in capitals)")
    day = {"type": "string", "format": "date"}
    schemas = {
        **nested,
        **kind_data,
        "Campaign": {"type": "object", "required": ["id", "title", "plan_number", "plan_date", "issuer", "kinds",
                                                    "phases"], "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"}, "plan_number": {"type": "string"},
            "plan_date": day, "issuer": _ref("Org"),
            "kinds": {"type": "array", "items": {"type": "string"}, "description": "Empty: every kind"},
            "phases": {"type": "array", "items": {"type": "object", "required": ["id", "name", "ends_on"],
                                                  "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"},
                "starts_on": {"type": ["string", "null"], "format": "date"},
                "ends_on": {**day, "description": "The unions' submission deadline"}}}}}},
        "ReportFigures": {"type": "object", "required": ["counts", "requested_vnd", "granted_vnd", "late"],
                          "properties": {
            "counts": {"type": "object", "required": list(COUNTS), "properties": {
                name: {"type": "integer"} for name in COUNTS},
                "description": "submitted = the sum of the outcomes (" + ", ".join(OUTCOMES) + ") = on_time + late"},
            "requested_vnd": {"type": "integer"}, "granted_vnd": {"type": "integer"}, "late": {"type": "integer"}}},
        "CampaignReport": {"type": "object", "required": ["campaign", "organisation", "rows", "totals"],
                           "properties": {
            "campaign": _ref("Campaign"),
            "organisation": {"type": "object", "description": "The organisation reported on"},
            "phase": {"type": ["integer", "null"]}, "kind": {"type": ["string", "null"]},
            "from": {"type": ["string", "null"], "format": "date"},
            "to": {"type": ["string", "null"], "format": "date"},
            "rows": {"type": "array", "items": {"allOf": [_ref("ReportFigures"), {"type": "object", "properties": {
                "organisation": {"type": "object", "properties": {
                    "id": {"type": ["integer", "null"], "description": "null: units that ended with no successor "
                                                                        "under yours"},
                    "name": {"type": "string"}}},
                "kind": {"type": "string"}}}]}},
            "by_kind": {"type": "array", "items": _ref("ReportFigures")},
            "by_organisation": {"type": "array", "items": _ref("ReportFigures")},
            "totals": _ref("ReportFigures"),
            "days_at_level": {"type": "array", "items": {"type": "object", "properties": {
                "kind": {"type": ["string", "null"], "description": "null: every kind"},
                "level": {"type": "string", "enum": list(LEVELS)}, "median_days": {"type": "number"},
                "dossiers": {"type": "integer"}}}},
            "submissions_by_day": {"type": "array", "items": {"type": "object", "properties": {
                "date": day, "count": {"type": "integer"}}}}}},
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
        "OrganisationDetail": {"allOf": [_ref("Organisation"), {
            "type": "object", "required": ["header_name", *HEADER_FIELDS, *FLAG_FIELDS, "former_names"],
            "properties": {
                "header_name": {"type": "string"},
                **{field: {"type": ["string", "null"] if field == "short_header_name" else "string",
                           **({"description": HEADER_DESCRIPTIONS[field]} if field in HEADER_DESCRIPTIONS else {})}
                   for field in HEADER_FIELDS},
                "signing_authority": authority,
                **flag_fields,
                "former_names": {"type": "array", "description": "Earlier names, oldest first", "items": {
                    "type": "object", "required": ["name", "header_name", "valid_to"], "properties": {
                        "name": {"type": "string"}, "header_name": {"type": "string"},
                        "valid_to": {**day, "description": "The last day the name was used"}}}}}}]},
        "OrganisationCreate": {
            "type": "object", "required": ["code", "name", "level", "parent_id"], "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "pattern": CODE_PATTERN.pattern, "description": "Unique"},
                "name": _text(3, 200),
                "level": {"type": "string", "enum": [level for level in LEVELS if level != "confederation"],
                          "description": "Below the parent's level"},
                "parent_id": {"type": "integer", "description": "An organisation the admin manages, in force on "
                                                                "valid_from"},
                "valid_from": {**day, "description": "Founded on (default: today)"},
                "header_name": header_name,
                **header_fields, **flag_fields}},
        "OrganisationChange": {
            "type": "object", "additionalProperties": False,
            "description": "Header fields are changed in place; `name` and/or `header_name` rename the organisation "
                           "from `on` (earlier documents keep the former name); `parent_id` places it, with "
                           "everything under it, under another parent from `on`.",
            "properties": {
                "name": _text(3, 200), "header_name": header_name, **header_fields, **flag_fields,
                "parent_id": {"type": "integer", "description": "A higher-level organisation the admin manages, "
                                                                "not under this one"},
                "on": {**day, "description": "From when a rename or a move holds (default: today; a rename not "
                                             "after today)"}}},
        "User": {"type": "object", "required": ["id", "username", "full_name", "job_title", "email", "role",
                                                "organisation", "active", "must_change_password"], "properties": {
            "id": {"type": "integer"}, "username": {"type": "string"}, "full_name": {"type": "string"},
            "job_title": {"type": "string", "description": JOB_TITLE},
            "email": {"type": ["string", "null"], "format": "email"},
            "role": {"type": "string", "enum": list(ROLES)}, "organisation": _ref("Org"),
            "active": {"type": "boolean"},
            "must_change_password": {"type": "boolean",
                                     "description": "No API token until the user sets a password on the site"},
            "sign_in_locked_until": {"type": ["string", "null"], "format": "date-time",
                                     "description": "Wrong passwords locked the account's sign-in until then "
                                                    "(POST /users/{id}/unlock lifts it)"},
            "failed_logins": {"type": "integer", "description": "Wrong passwords in a row since the last sign-in"}}},
        "UserCreate": {
            "type": "object", "required": ["username", "full_name", "role", "organisation_id"],
            "additionalProperties": False, "properties": {
                "username": {"type": "string", "pattern": USERNAME_PATTERN.pattern, "description": "Unique"},
                "full_name": _text(2, 120),
                "job_title": _text(0, 100, JOB_TITLE),
                "role": {"type": "string", "enum": list(ROLES),
                         "description": "officer for a grassroots union; staff and admin for an upper organisation"},
                "organisation_id": {"type": "integer", "description": "An organisation in force that the admin "
                                                                      "manages"},
                "email": {"type": ["string", "null"], "format": "email", "maxLength": 254}}},
        "UserChange": {
            "type": "object", "additionalProperties": False, "properties": {
                "full_name": _text(2, 120),
                "job_title": {**_text(0, 100, JOB_TITLE), "type": ["string", "null"]},
                "email": {"type": ["string", "null"], "format": "email", "maxLength": 254},
                "role": {"type": "string", "enum": list(ROLES), "description": "Ends the account's sessions"},
                "organisation_id": {"type": "integer", "description": "Move the account (with `role`, when the new "
                                                                      "organisation needs another); ends its "
                                                                      "sessions"},
                "active": {"type": "boolean", "description": "false: every session and API token of the account "
                                                            "ends at once"}}},
        "Citation": {
            "type": "object", "required": ["type", "issuer", "subject"], "additionalProperties": False,
            "description": "A regulation as a document's \"Căn cứ\" line cites it: \"<type> số <number> ngày <date> "
                           "của <issuer> <subject>\"; type, issuer and subject go together",
            "properties": {
                "type": _text(2, 40, "e.g. Quyết định, Quy chế, Kế hoạch"),
                "number": {**_text(0, 40, "e.g. 1564/QĐ-TLĐ"), "type": ["string", "null"]},
                "date": {"type": ["string", "null"], "format": "date", "description": "The day it was issued"},
                "issuer": _text(3, 200, "e.g. Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam"),
                "subject": _text(3, 300, "e.g. ban hành Quy chế khen thưởng của tổ chức Công đoàn")}},
        "RuleSet": {"type": "object", "required": ["id", "kind", "jurisdiction", "valid_from", "valid_to", "basis",
                                                   "citation", "fund", "params"], "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(KINDS)}, "jurisdiction": _ref("Org"),
            "valid_from": day, "valid_to": {"type": ["string", "null"], "format": "date"},
            "basis": {"type": "string", "description": "The regulation it rests on"},
            "citation": citation,
            "fund": {"type": ["string", "null"], "maxLength": 300,
                     "description": "The fund the money comes from, as a decision's Điều 2 names it"},
            "params": {"type": "object", "description": "The kind's limits (caps, occasions, ages), as its rules "
                                                        "read them"}}},
        "RouteStep": {"type": "object", "required": ["org", "role"], "properties": {
            "org": _ref("Org"), "role": {"type": "string", "enum": ["review", "decide"]}}},
        "Route": {"type": "object", "required": ["id", "kind", "jurisdiction", "valid_from", "valid_to", "basis",
                                                 "citation", "steps"], "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(KINDS)}, "jurisdiction": _ref("Org"),
            "valid_from": {"type": "string", "format": "date"},
            "valid_to": {"type": ["string", "null"], "format": "date"},
            "basis": {"type": "string"}, "citation": citation,
            "steps": {"type": "array", "items": {"type": "object", "properties": {
                "level": {"type": "string", "enum": ["upper_grassroots", "province", "confederation"]},
                "role": {"type": "string", "enum": ["review", "decide"]},
                "decides_up_to_vnd": {"type": ["integer", "null"]}}}}}},
        "Document": {"type": "object", "required": ["id", "doc_type", "state", "number", "issued_at", "sha256",
                                                    "url", "signatures"],
                     "properties": {"id": {"type": "integer"},
                                    "doc_type": {"type": "string", "enum": ["TTr", "TB", "BB", "QĐ"]},
                                    "state": {"type": "string", "enum": ["draft", "issued"],
                                              "description": "draft: presented for signature, unnumbered and "
                                                             "undated (signing issues a new, numbered document)"},
                                    "title": {"type": "string"},
                                    "number": {"type": ["string", "null"], "examples": ["05/TTr-LĐLĐ"]},
                                    "issued_on": {"type": ["string", "null"], "format": "date"},
                                    "issued_at": {"type": "string", "format": "date-time"},
                                    "issuer": _ref("Org"), "sha256": {"type": "string"}, "size": {"type": "integer"},
                                    "page_count": {"type": "integer"}, "url": {"type": "string"},
                                    "verify_url": {"type": ["string", "null"],
                                                   "description": "Public page of the document (no login): "
                                                                  "/verify/<code> as printed with its QR code"},
                                    "signatures": {"type": "array", "description": "The digital signatures it "
                                                   "carries, in signing order (PAdES; /verify validates them)",
                                                   "items": {"type": "object", "properties": {
                                                       "signer": {"type": "string"},
                                                       "role": {"type": "string", "enum": ["signer", "organisation"]},
                                                       "signed_at": {"type": "string", "format": "date-time"}}}}}},
        "SigningRequest": {"type": "object", "required": ["id", "state", "summary", "documents"], "properties": {
            "id": {"type": "integer"},
            "state": {"type": "string", "enum": ["waiting", "confirming", "signed", "returned"],
                      "description": "confirming: the signer is to confirm on their phone (remote signing)"},
            "error": {"type": ["string", "null"], "description": "Why the last signature did not go through"},
            "summary": {"type": "string"}, "organisation": _ref("Org"),
            "requested_by": {"type": "object", "properties": {"id": {"type": "integer"},
                                                              "full_name": {"type": "string"}}},
            "requested_at": {"type": "string", "format": "date-time"},
            "decided_by": {"type": ["object", "null"]},
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
            "return_reason": {"type": ["string", "null"]},
            "dossier_ids": {"type": "array", "items": {"type": "integer"}},
            "documents": {"type": "array", "items": _ref("Document"),
                          "description": "The drafts, then (once signed) the documents issued"}}},
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
                                   "history": {"type": "array", "items": {"type": "object"}},
                                   "warnings": {"type": "object", "additionalProperties": {
                                       "type": "array", "items": {"type": "string"}},
                                       "description": "For the union while it may edit: the kind's rules the "
                                                      "data breaks as saved, by field (a submission today would "
                                                      "be refused for them); {} when none"}}},
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
                **_errors(401, 422, 429, described={403: "The account must set a new password on the site first"})}},
                   "delete": {"summary": "Revoke the presented token", "security": secured,
                              "responses": {"204": {"description": "Revoked"}, **_errors(401)}}},
        "/dossiers": {
            "get": {"summary": "Dossiers visible to you", "security": secured, "parameters": [
                {"name": "state", "in": "query", "explode": True,
                 "schema": {"type": "array", "items": {"type": "string", "enum": list(STATES)}},
                 "description": "Any of these states (repeat the parameter)"},
                {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(KINDS)}},
                {"name": "union", "in": "query", "schema": {"type": "integer"},
                 "description": "A grassroots union's id"},
                {"name": "under", "in": "query", "schema": {"type": "integer"},
                 "description": "The unions under this organisation today, and those they took over"},
                {"name": "campaign", "in": "query", "schema": {"type": "integer"}},
                {"name": "phase", "in": "query", "schema": {"type": "integer"},
                 "description": "A phase of the plan (where the first submission fell)"},
                {"name": "submitted", "in": "query", "schema": {"type": "string", "enum": ["1"]},
                 "description": "Only dossiers that were submitted (no drafts)"},
                {"name": "late", "in": "query", "schema": {"type": "string", "enum": ["1", "0"]},
                 "description": "1: only dossiers submitted after their phase's deadline; 0: only those on time"},
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
                              "202": {"description": "Presented for signature: the step takes effect when the "
                                                     "organisation's signer signs (its documents are drafts until "
                                                     "then)", **_json({"type": "object", "properties": {
                                                         "signing_request": _ref("SigningRequest"),
                                                         "dossier": _ref("Dossier")}})},
                              **_errors(401, 403, 404, 409, 422)}}},
        "/signing-queue": {
            "get": {"summary": "What waits for your signature (empty unless you sign for your organisation)",
                    "security": secured,
                    "responses": {"200": {"description": "Signing requests", **_json({"type": "object", "properties": {
                        "items": {"type": "array", "items": _ref("SigningRequest")}}})}, **_errors(401)}}},
        "/signing-requests/{id}": {
            "parameters": [id_param("id")],
            "get": {"summary": "A request of your organisation presented for signature", "security": secured,
                    "responses": {"200": {"description": "Signing request", **_json(_ref("SigningRequest"))},
                                  **_errors(401, 404)}}},
        "/documents/{id}/signatures": {
            "parameters": [id_param("id")],
            "post": {"summary": "Sign a draft (with the other drafts of its step), which numbers, dates and issues "
                                "them and lets the step take effect; or send the step back unsigned",
                     "security": secured, "requestBody": _json({"type": "object", "properties": {
                         "decision": {"type": "string", "enum": ["sign", "return"], "default": "sign"},
                         "reason": {"type": "string", "description": "Required to return"}}}),
                     "responses": {"200": {"description": "Signed or returned", **_json(_ref("SigningRequest"))},
                                   "202": {"description": "Waiting for the signer to confirm on their phone (a "
                                                          "remote signing service); follow Location",
                                           **_json(_ref("SigningRequest"))},
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
                                            "202": {"description": "Presented for signature: sent up when the "
                                                                   "organisation's signer signs",
                                                    **_json({"type": "object", "properties": {
                                                        "signing_request": _ref("SigningRequest")}})},
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
                **_errors(401, 422)}},
            "post": {"summary": "Found an organisation under one the admin manages (admins)", "security": secured,
                     "requestBody": {"required": True, **_json(_ref("OrganisationCreate"))},
                     "responses": {"201": {"description": "Founded", **_json(_ref("OrganisationDetail"))},
                                   **_admin_errors(401, 403, 422)}}},
        "/organisations/{id}": {
            "parameters": [id_param("id")],
            "get": {"summary": "An organisation the admin manages, with what its documents print (admins)",
                    "security": secured,
                    "responses": {"200": {"description": "Organisation", **_json(_ref("OrganisationDetail"))},
                                  **_admin_errors(401, 403, 404)}},
            "patch": {"summary": "Edit the header fields, rename from a date, or move under another parent from a "
                                 "date (admins; ending an organisation stays on the site and the CLI)",
                      "security": secured, "requestBody": {"required": True, **_json(_ref("OrganisationChange"))},
                      "responses": {"200": {"description": "Organisation", **_json(_ref("OrganisationDetail"))},
                                    **_admin_errors(401, 403, 404, 422)}}},
        "/users": {
            "get": {"summary": "The accounts of the admin's subtree (admins)", "security": secured, "parameters": [
                {"name": "organisation_id", "in": "query", "schema": {"type": "integer"}},
                {"name": "role", "in": "query", "schema": {"type": "string", "enum": list(ROLES)}},
                {"name": "active", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
                "responses": {"200": {"description": "One page of accounts, by username", **_json({
                    "type": "object", "properties": {
                        "users": {"type": "array", "items": _ref("User")}, "page": {"type": "integer"},
                        "per_page": {"type": "integer"}, "pages": {"type": "integer"},
                        "total": {"type": "integer"}}})}, **_admin_errors(401, 403, 422)}},
            "post": {"summary": "Create an account (admins); no password opens it until the user follows the "
                                "one-time link", "security": secured,
                     "requestBody": {"required": True, **_json(_ref("UserCreate"))},
                     "responses": {"201": {"description": "Created; the link is shown this once", **_json({
                         "allOf": [_ref("User"), {"type": "object", "required": ["set_password_url"], "properties": {
                             "set_password_url": {"type": "string", "format": "uri",
                                                  "description": "A page where the user sets a password, once, "
                                                                 "within 3 days"}}}]})},
                                   **_admin_errors(401, 403, 422)}}},
        "/users/{id}": {
            "parameters": [id_param("id")],
            "get": {"summary": "An account of the admin's subtree (admins)", "security": secured,
                    "responses": {"200": {"description": "Account", **_json(_ref("User"))},
                                  **_admin_errors(401, 403, 404)}},
            "patch": {"summary": "Change an account's name, e-mail, role, organisation or whether it is active "
                                 "(admins; not their own account)", "security": secured,
                      "requestBody": {"required": True, **_json(_ref("UserChange"))},
                      "responses": {"200": {"description": "Account", **_json(_ref("User"))},
                                    **_admin_errors(401, 403, 404, 422)}}},
        "/users/{id}/unlock": {
            "parameters": [id_param("id")],
            "post": {"summary": "Lift the lock wrong passwords put on an account's sign-in, and forget them (admins)",
                     "security": secured,
                     "responses": {"200": {"description": "Account", **_json(_ref("User"))},
                                   **_admin_errors(401, 403, 404)}}},
        "/rule-sets": {"get": {"summary": "Each kind's rule set in force today for your organisation",
                               "security": secured,
                               "responses": {"200": {"description": "Rule sets", **_json({
                                   "type": "object", "properties": {
                                       "rule_sets": {"type": "array", "items": _ref("RuleSet")},
                                       "on": {"type": "string", "format": "date"}}})}, **_errors(401)}}},
        "/routes": {"get": {"summary": "Each kind's route in force today for your organisation", "security": secured,
                            "responses": {"200": {"description": "Routes", **_json({"type": "object", "properties": {
                                "routes": {"type": "array", "items": _ref("Route")},
                                "on": {"type": "string", "format": "date"}}})}, **_errors(401)}}},
        "/campaigns": {"get": {
            "summary": "The plans you may report on: those your organisation answers, and (upper organisations) "
                       "those issued under it", "security": secured,
            "responses": {"200": {"description": "Plans, newest first", **_json({"type": "object", "properties": {
                "campaigns": {"type": "array", "items": _ref("Campaign")}}})}, **_errors(401)}}},
        "/campaigns/{id}/report": {
            "parameters": [id_param("id")],
            "get": {"summary": "A plan's figures for what you may see: per child organisation and kind, the "
                               "dossiers submitted by outcome, amounts, lateness, median days per level",
                    "security": secured, "parameters": [
                        {"name": "phase", "in": "query", "schema": {"type": "integer"},
                         "description": "One phase of the plan (its dossiers: those first submitted in it)"},
                        {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(KINDS)}},
                        {"name": "from", "in": "query", "schema": day, "description": "Submitted on or after"},
                        {"name": "to", "in": "query", "schema": day, "description": "Submitted on or before"},
                        {"name": "under", "in": "query", "schema": {"type": "integer"},
                         "description": "An organisation under yours: its children's figures"}],
                    "responses": {"200": {"description": "Report", **_json(_ref("CampaignReport"))},
                                  **_errors(401, 404, 422)}}},
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
