"""JSON lines for the logging config: one object per record, on one line, for log collectors."""

from datetime import UTC, datetime
import json
import logging


class JsonLines(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, event (the message), then the record's `fields`
    (`logger.info("request", extra={"fields": {...}})`). json.dumps escapes line breaks, so a
    value can never start a second line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)
