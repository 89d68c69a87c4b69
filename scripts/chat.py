"""Terminal chat with the tutor (`make chat`), through the Rasa server's REST webhook like any other client.

Replies are printed as plain text (bot.terminal): no Markdown markers, practice posts as a boxed block, buttons as
numbered choices: type the number to tap one. Usage: python scripts/chat.py --url http://localhost:5005 --sender ID
"""
from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.terminal import render_reply  # noqa: E402  (imports after the path is set)


def send(url: str, sender: str, message: str) -> list[dict]:
    response = requests.post(f"{url}/webhooks/rest/webhook", timeout=60, json={
        "sender": sender, "message": message, "metadata": {"message_id": uuid.uuid4().hex}})
    if response.status_code in (400, 429):
        return [{"text": response.json().get("error", "The tutor could not take that message.")}]
    response.raise_for_status()
    return response.json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="The Rasa server, e.g. http://localhost:5005")
    parser.add_argument("--sender", required=True, help="The learner id (resume a conversation with the same id)")
    args = parser.parse_args()
    print("Type a message, or the number of a choice. Ctrl-D or 'quit' ends the chat.\n")
    message, choices = "hi", []
    while True:
        try:
            replies = send(args.url, args.sender, message)
        except requests.RequestException as error:
            print(f"Can't reach the tutor at {args.url} ({type(error).__name__}). Is it running?", file=sys.stderr)
            return 1
        choices = []
        for reply in replies:
            lines, buttons = render_reply(reply, first_choice=len(choices) + 1)
            choices += buttons
            print("\n".join(lines) + "\n")
        try:
            typed = input("You: ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if typed.lower() in ("quit", "exit"):
            return 0
        if typed.isdigit() and 1 <= int(typed) <= len(choices):
            message = choices[int(typed) - 1]["payload"]
        else:
            message = typed or "menu"


if __name__ == "__main__":
    sys.exit(main())
