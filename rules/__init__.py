"""The built-in rule pack: one folder per rule (rule.py and its cases/)."""
