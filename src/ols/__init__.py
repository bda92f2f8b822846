"""ols: answers questions about a Kubernetes or OpenShift cluster, running kubernetes-mcp-server
tools with the asking user's own credentials. See docs/architecture.md for the parts."""
