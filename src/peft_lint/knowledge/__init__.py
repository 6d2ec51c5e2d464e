"""What peft-lint knows about each library, one module per library.

Rules never hard-code library behaviour; they ask these modules, which say for
which versions each fact was read from the upstream code.
"""
