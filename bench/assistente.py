# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Latency of the assistant's answer with N articles indexed.

    .venv/bin/python bench/assistente.py --articles 5000

The N articles are made from the evaluation set's (a title of one, the
paragraphs of two others, a number), two or three passages each; the
questions are the evaluation set's, asked in turn. It prints:

- the index build: the BM25 index and the matrix of embeddings over every
  passage (what a process does when the passages changed), and the time to
  embed the passages, measured on a sample and given per passage and for
  all of them (embedding is done once, at publication, not at each
  rebuild);
- p50/p95/max of a whole answer (the question's embedding, BM25, the
  fusion and the confidence) next to BM25 alone.
Not part of `make test`.
"""
import argparse
import os
import random
import statistics
import sys
import time

from machine import describe as describe_machine  # bench/machine.py

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

from trytond.modules.see_assistente import retrieval  # noqa: E402
from trytond.modules.see_assistente.tests import evaluation  # noqa: E402


def corpus(count, seed=7):
    """count articles as passages (article number, paragraph, text) and
    the distinct texts to embed"""
    rng = random.Random(seed)
    kb = evaluation.articles()
    paragraphs = [p for a in kb for p in retrieval.split_passages(a['body'])]
    passages = []
    for number in range(count):
        base = kb[number % len(kb)]
        title = f"{base['title']} ({number})"
        chosen = rng.sample(paragraphs, rng.choice([2, 3]))
        for paragraph in chosen:
            passages.append((number, paragraph, retrieval.passage_text(
                        title, base['keywords'], paragraph)))
    return passages


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--articles', type=int, default=5000)
    parser.add_argument('--rounds', type=int, default=3,
        help="times each evaluation question is asked")
    parser.add_argument('--embed-sample', type=int, default=200,
        help="passages actually embedded to time the embedding")
    args = parser.parse_args()
    print(describe_machine())

    passages = corpus(args.articles)
    print(f"{args.articles} articles, {len(passages)} passages")

    # Embedding: timed on a sample of real passages; then, to keep the run
    # short, every passage takes the vector of its paragraph alone (the
    # latency of an answer does not depend on which vectors are indexed)
    sample = [p[2] for p in passages[:args.embed_sample]]
    retrieval.embed_query("aquecimento")  # load the model
    start = time.perf_counter()
    retrieval.embed_passages(sample)
    per_passage = (time.perf_counter() - start) / len(sample)
    print(f"embedding: {per_passage * 1000:.1f} ms per passage, "
        f"{per_passage * len(passages):.0f} s for all {len(passages)} "
        "(done once, at publication)")
    distinct = sorted({p[1] for p in passages})
    vectors_of = dict(zip(distinct, retrieval.embed_passages(distinct)))
    vectors = [vectors_of[p[1]] for p in passages]

    start = time.perf_counter()
    index = retrieval.Index(passages, vectors)
    build = time.perf_counter() - start
    print(f"index build (BM25 + embeddings matrix): {build:.2f} s")

    questions = [q for q, _ in evaluation.questions()] * args.rounds
    for mode in ['bm25', 'fusion']:
        times = []
        for question in questions:
            start = time.perf_counter()
            index.search(question, mode=mode, limit=3)
            times.append(time.perf_counter() - start)
        print(f"{mode:<7} answer over {len(questions)} questions: "
            f"p50 {percentile(times, .5) * 1000:.1f} ms, "
            f"p95 {percentile(times, .95) * 1000:.1f} ms, "
            f"max {max(times) * 1000:.1f} ms, "
            f"mean {statistics.mean(times) * 1000:.1f} ms")


if __name__ == '__main__':
    main()
