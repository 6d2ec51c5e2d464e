"""Finding, reading and classifying input files, and grouping them into run units."""
