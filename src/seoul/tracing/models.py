"""Transactional state of the tracing service."""
