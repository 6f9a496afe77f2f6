"""Rules: policy files, their CEL conditions, and the compliance mapping."""
