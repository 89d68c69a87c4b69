"""What a learner's message says about their situation, read without the NLU model.

- `safety_cues`: does the message sound like the writer's own intimate images are being shared, threatened or
  faked? A second line of defence that does not depend on the intent NLU chose (the input channel offers "Is this
  happening to you? Get help" when it fires and NLU read something else), and how support tells threats apart.
- `read_age`, `read_region`: the answers to the two support questions ("Were you under 18 in the images?", "Where
  do you live?"), typed in a learner's own words ("im 15", "in the uk", "canada"). With answering=False (reading a
  first message that was not an answer to the question) only unambiguous forms count: "us" or "no" mean nothing there.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.learning.lemmas import Word, is_known_word, one_edit_apart, words

UNDER_18, ADULT, UNSURE, SKIPPED = "under_18", "adult", "unsure", "skipped"
AGE_GROUPS = (UNDER_18, ADULT, UNSURE, SKIPPED)
ELSEWHERE = "elsewhere"
REGIONS = ("uk", "us", "canada", "australia", "ireland", "new_zealand", ELSEWHERE)

# Safety cues, as lemmas of the project's spaCy pipeline (lowercase), with the slang and misspellings learners type.
IMAGERY = frozenset(
    "pic pics picture pix picz pictur pitcher pitchers photo foto fotos photos phot image img imgs vid vids vidz "
    "video vidio clip selfie selfies nude nudes nudez nudie nudies nood noods noodz n00ds n00dz sext sexts tape "
    "footage recording snap snaps content body".split())
HARM = frozenset(
    "leak leaked leakd leakt leeked leek post posted share shared spread upload uploaded forward forwarded airdrop "
    "airdropped expose exposed circulate circulating publish publicise distribute repost reposted everywhere viral "
    "around round online out seen see hack hacked remove removed down dm dms dming dmed dmd message messaged "
    "messaging everyone".split())
THREAT = frozenset(
    "threaten threat threatening threating threatning blackmail blackmailing blackmailed blackmaild blackmale "
    "blakmail blackmial sextort sextorted sextorting sextortion sextorshun extort extorted extorting extortion "
    "ransom ruin".split())
# "or else", "unless", "or he'll", and demands for money or more images, next to images or harm: a threat.
DEMAND = re.compile(r"\bor else\b|\bunless\b|\bif i (?:don'?t|do not|dont)\b|\bor (?:he|she|they)(?:'ll|ll| will| is "
                    r"gonna| are gonna| gonna)\b|\b(?:pay|paid|money|cash|£|\$|€|gift ?cards?|crypto|bitcoin|"
                    r"wants? more|"
                    r"send (?:him |her |them )?more)\b")
_PLATFORM = (r"(?:the |a |an |my |his |her |their )?(?:internet|insta(?:gram)?|ig|twitter|x|tiktok|reddit|telegram|"
             r"discord|snap(?:chat)?|whatsapp|facebook|fb|youtube|yt|onlyfans|(?:porn |adult )?(?:web)?site|porn|"
             r"(?:\w+ )?(?:group|chat|"
             r"gc|server|channel|story|page|account|thread)|everyone|everybody)")
# Where the writer's images are, or that someone holds or sends them on: harm without a harm verb.
PLACED = re.compile(rf"\b(?:on|in|onto|to|off|from) {_PLATFORM}\b|\b(?:has|have|got|keeps?|kept|using|stole) "
                    r"(?:all )?(?:my|our)\b|\bwithout (?:my )?(?:consent|permission)\b|\bnever agreed\b"
                    r"|\b(?:are|is) (?:still )?up\b"
                    r"|\b(?:send|sent|sending|show|showed|showing|tagged) (?:them|it|my \w+|"
                    r"the \w+|pics|photos|vids?|videos?)(?: \w+)? (?:to|round|around)\b")
FILMED = re.compile(r"\b(?:filmed|recorded|photographed|screenshotted|screenshot) (?:me|us|my|our)\b|\bme naked\b"
                    r"|\b(?:i|we) (?:sent|shared|gave|showed) (?:\w+ ){0,2}(?:pics?|photos?|nudes?|vids?|videos?|them|"
                    r"it|one|snaps?|selfies?)\b")
# "he's gonna post them": a threat to share, whoever is named.
GOING_TO_SHARE = re.compile(r"\b(?:he|she|they)(?:(?:'s|s| is| are|'re)? (?:gonna|going to|will)|'ll|ll) "
                            r"(?:post|send|share|leak|show|expose)\b")
AT_THE_WRITER = re.compile(r"\b(?:blackmail\w*|sextort\w*|extort\w*|threat\w*|blakmail\w*)\s+(?:me|us)\b"
                           r"|\b(?:i'?m|i am|im|we'?re|getting|got|being) (?:\w+ )?"
                           r"(?:blackmail\w*|sextort\w*|extort\w*|"
                           r"threatened)\b")
FAKE_OF_THE_WRITER = re.compile(r"\b(?:deep ?fakes?|deepfaked|fakes?|ai|edited|photoshopped|morphed)\b.{0,40}"
                                r"\b(?:of (?:me|us|myself)|it'?s me|its me|me in it)\b"
                                r"|\bmy face\b|\bdeepfaked (?:me|us)\b")
OWN = frozenset("my our".split())  # whose images: "my nudes", "our video"
OF_ME = frozenset("me us myself".split())  # "pics of me", "a video of us"
MIN_TYPO_LENGTH = 5
_SUBJECTS = frozenset("i we".split())
_NEGATIONS = frozenset("not n't nt wont cant dont doesnt didnt wouldnt couldnt never".split())
_AUXILIARIES = frozenset("do can could should would will may might must just also accidentally already even "
                         "wanna gonna want".split())


@dataclass(frozen=True)
class SafetyCues:
    own_images: bool  # the writer's images: "my pics", "a video of me", "recorded me"
    harm: bool  # shared, posted, leaked, out there, on an app, held by someone
    threat: bool  # blackmail, sextortion, "pay or…"
    at_the_writer: bool  # "blackmailing me", "i'm being sextorted"
    fake_of_the_writer: bool  # "a deepfake of me", "put my face on…"

    @property
    def about_the_writer(self) -> bool:
        """Whether it sounds like the writer's own images are shared, threatened or faked, or someone is threatening
        to share images unless they pay or send more."""
        return (self.own_images and (self.harm or self.threat)) or self.at_the_writer or self.fake_of_the_writer \
            or (self.threat and self.harm)


def safety_cues(text: str) -> SafetyCues:
    """Reads the cues of `text` (any length the channel passes; a few milliseconds)."""
    typed = words(text)
    lowered = _plain(text)
    images = [index for index, word in enumerate(typed) if _cue(word, IMAGERY)]
    placed = bool(PLACED.search(lowered))
    return SafetyCues(
        own_images=any(_whose(typed, index) for index in images) or bool(FILMED.search(lowered)),
        harm=placed or bool(GOING_TO_SHARE.search(lowered))
        or any(_cue(word, HARM) and not _own_or_negated(typed, index) for index, word in enumerate(typed)),
        threat=_any(typed, THREAT) or bool(GOING_TO_SHARE.search(lowered))
        or bool(DEMAND.search(lowered)) and bool(images or placed),
        at_the_writer=bool(AT_THE_WRITER.search(lowered)),
        fake_of_the_writer=bool(FAKE_OF_THE_WRITER.search(lowered)),
    )


def _whose(typed: tuple[Word, ...], index: int) -> bool:
    """Whether the images at `index` are the writer's: "my (private) pics", "pics of me"."""
    before = [word.text for word in typed[max(0, index - 3):index]]
    after = [word.text for word in typed[index + 1:index + 4]]
    return bool(OWN & set(before)) or (bool(after) and after[0] == "of" and bool(OF_ME & set(after[1:3])))


def _any(typed: tuple[Word, ...], vocabulary: frozenset[str]) -> bool:
    return any(_cue(word, vocabulary) for word in typed)


def _cue(word: Word, vocabulary: frozenset[str]) -> bool:
    return word.text in vocabulary or word.lemma in vocabulary or _misspelt(word.text, vocabulary)


def _own_or_negated(typed: tuple[Word, ...], index: int) -> bool:
    """Whether the writer does it ("how do i post a video", "can i share pics") or it doesn't happen ("my videos
    won't upload"): then sharing or posting is no harm done to the writer."""
    before = [word for word in typed[max(0, index - 4):index] if word.lemma not in _AUXILIARIES]
    if not before:
        return False
    previous = before[-1]
    return (previous.text in _SUBJECTS or previous.lemma == "not" or previous.text in _NEGATIONS
            or [word.text for word in before[-2:]] == ["how", "to"])


def _misspelt(text: str, vocabulary: frozenset[str]) -> bool:
    """One slip of a letter in a long cue word that is itself no English word ("leakked", "thretened")."""
    return (len(text) >= MIN_TYPO_LENGTH and text.isalpha() and not is_known_word(text)
            and any(len(cue) >= MIN_TYPO_LENGTH and one_edit_apart(text, cue) for cue in vocabulary))


# Ages

_NUMBER_WORDS = {word: number for number, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_AGE = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
_I_AM = r"(?:i'?m|i am|im)\s+(?:only\s+|just\s+|now\s+)?"
# The age in the images: "when i was 16", "i was 15 in them", "taken at 14".
_AGE_THEN = re.compile(rf"\b(?:when i was|i was|was only|taken at|at age|at the age of)\s+{_AGE}\b")
_AGE_NOW = re.compile(rf"\b{_I_AM}{_AGE}\b|\b(?:aged?)\s+{_AGE}\b|\b{_AGE}\s*(?:yo|y/o|yrs?|years?)\b")
_MINOR = re.compile(rf"\b{_I_AM}(?:a minor|under ?18|under eighteen|underage|a teen(?:ager)?|a kid|a child|"
                    r"in year \d+|in grade \d+|in high ?school|in middle school)\b")
_ADULT = re.compile(rf"\b{_I_AM}(?:an adult|over ?18|over eighteen|a grown ?up)\b")
# Only as answers to "Were you under 18 in the images?".
_ANSWER_UNSURE = re.compile(r"\b(?:not sure|unsure|idk|i don'?t know|dont know|dunno|no idea|can'?t remember|"
                            r"cant remember|don'?t remember|not certain|maybe)\b")
_ANSWER_SKIP = re.compile(r"^(?:skip|pass|rather not say|i'?d rather not( say)?|prefer not to say|no comment)\b")
_ANSWER_MINOR = re.compile(r"\b(?:under ?18|under eighteen|u18|minor|underage|teen|teenager|kid|child|"
                           r"year \d+|grade \d+|school)\b")
_ANSWER_ADULT = re.compile(r"\bover ?18\b|\b18 ?\+|\b18 or (?:older|over)\b|\badult\b|\bgrown ?up\b|"
                           r"\bover eighteen\b|\bolder\b")
_ANSWER_YES = re.compile(r"^(?:yes|yeah|yep|ya|yh|yup|y|i was|yes i was)$")
_ANSWER_NO = re.compile(r"^(?:no|nope|nah|n|i wasn'?t|no i wasn'?t)$")


def read_age(text: str, *, answering: bool) -> str | None:
    """The age group in the images that `text` states: UNDER_18, ADULT, UNSURE or SKIPPED; None when it says none.

    answering: `text` answers "Were you under 18 in the images?", so "yes", "not sure", "skip" or a bare "16"
    count; otherwise only first-person statements do ("im 15", "i was 16 in them", "i'm an adult").
    """
    lowered = _plain(text, keep="'+")
    if then := _AGE_THEN.search(lowered):
        return _group(then.group(1))
    if answering:
        if _ANSWER_SKIP.search(lowered):
            return SKIPPED
        if _ANSWER_UNSURE.search(lowered):
            return UNSURE
        if _ANSWER_YES.match(lowered):
            return UNDER_18
        if _ANSWER_NO.match(lowered):
            return ADULT
    if now := _AGE_NOW.search(lowered):
        return _group(next(group for group in now.groups() if group))
    if _MINOR.search(lowered) or answering and _ANSWER_MINOR.search(lowered):
        return UNDER_18
    if _ADULT.search(lowered) or answering and _ANSWER_ADULT.search(lowered):
        return ADULT
    if answering and (number := re.search(rf"\b{_AGE}\b", lowered)):  # "16", "16, in ireland"
        return _group(number.group(1))
    return None


def _group(age: str) -> str | None:
    years = int(age) if age.isdigit() else _NUMBER_WORDS[age]
    if not 5 <= years <= 99:
        return None
    return UNDER_18 if years < 18 else ADULT


# Regions. Longer names are matched first, so "northern ireland" is the UK and "new south wales" Australia.

_PLACES: dict[str, tuple[str, ...]] = {
    "uk": ("uk", "united kingdom", "britain", "great britain", "british", "england", "english", "scotland",
           "scottish", "wales", "welsh", "northern ireland", "northern irish", "london", "manchester", "birmingham",
           "glasgow", "edinburgh", "cardiff", "belfast", "leeds", "liverpool", "bristol", "newcastle"),
    "us": ("usa", "united states", "america", "american", "the states", "california", "texas", "florida",
           "new york", "new jersey", "ohio", "illinois", "michigan", "arizona", "pennsylvania", "massachusetts",
           "north carolina", "virginia", "new england", "chicago", "los angeles", "atlanta", "seattle"),
    "canada": ("canada", "canadian", "ontario", "quebec", "british columbia", "alberta", "manitoba",
               "saskatchewan", "nova scotia", "new brunswick", "newfoundland", "toronto", "vancouver", "montreal",
               "ottawa", "calgary", "edmonton", "winnipeg"),
    "australia": ("australia", "australian", "aussie", "new south wales", "nsw", "queensland", "tasmania",
                  "sydney", "melbourne", "brisbane", "adelaide", "canberra"),
    "ireland": ("ireland", "irish", "republic of ireland", "eire", "dublin", "cork", "galway", "limerick"),
    "new_zealand": ("new zealand", "nz", "aotearoa", "kiwi", "auckland", "wellington", "christchurch"),
    ELSEWHERE: ("germany", "france", "spain", "italy", "portugal", "netherlands", "belgium", "switzerland",
                "austria", "poland", "sweden", "norway", "denmark", "finland", "greece", "romania", "ukraine",
                "russia", "turkey", "india", "pakistan", "bangladesh", "sri lanka", "nepal", "china", "japan",
                "korea", "philippines", "indonesia", "malaysia", "singapore", "thailand", "vietnam", "nigeria",
                "ghana", "kenya", "south africa", "egypt", "morocco", "uae", "dubai", "saudi arabia", "qatar",
                "brazil", "mexico", "argentina", "chile", "colombia", "peru", "jamaica", "europe", "asia", "africa",
                "south america", "latin america", "middle east", "caribbean"),
}
# Only as answers to "Where do you live?": alone they mean other things ("they sent it to us").
_ANSWER_PLACES: dict[str, tuple[str, ...]] = {
    "uk": ("gb", "u k"), "us": ("us", "u s", "u s a", "states"), "canada": ("bc",),
    "australia": ("aus", "oz", "straya"), "ireland": ("roi",),
    ELSEWHERE: ("somewhere else", "elsewhere", "other", "another country", "none of those", "none of them",
                "not listed", "different country", "abroad"),
}
_SKIP_PLACE = re.compile(r"^(?:skip|pass|rather not say|i'?d rather not( say)?|prefer not to say|no comment)\b")


def read_region(text: str, *, answering: bool) -> str | None:
    """The region `text` names (one of REGIONS), SKIPPED (answering only), or None when it names none or several.

    answering: `text` answers "Where do you live?", so short forms ("us", "oz") and "somewhere else" count.
    """
    lowered = f" {_plain(text)} "
    if answering and _SKIP_PLACE.search(lowered.strip()):
        return SKIPPED
    found: set[str] = set()
    names = [(name, region) for region, places in _PLACES.items() for name in places]
    if answering:
        names += [(name, region) for region, places in _ANSWER_PLACES.items() for name in places]
    for name, region in sorted(names, key=lambda pair: -len(pair[0])):
        if f" {name} " in lowered:
            found.add(region)
            lowered = lowered.replace(f" {name} ", " ")  # "northern ireland" is not also "ireland"
    return found.pop() if len(found) == 1 else None


def _plain(text: str, *, keep: str = "'") -> str:
    """Lowercase, without accents, with "u.k." as "uk" and other punctuation (but `keep`) as spaces."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"\b([a-z])\.(?=[a-z]\b)", r"\1", text).replace(".", " ")
    text = re.sub(rf"[^\w\s£$€{re.escape(keep)}]", " ", text)
    return " ".join(text.split())
