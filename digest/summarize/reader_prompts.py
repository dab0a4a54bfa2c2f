"""The page's own lines to its readers that slip into a body between the story's sentences.

A paywall or a log-in prompt ("You've read all of your free articles this
month.", "Already a subscriber?", "This article is for subscribers only.", "Cet
article est réservé aux abonnés.", "Dieser Artikel ist nur für Abonnenten"); a
sponsor's line ("This episode is sponsored by Tidewell.", "Today's newsletter is
brought to you by Ferrylink.") and the ad that follows it; a promotion ("Use
code HARBOUR for 20% off your first order."); a show's or a writer's appeal to be
paid for ("Support the show on Patreon and get ad-free episodes.", "Buy me a
coffee"); an affiliate disclosure ("As an Amazon Associate I earn from
qualifying purchases."); a live page's prompt ("Follow our live coverage.",
"Refresh for the latest.", "This story will be updated."); an order to subscribe or
support the page in another language ("Jetzt abonnieren!", "Apóyanos.", "ادعم صحافتنا").

Each is told by the page speaking of itself ("this article", "our links", "this
episode"), or to "you", or in the imperative, not by the topic: a story about a
paywall, a sponsor, Amazon or a podcast tells of them in the third person
("subscribers had fallen by 10%", "the bill, sponsored by Senator Okoye",
"bloggers must label affiliate links", "the festival is brought to you by the
same volunteers", "customers were charged twice at checkout"), and words
quoted or attributed are a source's. Only a promotion's code in capitals, or a
page to pay on, is the page's whoever words it; a discount or a checkout is an
offer only in the imperative or to "you" ("Get 30% off your first month").
"""

from __future__ import annotations

import re

from digest.text import is_attributed

__all__ = ["is_promotion", "is_reader_prompt", "is_sponsor_line"]

# The meter ("You've read all of your free articles", "your last free article"), the wall ("Already a
# subscriber?", "This article is for subscribers only") and the way past it ("Log in to keep reading",
# "Cancel anytime").
_PAYWALL = re.compile(
    r"\byou(?:'ve|’ve| have)\s+(?:now\s+|already\s+)?(?:read|reached|hit|used)\b[^.!?,;]{0,40}?"
    r"\b(?:free (?:articles?|stories|story|reads?|views?)|(?:article|story|reading|monthly) limit"
    r"|limit of (?:free )?(?:articles|stories))\b"
    r"|\byour (?:last |final )?(?:\w+ )?free (?:articles?|stories|story|reads?)\b"
    r"|(?:^|\byou\b[^.!?]{0,20}?)(?:[\w-]+\s+){0,2}?free (?:articles?|stories) (?:left|remaining)\b"
    r"|^already (?:an? (?:\w+ )?(?:subscriber|member)|subscribed|registered|have an account)\b[^.!?]{0,20}\?"
    r"|\bthis (?:article|story|content|post|piece|page|newsletter|episode) is (?:only |exclusively )?(?:available )?"
    r"(?:to|for) (?:our )?(?:paid |premium |digital |registered )?(?:subscribers|members)\b"
    # the same wall in French, German, Spanish, Italian, Portuguese and Dutch: the page naming itself
    r"|^(?:(?:la suite de )?cet (?:article|contenu) est )?r[ée]serv[ée]e? aux abonn[ée]e?s\b"
    r"|^dieser (?:artikel|beitrag|inhalt) ist (?:nur|exklusiv|ausschlie(?:ß|ss)lich) f(?:ü|ue)r (?:\w+-)?abonnent"
    r"|^este (?:art[íi]culo|contenido) es (?:exclusivo|s[óo]lo|solo) (?:para )?(?:suscriptores|abonados)\b"
    r"|^(?:quest[oa] )?(?:articolo|contenuto) (?:è )?riservato agli abbonati\b"
    r"|^este (?:artigo|conte[úu]do) [ée] (?:exclusivo|s[óo]) (?:para )?assinantes\b"
    r"|^dit (?:artikel|verhaal) is (?:alleen|exclusief) (?:beschikbaar )?voor abonnees\b"
    r"|\b(?:subscribe|register|sign (?:up|in)|log in|create (?:a |an )?(?:free )?account|become a (?:member|subscriber))"
    r"\b[^.!?]{0,30}?\bto (?:continue|keep|start|finish) reading\b"
    r"|^(?:to )?(?:continue|keep) reading(?:\s*[.!…:,]|\s+(?:here|below|on|after|for|with|the (?:main |full )?"
    r"(?:rest|article|story|post)|this (?:article|story|post))\b)|^cancel (?:at )?any ?time\b",
    re.IGNORECASE,
)
# A show, a series or a programme may be an evening's event a review tells of in the past ("Tonight's show was
# presented by the Harbour Arts Council, which..."): only "is" sponsored, or "brought to you", is the page's.
# A sponsor's line names the page itself as sponsored ("This episode is sponsored by", "Today's newsletter is
# brought to you by", "Thanks to this week's sponsor"), or is a label alone ("Brought to you by Tidewell"): "the
# bill, sponsored by Senator Okoye", "the festival's sponsors", "This year's show is sponsored by the bank" (a
# county show) and "The festival is brought to you by the same volunteers..." are news.
_SPONSOR_LINE = re.compile(
    r"^(?:sponsored|presented|underwritten|brought to you) by\b[^,;:]{0,60}$"
    r"|\b(?:this|today's|today’s|this week's|this week’s|tonight's|tonight’s|our) (?:(?![\w-]+['’]s\b)[\w'’-]+ ){0,2}?"
    r"(?:(?:episode|podcast|newsletter|issue|edition|post|video|article|story|content|email|roundup|briefing|digest"
    r"|livestream) (?:is|was|has been)|(?:show|segment|series|stream|programme|program) (?:is|has been))"
    r" (?:\w+ )?(?:sponsored|presented|supported|made possible|underwritten|brought to you) by\b"
    r"|\b(?:show|segment|series|stream|programme|program) was (?:\w+ )?brought to you by\b"
    r"|\b(?:thanks|thank you) to (?:our|today's|today’s|this week's|this week’s|this episode's|this episode’s)"
    r" (?:\w+ )?sponsors?\b"
    r"|^(?:today's|today’s|this week's|this week’s|this episode's|this episode’s|our) sponsors?"
    r" (?:(?:today|this week|for (?:this|today's|today’s) \w+) )?(?:is|are)\b"
    r"|\ba (?:quick )?word from (?:our|today's|today’s|this week's|this week’s) sponsors?\b"
    # a newsroom's funder: "X's coverage of the islands is supported by the Harbour Foundation"
    r"|\b(?:coverage|reporting|journalism)(?: of [^.,;!?]{1,60}?)? (?:is|are) (?:\w+ )?(?:supported|funded"
    r"|underwritten|made possible) (?:in part )?by\b",
    re.IGNORECASE,
)
# A promotion's code: a code in capitals to use ("Use code HARBOUR", "with promo code BAY30"), an offer whoever
# words it.
_PROMOTION_CODE = re.compile(
    r"\b(?i:use|enter|apply|with)(?i: the| my| our)?(?i: promo| coupon| discount| offer| voucher)? (?i:code):?"
    r" [\"'“‘]?[A-Z0-9][A-Z0-9-]{2,}\b"
)
# An offer to the reader: in the imperative ("Get 30% off your first month", "Save 20% at checkout") or to "you"
# ("You'll get 20% off your first order"). The word is a noun when "of" or the sentence's own verb follows it
# ("Use of printed coupons offering 20% off rose", "Shop owners are offering 50% off"). "Shoppers were charged twice at checkout" and "The museum will offer
# 50% off your first visit, officials said" tell of a checkout and an offer.
_PROMOTION = re.compile(
    r"(?:^|[.!?]\s+)(?:get|save|take|enjoy|claim|grab|unlock|redeem|use|enter|apply|shop|order|try)\b(?! of\b)"
    r"(?:(?!\b(?:is|are|was|were|has|have|had|will|would)\b)[^.!?]){0,60}?"
    r"(?:\d\s?% off\b|\boff your (?:first|1st)\b|\bat checkout\b)"
    r"|\byou(?:'ll|’ll| will| can| could| get| save| receive)\b[^.!?]{0,40}?(?:\d\s?% off\b|\bat checkout\b)",
    re.IGNORECASE,
)
# A show, a channel or a writer asking to be paid for, in the imperative or to "you": "Support the show on
# Patreon", "Become a patron", "You can support this podcast at...". "Fans rallied to support the show" is news.
_ASK_TO_FUND = re.compile(
    r"(?:^(?:if you [^,]{1,60},\s*)?(?:please\s+)?(?:consider\s+)?|\b(?:please|you can|you could)\s+(?:also\s+)?"
    r"(?:consider\s+)?)"
    r"(?:(?:support|join|become|back|buy|pledge|tip|get|rate|review)(?:ing)?|(?:subscrib|donat)(?:e|ing) to)"
    r"\s+(?:the|this|our|my|us|me|a|an)\b",
    re.IGNORECASE,
)
_FUNDED_CREATOR = re.compile(
    r"\b(?:patreon|ko-?fi|buy(?:ing)? (?:me|us) a coffee|ad-free|bonus (?:episodes?|content)|early access|patrons?"
    r"|(?:the|this|our|my) (?:show|podcast|pod|channel|newsletter|work|writing|videos?))\b(?!['’])",
    re.IGNORECASE,
)
_CREATOR_PAGE = re.compile(r"\b(?:patreon|ko-?fi|buymeacoffee)\.com/", re.IGNORECASE)
# An affiliate disclosure: the page ("we", "I", "this post", "our links", "links in this article") earning from a
# sale. "Bloggers must label affiliate links clearly" and "the site hid affiliate commissions" are news of them.
_AFFILIATE = re.compile(
    r"\bas an amazon associate\b|\b(?:we|i) (?:\w+ )?earn from qualifying purchases\b"
    r"|\b(?:we|i)\s+(?:(?:may|might|could|will|sometimes|also|can)\s+)*(?:earn|receive|get|make|collect)\s+"
    r"(?:a\s+|an\s+)?(?:small\s+)?(?:affiliate\s+)?(?:commissions?|compensation|share of (?:the )?(?:sales?|revenue))\b"
    r"|\b(?:this|our) (?:[\w-]+ )?(?:post|article|page|site|story|guide|review|list|newsletter|video|content|website)"
    r" (?:(?:may|might|also|often|sometimes) )*(?:contains?|includes?|uses?|has|features?) (?:some )?affiliate links?\b"
    r"|\b(?:our|these|my) affiliate (?:links?|partners?|partnerships?)\b|\baffiliate links? (?:in|on|within) (?:this|our|my)\b"
    r"|\b(?:commissions?|compensation)\b[^.!?]{0,60}\b(?:through|via|from|using|on|in) (?:(?:our|my|these|the|any) )?"
    r"links? (?:in|on|from) (?:this|our)\b",
    re.IGNORECASE,
)
# A live page's prompt to follow it, reload it or come back to it.
_LIVE_PROMPT = re.compile(
    r"^(?:please )?follow (?:along\b|live\b|(?:our|the|all (?:of )?(?:our|the)) (?:\w+ )?(?:live|latest|coverage|updates?)\b)"
    r"|^(?:please )?(?:refresh|reload) (?:for|this page|the page|your)\b"
    r"|\b(?:this (?:story|article|post|page|report|blog|live blog|item)|the (?:story|article|page|post|live blog))"
    r" (?:will|may|is going to|would) (?:be|continue to be) updated\b"
    r"|\bthis (?:story|article|report|post) is (?:still )?developing\b|\bthis is a (?:developing|breaking)(?: news)? story\b"
    r"|\bcheck back (?:here|later|soon|often|regularly|with us|for (?:updates|more|the latest))\b"
    r"|^(?:please )?stay (?:tuned|with us)\b"
    r"|\bwe(?:'ll|’ll| will) (?:bring you|keep you (?:updated|posted)|have (?:more (?:on this|details|information|updates|as|soon|shortly|later)|the latest|updates))\b"
    r"|\bfor (?:the )?(?:latest|live) (?:updates?|news|coverage)\b[^.!?]{0,40}\b(?:follow|visit|go to|click|check)\b",
    re.IGNORECASE,
)
# The page's order to subscribe, sign up or support it in German, French, Spanish, Arabic and Hebrew
# ("Jetzt abonnieren", "Abonnez-vous", "Apóyanos", "اشترك الآن", "הירשמו"), opening the sentence, and
# in Japanese and Chinese its newsletter, its members' wall or "click to follow" anywhere in it; "3.000
# Abonnenten", "les abonnés du réseau" and "订阅该报纸的读者" are news of subscribers.
_APPEAL_ELSEWHERE = re.compile(
    r"^(?:jetzt\s+)?(?:(?:den\s+|unseren\s+)?newsletter\s+)?abonnieren\b|^abonnieren sie\b|^unterst(?:ü|ue)tzen sie\b"
    r"|^(?:abonnez-vous|abonne-toi|inscrivez-vous|soutenez(?:-nous)?|faites un don)\b"
    r"|^(?:suscr[íi]b(?:ete|ase)|[úu]nete|ap[óo]yanos|hazte (?:socio|miembro|suscriptor))\b"
    r"|^(?:اشترك (?:الآن|في (?:النشرة|نشرتنا))|ادعمنا|ادعم (?:صحافتنا|عملنا)|تبرع الآن)"
    r"|^(?:הירשמו|הרשמו|תמכו בנו)"
    r"|ニュースレター(?:に|を)?(?:登録|購読)|会員登録(?:して|すると|はこちら|が必要)|(?:有料)?会員限定|点击(?:关注|订阅|这里)|订阅(?:我们|本)|关注我们",
    re.IGNORECASE,
)
# The newsroom's word that its funders do not steer it, under a funder's note: "The Post retains full editorial
# control.", "Our funders have no say in our reporting."
_INDEPENDENCE = re.compile(
    r"\b(?:retains?|maintains?|keeps?|has|have) (?:full|complete|sole|total) editorial (?:control|independence)\b"
    r"|\bno (?:say|influence|input|role|control) (?:in|over) (?:our|the|its) (?:reporting|coverage|journalism"
    r"|editorial)",
    re.IGNORECASE,
)
# A promotion of the page's own product, in the imperative (perhaps after its purpose: "To hear more, download
# ..."): the order's object is an app or a channel to follow it on, a trial, a ticket, access, a free account, a rating, a copy to
# order ("Try Harbourdesk free for 14 days", "Follow us on Instagram", "Tag @quaykitchen", "Join the author in
# conversation at Quay Live"). "Follow the river path for two miles" and "Let the tart cool" are directions; "The
# app is available for iPhone" and "Tickets sold out within an hour" are news of an app and of tickets.
_PROMO_ORDER = re.compile(
    r"^(?:(?:to|for) [^,.!?]{1,80},\s+)?(?:please\s+|now\s+|simply\s+|just\s+)?"
    r"(?:subscribe|sign|join|follow|support|get|download|install|try|start|watch|listen|stream|hear|stay|pin|tag"
    r"|rate|order|book|buy|grab|claim|unlock|leave|find|catch|add|create|register|open)\b"
    # an order has no verb of its own after it: "Get Out is streaming on HBO" names a film
    r"(?!(?:[^.!?]*?\b(?:is|are|was|were|has|have|had|will|would)\b))",
    re.IGNORECASE,
)
_PROMO_OFFER = re.compile(
    r"\b(?:for|on) (?:iphone|ipad|ios|android)\b|\bapp store\b|\bgoogle play\b|\bapps?\b"
    r"|\bon (?:facebook|instagram|tiktok|whatsapp|telegram|threads|bluesky|linkedin|youtube|twitter|x|snapchat"
    r"|pinterest|mastodon)\b"
    r"|\bfree for \d+ (?:days?|weeks?|months?)\b|\b(?:first|1st) (?:\w+ )?(?:month|week|year)s? (?:free|on us)\b"
    r"|\bno credit card\b|\bfree trial\b|\btickets?\b|\bin conversation (?:with|at)\b|\bon demand\b"
    r"|\b(?:instant|unlimited|full|exclusive|early) access\b|\bin the know\b|(?:^|\s)@\w|\bfree account\b"
    r"|\bpin (?:this|it)\b|\bleave a (?:rating|review|star rating)\b|\brate this\b"
    r"|\border (?:your|a) (?:signed )?cop(?:y|ies)\b|\bour (?:online )?(?:shop|store|bookshop)\b"
    r"|\bpreferred source\b|\bon google\b|\bhome screen\b|\b(?:latest|breaking) news\b|\bnews updates\b",
    re.IGNORECASE,
)
# The page inviting its readers to comment, not to miss it, to read the rest of its series, to give it as a
# gift, or pointing to its own policies: "Have your say in the comments.", "What are your thoughts?", "Don't
# miss a beat.", "This piece is part of The Island Issue.", "Read the rest of the series here.", "Gift
# subscriptions start at £49.", "Read our ethics policy." "Residents vented their anger in the comments",
# "The paper's ethics policy bars gifts" and "The exhibition is part of a series" are news.
_PAGE_INVITES = re.compile(
    r"^(?:please\s+)?(?:have your say|tell us what you think|let us know what you think|share your (?:thoughts|views)"
    r"|leave (?:a|your) comment)\b|\bwhat (?:are your thoughts|do you think)\b[^.!]*\?"
    r"|^(?:don['’]t|never) miss (?:a beat|out|a story|a thing|an update|the latest)\b"
    r"|^(?:did you )?(?:like|liked|enjoy|enjoyed|love|loved|value|valued|appreciate) (?:what you(?: just)? (?:read|saw)"
    r"|this (?:article|story|post|piece|newsletter|reporting|content|episode))\b[^.!]*\?"
    r"|^(?:was|is|did you find) this (?:article|story|post|piece|guide) (?:useful|helpful|interesting)\b[^.!]*\?"
    r"|^this (?:piece|story|article|essay|report|episode|post) is (?:the \w+ )?(?:part|instal?lment|chapter) of\b"
    r"|^(?:read|see|find|explore|browse|listen to|watch) (?:the rest|more|all|the full|the whole|the latest)\b"
    r"[^.!?]{0,50}\b(?:here|below)\b"
    r"|\bgift (?:subscriptions?|memberships?)\b|\bthe perfect (?:gift|present) for\b"
    r"|\bour (?:ethics|editorial|corrections|comments?|community) (?:policy|policies|guidelines|standards|code)\b",
    re.IGNORECASE,
)
# The page recruiting: "We're hiring engineers in Leith."
_HIRING = re.compile(r"^(?:and )?we(?:'re|’re| are) (?:now |also )?hiring\b", re.IGNORECASE)
# Python's re has no literal prefilter for alternations: a few substring tests on the lowercased sentence
# decide whether the patterns run at all.
_SPONSOR_TRIGGERS = (
    "sponsor", "brought to you", "presented by", "underwritten", "supported by", "made possible", "funded by",
)  # fmt: skip
_TRIGGERS = (
    *_SPONSOR_TRIGGERS, "free", "already", "subscri", "reading", "abonn", "suscript", "assinantes", "limit", "cancel", "code", "% off", "off your", "checkout", "patreon", "ko-fi", "kofi", "coffee", "ad-free", "bonus", "early access", "patron",
    "show", "podcast", "pod", "channel", "newsletter", "work", "writing", "video", "affiliate", "amazon",
    "qualifying", "commission", "compensation", "share of", "follow", "refresh", "reload", "updated", "developing",
    "breaking", "check back", "stay", "we'll", "we’ll", "we will", "latest",
    "hiring", "have your say", "tell us", "let us know", "share your", "comment", "thoughts", "think", "miss",
    "part of", "instal", "like", "enjoy", "love", "value", "appreciate", "useful", "helpful", "interesting", "chapter", "here", "below", "gift", "perfect", "policy", "policies", "guidelines",
    "standards", "editorial", "no say", "no influence", "no input", "no role", "no control",
    "unterst", "inscrivez", "soutenez", "faites un don", "suscr", "únete", "unete", "apóyanos", "apoyanos", "hazte",
    "اشترك", "ادعم", "تبرع", "הירשמו", "הרשמו", "תמכו", "ニュースレター", "会員", "点击", "订阅", "关注我们",
)  # fmt: skip


def _reported(text: str) -> bool:
    """Words quoted or attributed, by any reporting verb or a closing clause whatever its verb."""
    return is_attributed(text, closing_clause=True, ambiguous_verbs=True)


def is_sponsor_line(sentence: str) -> bool:
    """True when ``sentence`` says that the page, its episode or its newsletter is sponsored: the ad's first line."""
    text = sentence.strip()
    low = text.lower()
    if not any(trigger in low for trigger in _SPONSOR_TRIGGERS):
        return False
    return _SPONSOR_LINE.search(text) is not None and not _reported(text)


def is_promotion(sentence: str) -> bool:
    """True when ``sentence`` orders the reader to the page's product: its app, a channel, a trial, a ticket."""
    text = sentence.strip()
    return _is_promotion(text) and not _reported(text)


def _is_promotion(text: str) -> bool:
    return _PROMO_ORDER.search(text) is not None and _PROMO_OFFER.search(text) is not None


def is_reader_prompt(sentence: str) -> bool:
    """True when ``sentence`` is a paywall, a sponsor's line, a promotion, an appeal to pay for a show, an affiliate
    disclosure or a live page's prompt: the page speaking to its readers, not the story."""
    text = sentence.strip()
    low = text.lower()
    promotion = _is_promotion(text)
    if not promotion and not any(trigger in low for trigger in _TRIGGERS):
        return False
    if _PROMOTION_CODE.search(text) or _CREATOR_PAGE.search(text):
        return True  # a code or a page to pay on, quoted or not
    if _reported(text):
        return False  # a source's words
    if _PAYWALL.search(text) or _SPONSOR_LINE.search(text) or _AFFILIATE.search(text) or _LIVE_PROMPT.search(text):
        return True
    if _APPEAL_ELSEWHERE.search(text) or _HIRING.search(text) or _INDEPENDENCE.search(text):
        return True
    if _PAGE_INVITES.search(text):
        return True
    if promotion:
        return True
    if _PROMOTION.search(text):
        return True
    return _ASK_TO_FUND.search(text) is not None and _FUNDED_CREATOR.search(text) is not None
