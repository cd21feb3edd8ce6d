"""Entry point of the action server: `python -m actions.server --port 5055`.

rasa-sdk's own runner starts Sanic's worker manager, which serves from a spawned worker process:
services built before it would be built again, lazily, on the first migrant's question. Safar
serves rasa-sdk's app in one process instead, with the retriever loaded and warmed first.
"""

from __future__ import annotations

import argparse
import logging
import warnings


def main(argv: list[str] | None = None) -> None:
    """Load services once, then serve Safar's actions with rasa-sdk's Sanic app."""
    # rasa-sdk 3.21 warns on every call that Rasa 3.6 is a different minor version. It serves
    # Rasa 3.6.21 correctly (text, buttons, events; checked end to end in tests/), and Rasa
    # 3.6 needs Python <= 3.10 while rasa-sdk 3.6 needs < 3.11, so the gap is deliberate.
    warnings.filterwarnings("ignore", message=r"Your versions of rasa and rasa_sdk might not be compatible")

    parser = argparse.ArgumentParser(prog="actions.server")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")

    from rasa_sdk.endpoint import create_app
    from rasa_sdk.executor import ActionExecutor

    from actions.services import build_services, set_services
    from privacy.forget import Privacy, purge_periodically
    from core.settings import get_settings

    settings = get_settings()
    services = build_services(settings)
    if services.retriever is not None:
        # Pay the first encoding's one-off cost here, not in a migrant's first question.
        services.retriever.search("warm up", None, "en")
    set_services(services)

    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=None)
    # The retention purge lives here because the action server runs in every mode (console, bot, headless).
    privacy = Privacy.from_settings(settings)

    async def purge(_app: object) -> None:
        await purge_periodically(privacy, settings.purge_every_hours * 3600)

    app.add_task(purge)
    app.run(host=settings.host, port=args.port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
