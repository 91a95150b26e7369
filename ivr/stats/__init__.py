"""Supervisor statistics: what each figure means, the rollups that keep them fast, the queries."""
