"""The guard in the borrower's language (issue 15): Chinese threats blocked under the
right rule, protective Chinese texts allowed, and disclosures per language.

Expected rule ids and texts are written here by hand (not read from rules.yml or
config/compliance.yml), so an edit that stops catching a kind, or that swaps a
borrower's disclosure back to English, fails here.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.compliance import OutboundContext, check_outbound, check_text, disclosures_for, effective_profile
from bot.compliance.matching import find_violations
from bot.compliance.outbound import required_disclosures
from bot.compliance.profiles import load_profiles
from bot.config.errors import ConfigError

# (text, the rule that must block it first): each kind the Chinese rules prohibit.
ZH_BLOCKED = [
    # the contact list, family, employer, colleagues, school; posting to moments
    ("不还钱就爆你通讯录，让所有人都知道。", "third_party_shaming"),
    ("我们今天就联系您的单位领导。", "third_party_shaming"),
    ("明天给你同事打电话说说你欠钱的事。", "third_party_shaming"),
    ("我们会联系您的家人，让他们替你还。", "third_party_shaming"),
    ("把你欠钱的事发到朋友圈。", "third_party_shaming"),
    ("我们会通知你孩子的学校老师。", "third_party_shaming"),
    ("马上还，不然我们就联系你老婆。", "third_party_shaming"),
    ("你不接电话我们就联系你父母。", "third_party_shaming"),
    # disclosure to anyone
    ("你的欠款信息会让全小区的人都知道。", "third_party_shaming"),
    # impersonating a court, lawyer or government; the police or court as an imminent action
    ("我们是朝阳区人民法院，请立即还款。", "impersonation"),
    ("我是XX律师事务所的张律师，你的案子我们接了。", "impersonation"),
    ("这里是市政府金融办，请配合处理欠款。", "impersonation"),
    ("你的案子已移交公安。", "threat_of_arrest"),
    ("材料已经送到检察院，再不还就刑拘。", "threat_of_arrest"),
    ("律师函已发出，请注意查收。", "threat_of_legal_action"),
    ("明天立案，等着收传票吧。", "threat_of_legal_action"),
    # violence and visits
    ("我们明天上门。", "threat_of_visit"),
    ("我们的人会去您家找您。", "threat_of_visit"),
    ("明天到您单位等你。", "threat_of_visit"),
    ("小心点，后果自负。", "threat_of_violence"),
    ("出门注意安全，别怪我们没提醒。", "threat_of_violence"),
    ("再不还钱，别怪我们对你不客气了。", "threat_of_violence"),
    # insults and humiliation
    ("你这个老赖。", "insult"),
    ("你就是个骗子。", "insult"),
    ("真不要脸，欠钱不还。", "insult"),
    # borrowing elsewhere to repay
    ("去别的平台借钱先把我们还了。", "borrow_elsewhere"),
    ("以贷养贷也要今天还上。", "borrow_elsewhere"),
    ("找亲戚朋友借一下，今天必须还清。", "borrow_elsewhere"),
    # veiled threats about children and school
    ("我们知道您孩子在哪个学校。", "veiled_threat"),
    ("你儿子几点放学我们都清楚。", "veiled_threat"),
]

# What a fair collector says: these must pass, rules and backstop together.
ZH_ALLOWED = [
    "我们不会联系您的家人或单位。",
    "任何自称公安的催收都是诈骗。",
    "您有权投诉。",
    "您有权向金融监管部门投诉我们的催收行为。",
    "我们绝不会上门，也不会去您的单位。",
    "如收到所谓法院通知，请先与我们核实。",
    "冒充我们的人是骗子，请勿转账。",
    "请不要为了还款去其他平台借钱。",
    "我们不会把您的欠款信息告诉任何第三方。",
    "您本期应还款1,280元，还款日为6月10日。回复“分期”可申请分期。",
    "不客气。这项安排还没有为您办理，需要我为您办理吗？",  # "you're welcome" read as 对你不客气 before the review
]

# Each language's kinds, one line each: the rule that fires first.
OTHER_BLOCKED = [
    ("Tutawaambia wafanyakazi wenzako kazini kuhusu deni lako.", "third_party_shaming"),
    ("Tunajua shule anayosoma mtoto wako.", "veiled_threat"),
    ("Chukua mkopo kwa app nyingine utulipe.", "borrow_elsewhere"),
    ("Ipapaalam namin sa boss mo ang utang mo.", "third_party_shaming"),
    ("Alam namin kung saang school nag-aaral ang anak mo.", "veiled_threat"),
    ("Kami dari pengadilan, bayar sekarang.", "threat_of_legal_action"),
    ("Pinjam saja ke aplikasi lain.", "borrow_elsewhere"),
    ("हमारे लोग कल आपके घर आएंगे।", "threat_of_visit"),
    ("हम आपके बॉस को आज ही सब बता देंगे।", "third_party_shaming"),
    ("तुम बहुत बेशर्म हो।", "insult"),
    ("Hum court se bol rahe hain.", "impersonation"),
]

OTHER_ALLOWED = [
    "Mohon jangan meminjam di aplikasi lain untuk membayar kami.",
    "Huwag kang mangutang sa ibang app para bayaran kami.",
    "हम आपके परिवार से कभी संपर्क नहीं करेंगे।",
    "कोई केस दर्ज नहीं हुआ है।",
    "किसी दूसरे ऐप से कर्ज़ न लें, पहले हमसे बात करें।",
]


@pytest.mark.parametrize("text,rule", ZH_BLOCKED + OTHER_BLOCKED)
def test_each_prohibited_kind_is_blocked_under_its_rule(text, rule):
    hits = find_violations(text)
    assert hits, f"no rule blocks {text!r}"
    assert hits[0][0].id == rule, (text, [(r.id, w) for r, w in hits])
    decision = check_text(text, "CN")
    assert not decision.allowed and decision.rule == f"prohibited_language.{rule}"


@pytest.mark.parametrize("text", ZH_ALLOWED + OTHER_ALLOWED)
def test_protective_texts_pass(text):
    assert find_violations(text) == [], text
    assert check_text(text, "CN").allowed, check_text(text, "CN")


def test_the_cn_block_names_the_chinese_rules():
    decision = check_text("我们明天上门。", "CN")
    assert "NIFA 2018" in decision.reason and "matched \"上门\"" in decision.reason


# Disclosures per language -------------------------------------------------------------

FIRST_ZH = "您正在与{lender}的自动助手{assistant}对话。"
STOP_ZH = "回复“退订”即可不再接收此类消息。"


def test_cn_disclosures_in_chinese_and_english_as_before():
    cn = load_profiles()["CN"]
    assert disclosures_for(cn, "zh") == {"first_message": (FIRST_ZH,), "proactive": (STOP_ZH,)}
    assert disclosures_for(cn, "zh-CN") == disclosures_for(cn, "zh")
    assert disclosures_for(cn, "en")["first_message"] == (
        "You are talking to {assistant}, an automated assistant for {lender}.",)
    assert disclosures_for(cn, "en")["proactive"] == ("回复退订 (reply 退订) to stop these messages.",)
    assert disclosures_for(cn, "sw") == disclosures_for(cn, "en")  # a language it lacks: English


@pytest.mark.parametrize("profile,language,stop_word", [
    ("KE", "sw", "STOP"), ("PH", "tl", "TIGIL"), ("ID", "id", "BERHENTI"), ("IN", "hi", "STOP"),
])
def test_each_profile_has_its_borrowers_language(profile, language, stop_word):
    p = load_profiles()[profile]
    translated, english = disclosures_for(p, language), disclosures_for(p, "en")
    assert set(translated) == set(english)
    for kind in ("first_message", "proactive"):
        assert translated[kind] != english[kind], (profile, kind)
    assert "{lender}" in translated["first_message"][0] and "{assistant}" in translated["first_message"][0]
    assert stop_word in translated["proactive"][0]
    assert stop_word.upper() in {k.upper() for k in p.channel_keywords}  # the word it names works


def test_us_has_no_translation_so_every_language_reads_english():
    us = load_profiles()["US"]
    assert disclosures_for(us, "zh") == disclosures_for(us, "en") == us.disclosures


def test_merged_profiles_give_each_its_own_text_in_the_language():
    merged = effective_profile(["ID", "CN"])
    zh = disclosures_for(merged, "zh")
    assert STOP_ZH in zh["proactive"]                                         # CN's, in Chinese
    assert "Balas BERHENTI (reply STOP) to stop these messages." in zh["proactive"]  # ID has no zh
    assert "Balas BERHENTI untuk berhenti menerima pesan ini." in disclosures_for(merged, "id")["proactive"]


# check_outbound in the borrower's language ---------------------------------------------------

def _proactive_cn() -> OutboundContext:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(timezone.utc)
    return OutboundContext(jurisdictions=("CN",), borrower_tz="Asia/Shanghai", now_utc=now, channel="sms",
                           is_proactive=True, is_first_message=True, lender="快还", assistant="小助")


def test_required_disclosures_in_chinese_are_filled():
    ctx = _proactive_cn()
    assert required_disclosures(ctx, language="zh") == ["您正在与快还的自动助手小助对话。", STOP_ZH]
    assert required_disclosures(ctx) == ["You are talking to 小助, an automated assistant for 快还.",
                                         "回复退订 (reply 退订) to stop these messages."]


def test_check_outbound_with_language_zh_wants_the_chinese_disclosure():
    ctx = _proactive_cn()
    text = "您好，这是一条还款提醒。"
    sent = " ".join([text, *required_disclosures(ctx, language="zh")])
    assert sent.endswith(STOP_ZH)
    assert check_outbound(sent, ctx, language="zh").allowed
    english = " ".join([text, *required_disclosures(ctx)])
    missing = check_outbound(english, ctx, language="zh")
    assert missing.rule == "missing_disclosure" and STOP_ZH in missing.reason
    assert check_outbound(english, ctx).allowed                       # default language: English, as before
    assert check_outbound(sent, ctx).rule == "missing_disclosure"


def test_campaign_plan_appends_the_borrowers_language():
    from bot.campaigns.plan import with_disclosures

    ctx = _proactive_cn()
    assert with_disclosures("提醒", ctx, "zh") == f"提醒 您正在与快还的自动助手小助对话。 {STOP_ZH}"
    assert with_disclosures("Reminder", ctx) == ("Reminder You are talking to 小助, an automated assistant for 快还. "
                                                  "回复退订 (reply 退订) to stop these messages.")


# The loader refuses a translation it cannot vouch for ----------------------------------------

BASE = """profiles:
  DEFAULT:
    contact_window: {all: "09:00-20:00"}
    frequency_caps: [{count: 3, window_days: 7}]
    cooldown_days_after_conversation: 2
    disclosures: {first_message: ["Hi from {lender}"], proactive: ["Reply STOP"]}
    disclosures_by_language: %s
    retention_years: 5
"""


@pytest.mark.parametrize("translations,message", [
    ("{zh: {first_message: ['来自{lender}的问候']}}", None),
    ("{ZH: {first_message: ['来自{lender}']}}", r"disclosures_by_language\.ZH: not a language code"),
    ("{en: {first_message: ['Hi {lender}']}}", r"disclosures_by_language\.en: not a language code"),
    ("{zh: {last_message: ['x']}}", r"disclosures_by_language\.zh\.last_message: not a disclosure"),
    ("{zh: {debt_collection: ['x']}}", r"zh\.debt_collection: 1 text\(s\) where disclosures\.debt_collection has 0"),
    ("{zh: {first_message: ['来自贷款方的问候']}}", r"zh\.first_message\[0\].*same \{placeholders\}"),
    ("{zh: {proactive: ['a', 'b']}}", r"zh\.proactive: 2 text\(s\) where disclosures\.proactive has 1"),
])
def test_translations_are_checked(tmp_path: Path, translations, message):
    path = tmp_path / "compliance.yml"
    path.write_text(BASE % translations, encoding="utf-8")
    if message is None:
        assert disclosures_for(load_profiles(path)["DEFAULT"], "zh")["first_message"] == ("来自{lender}的问候",)
        return
    with pytest.raises(ConfigError, match=message):
        load_profiles(path)
