"""peft-lint: a static preflight checker for PEFT fine-tuning runs."""

__version__ = "0.1.0"
