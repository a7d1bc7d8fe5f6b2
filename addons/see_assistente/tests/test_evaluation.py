# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The assistant's figures on the evaluation set, for each method

Prints top-1 and top-3 accuracy over the questions the knowledge base
answers, the share of the "none" questions handed over, the share of the
answerable ones answered with the right article and the share of all the
questions answered with a wrong article, for BM25 alone,
embeddings alone and their fusion; the configuration the assistant uses
(the fusion) must reach top-3 >= 0.9 and hand over >= 0.8 of "none"."""
import sys
import unittest

from trytond.modules.see_assistente import retrieval
from trytond.modules.see_assistente.tests import evaluation


class EvaluationTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.articles = evaluation.articles()
        passages = evaluation.passages(cls.articles)
        cls.index = retrieval.Index(passages,
            retrieval.embed_passages([p[2] for p in passages]))

    def test_set_size(self):
        "At least 150 questions over at least 40 articles, each one asked"
        questions = evaluation.questions()
        keys = {a['key'] for a in self.articles}
        self.assertGreaterEqual(len(self.articles), 40)
        self.assertGreaterEqual(len(questions), 150)
        self.assertTrue(any(k == evaluation.NONE for _, k in questions))
        self.assertLessEqual({k for _, k in questions} - {evaluation.NONE},
            keys)
        self.assertEqual(keys - {k for _, k in questions}, set())

    def test_figures(self):
        figures = {}
        for mode in retrieval.MODES:
            figures[mode] = evaluation.evaluate(self.index, self.articles,
                mode, retrieval.threshold(mode))
        lines = [f"\n{'method':<8} {'top-1':>6} {'top-3':>6} "
            f"{'none handed over':>17} {'answered right':>15} "
            f"{'answered wrong':>15}"]
        for mode, (top1, top3, handed, answered, wrong) in figures.items():
            lines.append(f"{mode:<8} {top1:>6.3f} {top3:>6.3f} "
                f"{handed:>17.3f} {answered:>15.3f} {wrong:>15.3f}")
        print('\n'.join(lines), file=sys.stderr)
        _, top3, handed, _, _ = figures['fusion']
        self.assertGreaterEqual(top3, 0.9)
        self.assertGreaterEqual(handed, 0.8)
