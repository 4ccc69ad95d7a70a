"""The pipeline's tokenizer: spaCy's, with runs of Chinese characters cut into words by jieba.

Pipeline entry (in place of SpacyTokenizer): - name: bot.nlu.tokenizer.JiebaSpacyTokenizer
One model reads every language (issue 15), so one tokenizer must too: spaCy's
blank English pipeline splits Latin, Devanagari and punctuation as before,
and any token holding Han characters is re-cut by bot/nlu/segment.py, with
offsets into the original text so entities and features still line up.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.segment import has_han, split_token, warm_up


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class JiebaSpacyTokenizer(SpacyTokenizer):
    """SpacyTokenizer whose Chinese tokens are segmented into words."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "JiebaSpacyTokenizer":
        warm_up()
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        if not any(has_han(t.text) for t in tokens):
            return tokens
        out: List[Token] = []
        for token in tokens:
            if not has_han(token.text):
                out.append(token)
                continue
            out.extend(Token(piece, start, lemma=piece, data=dict(token.data))
                       for piece, start in split_token(token.text, token.start))
        return out
