"""Reports for facilitators: cohorts and join codes, a cohort's report (per learner, module, question, practice post,
learning gain, discernment) and its renderings (table, Markdown, CSV, JSON, HTML with charts)."""
