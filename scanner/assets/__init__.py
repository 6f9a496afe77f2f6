"""Asset sources: turn what Google exports into ``Asset`` values."""
