"""Self-harm safety net: forces disclose_vulnerability on any self-harm mention.

Pipeline entry: - name: bot.nlu.safety.SelfHarmSafetyNet
(LAST, after FallbackClassifier.)

Runs on the raw text whatever the classifiers said, so no classifier error can
hide a message about suicide or self-harm. It prefers recall: a false
positive costs one kind hand-off to a person, a miss may cost a life
(see docs/nlu-entities.md for the trade-off and the measured rates).
``mentions_self_harm`` has no Rasa import so tests and the action server can use it.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List, Text

VULNERABILITY_INTENT = "disclose_vulnerability"
# The component reads this much of a message. The channels refuse longer
# messages before parsing (bot/channels/guard.py); the cap keeps a parse that
# comes through any other door bounded too. Every pattern below is linear
# (tests/security/test_regex_linear.py), so this is a second line, not the fix.
MAX_TEXT_CHARS = 2000

_MYSELF = r"(?:my\s*s[ae]?l[fv]e?|my\s*slef|my\s*sef|mysefl|me\s*self|ma\s*self|mi\s*self|myslf|mysel|myself+)(?![a-z])"
_NOT_MONEY = r"(?!\s+(?:insurance|cover|policy|savings|loan|plan|subscription))"

# Keep every pattern linear: never two unbounded quantifiers that can take the
# same characters one after the other ("\s*(?:to)?\s+", "l+(?:l+)?"), or a
# run of spaces or letters is split every possible way (quadratic, worse when
# nested). tests/security/test_regex_linear.py feeds each such input 100 KB.
# English: direct, indirect, euphemistic and misspelt forms.
_ENGLISH = [
    r"(?<!\d)(?<!\d )(?<!my )(?<!the )(?<!in )\bkms\b",
    rf"\bk+i+l+(?:ing|in)?\s*{_MYSELF}",
    r"\bsu+[iy]?c+[iy]?[dst]+[ea]?\w*|\bsuicd\w*|\bsucid\w*|\bsuiside\w*|\bsewer\s*slide\b|\bcommit\s+sudoku\b",
    r"\bun-?aliv\w*",
    rf"\bend(?:ing|ed)?\s+(?:my|this|me)\s+(?:own\s+)?(?:life|lyf|lyfe|existence){_NOT_MONEY}",
    rf"\btak(?:e|ing)\s+my\s+(?:own\s+)?life{_NOT_MONEY}",
    r"\b(?:end|ending|finish)\s+it\s+(?:all|tonight|today|now|for\s+good)\b|\bend\s+everything\b|\bput\s+an\s+end\s+to\s+(?:it\s+all|my\s+life|everything|myself)\b",
    r"\b(?:wan+a?|want|wnt|w[au]nt|wish|need|ready|deserve|rather|prefer|just\s+wanna|should|tryna|trying|gonna\s+go|about)(?:\s*(?:to|2|t))?\s+(?:just\s+)?d(?:ie|y)\b(?!\s+(?:for|of\s+laugh))",
    r"\bwan\s+(?:just\s+)?die\b|\bmake\s+i\s+(?:just\s+)?die\b",
    r"\bbetter\s+off\s+(?:dead|without\s+me|gone)\b",
    r"\bwish\s+i\s+(?:was|were|wasn'?t|weren'?t|had\s+never\s+been|was\s+never|never\s+was)\s+(?:dead|alive|born|here|around)\b|\bwish\s+i\s+(?:could\s+)?(?:die|disappear\s+forever)",
    r"\b(?:no|nothing|zero)\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|go(?:ing)?\s+on|be(?:ing)?\s+alive|stay(?:ing)?\s+alive)\b|\bnothing\s+(?:left\s+)?to\s+live\s+for\b",
    r"\b(?:life\s+(?:is|isn'?t|is\s+not)\s+(?:not\s+)?worth\s+(?:living|it\s+any\s*more)|not\s+worth\s+living)\b",
    r"\b(?:don'?t|dont|do\s+not|dnt|no)\s+(?:want|wanna|wan|wish)(?:\s*(?:to|2))?\s+(?:live|be\s+alive|exist|wake\s+up|be\s+(?:here|around)\s+(?:any\s*more|no\s*more|much\s+longer))\b",
    r"\b(?:won'?t|will\s+not|not\s+gonna|not\s+going\s+to)\s+be\s+(?:here|around|alive)\s+(?:much\s+longer|tomorrow|any\s*more|for\s+long)\b",
    r"\bcan'?t\s+go\s+on\s+(?:living|any\s*more|like\s+this)\b|\b(?:tired|sick)\s+of\s+(?:living|being\s+alive|life)\b|\bgive\s+up\s+on\s+life\b|\bgiving\s+up\s+on\s+life\b",
    r"\b(?:take|taking|swallow|swallowing|down|drink)\s+(?:all\s+(?:of\s+)?(?:(?:my|the|these|those|them)\s*)?|(?:a\s+(?:whole\s+)?(?:bottle|box|pack)\s+of|a\s+bunch\s+of|the\s+whole\s+(?:bottle|box|pack)(?:\s+of)?|(?:my|the)\s+whole\s+(?:bottle|box|pack)\s+of)\s*)(?:\w+\s+)?(?:pills|tablets|meds|medication|panadol|paracetamol)\b|\boverdos\w*|\bOD\s+on\b",
    r"\b(?:jump|jumping|throw\s+myself)\s+(?:off|from|in\s+front\s+of|under)\s+(?:a|the|this|that)\s+(?:\w+\s+)?(?:bridge|building|roof|rooftop|cliff|train|bus|car|lorry|truck|balcony|window|floor|storey)\b",
    r"\bhang(?:ing)?\s+" + _MYSELF + r"|\bnoose\b",
    rf"\b(?:cut|cutting|slit|slitting|burn|burning)\s+(?:{_MYSELF}|my\s+wrists?)(?!\s+(?:a|some)\s+(?:break|slack|deal))",
    rf"\b(?:hurt|harm|hurting|harming)\s+{_MYSELF}\b(?!\s+(?:at\s+work|playing|lifting))|\bself[\s-]*harm\w*",
    r"\b(?:drink|drinking|take|taking|swallow)\s+(?:rat\s+)?poison\b|\b(?:drink|take|taking|drinking)\s+sniper\b",
    r"\b(?:sleep|go\s+to\s+sleep)\s+(?:forever|and\s+never\s+wake\s+up)\b|\bnever\s+wake\s+up\b|\bdisappear\s+forever\b",
    r"\btire\s+for\s+(?:this\s+)?life\b",
    r"\bfeel(?:ing)?\s+like\s+dying\b|\b(?:want|wanna|wish)\s+(?:to\s+)?be\s+dead\b|\bdone\s+with\s+(?:life|living)\b|\bend\s+" + _MYSELF + r"|\b(?:just\s+)?kill\s+me\s+now\b|\bjust\s+kill\s+me\b|\b(?:see|find)\s+(?:the\s+|any\s+)?point\s+(?:in|of)\s+(?:living|life|going\s+on|being\s+alive)\b|\b(?:want|wanna|going|gonna)\s+(?:to\s+)?end\s+it\b(?!\s+\w)|\bno\s+point\s+(?:in\s+)?(?:living|being\s+alive|going\s+on)\b",
    r"\b(?:i\s+(?:will|shall|go|wan)|i'?ll)\s+(?:just\s+)?(?:die|end\s+it)\b(?!\s+(?:of|from|laugh))",
]

# Other languages (romanised where the language is usually typed that way).
_OTHER = [
    # Swahili: kujiua (kill oneself), nitajiua, kujinyonga (hang oneself), nataka kufa, sitaki kuishi
    r"jiu[ae]\b|jinyong|\bnataka\s+kufa\b|\bsitaki\s+kuishi\b|\bkujitoa\s+uhai\b",
    # Tagalog: magpapakamatay, gusto ko nang mamatay, ayoko nang mabuhay, patayin sarili
    r"pakamatay|\bgusto\s+(?:ko\s+)?(?:na(?:ng)?\s+)?mamatay\b|\bayoko\s+na(?:ng)?\s+mabuhay\b|\bpatayin\s+(?:ko\s+)?(?:na\s+)?(?:ang\s+)?sarili\b",
    # Hindi/Urdu romanised: khudkushi, aatmahatya, marna chahta, jeena nahi chahta
    r"\bk+h+u+d\s*k+h?u+s+h?i\b|\baa?tma?\s*hatya\b|\bmarna\s+chaht[aie]\b|\bmar\s+jaa?na\s+chaht|\bjee?na\s+nahi\s+chaht|\bzindagi\s+khatam\s+kar|\bjaan\s+de\s+d(?:unga|ungi|oon)|\bkhud\s+ko\s+maar",
    r"आत्महत्या|खुदकुशी|ख़ुदकुशी|मरना\s*चाहत|जीना\s*नहीं\s*चाहत",
    # Indonesian/Malay: bunuh diri, ingin mati, mengakhiri hidup, gantung diri
    r"\bbunuh\s*diri\b|\b(?:ingin|pengen|pingin|mau|ingin\s+aku)\s+mati\b|\bmengakhiri\s+hidup\b|\bgantung\s+diri\b|\b(?:tidak|ga|gak|nggak|tak)\s+mau\s+hidup\s+lagi\b",
    # Chinese
    r"自杀|自殺|想死(?!你)|不想活|活不下去|结束生命|結束生命|轻生|輕生|跳楼|跳樓|割腕|上吊|寻死|尋死",
    # Spanish (common in US and Philippine messages)
    r"\bsuicidarme\b|\bquiero\s+morir(?:me)?\b|\bmatarme\b",
]

_PATTERN = re.compile("|".join(f"(?:{p})" for p in _ENGLISH + _OTHER), re.I)
_LEET_RUN = re.compile(r"[0-9!@$]+")
_LEET = str.maketrans({"1": "i", "!": "i", "3": "e", "0": "o", "@": "a", "$": "s", "4": "a", "7": "t"})


def _variants(text: str) -> List[str]:
    """Normalised forms of text: plain, squeezed repeats, and leetspeak undone."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = t.replace("\u2019", "'").replace("\u2018", "'")
    t = re.sub(r"[_*~|]+", " ", t)
    t = re.sub(r"\s+", " ", t)
    squeezed = re.sub(r"([a-z])\1{2,}", r"\1\1", t)
    no_apos = squeezed.replace("'", "")
    leet = _LEET_RUN.sub(_unleet, squeezed)
    return list(dict.fromkeys([t, squeezed, no_apos, leet]))


def _unleet(run: re.Match) -> str:
    """A run of digits/symbols touching a letter is leetspeak ("k1ll", "d13"); a bare number is not.

    Looks at the neighbours of the whole run instead of a lookahead per
    position, which made a long run of digits quadratic.
    """
    text, start, end = run.string, run.start(), run.end()
    touches = (start > 0 and "a" <= text[start - 1] <= "z") or (end < len(text) and "a" <= text[end] <= "z")
    return run.group(0).translate(_LEET) if touches else run.group(0)


def mentions_self_harm(text: str) -> bool:
    """True when text mentions suicide or self-harm (recall first)."""
    if not text:
        return False
    return any(_PATTERN.search(v) for v in _variants(text))


def force_vulnerability(data: Dict[Text, Any]) -> None:
    """Set the intent to disclose_vulnerability at confidence 1.0, first in ranking."""
    top = {"name": VULNERABILITY_INTENT, "confidence": 1.0}
    ranking = [r for r in data.get("intent_ranking") or [] if r.get("name") != VULNERABILITY_INTENT]
    data["intent"] = dict(top)
    data["intent_ranking"] = [dict(top)] + ranking


try:  # the Rasa component; the pure function above works without Rasa
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.shared.nlu.training_data.message import Message
except ImportError:  # pragma: no cover - only when Rasa is absent
    GraphComponent = None

if GraphComponent is not None:

    @DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
    class SelfHarmSafetyNet(GraphComponent):
        """Last pipeline step: overrides the intent when self-harm is mentioned."""

        @staticmethod
        def get_default_config() -> Dict[Text, Any]:
            return {}

        def __init__(self, config: Dict[Text, Any]) -> None:
            self.component_config = config

        @classmethod
        def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
                   resource: Resource, execution_context: ExecutionContext) -> "SelfHarmSafetyNet":
            return cls(config)

        def process(self, messages: List[Message]) -> List[Message]:
            for message in messages:
                flagged = mentions_self_harm((message.get("text") or "")[:MAX_TEXT_CHARS])
                if flagged:
                    data = {"intent_ranking": message.get("intent_ranking")}
                    force_vulnerability(data)
                    message.set("intent", data["intent"], add_to_output=True)
                    message.set("intent_ranking", data["intent_ranking"], add_to_output=True)
                message.set("safety", {"self_harm": flagged}, add_to_output=True)
            return messages
