"""Entry point of the action server: `python -m actions.server --port 5055`."""

from __future__ import annotations

import sys
import warnings


def main(argv: list[str] | None = None) -> None:
    """Start rasa-sdk's action server with Safar's actions."""
    # rasa-sdk 3.21 warns on every call that Rasa 3.6 is a different minor version. It serves
    # Rasa 3.6.21 correctly (text, buttons, events; checked end to end in tests/), and Rasa
    # 3.6 needs Python <= 3.10 while rasa-sdk 3.6 needs < 3.11, so the gap is deliberate.
    warnings.filterwarnings("ignore", message=r"Your versions of rasa and rasa_sdk might not be compatible")

    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser

    from actions.services import build_services, set_services
    from safar.settings import get_settings

    # Load the model, index and files once, before the first request, and pay the first
    # encoding's one-off cost here rather than in a migrant's first question.
    services = build_services(get_settings())
    if services.retriever is not None:
        services.retriever.search("warm up", None, "en")
    set_services(services)

    args = create_argument_parser().parse_args(["--actions", "actions", *(sys.argv[1:] if argv is None else argv)])
    main_from_args(args)


if __name__ == "__main__":
    main()
