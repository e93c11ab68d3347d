"""Worked examples: the files an organization department hands in."""
