"""What `make chat` prints: plain text without Markdown markers, practice posts in a box, numbered choices."""
from __future__ import annotations

from bot.terminal import WIDTH, plain, render_reply


def test_markdown_markers_are_gone_and_links_show_their_address():
    assert plain("**It's not your fault**, and *you're not alone*.") == "It's not your fault, and you're not alone."
    assert plain("[Take It Down](https://takeitdown.ncmec.org/)") == "Take It Down (https://takeitdown.ncmec.org/)"
    assert plain("2 * 3 = 6") == "2 * 3 = 6"  # a lone star is not emphasis


def test_buttons_are_numbered_choices_across_messages():
    buttons_sent = [{"title": "A) **Stop**", "payload": "/a"}, {"title": "B) Go", "payload": "/b"}]
    lines, buttons = render_reply({"text": "Pick one", "buttons": buttons_sent}, first_choice=3)
    assert lines == ["Pick one", "  3) A) Stop", "  4) B) Go"]
    assert [button["payload"] for button in buttons] == ["/a", "/b"]


def test_a_practice_post_is_a_boxed_block():
    card = {"type": "practice_post", "heading": "Verify · question 3 of 10", "prompt": "This is going round.",
            "post": {"display_name": "Celeb Leaks", "handle": "@celeb", "posted": "2 h ago",
                     "account_age": "Joined 3 days ago", "followers": "212 followers",
                     "caption": "LEAKED pics, link in bio " * 6, "image": "Blurred image: 'leaked' photo",
                     "likes": "4.1K likes", "reshares": "1,380 reshares",
                     "replies": [{"handle": "@bot1", "text": "link works"}]}}
    lines, _ = render_reply({"text": "**fallback**", "custom": card, "buttons": []})
    box = lines[lines.index(next(line for line in lines if line.startswith("┌"))):]
    assert box[0].startswith("┌") and box[-1].startswith("└")
    assert all(len(line) == WIDTH for line in box)  # every row closes the box
    assert "fallback" not in "\n".join(lines)  # the card replaces the text fallback
    assert any("[ Blurred image: 'leaked' photo ]" in line for line in box)
    assert any("↳ @bot1: link works" in line for line in box)
