"""Prohibited language in collector messages: transparent rules, then a backstop.

Why patterns first: every block must be explainable to an auditor ("threatens
arrest: matched 'will be arrested'"), and a rule can be read and corrected by
compliance staff. Each rule is a list of regexes plus a reason. The patterns are
built on structures rather than single phrases where possible (a disclosure verb
in any tense x any third party: "contacting your church group", "your manager has
been informed"; presence verbs x the borrower's places; official-sounding units;
an insult lexicon that tolerates repeated letters and look-alike digits, with
common Swahili, Tagalog, Indonesian, Hindi and Pidgin insults).

Negation: a rule marked `negatable` does not fire when a negation in the same
clause denies it ("we will NOT call your employer, family or friends", "court
action is NOT planned"); a negation in another clause does not count ("you leave
us no choice BUT to involve the police", "tell your husband SINCE you can't").
Before that test, phrases where the negation belongs to the borrower's
non-payment ("if you don't pay", "if it isn't paid") or to an intensifier ("we
will not hesitate", "not afraid to") are rewritten, because they make a threat
stronger, not weaker. Insults, violence, urgency and veiled threats are never
negatable ("don't be a coward", "don't push your luck").

Rules catch what someone thought of; on fresh wordings they catch about half.
A text no rule blocks is scored by a classifier trained on the corpus (see
"Supervised backstop" below): above SUSPECT_THRESHOLD it is held for review as
"prohibited_language.suspected" (allowed=False, with the score in the reason).
Precision and recall are measured in tests/test_compliance_language.py.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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


_INSULT_WORDS = ("idiot", "stupid", "moron", "imbecile", "dumb", "fool", "foolish", "useless", "worthless",
                 "hopeless", "incompetent", "pathetic", "disgusting", "lowlife", "low-life", "scoundrel",
                 "swine", "vermin", "leech", "freeloader", "loser", "deadbeat", "bastard", "asshole",
                 "jerk", "nonsense", "rubbish", "good-for-nothing", "cheapskate", "beggar", "liar",
                 "thief", "scammer", "fraudster", "crook", "coward", "clown", "parasite")
_LEET = {"a": "[a@4]", "e": "[e3]", "i": "[i1!l]", "o": "[o0]", "s": "[s$5z]", "t": "[t7]"}


def _fuzzy(words: tuple[str, ...]) -> str:
    """One regex for the words that tolerates repeated letters and look-alike digits
    ("stuuupid", "1diot", "l0ser"): agents who want to insult dodge exact lists."""
    def one(word: str) -> str:
        return "".join(_LEET.get(c, re.escape(c)) + "+" for c in word)
    return r"\b(" + "|".join(one(w) for w in words) + r")s?\b"


_WHO = (r"((whole |entire )?(street|family|relatives?|parents|mother|father|mum|mom|dad|brothers?|"
        r"sisters?|siblings|in-laws|cousins?|uncles?|aunts?|wife|husband|spouse|children|kids|friends?|"
        r"employer|boss|manager|colleagues?|co-?workers|hr|hr department|neighbou?rs?|church( group)?|"
        r"community|village|town|neighbou?rhood|references?|guarantors?|contacts|whatsapp contacts|"
        r"contact list|phone ?book|everyone|everybody|"
        r"pastor|priest|imam|chief|elders|landlord|teachers?|next of kin|partner|daughters?|sons?|"
        r"emergency contacts?|school|university|college|place of work|workplace|work ?place|"
        r"facebook friends|followers|(whatsapp|facebook|family|church|community) groups?|estate|area|market|"
        r"compound|block|building|mosque|chama|sacco|group|members|network|friends on \w+|"
        r"office (reception|staff|manager|mates?)|officemates?))")

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
          r"\bimmigration\b", r"\b(sergeant|inspector|constable|detective|corporal|marshals?)\b",
          r"(?-i:\bOfficer [A-Z][a-z]+)", r"\binvestigators?\b", r"\bpolice station\b",
          r"\bhand(ed)? (you )?over to\b", r"\b(taken|dragged|carted|led) (away|off)\b", r"\battorney[- ]general\b", r"\b(mahakama|polisi|jela|kukamatwa)\b", r"\bvisa\b.{0,25}\b(cancel|revok|refus|denied)",
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
          r"\bfield (team|agents?|visit)\b.{0,30}\b(visit|come)", r"上门",
          r"\b(be|waiting|wait|stand(ing)?|come|coming|show(ing)? up|turn(ing)? up|arriv\w+|visit\w*|see you|find you)\b"
          r".{0,25}\b(at|outside|to|on|near) your (doorstep|door|gate|house|home|office|work|workplace|shop|"
          r"business|place|school|street|compound|estate)\b",
          r"\bcome (down|round|over|around) (there|to you|to see you)\b", r"\bpay you a (visit|call)\b",
          r"\bhome visit\b", r"\b(drop|stop|swing|pop|call) (by|round|over|in on you)\b",
          r"\bexpect (a visit|us|our (team|agents?|people|officers?|collectors?))\b", r"\bvisit from (our|the|a)\b",
          r"\b(people|agents?|someone|boys|team|officers?) (in|near|around) your (area|neighbou?rhood|location|street|estate)\b",
          r"\bknows? where (you|your)\b",
          r"\b(datang|mendatangi|kunjungi)\w*\b.{0,20}\b(rumah|kantor)\w*", r"\b(tutakuja|tutafika|pupuntahan)\b",
          r"\bghar (aa|aay)\w*", r"\bin person\b.{0,20}\b(come|visit|see you)\b"),
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
          r"\b(kaso|demanda)\b",
          r"\b(in|to|into|at|before) (a |the )?court\b", r"\bcourt (papers|documents|date|hearing|proceedings?|process)\b",
          r"\b(for|from|to|before|with|by) (the|a) (judge|magistrate|tribunal)\b", r"\bmagistrate'?s?\b", r"\bour (legal|law) (\w+ )?(people|team|department|partners?|firm|unit|guys|advisers?|desk)\b",
          r"\bour (lawyers?|attorneys?|solicitors?)\b",
          r"\b(case|claim|complaint|suit|charges?|petition|judg(e)?ment) against you\b",
          r"\btake (this|it|matters|things|the matter) (further|higher|to the next level|to the next stage)\b",
          r"\bor we escalate\b|\b(will|shall|going to|we) escalate (this|it|the matter|your (case|account|file|debt|loan))\b",
          r"\b(demand|lawyer'?s?|legal) letter\b.{0,40}\b(work|office|employer|home|family)\b"),
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
          r"\bblocked by the government\b", r"\bsim card\b.{0,40}\bblocked\b",
          r"\bnever (be able to )?(borrow|get credit|get a loan|get a job|work|open an account)\b",
          r"\banywhere in (this|the) country\b",
          r"\b(ruin|ruined|destroy|destroyed|finish|finished)\w*\b.{0,25}\b(for life|forever|for good|permanently)\b",
          r"\byour (reputation|name|credit|career|future|life|business)\b.{0,30}\b(ruined|finished|destroyed|over)\b",
          r"\b(auction|confiscat|impound)\w*", r"\b(children|kids|family) (will )?(inherit|suffer|pay for)\b",
          r"\blose your (house|home|job|land|car|business|property)\b"),
    _rule("impersonation",
          "Pretends to be, or to act for, a court, the police, a lawyer or a government body", True,
          r"\b(this is|i am|i'm|we are)( calling)?( from)? (the )?(court|police|magistrate|judge|ministry|government|central bank)\b",
          r"\b(this is|i am|i'm) (officer|attorney|lawyer|judge|inspector|sergeant)\b",
          r"\b(message|notice|call) from the (police|court|national bureau|ministry|central bank|government|dci|nbi)\b",
          r"\b(from|of) the (district |high |magistrate'?s? )?court\b", r"\bofficial notice\b",
          r"\blegal summons\b", r"\bissued by the (court|magistrate|judge|police)\b",
          r"\bgovernment agents?\b",
          r"\bon behalf of the (court|police|government)\b", r"\bcourt has authori[sz]ed\b",
          r"\b(cyber ?crime|criminal) (unit|case)\b", r"\blawyers? acting\b",
          r"\b(fraud|crime|criminal|police|court|government|tax|revenue|immigration|enforcement) "
          r"(desk|unit|department|division|squad|bureau|office|registry)\b",
          r"\b(court|police|government|state)[- ](appointed|authori[sz]ed|registered|licensed) "
          r"(agents?|collectors?|officers?|bailiffs?|recovery)\b",
          r"\b(debt )?recovery (unit|department|division) of\b"),
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
          r"\b(tanga|gago|walang hiya)\b", _fuzzy(_INSULT_WORDS),
          r"\bwaste of (space|air|oxygen|skin)\b", r"\bgood[- ]for[- ]nothing\b", r"\b(you )?disgust(s|ing)? (me|us)\b",
          r"\b(embarrass|disgrac|humiliat|sham)\w* yourself\b", r"\bhow (do|can) you (sleep|live with yourself|look \w+ in the)\b",
          r"\b(you are|you're|you) (a |such a |nothing but a )?(fraud|criminal|thief|cheat|joke|disappointment)\b", r"\byou should be (ashamed|embarrassed)\b",
          r"\bgrown (adult|man|woman)\b", r"\bgives? \w+ a bad name\b", r"\b(the|what) kind of (person|parent|man|woman) (who|you)\b",
          r"\b(stop|quit) (playing (games|smart|dumb)|hiding like|acting)\b", r"\b(like a|you) (criminal|beggar|child|snake)\b",
          r"\b(walang kwenta|walang silbi|putang ?ina|putangina|punyeta|tarantado|bobo|inutil|hayop ka|ulol|magnanakaw|sinungaling|manloloko)\b",
          r"\b(mjinga|mpumbavu|mwizi|mshenzi|takataka|tapeli|kichaa|wewe ni mbwa|fala)\b",
          r"\b(goblok|bego|anjing|bangsat|kampret|brengsek|maling|penipu|sampah|babi)\b",
          r"\b(chor|bewa?koo?f|bevakoof|pagal|kamee?na|kamina|nalaa?yak|harami|kutt?[ae]|ullu|gadha|besharam|dhokebaaz)\b",
          r"\b(mumu|ode|ashawo|oloshi|ewu|agbaya|werey|olodo|thief ?man)\b", r"骗子|废物|垃圾|混蛋|傻逼|无耻"),
    _rule("third_party_shaming",
          "Threatens to tell, or shames the borrower in front of, family, employer, contacts or "
          "social media; the debt must not be disclosed to third parties", True,
          r"\b(tell\w*|told|inform\w*|notif\w*|call\w*|ring\w*|phon\w*|contact\w*|messag\w*|text\w*|visit\w*|"
          r"report\w* you to|alert\w*|email\w*|writ\w* to|sen[dt]\w* (\w+ ){1,2}to|involv\w*|approach\w*|"
          r"warn\w*)( all| everyone in| each of)?( of)? (your|the)( [\w-]+)? " + _WHO,
          r"\byour " + _WHO + r"(\'s)? (has been|have been|has|have|was|were|will be|is being|are being|'ll be)( already)? "
          r"(sent|told|informed|notified|contacted|called|messaged|given|copied|emailed|warned|involved)\b",
          r"\b(make|go|going|goes|made) (this|it|your \w+|things)?( very| so)? public\b",
          r"\bput\w* up (your|a) (photo|picture|name|poster|face)\b",
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
          r"通讯录|曝光", r"\bsebar (data|foto)\b", r"\b(ipapahiya|ipagkakalat)\b",
          r"\byour " + _WHO + r"('s)?\b.{0,20}\b(gets?|getting|receives?|receiving) (a|an|our|the)( \w+)? (call|message|letter|visit|text|sms|email)",
          r"\b(we|i) (have|know|got|hold)( access to)? your( \w+)? " + _WHO + r"('s)? (numbers?|address|names?|details|phone)\b",
          r"\b(we|i) (have|got) (access to )?your( \w+)? (phone ?book|contacts|contact list)\b",
          r"\bwe know your (workplace|work|office|address|house|home|family|school|employer|manager|boss|kids|children|wife|husband)\b",
          r"\b(post|publish|share|expose|announce|broadcast|circulate|upload|print)\w*\b.{0,30}\byour "
          r"(name|photo|picture|face|id|selfie|details|debt|loan)\b",
          r"\b(your|a|the)( \w+)? (facebook|whatsapp|telegram|wechat) (group|status|wall|story|page)s?\b",
          r"\b(wall|list|board|page) of shame\b", r"\b(bring|bringing|brought|brings)\b.{0,10}\bshame\b",
          r"\bmake an example of\b", r"\b(interested|like|love|want) to (hear|know) about (this|your)\b",
          r"\bgoes? down with you\b"),
    _rule("borrow_elsewhere",
          "Pressures the borrower to borrow, sell belongings or use essential money to pay", True,
          r"\bborrow (from (?!us\b)|money|some money)", r"\bborrow\b.{0,15}\bfrom\b(?! us\b)",
          r"\b(lend|loan|give|send) you (the |some )?(money|cash|funds)\b", r"\b(salary|cash|pay) advance\b",
          r"\bask (your )?(\w+ )?for an advance\b", r"\btake (the )?money from\b", r"\b(use|take) (the )?(money|cash) (from|for|meant for) your\b",
          r"\b(another|other|a different) (app|apps|lenders?|loan apps?)\b",
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
          r"\b(?<!n\'t )(?<!not )(keep|will keep) (calling|messaging|texting)\b", r"\bday and night\b", r"\bevery hour\b",
          r"\buntil (you pay|this is paid|you settle)\b",
          r"\b(one|an|two|three|\d+) (hours?|minutes?|mins?) to pay\b"),
    _rule("veiled_threat",
          "Vague menace or harassing frequency: implies something bad will happen, or that contact "
          "will not stop, to intimidate the borrower into paying", False,
          r"\b(get|gets|getting|turn|turns|become|go|goes)( very| really| very quickly| quickly| a lot)? (ugly|nasty|messy|very bad)\b",
          r"\bthings (will|could|can|are going to|may|might) (get|turn|become) (worse|bad|difficult|serious|complicated|hard)\b",
          r"\bsee how (that|this|it) (works|turns|goes)( out)?\b", r"\bpush(ing)? your luck\b",
          r"\b(force|forcing|push|pushing) (us|me) to\b", r"\b(don't|do not) (force|push|make) (us|me)\b",
          r"\bnot afraid to\b", r"\b(track|hunt|chase) you( down)?\b", r"\bfind you\b", r"\bcatch (up with )?you\b",
          r"\byou('ve| have) been warned\b", r"\bwhat we (are|'re) capable of\b", r"\bout of our hands\b",
          r"\b(wrong|bad) (company|people|person|lender|guys) to\b", r"\bmess(ing)? (with|around with) (us|me)\b",
          r"\bleave us no (choice|option)\b", r"\b(for|through) generations\b", r"\bfollow (you|your \w+) (forever|everywhere|for)\b", r"\bwe have our (ways|methods)\b", r"\bwe will not stop\b",
          r"\b(call|ring|phone|message|text|contact|visit)\w* you\b.{0,30}\b(until|till)\b",
          r"\bevery (\d+|few|single|other) (minutes?|mins?|hours?)\b", r"\bevery (half )?hour\b",
          r"\b(call|ring|phon|messag|text|contact|visit|hear from us|remind)\w*\b.{0,30}"
          r"\b(all day|day and night|round the clock|24/7|nonstop|non-stop|every (single )?day)\b",
          r"\b(keep|keeps) (ignoring|avoiding|hiding from) (us|me|our)\b.{0,40}\b(see|regret|worse|sorry|consequences)\b"),
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
    (re.compile(r"\b(if|unless|until|when) (this|it|the \w+|your \w+) (isn't|is not|hasn't been|has not been|wasn't|was not|isn't fully|is not fully) (settled|paid|cleared|repaid)\b", re.I), r"\1 unpaid"),
    (re.compile(r"\b(if|unless|until|when) (we|i) (don't|do not|didn't|did not) (get paid|receive (it|payment|the money|your payment)|see (the money|payment|your payment))\b", re.I), r"\1 unpaid"),
    (re.compile(r"\b(are|am|is|we're|i'm) not afraid to\b", re.I), "will"),
    (re.compile(r"\bwhy not\b", re.I), "you should"),
    (re.compile(r"\b(leave|left|leaves) (us|me) no (choice|option)\b", re.I), "we will"),
    (re.compile(r"\bno (idea|clue) what\b", re.I), "wait and see what"),
    (re.compile(r"\b(don't|do not) (force|push) (us|me)\b", re.I), "we will"),
)
_NEGATION = re.compile(r"\b(not|never|no|nobody|nothing|none|neither|nor|cannot)\b|n't\b", re.I)
_SENTENCE = re.compile(r"[.!?;\n。！？]+")


def _normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    for pattern, repl in _REWRITES:
        text = pattern.sub(repl, text)
    return re.sub(r"\s+", " ", text)


# A negation only reaches the words in its own clause: "you leave us no choice BUT
# to involve the police", "tell your husband to pay SINCE you can't" are threats.
# Before the match a comma ends the clause only when a new subject follows ("if we
# can't reach you, we will call your boss"), so a negated list still holds ("we will
# not call your employer, family or friends"); after the match any comma ends it.
_CONJUNCTION = r"\b(but|since|because|although|though|whereas|yet|otherwise|or else|and (we|i|you|they))\b"
_BOUNDARY_BEFORE = re.compile(_CONJUNCTION + r"|[,:\u2014\u2013]\s*(we|i|you|they|he|she)\b", re.I)
_BOUNDARY_AFTER = re.compile(_CONJUNCTION + r"|[,:\u2014\u2013]", re.I)


def _negated(sentence: str, match: re.Match) -> bool:
    """Whether a negation in the match's clause denies it, other than one the
    pattern itself spells out ("you will NEVER get a loan" is still a threat)."""
    for neg in _NEGATION.finditer(sentence):
        if match.start() <= neg.start() < match.end():
            if neg.group(0).lower() in match.re.pattern.lower():
                continue
            return True
        if neg.end() <= match.start():
            if not _BOUNDARY_BEFORE.search(sentence, neg.end(), match.start()):
                return True
        elif not _BOUNDARY_AFTER.search(sentence, match.end(), neg.start()):
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


# --- Supervised backstop -------------------------------------------------------
# Rules miss wordings nobody wrote a pattern for (measured in tests/compliance:
# about half of a fresh held-out round). A word + character n-gram logistic
# regression trained on the same corpus catches many of them but cannot say why,
# so it never names a rule: a text only it flags gets "prohibited_language.suspected"
# and is held (allowed=False) for a person to review, never sent unseen. Trained
# once per process on first use (about a second); scoring is a dictionary
# lookup per n-gram. The last held-out round (heldout4_*) is NOT trained on: it
# is the measure. Without the corpus directory the backstop is off (rules only).
CORPUS_DIR = Path(__file__).resolve().parents[2] / "tests" / "compliance"
TRAINING_SETS = ("", "heldout_", "heldout2_", "heldout3_")  # file prefixes: {prefix}{un,}acceptable.txt
SUSPECT_THRESHOLD = 0.8  # 5-fold CV on the training sets: 2 % of acceptable lines held


def _corpus_lines(name: str) -> list[str]:
    return [l.strip() for l in (CORPUS_DIR / name).read_text(encoding="utf-8").splitlines() if l.strip()]


@lru_cache(maxsize=1)
def _model() -> tuple | None:
    """(intercept, [(analyzer, {term: (idf, idf*coef)})]) or None without a corpus."""
    if not all((CORPUS_DIR / f"{p}{k}acceptable.txt").exists() for p in TRAINING_SETS for k in ("", "un")):
        return None
    from sklearn.feature_extraction.text import TfidfVectorizer  # only here: a training-time dependency
    from sklearn.linear_model import LogisticRegression
    from scipy.sparse import hstack

    texts, labels = [], []
    for prefix in TRAINING_SETS:
        bad, good = _corpus_lines(f"{prefix}unacceptable.txt"), _corpus_lines(f"{prefix}acceptable.txt")
        texts += [_normalise(t) for t in bad + good]
        labels += [1] * len(bad) + [0] * len(good)
    vectorizers = (TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                   TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2))
    matrix = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
    clf = LogisticRegression(C=10, max_iter=2000, class_weight="balanced").fit(matrix, labels)
    coef, offset, parts = clf.coef_[0], 0, []
    for v in vectorizers:
        idf = v.idf_
        parts.append((v.build_analyzer(),
                      {t: (idf[i], idf[i] * coef[offset + i]) for t, i in v.vocabulary_.items()}))
        offset += len(idf)
    return float(clf.intercept_[0]), parts


def suspicion(text: str) -> float | None:
    """The backstop's probability that the text is prohibited language (None if off).

    Same arithmetic as the trained TF-IDF pipeline (sublinear tf, l2 norm per
    vectoriser), done by hand so one call stays well under a millisecond."""
    model = _model()
    if model is None:
        return None
    intercept, parts = model
    z = intercept
    normalised = _normalise(text)
    for analyzer, terms in parts:
        counts = Counter(t for t in analyzer(normalised) if t in terms)
        weights = [((1 + math.log(c)) * terms[t][0], (1 + math.log(c)) * terms[t][1]) for t, c in counts.items()]
        norm = math.sqrt(sum(w * w for w, _ in weights))
        if norm:
            z += sum(wc for _, wc in weights) / norm
    return 1 / (1 + math.exp(-z))


def check_text_for_profile(text: str, profile: Profile) -> Decision:
    """check_text for an already merged profile (used by check_outbound)."""
    hits = find_violations(text)
    if not hits:
        score = suspicion(text)
        if score is not None and score >= SUSPECT_THRESHOLD:
            return Decision(False, "prohibited_language.suspected",
                            f"resembles prohibited collector language (score {score:.2f}); hold for review")
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
