"""Starts the action server after loading and validating the content, so a broken file stops it at once.

Usage: python -m actions [--port 5055] (the same options as `rasa run actions`).
"""
from __future__ import annotations

import os
import sys

from rasa_sdk.__main__ import main_from_args
from rasa_sdk.endpoint import create_argument_parser

from actions import runtime
from bot.learning import lemmas
from bot.config import Settings
from bot.errors import PauseCheckError


# Rasa opens a new connection for every action call. Under load its event loop may send the request seconds after
# connecting, and Sanic's keep-alive timeout (default 5 s), which also bounds the wait for a connection's first
# request, would close the connection first: "Cannot write to closing transport", and the learner's turn fails.
KEEP_ALIVE_SECONDS = "75"


def main() -> None:
    os.environ.setdefault("SANIC_KEEP_ALIVE_TIMEOUT", KEEP_ALIVE_SECONDS)  # Sanic reads SANIC_* settings
    args = create_argument_parser().parse_args()
    args.actions = "actions"
    try:
        settings = Settings.from_env()
        runtime.configure(runtime.build_from_settings(settings))
        lemmas.warm_up()  # load spaCy now, not while the first learner waits for a typed answer's grade
    except (PauseCheckError, ValueError) as error:
        sys.exit(f"The action server did not start.\n{error}")
    print(f"Content loaded from {settings.content_dir}; progress store {settings.db_path}", flush=True)
    main_from_args(args)


if __name__ == "__main__":
    main()
