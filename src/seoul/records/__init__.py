"""Seoul Electronic Document Center: paper archives scanned, read, found in Korean, kept by the records law."""
