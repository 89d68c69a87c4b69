"""Rasa input channels that screen every message before NLU (see channels/inbound.py for the rules).

`GuardedRestInput` and `GuardedSocketIOInput` keep the URLs of Rasa's own REST and socket.io channels
(/webhooks/rest/webhook and /socket.io) and add:
- "/" messages pass only when they are a button payload the bot offered this learner in its latest turn;
- a length limit (PAUSECHECK_MAX_MESSAGE_CHARS), control and invisible characters removed;
- a per-learner rate limit shared by both channels (channels/message_rate.py): REST answers 429 with Retry-After,
  socket.io a "please slow down" message; either way the message never reaches Rasa;
- REST bodies that are not a JSON object with a text `sender` and `message` get a 400 that says what to send;
- an optional `metadata.message_id` from the client, so a retried message is recorded once;
- after a confirmed "delete my data", the learner's conversation history is deleted from the tracker store, and the
  bot's "deleted" reply is held back until it is; when it cannot be deleted, the learner is told so instead;
- a turn that produced no reply at all (Rasa logs a failed custom action, e.g. the action server is down, and sends
  nothing) gets "I'm having trouble, try again in a moment" instead of silence;
- the safety net: a message that sounds like someone's own images are shared, threatened or faked (bot.learning.situation)
  but that NLU read as something other than support gets one more message, "Is this happening to you? Get help",
  whose button opens support. It is added to the conversation like any reply, so its button counts as offered.
When Rasa builds their blueprints, before it serves, the channels check the Rasa internals they rely on and install
the speed-ups (channels/rasa_compat.py).
"""
from __future__ import annotations

import functools
import logging
import re
from typing import Any, Awaitable, Callable, Iterable

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from rasa.core.lock_store import LockError
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, Sanic, response
from sanic.request import Request

from bot.learning import lemmas
from bot.config import Settings
from bot.learning.content import load_content
from channels.inbound import TROUBLE_REPLY, clean_message_id, might_be_payload, screen_message
from channels.message_rate import SLOW_DOWN_REPLY, MessageRateLimit, MessageRateLimiter, slow_down_error
from bot.learning.situation import safety_cues
from bot.learning.support import GET_HELP_PAYLOAD, SUPPORT_INTENTS, SafetyNet
from channels import performance, rasa_compat

logger = logging.getLogger(__name__)

SENDER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
MAX_BODY_BYTES = 64 * 1024
# The response the delete-data action sends after deleting progress; the channel then erases the history.
DATA_DELETED_RESPONSE = "utter_data_deleted"
ERASE_FAILED_REPLY = ("Your progress is deleted, but I couldn't delete our conversation history just now. Please say "
                      "\"delete my data\" again in a moment.")
# Learner and bot messages read back to find the bot's latest reply: a reply is a handful of messages, so this reaches
# past it and past a few failed turns. Further back, no payload counts as offered (the message is read as text).
RECENT_MESSAGES = 50

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def _offered_payloads(events: Iterable[Any]) -> set[str]:
    """Button payloads of the bot's latest reply. A learner message the bot never answered (the turn failed) does
    not end the search, so tapping the same button again after "I'm having trouble" still works."""
    payloads: set[str] = set()
    replied = False
    for event in reversed(list(events)):
        if isinstance(event, UserUttered) and replied:
            break
        if isinstance(event, BotUttered):
            replied = True
            payloads.update(button.get("payload", "") for button in (event.data or {}).get("buttons") or [])
    return payloads


class _TurnReplies(OutputChannel):
    """Passes one turn's replies on to the channel's own output, noting which responses were sent."""

    def __init__(self, output: OutputChannel) -> None:
        self.output = output
        self.responses: list[str | None] = []  # each reply's response name (utter_...), None for plain text
        self.payloads: set[str] = set()  # the buttons offered
        self.data_deleted: dict[str, Any] | None = None  # "your history is deleted": held until it is

    def name(self) -> str:  # the channel name picks channel-specific response variations
        return self.output.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.responses.append(message.get("utter_action"))
        self.payloads.update(button.get("payload", "") for button in message.get("buttons") or [])
        if message.get("utter_action") == DATA_DELETED_RESPONSE:
            self.data_deleted = message
            return
        if message.get("custom") and isinstance(self.output, CollectingOutputChannel):
            # A card (a practice post) stays one REST message with its plain-text fallback and its buttons, so a
            # client that cannot draw the card shows the text instead; Rasa would split them into two messages.
            kept = {key: message[key] for key in ("text", "buttons", "custom") if key in message}
            rasa_compat.add_collected_message(self.output, {"recipient_id": recipient_id, **kept})
            return
        await self.output.send_response(recipient_id, message)


@functools.cache
def sender_limiter() -> MessageRateLimiter:
    """One count per Rasa process for both channels, so switching channel gives a learner no extra allowance."""
    return MessageRateLimiter(MessageRateLimit.from_env())


async def offered_payloads(tracker_store: Any, sender_id: str) -> set[str]:
    """Button payloads of the bot's latest reply to this learner (a SQL tracker store is asked for the latest
    messages only)."""
    messages = rasa_compat.recent_messages(tracker_store, sender_id, limit=RECENT_MESSAGES)
    if messages is not None:
        return _offered_payloads(messages)
    tracker = await tracker_store.retrieve(sender_id)
    return _offered_payloads(tracker.events) if tracker else set()


class _Guard:
    """Wraps Rasa's message handler with the screening rules; shared by both channels.

    count_rate: take the rate limit here (socket.io); the REST channel takes it before its handler, to answer 429.
    """

    def __init__(self, *, count_rate: bool) -> None:
        self.app: Sanic | None = None
        settings = Settings.from_env()
        self.max_chars = settings.max_message_chars
        self.safety_net: SafetyNet = load_content(settings.content_dir).support.safety_net
        self.limiter = sender_limiter()  # read now, so a bad setting stops the server at start
        self.count_rate = count_rate

    def attach(self, blueprint: Blueprint) -> None:
        @blueprint.listener("before_server_start")
        async def remember_app(app: Sanic, _: Any) -> None:
            self.app = app

        @blueprint.listener("after_server_start")  # Rasa loads the agent (model, tracker store) before start
        async def tune_rasa(app: Sanic, _: Any) -> None:
            agent = self._agent()
            engine = rasa_compat.sql_engine(agent.tracker_store) if agent and agent.tracker_store else None
            if engine is not None:
                performance.use_wal(engine)
            lemmas.warm_up()  # the safety net reads messages with the project's spaCy pipeline
            performance.freeze_loaded_objects()

    def _agent(self) -> Any:
        return rasa_compat.loaded_agent(self.app) if self.app else None

    def wrap(self, on_new_message: OnNewMessage) -> OnNewMessage:
        async def screened(message: UserMessage) -> None:
            if self.count_rate and self.limiter.take(message.sender_id) is not None:
                await message.output_channel.send_text_message(message.sender_id, SLOW_DOWN_REPLY)
                return
            agent = self._agent()
            tracker_store = agent.tracker_store if agent else None
            offered: set[str] = set()
            if might_be_payload(message.text) and tracker_store:  # only "/" messages need the last reply's buttons
                offered = await offered_payloads(tracker_store, message.sender_id)
            result = screen_message(message.text, offered_payloads=offered, max_chars=self.max_chars)
            if result.text is None:
                await message.output_channel.send_text_message(message.sender_id, result.reply)
                return
            metadata = message.metadata if isinstance(message.metadata, dict) else {}
            # Keep no client metadata except the message id: nothing else is needed, so nothing else is stored.
            message_id = clean_message_id(metadata.get("message_id"))
            replies = _TurnReplies(message.output_channel)
            try:
                await on_new_message(UserMessage(
                    result.text, replies, message.sender_id,
                    input_channel=message.input_channel, message_id=message_id,
                    metadata={"message_id": message_id} if message_id else None,
                ))
            except Exception as error:
                # Rasa's channels would log the message text and every frame's local variables, and answer nothing.
                logger.error("A %s message could not be handled: %s (details at DEBUG level)",
                             message.input_channel, type(error).__name__)
                logger.debug("Handling the message failed", exc_info=True)
                await message.output_channel.send_text_message(message.sender_id, TROUBLE_REPLY)
                return
            if not replies.responses:
                await message.output_channel.send_text_message(message.sender_id, TROUBLE_REPLY)
            elif replies.data_deleted is not None:
                await self._erase_history(agent, message, replies.data_deleted)
            elif (tracker_store and GET_HELP_PAYLOAD not in replies.payloads and not result.text.startswith("/")
                  and safety_cues(result.text).about_the_writer):
                await self._offer_help(agent, message)

        return screened

    async def _erase_history(self, agent: Any, message: UserMessage, data_deleted: dict[str, Any]) -> None:
        """Erases the conversation the learner asked to delete, then sends the bot's "deleted" reply; or, when the
        history is still stored, logs why and tells the learner the deletion did not complete."""
        if agent and agent.tracker_store:
            try:
                # Under the conversation's lock (shared by every Rasa server): a turn being handled meanwhile
                # would otherwise save its whole copy of the history back after the erasure.
                async with agent.lock_store.lock(message.sender_id):
                    await rasa_compat.erase_conversation(agent.tracker_store, message.sender_id)
            except (rasa_compat.ConversationNotErased, LockError) as error:
                logger.error("\"Delete my data\" did not complete: %s", error)
                await message.output_channel.send_text_message(message.sender_id, ERASE_FAILED_REPLY)
                return
        await message.output_channel.send_response(message.sender_id, data_deleted)

    async def _offer_help(self, agent: Any, message: UserMessage) -> None:
        """The safety net, when NLU read the message as something other than support and no support question waits."""
        button = {"title": self.safety_net.button, "payload": GET_HELP_PAYLOAD}
        async with agent.lock_store.lock(message.sender_id):
            tracker = await agent.tracker_store.retrieve(message.sender_id)
            if tracker is None or tracker.active_loop_name or \
                    tracker.latest_message.intent.get("name") in SUPPORT_INTENTS:
                return
            tracker.update(BotUttered(self.safety_net.text, {"buttons": [button]}))
            await agent.tracker_store.save(tracker)
        await message.output_channel.send_text_with_buttons(message.sender_id, self.safety_net.text, [button])


def _checked_guard(*, count_rate: bool) -> _Guard:
    """A guard, once Rasa's internals are checked and the speed-ups installed: Rasa builds the blueprints before it
    serves, so a Rasa that moved a name we rely on stops the server here, with the names."""
    rasa_compat.check()
    rasa_compat.install_patches()
    return _Guard(count_rate=count_rate)


def _body_problem(request: Request) -> str | None:
    """What is wrong with a REST webhook body, or None when it is usable."""
    if len(request.body or b"") > MAX_BODY_BYTES:
        return f"Request body is larger than {MAX_BODY_BYTES // 1024} kB."
    try:
        (request.body or b"").decode("utf-8")  # strict, unlike the JSON parser: no overlong forms or surrogates
    except UnicodeDecodeError:
        return "The request body must be JSON encoded as UTF-8."
    try:
        body = request.json
    except Exception:  # Sanic raises its own error type for bodies that are not JSON
        body = None
    if not isinstance(body, dict):
        return 'Send a JSON object: {"sender": "<learner id>", "message": "<text>"}.'
    if not isinstance(body.get("sender"), str) or not SENDER_ID.match(body["sender"]):
        return "`sender` must be the learner id: 1 to 128 letters, digits, '_', '-', '.' or ':'."
    if not isinstance(body.get("message"), str):
        return "`message` must be text."
    if "metadata" in body and not isinstance(body["metadata"], (dict, type(None))):
        return "`metadata` must be a JSON object."
    return None


class GuardedRestInput(RestInput):
    """Rasa's REST channel at /webhooks/rest/webhook, with the screening rules."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        guard = _checked_guard(count_rate=False)
        blueprint = super().blueprint(guard.wrap(on_new_message))
        guard.attach(blueprint)

        @blueprint.middleware("request")
        async def validate_body_and_rate(request: Request) -> Any:
            if request.method != "POST":
                return None
            problem = _body_problem(request)
            if problem:
                return response.json({"error": problem}, status=400)
            wait = guard.limiter.take(request.json["sender"])
            if wait is not None:
                return response.json({"error": slow_down_error(guard.limiter.limit, wait)}, status=429,
                                     headers={"Retry-After": str(wait)})
            return None

        return blueprint

    def _extract_input_channel(self, request: Request) -> str:
        return self.name()  # not from the body: clients must not relabel their channel


class GuardedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel at /socket.io, with the screening rules."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        guard = _checked_guard(count_rate=True)
        blueprint = super().blueprint(guard.wrap(on_new_message))
        guard.attach(blueprint)
        return blueprint
