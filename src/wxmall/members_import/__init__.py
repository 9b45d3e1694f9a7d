"""Importing an existing shop's members (issue 18): upload, column mapping, preview, apply as a task."""
