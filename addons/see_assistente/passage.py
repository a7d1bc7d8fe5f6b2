# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The passages of the published articles and their embeddings

They are computed when an article is published (or changed while
published) and deleted when it leaves publication, in the transaction that
does it: the index follows the knowledge base. Each process keeps the
index built from them in memory and rebuilds it when the passages changed
(a stamp read at each question: their count and largest id, since
passages are only created and deleted)."""
import threading

import numpy as np
from sql.aggregate import Count, Max

from trytond.model import ModelSQL, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.transaction import Transaction, without_check_access

from . import retrieval

_cache = {}
_cache_lock = threading.Lock()


class Passage(ServerReadonly, ModelSQL):
    __string__ = "Assistant Passage"
    __name__ = 'see.assistente.passage'

    article = fields.Many2One(
        'see.kb.article', "Article", required=True, readonly=True,
        ondelete='CASCADE')
    sequence = fields.Integer("Sequence", required=True, readonly=True)
    paragraph = fields.Text("Paragraph", readonly=True)
    text = fields.Text("Indexed Text", readonly=True)
    embedding = fields.Binary("Embedding", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('article', 'ASC'), ('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def refresh(cls, articles):
        """Make the passages of articles follow their state: those of the
        published ones computed again, the others' deleted"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        ids = [a.id for a in articles]
        for sub_ids in (ids[i:i + 1000] for i in range(0, len(ids), 1000)):
            cursor.execute(*table.delete(where=table.article.in_(sub_ids)))
        rows = []
        for article in articles:
            if article.state != 'published':
                continue
            for sequence, paragraph in enumerate(
                    retrieval.split_passages(article.body)):
                rows.append((article.id, sequence, paragraph,
                        retrieval.passage_text(
                            article.title, article.keywords, paragraph)))
        if not rows:
            return
        vectors = retrieval.embed_passages([r[3] for r in rows])
        # Computed by the publication, whoever publishes
        with without_check_access():
            cls.create([{
                        'article': article,
                        'sequence': sequence,
                        'paragraph': paragraph,
                        'text': text,
                        'embedding': vector.astype(np.float32).tobytes(),
                        } for (article, sequence, paragraph, text), vector
                    in zip(rows, vectors)])

    @classmethod
    def _stamp(cls):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(Count(table.id), Max(table.id)))
        return tuple(cursor.fetchone())

    @classmethod
    def index(cls):
        "The index of the published articles' passages, kept per process"
        database = Transaction().database.name
        stamp = cls._stamp()
        cached = _cache.get(database)
        if cached and cached[0] == stamp:
            return cached[1]
        with _cache_lock:
            cached = _cache.get(database)
            if cached and cached[0] == stamp:
                return cached[1]
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(
                    table.id, table.article, table.paragraph, table.text,
                    table.embedding,
                    order_by=[table.article, table.sequence]))
            passages, vectors, ids = [], [], []
            for passage_id, article, paragraph, text, embedding in cursor:
                ids.append(passage_id)
                passages.append((article, paragraph or '', text or ''))
                vectors.append(np.frombuffer(
                        bytes(embedding), dtype=np.float32))
            index = retrieval.Index(passages,
                np.vstack(vectors) if vectors else [])
            _cache[database] = (stamp, index)
            return index
