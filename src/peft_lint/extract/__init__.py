"""Front-ends: one per input kind, each turns a file into values with spans."""
