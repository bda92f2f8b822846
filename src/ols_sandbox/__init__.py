"""The sandbox cluster: a Kubernetes API emulator with per-user tokens and RBAC that kubectl
and kubernetes-mcp-server accept, for tests, the offline demo, evaluation and benchmarks.

Not part of the product: only `ols sandbox ...` loads it, and nothing in `ols` imports it.
"""
