"""Rasa 3.6 spends half its CPU under load re-checking its own JSON schemas; check each schema once.

(And look each event class up once: see install().)

Rasa validates every action-server response (RemoteAction._validate_action_result) and every event
posted to its HTTP API (rasa.server.validate_events_in_request_body) with `jsonschema.validate`,
which first validates the *schema* against the JSON Schema meta-schema, on every call, with the
newest draft's slow `$dynamicRef` machinery. py-spy on Rasa at 6 messages/s: 50% of its samples in
jsonschema (benchmarks/load.py --profile, docs/benchmarks.md). The schemas are Rasa's constants: this
checks each once, keeps its validator, and validates instances exactly as before (same errors).
Installed by safar_tracker_store.py, which Rasa imports at start-up (nlu/endpoints.yml).
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match
from jsonschema.validators import Draft7Validator, validator_for

_original = jsonschema.validate
_validators: dict[str, Any] = {}


def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
    """jsonschema.validate with the schema checked and its validator built once per distinct schema."""
    if cls is not None or args or kwargs:
        _original(instance, schema, cls, *args, **kwargs)
        return
    key = json.dumps(schema, sort_keys=True, default=str)
    validator = _validators.get(key)
    if validator is None:
        # Rasa's schemas name no draft; draft 7 covers every keyword they use and skips $dynamicRef.
        kind = validator_for(schema, default=Draft7Validator)
        kind.check_schema(schema)
        validator = _validators[key] = kind(schema)
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


_event_classes: dict[str, Any] = {}


def install() -> None:
    """Replace jsonschema.validate (Rasa looks it up at call time) and Event.resolve_by_type for this process."""
    jsonschema.validate = validate
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        # Rasa walks the whole Event class tree for every event of every tracker it loads (6% of its
        # time under load); the classes do not change once Rasa runs, so remember each answer.
        if type_name not in _event_classes:
            found = original(type_name, None) if type_name != "topic" else None
            if found is None:
                return original(type_name, default)
            _event_classes[type_name] = found
        return _event_classes[type_name]

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
