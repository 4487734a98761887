"""The learner's pages, one module per part of the site: courses.py (catalogue, course home,
lesson, mark complete), quiz.py (quiz page and start, question, answer, finish, summary) and
progress.py (My progress, progress, certificate, practice). The URLs are in config/urls.py."""
