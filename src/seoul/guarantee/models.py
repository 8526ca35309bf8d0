"""Transactional state of the guarantee service."""
