"""Reviewing a change: what an apply of NEW over OLD will do (diff), and what the backend looks like (graph)."""
