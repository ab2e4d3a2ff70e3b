"""Chinese text helpers for petition triage (issue #5). Pure Python: no Django imports.

* ``normalize``: full/half width, traditional → simplified, Chinese numerals, dates.
* ``tokenize``: jieba with a coal-industry user dictionary.
* ``shingles``: character n-grams, MinHash signatures, LSH band keys, search grams.
* ``rules``: the phrase-rule engine (negation, false friends, explanations) used for risk,
  litigation and identity-sensitive screening.
* ``matter``: whether two texts raise the same matter (similar wording about different
  matters is told apart by the facts they name).
"""

from tongxin.lib.zhtext.normalize import normalize, to_simplified

__all__ = ["normalize", "to_simplified"]
