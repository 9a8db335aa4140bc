"""The answer classifier's probabilities are scikit-learn's, computed without its
per-call copy of the weights (bot/components/linear_selector.py)."""

import numpy as np
import pytest
from scipy.sparse import random as sparse_random
from sklearn.linear_model import LogisticRegression

from bot.components.linear_selector import LinearResponseSelector


def _component(answers: int) -> tuple[LinearResponseSelector, object]:
    rng = np.random.default_rng(7)
    features = sparse_random(60, 40, density=0.2, format="csr", random_state=7)
    labels = [f"faq/a{i % answers}" for i in range(60)]
    rng.shuffle(labels)
    classifier = LogisticRegression(C=20.0, max_iter=300).fit(features, labels)
    component = LinearResponseSelector({}, None, None, classifier=classifier)  # type: ignore[arg-type]
    return component, classifier


@pytest.mark.parametrize("answers", [2, 3, 12])
def test_probabilities_are_scikit_learns(answers):
    component, classifier = _component(answers)
    messages = sparse_random(5, 40, density=0.3, format="csr", random_state=3)
    ours = component.probabilities(messages)
    assert ours.shape == (5, answers)
    np.testing.assert_allclose(ours, classifier.predict_proba(messages), atol=1e-12)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0)


def test_a_message_without_features_gets_the_classifiers_prior():
    component, classifier = _component(12)
    empty = sparse_random(1, 40, density=0.0, format="csr")
    np.testing.assert_allclose(
        component.probabilities(empty), classifier.predict_proba(empty), atol=1e-12
    )


def test_the_weights_are_kept_once():
    component, classifier = _component(12)
    assert component._coef_t is not None
    assert np.shares_memory(classifier.coef_, component._coef_t)
