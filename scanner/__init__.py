"""hascan: prove a Google Cloud environment matches its high-availability design."""

__version__ = "0.1.0"
