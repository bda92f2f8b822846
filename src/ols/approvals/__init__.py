"""Human approval of tool calls that are not read-only: the policy that decides which calls
need it, and the durable store of pending approvals and suspended turns, bound to the user
who caused them, single-use, expiring, and shared by every replica through the database."""
