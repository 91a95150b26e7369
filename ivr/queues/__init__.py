"""Agent queues: which queue a caller joins, whether it is open, how long the wait is."""
