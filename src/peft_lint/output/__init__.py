"""Renderers: full (code frames), concise, json."""
