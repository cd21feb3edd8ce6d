"""`python -m safar_rasa_main run ...`: Rasa's own command line, with the API token taken from the environment.

`rasa run --auth-token T` would show T to every local user in `ps` (a process's command line is
world-readable; its environment is readable by its owner only), so the token travels in
SAFAR_RASA_API_TOKEN and is added to the arguments inside the process.
"""

from __future__ import annotations

import os
import sys

from rasa.__main__ import main

if __name__ == "__main__":
    token = os.environ.pop("SAFAR_RASA_API_TOKEN", "")
    if token:
        sys.argv += ["--auth-token", token]
    main()
