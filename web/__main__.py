"""Starts the website (learner page and facilitator dashboard): python -m web [--port 8000]."""
from __future__ import annotations

import argparse
import os
import sys

from bot.errors import PauseCheckError
from web.server import WebSettings, create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m web", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8000")))
    parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
    args = parser.parse_args()
    try:
        app = create_app(WebSettings.from_env())
    except (PauseCheckError, ValueError) as error:
        sys.exit(f"The website did not start.\n{error}")
    app.run(host=args.host, port=args.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
