"""NLU tooling: the project's spaCy pipeline (pipeline), the evaluation summary of `make eval` (report) and the
free-text grader's evaluation (grading_eval). Plain Python: no Rasa import."""
