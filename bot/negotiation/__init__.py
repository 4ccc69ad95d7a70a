"""Pure negotiation core: money, product limits, offers and the concession ladder.

No I/O beyond reading config/products.yml, no Rasa, imports nothing else of
ours (docs/architecture.md). See docs/negotiation.md.
"""
