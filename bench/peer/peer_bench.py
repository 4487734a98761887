"""The peer's data and request lists for `make bench`, run with the peer's Python
(bench/peer/.venv: django-quiz-app 0.5.1, Django 1.8) from bench/peer/:

    python peer_bench.py seed LEARNERS < password    5 quizzes x 20 multiple-choice questions
                                                     (4 options), LEARNERS learners, each with
                                                     an open sitting on every quiz
    python peer_bench.py reset LEARNERS               every learner's sittings: one open
                                                      sitting per quiz, at its first question
    python peer_bench.py requests SESSIONS OUT        the wrk request lists (bench/requests.lua)

SESSIONS is a JSON file {"posting": [cookies...], "reading": [cookies...]}, each cookies a
{"sessionid", "csrftoken"} dict of a learner signed in through the login form.
"""

import json
import os
import random
import sys

import django

QUIZZES, QUESTIONS, OPTIONS = 5, 20, 4
RIGHT = 0.7  # the share of right answers, as the app's lists
ANSWERS_PER_CONNECTION = 2000  # each pass through the 5 quizzes is 100 answers


def username(i):
    return f"learner{i:03d}"


def seed(learners, password):
    from django.contrib.auth.models import User
    from django.db import transaction
    from multichoice.models import Answer, MCQuestion
    from quiz.models import Category, Quiz

    with transaction.atomic():
        category = Category.objects.create(category="general")
        for q in range(1, QUIZZES + 1):
            quiz = Quiz.objects.create(
                title=f"Quiz {q}",
                url=f"quiz-{q}",
                category=category,
                description="Twenty questions",
                max_questions=QUESTIONS,
                pass_mark=50,
            )
            for n in range(1, QUESTIONS + 1):
                question = MCQuestion.objects.create(
                    category=category,
                    content=f"Quiz {q} question {n}: which option?",
                    explanation="Option 1 is the right one.",
                    answer_order="none",
                )
                question.quiz.add(quiz)
                Answer.objects.bulk_create(
                    Answer(question=question, content=f"Option {o}", correct=o == 1)
                    for o in range(1, OPTIONS + 1)
                )
        user = User(username=username(1))
        user.set_password(password)  # one hash for all: the login form checks each
        User.objects.bulk_create(
            User(username=username(i), password=user.password) for i in range(1, learners + 1)
        )
    reset(learners)
    sys.stdout.write(f"seeded {QUIZZES} quizzes of {QUESTIONS} questions, {learners} learners\n")


def reset(learners):
    """Every learner's sittings replaced by one open sitting per quiz (untimed)."""
    from django.contrib.auth.models import User
    from django.db import transaction
    from quiz.models import Quiz, Sitting

    with transaction.atomic():
        Sitting.objects.all().delete()
        quizzes = list(Quiz.objects.order_by("id"))
        orders = {}
        for quiz in quizzes:  # the order SittingManager.new_sitting gives (random_order off)
            ids = [q.id for q in quiz.question_set.all().select_subclasses()][:QUESTIONS]
            orders[quiz.id] = ",".join(map(str, ids)) + ","
        Sitting.objects.bulk_create(
            Sitting(
                user=user,
                quiz=quiz,
                question_order=orders[quiz.id],
                question_list=orders[quiz.id],
                incorrect_questions="",
                current_score=0,
                complete=False,
                user_answers="{}",
            )
            for user in User.objects.filter(username__startswith="learner")[:learners]
            for quiz in quizzes
        )


def requests(sessions_path, out):
    """ping.tsv, question.tsv and answer.tsv: one connection per learner (bench/requests.lua
    gives thread i the lines i, i + n, ...). Each posting learner answers its current question
    in order, quiz-1 q1..q20, then quiz-2...; a finished sitting is deleted (exam_paper off)
    and the next POST opens a new one, so the list can go round the quizzes again."""
    from multichoice.models import Answer
    from quiz.models import Quiz

    with open(sessions_path) as f:
        sessions = json.load(f)

    def cookie(c):
        return "sessionid={}; csrftoken={}".format(c["sessionid"], c["csrftoken"])

    steps = []  # (quiz url, right answer id, a wrong answer id)
    for quiz in Quiz.objects.order_by("id"):
        for question in list(quiz.question_set.all().select_subclasses())[:QUESTIONS]:
            answers = list(Answer.objects.filter(question=question).order_by("id"))
            right = [a.id for a in answers if a.correct][0]
            wrong = [a.id for a in answers if not a.correct][0]
            steps.append((quiz.url, right, wrong))
    rng = random.Random(1)
    with open(os.path.join(out, "ping.tsv"), "w") as f:
        f.write("GET\t/ping\t\t\t\n")
    with open(os.path.join(out, "question.tsv"), "w") as f:
        for j, c in enumerate(sessions["reading"]):
            url = steps[(j % QUIZZES) * QUESTIONS][0]
            f.write(f"GET\t/q/{url}/take/\t{cookie(c)}\t\t\n")
    lines = []
    for k in range(ANSWERS_PER_CONNECTION):
        url, right, wrong = steps[k % len(steps)]
        for c in sessions["posting"]:
            answer = right if rng.random() < RIGHT else wrong
            token = c["csrftoken"]
            body = f"answers={answer}&csrfmiddlewaretoken={token}"
            lines.append(f"POST\t/q/{url}/take/\t{cookie(c)}\t{token}\t{body}")
    with open(os.path.join(out, "answer.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    facts = {"peer_steps": len(steps), "answers_per_connection": ANSWERS_PER_CONNECTION}
    sys.stdout.write(json.dumps(facts) + "\n")


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproject.settings")
    django.setup()
    command = sys.argv[1]
    if command == "seed":
        seed(int(sys.argv[2]), sys.stdin.readline().strip())
    elif command == "reset":
        reset(int(sys.argv[2]))
    elif command == "requests":
        requests(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit("unknown command: " + command)


if __name__ == "__main__":
    main()
