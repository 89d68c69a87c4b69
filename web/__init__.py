"""The learner website: the page, the embeddable widget's files and a read-only progress API."""
