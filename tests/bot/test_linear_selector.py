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


def test_the_weighting_is_scikit_learns_tfidf():
    from sklearn.feature_extraction.text import TfidfTransformer

    counts = sparse_random(50, 30, density=0.2, format="csr", random_state=5)
    counts.data = np.ceil(counts.data * 4)  # term counts 1..4
    weights = TfidfTransformer(sublinear_tf=True).fit(counts)
    component = LinearResponseSelector({}, None, None, weights=weights)  # type: ignore[arg-type]
    messages = sparse_random(6, 30, density=0.3, format="csr", random_state=9)
    messages.data = np.ceil(messages.data * 3)
    messages[2] = 0  # a message without any feature
    messages.eliminate_zeros()
    np.testing.assert_allclose(
        component.weighted(messages).toarray(),
        weights.transform(messages).toarray(),
        atol=1e-12,
    )


def test_the_features_are_those_rasa_combines():
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from scipy.sparse import coo_matrix

    message = Message(data={"text": "cách kích hoạt vneid"})
    for n, origin in enumerate(["lexical", "words", "chars", "word_pairs"]):
        sentence = coo_matrix(sparse_random(1, 5 + n, density=0.5, random_state=n))
        sequence = coo_matrix(sparse_random(4, 5 + n, density=0.5, random_state=n))
        message.add_features(Features(sequence, "sequence", "text", origin))
        message.add_features(Features(sentence, "sentence", "text", origin))
    _, combined = message.get_sparse_features("text")
    ours = LinearResponseSelector._features([message])
    assert ours.shape == combined.features.shape
    np.testing.assert_array_equal(ours.toarray(), combined.features.toarray())


def test_the_intent_classifier_reads_only_the_featurizers_it_names():
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from scipy.sparse import coo_matrix

    message = Message(data={"text": "chào ad"})
    parts = {}
    for n, origin in enumerate(["words", "chars", "word_pairs"]):
        parts[origin] = sparse_random(1, 3 + n, density=1.0, random_state=n)
        message.add_features(
            Features(coo_matrix(parts[origin]), "sentence", "text", origin)
        )
    ours = LinearResponseSelector._features([message], origins=frozenset({"chars"}))
    np.testing.assert_array_equal(ours.toarray(), parts["chars"].toarray())


def test_the_intent_classifier_sets_the_intent_and_its_ranking_as_diet_does():
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from scipy.sparse import coo_matrix
    from sklearn.feature_extraction.text import TfidfTransformer

    from bot.components.linear_intent import LinearIntentClassifier

    counts = sparse_random(60, 20, density=0.3, format="csr", random_state=4)
    counts.data = np.ceil(counts.data * 3)
    labels = ["greet", "thank", "faq"] * 20
    weights = TfidfTransformer(sublinear_tf=True).fit(counts)
    classifier = LogisticRegression(C=20.0).fit(weights.transform(counts), labels)
    component = LinearIntentClassifier(
        {},
        None,
        None,
        weights=weights,
        classifier=classifier,  # type: ignore[arg-type]
    )
    message = Message(data={"text": "xin chào"})
    row = counts[:1]
    message.add_features(Features(coo_matrix(row), "sentence", "text", "words"))
    component.process([message])
    ranking = message.get("intent_ranking")
    expected = classifier.predict_proba(weights.transform(row))[0]
    assert [r["name"] for r in ranking] == [
        classifier.classes_[i] for i in np.argsort(-expected, kind="stable")
    ]
    np.testing.assert_allclose(
        [r["confidence"] for r in ranking], sorted(expected, reverse=True)
    )
    assert message.get("intent") == ranking[0]


def _message_with_features(seed: int, empty: bool = False):
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from scipy.sparse import coo_matrix

    message = Message(data={"text": "cách kích hoạt vneid"})
    for n, origin in enumerate(["words", "chars", "word_pairs"]):
        sentence = sparse_random(
            1, 10 + 5 * n, density=0.0 if empty else 0.4, random_state=seed * 10 + n
        )
        sentence.data = np.ceil(sentence.data * 4)  # term counts 1..4
        sequence = sparse_random(3, 10 + 5 * n, density=0.3, random_state=n)
        message.add_features(Features(coo_matrix(sequence), "sequence", "text", origin))
        message.add_features(Features(coo_matrix(sentence), "sentence", "text", origin))
    return message


@pytest.mark.parametrize("origins", [[], ["words", "chars"], ["chars"]])
def test_one_message_is_scored_as_through_the_sparse_matrices(origins):
    from sklearn.feature_extraction.text import TfidfTransformer

    probe = LinearResponseSelector({"featurizers": origins}, None, None)  # type: ignore[arg-type]
    train = [_message_with_features(seed) for seed in range(40)]
    counts = probe._features(train, origins=probe._origins)
    labels = [f"faq/a{i % 7}" for i in range(40)]
    weights = TfidfTransformer(sublinear_tf=True).fit(counts)
    classifier = LogisticRegression(C=20.0, max_iter=500).fit(
        weights.transform(counts), labels
    )
    component = LinearResponseSelector(
        {"featurizers": origins},
        None,
        None,
        weights=weights,
        classifier=classifier,  # type: ignore[arg-type]
    )
    messages = [_message_with_features(seed) for seed in range(100, 106)]
    messages.append(_message_with_features(999, empty=True))
    through_matrices = component.probabilities(
        component.weighted(
            component._features(messages, counts.shape[1], component._origins)
        )
    )
    scored = np.vstack([component.scored(m) for m in messages])
    np.testing.assert_allclose(scored, through_matrices, atol=1e-12)
    np.testing.assert_allclose(
        scored,
        classifier.predict_proba(
            weights.transform(
                component._features(messages, counts.shape[1], component._origins)
            )
        ),
        atol=1e-12,
    )
    ranked = [best for _, best in component._ranked(messages)]
    for row, best in zip(scored, ranked, strict=True):
        assert [label for _, label, _ in best] == [
            classifier.classes_[i] for i in np.argsort(-row, kind="stable")[:10]
        ]
