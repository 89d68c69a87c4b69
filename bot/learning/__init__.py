"""Learning: the content (lessons, quizzes, practice posts, support texts) and what the tutor decides with it.

content loads and validates quizzes/*.yml; tutor and review run modules, checks and spaced review; grading, matching
and lemmas read typed answers; practice, support and situation hold the practice posts and the support conversation;
item_bank holds the item bank's quality rules.
"""
