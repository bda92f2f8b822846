"""The tool layer: kubernetes-mcp-server, how to find it, how to configure it securely, and
(later) the MCP client that runs tools with each requesting user's own token."""
