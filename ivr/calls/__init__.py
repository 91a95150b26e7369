"""Call records: the durable timeline agents and supervisors read."""
