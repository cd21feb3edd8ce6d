"""The trainer handoff queue: tickets, atomic claims, answers waiting to be relayed, and `safar trainer`."""
