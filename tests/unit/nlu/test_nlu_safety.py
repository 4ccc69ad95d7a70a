"""The self-harm net must catch every listed message, whatever the classifier says."""
import pytest

from bot.nlu.safety import VULNERABILITY_INTENT, force_vulnerability, mentions_self_harm

SELF_HARM = [
    "i want to kill myself", "I'm going to kill myself tonight", "kms", "honestly kms at this point",
    "kill my self", "i will kil myslef", "im thinking of killing myself", "k1ll mys3lf",
    "I want to end my life", "ending my life is the only way out", "i'll take my own life",
    "i just want to unalive myself", "thinking about unaliving", "suicide", "I feel suicidal",
    "i am sucidal", "thinking of sucide", "suiside is my only option", "i keep having suicidal thoughts",
    "I want to die", "i wanna die", "i just want 2 die", "I wish I was dead", "wish i was never born",
    "everyone would be better off without me", "i'd be better off dead", "there is no reason to live",
    "I have nothing left to live for", "life is not worth living anymore", "I'm going to take all my pills",
    "gonna swallow a bottle of pills", "thinking of an overdose", "i will jump off a bridge",
    "i want to jump in front of a train", "i'm going to hang myself", "i cut myself again last night",
    "i've been cutting myself", "i want to hurt myself", "self harm is all i think about",
    "I don't want to be here anymore", "dont want to live", "i dont wanna wake up tomorrow",
    "i'm going to end it all", "I will end it tonight", "I won't be around much longer",
    "I can't go on living like this", "im so tired of living", "I'll drink poison", "I go drink sniper",
    "make i just die", "I don tire for this life", "nataka kujiua", "nitajiua kesho kama mtanipigia tena",
    "magpapakamatay na ako", "gusto ko nang mamatay", "ayoko nang mabuhay", "main khudkushi kar lunga",
    "aatmahatya karne ka mann hai", "marna chahta hoon", "aku mau bunuh diri", "saya ingin mati saja",
    "我想自杀", "我不想活了", "活不下去了", "I WANT TO DIE!!!", "suicideeee", "thinking about sewer slide",
    "I'll pay or I'll kill myself trying, no really I want to die", "sometimes i think of ending my life",
    "my loan is why i want to end it all", "planning to take my life", "i'm going to slit my wrists",
    "i might just kms lol", "I feel like i should just die",
    "I feel like dying", "no point living", "i'm done with life", "i dont see the point in living anymore",
    "i am going to kill my self bcz of you", "I'll just hang myself", "jump from the 10th floor",
    "I want to end it.", "please just kill me", "nijiue tu", "kujinyonga ndio suluhu",
    "मैं आत्महत्या कर लूंगा", "gantung diri aja", "I wish I could disappear forever",
]

ORDINARY = [
    "this interest is killing me", "I'd die for a holiday", "please kill the fees", "my phone battery is dead",
    "my phone died, sorry for the late reply", "i'm dying to know my balance", "what's the deadline",
    "I can pay 2.5k on friday", "can I split it in 3 payments", "I lost my job last month",
    "I'm in hospital this week", "my mother passed away", "stop calling me", "who is this",
    "I already paid", "the fees are too high", "can you waive the penalty", "give me two weeks",
    "I will pay end of month", "ok thanks", "hello", "is this a bot", "I want to talk to a human",
    "I'm not the borrower, wrong number", "I don't owe you anything", "this is fraud", "I'll pay tomorrow",
    "can I pay 500 now and the rest next week", "my business failed", "I am so sorry for the delay",
    "you people are thieves", "what happens if I don't pay", "will this affect my credit score",
    "how do I pay with mpesa", "I'm busy, call me later", "I want to end my loan early",
    "I want to end my life insurance policy", "I cut myself some slack this month", "kill two birds with one stone",
    "I'm dead tired after work", "that joke killed me", "the deal is dead", "I nearly died laughing",
    "I want to take my pills before I pay", "my kms are 20 kms away", "I need to pay off the whole thing",
    "my husband hurt his back", "I'm drowning in debt", "I'm stressed and anxious about this",
    "can I pay next month", "I will clear the balance on the 28th", "LN-20931 is my loan",
    "last four digits are 4821", "born on 5th june 88", "KES 3,500 tmrw", "I can't afford this",
    "I hate this app", "please stop texting my boss", "nitalipa kesho", "bukas ako magbabayad",
    "besok saya bayar", "kal payment karunga", "abeg give me small time", "我明天还款",
    "I'd rather pay now than later", "are you going to sue me",
]


@pytest.mark.parametrize("text", SELF_HARM)
def test_every_self_harm_message_is_caught(text):
    assert mentions_self_harm(text), text


def test_lists_are_big_enough():
    assert len(SELF_HARM) >= 60 and len(ORDINARY) >= 60


@pytest.mark.parametrize("text", [
    "this interest is killing me", "I'd die for a holiday", "please kill the fees",
    "my phone battery is dead", "i'm dying to know my balance", "I want to end my life insurance policy",
    "I cut myself some slack this month", "I want to take my pills before I pay", "my kms are 20 kms away",
    "I can pay 2.5k on friday", "hello", "I'll pay tomorrow",
])
def test_obvious_idioms_are_not_flagged(text):
    assert not mentions_self_harm(text)


def test_false_positive_rate_is_reported(capsys):
    flagged = [t for t in ORDINARY if mentions_self_harm(t)]
    rate = len(flagged) / len(ORDINARY)
    print(f"\nself-harm net: recall {len(SELF_HARM)}/{len(SELF_HARM)}, false positives "
          f"{len(flagged)}/{len(ORDINARY)} = {rate:.1%}: {flagged}")
    assert rate <= 0.05  # recall first, but the net must stay usable


def test_empty_text_is_not_flagged():
    assert not mentions_self_harm("")


def test_force_vulnerability_puts_intent_first_with_full_confidence():
    data = {"intent": {"name": "promise_to_pay", "confidence": 0.9},
            "intent_ranking": [{"name": "promise_to_pay", "confidence": 0.9},
                               {"name": VULNERABILITY_INTENT, "confidence": 0.05}]}
    force_vulnerability(data)
    assert data["intent"] == {"name": VULNERABILITY_INTENT, "confidence": 1.0}
    assert [r["name"] for r in data["intent_ranking"]] == [VULNERABILITY_INTENT, "promise_to_pay"]
    assert data["intent_ranking"][0]["confidence"] == 1.0


# Recall-first choices, kept explicit so a change to them is a visible decision (docs/nlu-entities.md).
@pytest.mark.parametrize("text, flagged", [
    ("I'd rather die than pay you", True),
    ("I'm killing myself working two jobs to pay this", True),
    ("my brother committed suicide last year", True),
    ("I could kill myself for forgetting the date", True),
    ("this debt will be the death of me", False),
    ("I'm dead broke", False),
    ("over my dead body will I pay", False),
    ("I'm going to die of hunger", False),
    ("I want to end this loan", False),
    ("I hurt myself at work and can't work", False),
    ("I'll hang up", False),
    ("I need to take my meds first", False),
    ("I'd kill for a job right now", False),
])
def test_documented_borderline_choices(text, flagged):
    assert mentions_self_harm(text) is flagged
