"""Improve: the closed-loop recipe (`tuneup.improve`, `tuneup improve`: loop.py and the modules beside it)."""
