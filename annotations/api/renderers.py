"""The API's JSON renderer: drf-orjson-renderer's, with orjson's slower key check only where needed."""

from drf_orjson_renderer.renderers import ORJSONRenderer
import orjson


class JSONRenderer(ORJSONRenderer):
    """The same JSON as DRF's renderer, written by orjson.

    Datetimes left to the renderer (the PostgreSQL list's UTC times) come out as DRF writes them:
    ISO 8601 in UTC with a Z, microseconds only when there are some. Field errors of list items
    are keyed by position ({"sources": {0: …}}) and need OPT_NON_STR_KEYS to be written as "0";
    that option makes orjson check every key, which doubles the time to write a page of 500
    verdicts, so it is used only for a response that orjson refuses without it. NumPy, which the
    parent class also enables, is not used here.
    """

    options = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z

    def render(self, data, media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        default = (renderer_context or {}).get("default_function", self.default)
        try:
            return orjson.dumps(data, default=default, option=self.options)
        except orjson.JSONEncodeError:
            return orjson.dumps(data, default=default, option=self.options | orjson.OPT_NON_STR_KEYS)
