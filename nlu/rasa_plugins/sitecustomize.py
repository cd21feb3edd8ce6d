"""Loaded by Python at the start of every Rasa process (PYTHONPATH): Rasa's logs never hold what people write.

Rasa logs user messages, slots and metadata in many places (debug lines, warnings about odd
metadata, tracebacks whose exception texts quote the request). Instead of chasing each one, every
log record is rewritten as it is created, for every logger (Rasa's, Sanic's, structlog's):

- a record with arguments keeps its format string only, never the values;
- a structlog event (a JSON line) keeps its event name and level only;
- any text is cut where quoted values, mappings or `key=value` parts begin;
- an exception keeps its type name, never its message or traceback.

Warnings printed by the `warnings` module keep their category only. Safar's own code does not log
message text at all; `tests/privacy/test_rasa_logs.py` plants personal data in every shape and reads every log.
"""

from __future__ import annotations

import json
import logging
import re
import warnings

_CUT = re.compile(r"""['"{\[<(=:]""")  # where a value usually begins
_MAX = 160
_make_record = logging.getLogRecordFactory()


def safe_text(text: str) -> str:
    """The part of a log text before any value: the words that say what happened."""
    head = _CUT.split(text, maxsplit=1)[0]
    return " ".join(head.split())[:_MAX]


def _describe(msg: object) -> str:
    if isinstance(msg, dict):  # structlog before rendering
        return f"event {safe_text(str(msg.get('event', '')))}"
    text = str(msg)
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return safe_text(text.lstrip("{"))
        if isinstance(data, dict):
            return f"event {safe_text(str(data.get('event', '')))}"
    return safe_text(text)


def private_record(*args: object, **kwargs: object) -> logging.LogRecord:
    """A log record with every value that could be a person's words removed."""
    record = _make_record(*args, **kwargs)
    text = _describe(record.msg)
    if record.exc_info and record.exc_info[0] is not None:
        text += f" [{record.exc_info[0].__name__}]"
    record.msg, record.args = text, ()
    record.exc_info, record.exc_text, record.stack_info = None, None, None
    return record


def _private_warning(message: object, category: type[Warning], *args: object, **kwargs: object) -> None:
    logging.getLogger("py.warnings").warning("%s", category.__name__)


logging.setLogRecordFactory(private_record)
warnings.showwarning = _private_warning  # type: ignore[assignment]
