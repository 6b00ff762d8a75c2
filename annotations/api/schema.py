"""OpenAPI post-processing: document the JSON error answers every operation can give (all are rate-limited: 429)."""

ERROR_SCHEMA = {
    "type": "object",
    "description": 'Field-level messages ({field: [message]}) or {"detail": message}; 409 adds "current".',
    "additionalProperties": True,
}
ERRORS = {
    "400": "Invalid input: field-level messages.",
    "401": "No or bad credentials.",
    "403": "Not allowed for this user.",
    "404": "Not found, or not visible to this user.",
    "409": "Based on an old version: the current annotation is returned.",
    "429": "Too many requests (API rates), or too many failed log-ins: try again after Retry-After seconds.",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait (absent when only an administrator can lift a log-in lock).",
        "schema": {"type": "integer"},
    }
}


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                response = {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
                if code == "429":
                    response["headers"] = RETRY_AFTER
                responses.setdefault(code, response)
    return result
