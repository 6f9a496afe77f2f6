"""Live collection from Google Cloud APIs. Google's client libraries are imported lazily, here only."""
