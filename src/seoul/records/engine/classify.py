"""Suggest a record's type from its text, learnt from the institution's own registered records
(paperless-ngx's approach): TF-IDF over character bigrams, which suit Korean without a word
splitter and survive OCR's lost spaces, and a linear SVM (scikit-learn). A suggestion is only
made when at least two types have enough examples and the model is reasonably sure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MIN_PER_TYPE = 3
MAX_CHARS = 4000  # the beginning of a record says what kind it is


def _prepare(text: str) -> str:
    return "".join(text.split())[:MAX_CHARS]


@dataclass
class Model:
    pipeline: Any
    labels: list[str]

    def predict(self, text: str) -> tuple[str, float]:
        """The likeliest type and a margin (how far the best score is ahead of the next)."""
        scores = self.pipeline.decision_function([_prepare(text)])[0]
        if len(self.labels) == 2:  # a binary SVM gives one score: its sign picks the class
            best = self.labels[1] if scores > 0 else self.labels[0]
            return best, float(abs(scores))
        order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
        return self.labels[order[0]], float(scores[order[0]] - scores[order[1]])


def train(texts: Sequence[str], labels: Sequence[str]) -> Model | None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    counts = Counter(labels)
    keep = [i for i, label in enumerate(labels) if counts[label] >= MIN_PER_TYPE]
    kinds = sorted({labels[i] for i in keep})
    if len(kinds) < 2:
        return None
    pipeline = make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True, min_df=1), LinearSVC(C=1.0)
    )
    pipeline.fit([_prepare(texts[i]) for i in keep], [labels[i] for i in keep])
    return Model(pipeline, [str(c) for c in pipeline.classes_])
