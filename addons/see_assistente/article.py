# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The knowledge base follows into the assistant's index, and agents get
the assistant's suggestions"""
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.rpc import RPC

SUGGESTIONS = 5


class Article(metaclass=PoolMeta):
    __name__ = 'see.kb.article'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__rpc__['assistant_suggest'] = RPC()

    @classmethod
    def on_modification(cls, mode, articles, field_names=None):
        super().on_modification(mode, articles, field_names=field_names)
        Passage = Pool().get('see.assistente.passage')
        if mode == 'write' and field_names & {
                'state', 'title', 'keywords', 'body'}:
            Passage.refresh(articles)
        elif mode == 'create':
            Passage.refresh([a for a in articles if a.state == 'published'])
        # a deleted article loses its passages through the foreign key

    @classmethod
    def assistant_suggest(cls, text, limit=SUGGESTIONS):
        """The published articles for text (a protocol's description),
        best first, as the assistant ranks them for the agent:
        [{id, title, passage, confidence}]"""
        Passage = Pool().get('see.assistente.passage')
        if not isinstance(text, str) or not text.strip():
            return []
        if isinstance(limit, bool) or not isinstance(limit, int):
            limit = SUGGESTIONS
        index = Passage.index()
        found = index.search(text[:2000], mode='fusion',
            limit=max(1, min(limit, 20)))
        # Only the articles the user may read, by the record rules
        allowed = {a.id for a in cls.search(
                [('id', 'in', [f[0] for f in found])])}
        return [{
                'id': article,
                'title': cls(article).title,
                'passage': index.paragraphs[passages[0]],
                'confidence': round(confidence, 3),
                } for article, _, confidence, passages in found
            if article in allowed]


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    @fields.depends('kb_query', 'description', 'service')
    def on_change_with_kb_suggestions(self, name=None):
        """The assistant's articles for what the agent searches, or for the
        request as the citizen said it when nothing is searched"""
        Article = Pool().get('see.kb.article')
        text = self.kb_query or self.description
        if text:
            suggested = [s['id'] for s in Article.assistant_suggest(text)]
            if suggested:
                return suggested
        return super().on_change_with_kb_suggestions(name=name)
