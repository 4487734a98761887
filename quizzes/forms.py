"""The answer form, built for one question of one attempt from its version's spec.

Nothing in the form tells which option is correct: options are shown in an order drawn from
the attempt's seed (quizzes.draw.option_rng), and their values are HMAC tokens of the attempt,
question and option key, so neither the order nor the values nor the keys an author wrote
("a" first...) leak the answer. The same attempt and question always give the same order and
tokens, so a reload or a re-render after an error shows exactly the same form.

The question's type (quizzes.questiontypes) adds the fields, and what its template fragment
(`question_type.template`, templates/quizzes/fields/<type>.html) draws: `items` (radio buttons
and checkboxes) or `rows` (matching).
"""

from django import forms
from django.utils.crypto import salted_hmac

from quizzes import grading, questiontypes
from quizzes.draw import option_rng


def option_token(attempt, question_id, key):
    """The value sent for one option: opaque, stable for the attempt, unguessable."""
    message = f"{attempt.pk}:{attempt.seed}:{question_id}:{key}"
    return "o" + salted_hmac("quizzes.option", message, algorithm="sha256").hexdigest()[:20]


class AnswerForm(forms.Form):
    """Validates a learner's answer and grades it: after is_valid(), `self.grade` is set.

    Bad input (nothing chosen, an unknown option token, text for a numeric question...)
    becomes a form error with a sentence for the learner; grading.InvalidAnswer is one too.
    """

    def __init__(self, data=None, *, attempt, question, version):
        super().__init__(data)
        self.qtype = question.type
        self.question_type = questiontypes.get(question.type)
        self.spec = version.spec
        self.html_id = f"q{question.pk}"
        self.grade = None
        rng = option_rng(attempt.seed, question.pk)

        def token(key):
            return option_token(attempt, question.pk, key)

        self.question_type.build_fields(self, self.spec, rng, token)

    def answer_data(self):
        """The cleaned input in grading's shape, with option keys instead of tokens."""
        return self.question_type.answer_data(self, self.cleaned_data)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            data = self.answer_data()
            try:
                self.question_type.check_answer(self.spec, data)
                self.grade = grading.grade(self.qtype, self.spec, data)
            except grading.InvalidAnswer as error:
                raise forms.ValidationError(str(error), code=error.code) from None
        return cleaned

    @property
    def messages(self):
        """Every error as one flat list of sentences (each said once)."""
        seen = []
        for errors in self.errors.values():
            for message in errors:
                if message not in seen:
                    seen.append(message)
        return seen
