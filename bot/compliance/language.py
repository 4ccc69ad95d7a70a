"""Prohibited language in collector messages, as transparent pattern rules.

Why patterns and not a model: every block must be explainable to an auditor
("threatens arrest: matched 'will be arrested'"), and a rule can be read and
corrected by compliance staff. Each rule is a list of regexes plus a reason.

Negation: a rule marked `negatable` does not fire in a sentence that also holds a
negation ("we will NOT call your employer", "court action is NOT planned").
Before that test, phrases where the negation belongs to the borrower's
non-payment ("if you don't pay", "for not paying") or to an intensifier ("we will
not hesitate") are rewritten, because they make a threat stronger, not weaker.
Insults, violence and urgency are never negatable ("don't be a coward").

Tuned on tests/compliance/*.txt; precision and recall are in docs/compliance.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.compliance.decision import ALLOW, Decision
from bot.compliance.profiles import Profile, get_profile


@dataclass(frozen=True)
class Rule:
    id: str
    reason: str  # an auditor-readable sentence; the matched words are appended
    patterns: tuple[re.Pattern, ...]
    negatable: bool


def _rule(rule_id: str, reason: str, negatable: bool, *patterns: str) -> Rule:
    return Rule(rule_id, reason, tuple(re.compile(p, re.IGNORECASE) for p in patterns), negatable)


_WHO = (r"((whole |entire )?(street|family|relatives?|parents|mother|father|mum|mom|dad|brothers?|"
        r"sisters?|siblings|in-laws|cousins?|uncles?|aunts?|wife|husband|spouse|children|kids|friends?|"
        r"employer|boss|manager|colleagues?|co-?workers|hr|hr department|neighbou?rs?|church( group)?|"
        r"community|village|town|neighbou?rhood|references?|guarantors?|contacts|whatsapp contacts|"
        r"contact list|phone ?book|everyone|everybody|"
        r"pastor|priest|imam|chief|elders|landlord|teachers?|next of kin))")

RULES: tuple[Rule, ...] = (
    _rule("threat_of_arrest",
          "Threatens arrest, jail, police or criminal action over a debt; a debt is a civil matter "
          "and such threats are false and intimidating", True,
          r"\barrest(ed|ing)?\b", r"\bjail\b", r"\bprison\b", r"\blocked up\b", r"\bin a cell\b",
          r"\bwarrant\b", r"\bpolice\b", r"\bcops?\b", r"\b(file|press|bring) (criminal )?charges\b",
          r"\bauthorities\b", r"\blocked away\b", r"\bbehind bars\b",
          r"\b(dci|efcc|nbi|fbi|cid)\b", r"\byour fraud\b", r"\bpick you up\b", r"\blaw enforcement\b",
          r"\b(police|recovery|arresting|enforcement) officers?\b",
          r"\bofficers? (will|are coming|have been)\b", r"\bdetain",
          r"\bcriminal\b", r"\bprosecut", r"\bcrime\b", r"\btheft\b", r"\bsheriff\b",
          r"\bimmigration\b", r"\bvisa\b.{0,25}\b(cancel|revok|refus|denied)",
          r"坐牢|报警|拘留|公安", r"\b(penjara|polisi|ditangkap)\b", r"\b(kulong|pulis|makukulong)\b"),
    _rule("threat_of_violence",
          "Threatens violence, harm or an intimidating visit", False,
          r"\bhurt\b", r"\bwe know where (you|your)\b", r"\bwatch your back\b", r"\bbreak (down )?your\b",
          r"\bdeal with you\b", r"\bsomething bad\b", r"\bhostile\b", r"\bcome for you\b",
          r"\bregret (this|it)\b", r"\byou('ll| will)? regret\b", r"\bsee what happens\b",
          r"\byou('ll| will) be sorry\b", r"\b(test|try|mess with|play with) us\b", r"\bwill suffer\b",
          r"\bthe longer you (hide|ignore)", r"\bworse it (gets|will get) for you\b"),
    _rule("threat_of_visit",
          "Threatens an intimidating visit to the borrower's home, work or family", True,
          r"\bsend (the boys|someone|people|collectors|our (men|people|team|agents)) ",
          r"\boutside your (house|home|door|office)\b",
          r"\b(come|coming|visit) to your (house|home|office|workplace)\b",
          r"\b(send|sending|dispatch)\w* (a |an |our )?((recovery|collection|field) )?(team|agents?|officers?|collectors|people|someone)\b",
          r"\b(be|come|show up|turn up) (at|to) your (gate|door|house|home|office|work)\b",
          r"\bcome knocking\b",
          r"\bknock(ing)? on your\b",
          r"\bfield (team|agents?|visit)\b.{0,30}\b(visit|come)", r"上门"),
    _rule("threat_of_legal_action",
          "Threatens court or legal action, which a bot message must never do: the action may not "
          "be intended or lawful, and the threat itself is pressure", True,
          r"\bsu(e|es|ed|ing)\b", r"\blawsuit\b", r"\blegal (action|proceedings?|steps)\b", r"\blitigation\b",
          r"\btake you to court\b", r"\bour advocates?\b", r"\blegal demand\b",
          r"\b(before|in front of) a (judge|court|magistrate)\b", r"\bcourt (action|order|summons|case)\b",
          r"\bsummons\b",
          r"\bjudg(e)?ment (will|against|has|is)\b", r"\bsolicitors?\b.*\b(court|action)\b",
          r"\b(lawyers?|attorneys?|legal (team|department))\b.{0,20}\b(preparing|drafting|obtained|filing|will)\b",
          r"\b(final|last) (warning|notice)\b", r"起诉|法院传票", r"\b(gugatan|pengadilan)\b",
          r"\b(kaso|demanda)\b"),
    _rule("false_consequence",
          "States a consequence that is false or not in the borrower's agreement (seizure, "
          "garnishment, blacklisting, job loss, government sanctions)", True,
          r"\bgarnish", r"\bseize", r"\bfreeze your\b", r"\brepossess", r"\bbailiffs?\b",
          r"\bblacklist", r"\bnever get a (loan|job)\b", r"\bnever work\b",
          r"\btake (your|everything)\b.{0,20}\b(land|house|car|property|own)\b",
          r"\btake everything\b", r"\bfrom your (relatives|family|friends)'? ?(accounts?|salary)\b",
          r"\bdestroy your\b",
          r"\b(recover|collect|take|deduct)\w* .{0,30}\bfrom your( [\w-]+)? " + _WHO, r"\blose your (job|house|home)\b",
          r"\blose everything\b",
          r"\bblocked by the government\b", r"\bsim card\b.{0,40}\bblocked\b"),
    _rule("impersonation",
          "Pretends to be, or to act for, a court, the police, a lawyer or a government body", True,
          r"\b(this is|i am|i'm|we are)( calling)?( from)? (the )?(court|police|magistrate|judge|ministry|government|central bank)\b",
          r"\b(this is|i am|i'm) (officer|attorney|lawyer|judge|inspector|sergeant)\b",
          r"\b(message|notice|call) from the (police|court|national bureau|ministry|central bank|government|dci|nbi)\b",
          r"\b(from|of) the (district |high |magistrate'?s? )?court\b", r"\bofficial notice\b",
          r"\blegal summons\b", r"\bissued by the (court|magistrate|judge|police)\b",
          r"\bgovernment agents?\b",
          r"\bon behalf of the (court|police|government)\b", r"\bcourt has authori[sz]ed\b",
          r"\b(cyber ?crime|criminal) (unit|case)\b", r"\blawyers? acting\b"),
    _rule("insult",
          "Insults, profanity or demeaning language towards the borrower", False,
          r"\b(thief|liar|cheat|lazy|useless|idiot|stupid|moron|losers?|pathetic|deadbeat|disgrace|clown|"
          r"worthless|scammers?|fraudster|crook|coward|bastard|scum|parasite|trash|miserable|shameless|disgraceful|irresponsible|greedy|dishonest)\b",
          r"\b(a|total|complete|utter) failure\b", r"\b(like an?|you) (rat|pig|dog|animal)s?\b",
          r"\bpeople like you\b", r"\bexcuse for a\b", r"\bworst kind\b", r"\bcon (artist|man|woman)\b",
          r"\byou people\b", r"\bashamed of yourself\b", r"\bshame on you\b",
          r"\b(damn|hell|shit|fuck\w*|crap|bloody)\b", r"\bwasting my time\b", r"\bgrow up\b",
          r"\bquit whining\b", r"\bwhat kind of (idiot|person)\b", r"\byour lies\b",
          r"\bare you (stupid|deaf|dumb)\b",
          r"\bwhat'?s wrong with you\b", r"\bwhat the hell\b", r"不要脸|老赖", r"\b(bodoh|tolol)\b",
          r"\b(tanga|gago|walang hiya)\b"),
    _rule("third_party_shaming",
          "Threatens to tell, or shames the borrower in front of, family, employer, contacts or "
          "social media; the debt must not be disclosed to third parties", True,
          r"\b(tell|inform|notify|call|ring|phone|contact|message|text|visit|report you to|alert|email|write to|send (\w+ ){1,2}to)( all| everyone in)?( of)? your( [\w-]+)? " + _WHO,
          r"\b(tell|inform|notify|call|contact|message) (everyone|everybody|people|all those) (who|that) knows? you\b",
          r"\b(everyone|everybody|people) at your (work|office|workplace|church|school)\b",
          r"\bmake sure your " + _WHO,
          r"\byour " + _WHO + r" (hears?|finds? out|learns?|knows?|sees?) about (it|this|your)\b",
          r"\byour " + _WHO + r"\b.{0,15}\b(will|would|might|may|could|is going to|are going to)\b.{0,25}"
          r"\b(call|message|visit|letter|report|know|hear|see|told|informed|involved|dragged|contacted|receive)",
          r"\b(call|message|visit|report|write|sen[dt]|email)\w*\b.{0,40}\byour " + _WHO + r"\b",
          r"\b(disgrace|embarrass|shame) you\b", r"\b(will|would) be (embarrassed|ashamed|humiliated)\b",
          r"\bviral\b", r"\bdefaulters?\b", r"\bnext on our list\b", r"\bdishono(u)?r\b",
          r"\byour (facebook|instagram|tiktok|twitter)\b",
          r"\b(announce|broadcast|spread|publish|advertis)\w*\b.{0,40}\b(workplace|work|office|town|village|online|church)\b",
          r"\b(billboard|online|internet)\b.{0,30}\b(name|photo|face|debt)\b|\b(name|photo|face|debt)\b.{0,40}\b(billboard|online|internet)\b",
          r"\byour " + _WHO + r"( \w+)? (will|would|might|may|could|is going to|are going to)( (?!not\b|never\b)\w+)? "
          r"(think|find out|know|hear|learn|be told|be informed|be notified|be embarrassed|see|be contacted)\b",
          r"\b(if|when|once) your " + _WHO + r"( \w+)? (hear|heard|hears|find out|finds out|found out|learns?|knew|knows|sees)\b",
          r"\bsocial media\b",
          r"\b(post|publish|share|tag)\w* (your|you)\b",
          r"\b(list of|as a) (defaulters?|fraudsters?|scammers?)\b",
          r"\bdefaulters? list\b", r"\bposters?\b", r"\bhumiliat", r"\bin front of your\b",
          r"\bname and shame\b",
          r"\bruin your reputation\b", r"\bexpose you\b", r"\byour contact list\b", r"\bphone ?book\b",
          r"\byour (contacts|references)\b", r"\bwhatsapp contacts\b", r"\b(imagine|think) what your\b",
          r"通讯录|曝光", r"\bsebar (data|foto)\b", r"\b(ipapahiya|ipagkakalat)\b"),
    _rule("borrow_elsewhere",
          "Pressures the borrower to borrow, sell belongings or use essential money to pay", True,
          r"\bborrow (from|money|some money)\b", r"\bborrow\b.{0,15}\bfrom\b",
          r"\b(get|ask for|take) (the |some )?money from\b",
          r"\b(take|get|apply for)( out)? (another|a new|a payday|a second|a) loan\b",
          r"\bloan (from|elsewhere|shark)\b", r"\bloan from another\b",
          r"\bsell (your|something|anything|it)\b",
          r"\bpawn\b", r"\bmortgage your\b",
          r"\buse your .{0,25}(credit card|school fees|rent|savings|food money)\b",
          r"\b(ask|get money from) your (family|relatives|friends|parents)( for money)?\b",
          r"\bfrom a loan shark\b"),
    _rule("deceptive_urgency",
          "Creates false urgency or vague menace to pressure an immediate payment", False,
          r"\b(in|within) \d+\s*(minutes?|mins?)\b", r"\b\d+\s*(hours?|hrs?|minutes?) (left|or)\b",
          r"\blast chance ever\b", r"\babsolute(ly)? (final|last)\b", r"\bact now or\b", r"\bor lose\b",
          r"\bwill be too late\b", r"\bserious consequences\b", r"\bsevere action\b", r"\bdrastic\b",
          r"\b(face|suffer) the consequences\b", r"\bbig trouble\b", r"\bor else\b", r"\bmake your life\b",
          r"\bmake (things|life|it)( very| really| so)? (uncomfortable|difficult|hard|hell)\b",
          r"\b(begin|start) enforcement\b", r"\benforcement action\b", r"\bthis is serious\b",
          r"\b(keep|will keep) (calling|messaging|texting)\b", r"\bday and night\b", r"\bevery hour\b",
          r"\buntil (you pay|this is paid|you settle)\b"),
)

# Rewrites applied before the negation test (see module docstring).
_REWRITES = (
    (re.compile(r"\b(if|when|unless|until|once) you (don't|do not|didn't|did not|won't|will not|can't|cannot|fail to|refuse to) \w+", re.I), r"\1 you default"),
    (re.compile(r"\b(for )?not paying\b|\bnon-?payment\b|\b(don't|doesn't|do not|does not) pay\b", re.I), "defaulting"),
    (re.compile(r"\b(will|would|shall) not hesitate\b|\bwon't hesitate\b", re.I), "will"),
    (re.compile(r"\b(if|unless|until) (this|it|the \w+|your \w+) (is|remains|stays) not (settled|paid|cleared)\b", re.I), r"\1 unpaid"),
    (re.compile(r"\bnot a joke\b", re.I), "this is serious"),
    (re.compile(r"\bwhy (don't|do not) you\b", re.I), "you should"),
    (re.compile(r"\bnot friendly\b", re.I), "hostile"),
    (re.compile(r"\bdon't make us\b|\bdo not make us\b", re.I), "we will"),
    (re.compile(r"\bno more (options|chances)\b", re.I), "or else"),
    (re.compile(r"\bwill not sleep\b", re.I), "will be harassed"),
)
_NEGATION = re.compile(r"\b(not|never|no|nobody|nothing|none|neither|nor|cannot)\b|n't\b", re.I)
_SENTENCE = re.compile(r"[.!?;\n。！？]+")


def _normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    for pattern, repl in _REWRITES:
        text = pattern.sub(repl, text)
    return re.sub(r"\s+", " ", text)


def _negated(sentence: str, match: re.Match) -> bool:
    """Whether the sentence holds a negation, other than one the pattern itself
    spells out ("you will NEVER get a loan" is still a threat)."""
    for neg in _NEGATION.finditer(sentence):
        inside = match.start() <= neg.start() < match.end()
        if not (inside and neg.group(0).lower() in match.re.pattern.lower()):
            return True
    return False


def find_violations(text: str) -> list[tuple[Rule, str]]:
    """Every (rule, matched words) in the text, in rule order; used by tests and reports."""
    hits = []
    sentences = [s.strip() for s in _SENTENCE.split(_normalise(text)) if s.strip()]
    for rule in RULES:
        for sentence in sentences:
            match = next((m for p in rule.patterns for m in p.finditer(sentence)
                          if not (rule.negatable and _negated(sentence, m))), None)
            if match:
                hits.append((rule, match.group(0)))
                break
    return hits


def check_text_for_profile(text: str, profile: Profile) -> Decision:
    """check_text for an already merged profile (used by check_outbound)."""
    hits = find_violations(text)
    if not hits:
        return ALLOW
    rule, words = hits[0]
    source = f" (prohibited under {profile.source})" if profile.name != "DEFAULT" else ""
    return Decision(False, f"prohibited_language.{rule.id}", f"{rule.reason}{source}; matched \"{words}\".")


def check_text(text: str, jurisdiction: str = "DEFAULT") -> Decision:
    """Allow or block one outbound text on its words alone (no context).

    This is what POST /api/compliance/check runs; raises ValueError (ProfileError)
    for an empty text or an unknown jurisdiction.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must be a non-empty string")
    return check_text_for_profile(text, get_profile(jurisdiction))
