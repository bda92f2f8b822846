"""The scripted LLM lives in `ols.eval.scripted_llm` (`ols eval --scripted` runs it too);
tests import it from here."""

from ols.eval.scripted_llm import *  # noqa: F403
from ols.eval.scripted_llm import __all__ as __all__
