# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The evaluation set: a knowledge base in the seeds' domain and citizens'
questions, each with the article that answers it or "none"

Shared by the evaluation test and the benchmark."""
import csv
import json
import os

HERE = os.path.dirname(__file__)
NONE = 'none'


def articles():
    "The articles: dicts of key, service, title, keywords, body"
    with open(os.path.join(HERE, 'evaluation_kb.json'),
            encoding='utf-8') as file:
        return json.load(file)


def questions():
    "The questions: (text, article key or NONE)"
    with open(os.path.join(HERE, 'evaluation_questions.csv'),
            encoding='utf-8', newline='') as file:
        return [(r['question'], r['article']) for r in csv.DictReader(file)]


def passages(kb_articles):
    "The passages of the articles, keyed by their position in the list"
    from trytond.modules.see_assistente.retrieval import (
        passage_text, split_passages)
    result = []
    for number, article in enumerate(kb_articles):
        for paragraph in split_passages(article['body']):
            result.append((number, paragraph, passage_text(
                        article['title'], article['keywords'], paragraph)))
    return result


def evaluate(index, kb_articles, mode, threshold, pairs=None):
    """Return (top-1 accuracy, top-3 accuracy, share of "none" handed over,
    share of answerable questions answered right, share of all questions
    answered with a wrong article) of index on the questions

    A question is answered when the first article's confidence reaches
    threshold; top-k counts an answerable question right when its article
    is among the first k (whatever the confidence)."""
    keys = [a['key'] for a in kb_articles]
    top1 = top3 = answered = covered = handed = uncovered = wrong = 0
    for question, expected in pairs or questions():
        found = index.search(question, mode=mode, limit=3)
        confident = bool(found) and found[0][2] >= threshold
        if expected == NONE:
            uncovered += 1
            handed += not confident
            wrong += confident
            continue
        covered += 1
        ranked = [keys[f[0]] for f in found]
        top1 += ranked[:1] == [expected]
        top3 += expected in ranked
        answered += confident and ranked[0] == expected
        wrong += confident and ranked[0] != expected
    return (top1 / covered, top3 / covered, handed / uncovered,
        answered / covered, wrong / (covered + uncovered))
