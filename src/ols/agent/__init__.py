"""The agent: one user turn as a bounded loop of LLM rounds and tool calls.

It knows nothing about HTTP or how approval is asked: a `ToolGate` decides whether a call
may run, and the loop only learns that it may be refused.
"""
