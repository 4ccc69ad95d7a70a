"""Issue 13, round 2 of the self-harm net: indirect and code-mixed phrasings, and everyday messages.

The semantic check was switched off after it read "i was born 17 April 1991"
as ideation. It is on again with a guard that leaves identity data to the
patterns; these tests pin the guard, the pattern additions and the dev sets
(tests/nlu/dev_self_harm_everyday.yml, DEV: tuned on) without any model, and
the two messages of the issue through MiniLM when its weights are installed.
"""
from pathlib import Path

import pytest
import yaml

from bench import self_harm_dev
from bot.nlu import safety
from bot.nlu.safety import identity_only, mentions_self_harm, semantic_eligible

ROOT = Path(__file__).resolve().parents[3]

# Phrasings of the round-2 patterns, written for this test (not dev lines).
NEW_PATTERNS_CATCH = [
    "what's the point, I won't be here anyway", "I won't be around.", "soon I'll be gone!",
    "there will be no one left to chase", "I just want to disappear", "tonight is my last night",
    "I can't picture myself still alive at Christmas", "the insurance pays out if I was dead",
    "I want it all to end, forever", "I googled how many paracetamol it takes to die",
    "I'm sitting on the railway tracks", "the tablets are counted out", "sorry things ended this way",
    "I'm saying my goodbyes", "I won't need any of this anymore", "I can't carry on anymore",
    "sorry to all of you, bye", "this is farewell", "mummy loves you", "dad, I'm sorry, goodbye",
    "I wan leave this world", "baba nisamehe", "nataka kujimaliza", "nitajiondoa duniani",
    "sitakuwepo tena", "gusto ko na lang mamatay", "hindi na ako aabot bukas",
    "mawawala na lang ako", "patawad nanay", "ammi mujhe maaf kar do", "mummy ko bolna alvida",
    "jeene ki wajah nahi bachi", "mere marne ke baad sab khush", "mujhe bas mar jana hai",
    "mendingan aku mati", "kalo gue udah mati", "mengakhiri segalanya", "我不想再活下去",
]

# Everyday messages that sit next to the new patterns and must stay unflagged.
NEW_PATTERNS_PASS = [
    "I won't be here next week, I'm travelling", "I won't be there on Monday", "I'll be gone for a week",
    "there will be nobody at home to receive the letter", "I want to disappear from your call list",
    "today is my last day at work", "this is my last payment", "I can see myself paying this by June",
    "will my insurance cover the loan if I die", "how many payments does it take",
    "my pills are ready at the pharmacy", "I live near the railway line", "sorry, I'm saying goodbye for today",
    "I won't need the receipt", "this is the end of the month", "sorry ma'am, I'll pay tomorrow",
    "paalam, bukas na lang", "hindi ko na kaya magbayad ngayon", "pak, maafkan saya terlambat bayar",
    "aku pamit dulu ya", "kalau saya meninggal utangnya bagaimana", "saya mau mengakhiri pinjaman ini",
    "main sab khatam kar dunga is mahine", "mummy ko bol dena paise aa gaye", "sitakuwepo kesho",
    "mama amesema atalipa", "我走了，明天再聊",
]


@pytest.mark.parametrize("text", NEW_PATTERNS_CATCH)
def test_the_round_2_patterns_catch(text):
    assert mentions_self_harm(text), text


@pytest.mark.parametrize("text", NEW_PATTERNS_PASS)
def test_the_round_2_patterns_leave_everyday_messages_alone(text):
    assert not mentions_self_harm(text), text


IDENTITY = [
    "i was born 17 April 1991", "I was born on 17/04/1991", "dob 06/27/1991", "born 5th june 88",
    "my date of birth is 14 Feb 1999", "date of birth: 1990-11-02, ref LN-20931",
    "I was born 17 April 1991 and my loan is LN-20931", "my phone ends in 0934", "loan number LN 48213",
    "tanggal lahir saya 17 Agustus 1993", "nilizaliwa tarehe 4 Mei 1990", "ipinanganak ako noong Marso 3, 1992",
    "mera janam 5 June 1989 ko hua tha", "yes, it's me, born on the 2nd of March 1985",
]


@pytest.mark.parametrize("text", IDENTITY)
def test_identity_data_alone_skips_the_semantic_check(text):
    assert identity_only(text) and not semantic_eligible(text), text


@pytest.mark.parametrize("text", [
    "I wish I had never been born", "i was born to die", "born 1991, I want to die",
    "I am going to end my life on 17 April", "nobody needs me and I should just go away forever",
])
def test_a_message_with_anything_beyond_identity_data_is_still_compared(text):
    assert not identity_only(text) and semantic_eligible(text), text


def test_the_identity_guard_stops_a_vector_that_would_flag():
    """Even a vector right on a prototype is not enough when the text is identity data alone."""
    prototype = safety.np.eye(1, safety.EMBEDDING_DIM, dtype=safety.np.float32)
    contrast = safety.np.eye(1, safety.EMBEDDING_DIM, 1, dtype=safety.np.float32)
    vectors = (prototype, contrast)
    assert not safety.self_harm_risk("i was born 17 April 1991", prototype[0], vectors)
    assert safety.self_harm_risk("I feel so far away from everyone now", prototype[0], vectors)


def test_every_identity_word_is_a_lower_case_string():
    """YAML reads a bare on / yes / no as a boolean; such a word would silently never match."""
    words = safety.load_lexicon()["semantic"]["identity_words"]
    assert all(isinstance(w, str) and w == w.lower() for w in words)
    assert {"on", "yes", "no", "born", "april", "dob"} <= set(words)


def test_the_everyday_set_is_a_labelled_dev_set_of_300_plus_messages():
    text = self_harm_dev.EVERYDAY.read_text(encoding="utf-8")
    assert "DEV SET (tuned on)" in text.splitlines()[0]
    data = yaml.safe_load(text)
    assert {"acks", "greetings", "identity", "payment_talk", "angry", "hyperbole"} <= set(data["messages"])
    messages = self_harm_dev.everyday_messages()
    assert len(messages) >= 300 and len({t for _, t in messages}) == len(messages)
    assert "i was born 17 April 1991" in {t for _, t in messages}


def test_the_everyday_set_is_not_training_data():
    from bench.leak_guard import leaks, training_texts

    assert not leaks(training_texts(), [("dev", t) for _, t in self_harm_dev.everyday_messages()])


def test_no_everyday_dev_message_or_training_text_trips_the_patterns():
    everyday = [t for _, t in self_harm_dev.everyday_messages() if mentions_self_harm(t)]
    training = [t for _, t in self_harm_dev.training_negatives() if mentions_self_harm(t)]
    assert not everyday and not training, (everyday, training)
    assert len(self_harm_dev.training_negatives()) > 2000


def test_every_dev_positive_is_caught_by_the_patterns_and_round_2_is_there():
    positives, _ = self_harm_dev.dev_sets()
    assert len(positives) >= 220
    assert not [t for _, t in positives if not mentions_self_harm(t)]
    texts = {t for _, t in positives}
    assert {"pengen mati aja rasanya", "mai mar jaungi fir aap logo ko sukoon mil jayega",
            "gusto ko nang mamatay, pagod na ako sa lahat", "nataka kufa tu, siwezi tena"} <= texts


def test_the_pipeline_runs_the_semantic_check():
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    net = [step for step in config["pipeline"] if step["name"] == "bot.nlu.safety.SelfHarmSafetyNet"]
    assert net == [{"name": "bot.nlu.safety.SelfHarmSafetyNet", "semantic": True, "classifier": True,
                    "classifier_C": 10.0, "classifier_threshold": 0.25, "classifier_sure": 1.0}]
    assert (safety.SEMANTIC_THRESHOLD, safety.SEMANTIC_MARGIN, safety.SEMANTIC_MIN_WORDS) == (0.45, 0.05, 3)


# --- through MiniLM, as in production (skipped where the weights are not installed) ----
@pytest.fixture(scope="module")
def parse():
    try:
        from bot.nlu.featurizer import MiniLMFeaturizer
        from rasa.shared.nlu.training_data.message import Message

        featurizer = MiniLMFeaturizer(MiniLMFeaturizer.get_default_config(), "MiniLMFeaturizer")
    except Exception as exc:  # noqa: BLE001 - no weights or TensorFlow here: say so, do not fail
        pytest.skip(f"MiniLM not available: {exc}")
    net = safety.SelfHarmSafetyNet({"semantic": True})

    def run(texts):
        messages = [Message(data={"text": t}) for t in texts]
        featurizer.process(messages)
        net.process(messages)
        return [m.get("safety")["self_harm"] for m in messages]

    return run


def test_the_messages_of_the_issue_do_not_trip_the_semantic_check(parse):
    assert parse(["i was born 17 April 1991", "I'll think about it", "what do you want from me now"]) == [
        False, False, False]


def test_no_everyday_dev_message_reaches_the_crisis_hand_off(parse):
    texts = [t for _, t in self_harm_dev.everyday_messages()]
    assert [t for t, flagged in zip(texts, parse(texts)) if flagged] == []


def test_the_semantic_check_still_catches_what_it_is_for(parse):
    texts = ["I feel empty and I just want to stop being here", "nobody needs me and I should just go away forever"]
    assert not any(mentions_self_harm(t) for t in texts)
    assert parse(texts) == [True, True]
