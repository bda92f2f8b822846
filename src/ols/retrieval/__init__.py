"""Retrieval: grounding answers in documentation and runbooks.

It owns reading documents (Markdown, AsciiDoc, HTML, plain text) into passages split by
headings (`documents.py`), the on-disk index and its incremental rebuild (`index.py`), the
generic `Ranker` over short texts (`ranking.py`: BM25, optional dense re-ranking; reused
for ranking tools), choosing the passages for one question within a token budget
(`retriever.py`), the labelled-question evaluation (`evaluation.py`), and the runbooks
shipped with ols (`runbooks/`). It calls `ols.llm.tokens` for budgets and nothing else of
ols; the agent calls it.
"""
