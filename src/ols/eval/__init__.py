"""Evaluation: curated scenarios run against the real service, scored, reported."""
