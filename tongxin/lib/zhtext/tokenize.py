"""Word segmentation with jieba (a maintained segmenter) and a coal-industry user dictionary
(coal_dict.txt next to this file: 综采, 掘进, 瓦斯, 采空区, 尘肺, 棚改, 内退 …)."""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path

USER_DICT = Path(__file__).with_name("coal_dict.txt")
_lock = threading.Lock()

# Function words and petition boilerplate that say nothing about the matter.
STOPWORDS = frozenset(
    ["的", "了", "和", "是", "在", "我", "我们", "你", "你们", "他", "他们", "她", "它", "这", "那", "就", "也", "都", "而", "及", "与", "着", "或", "一个", "没有", "不", "有", "被", "把", "给", "让", "对", "从", "到", "为", "以", "于", "上", "下", "中", "又", "还", "要", "会", "能", "可以", "请", "请求", "恳请", "希望", "要求", "反映", "问题", "情况", "事情", "领导", "组织", "单位", "公司", "本人", "一直", "已经", "现在", "目前", "如果", "但是", "可是", "因为", "所以", "什么", "怎么", "为什么", "这个", "那个", "这样", "那样", "一下", "一些", "自己", "大家", "谢谢", "您好", "你好", "尊敬", "此致", "敬礼", "特此", "予以", "给予", "进行", "相关", "有关", "处理", "解决", "答复", "书面", "核实", "调查", "依法", "依规", "俺们", "俺是", "政策", "说法", "准话", "工友", "议论", "信访办", "来信", "重视", "属实", "职工", "如下", "工作", "部门", "网上", "老工人", "十几年", "麻烦", "问问", "办事", "效率", "当官", "开会", "不干", "多少次", "到底", "有没有", "没有人", "咋整", "这事", "不懂", "就想", "讨个"]
)


@lru_cache(maxsize=1)
def tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    with _lock:
        tk = jieba.Tokenizer()
        tk.initialize()
        tk.load_userdict(str(USER_DICT))
    return tk


def words(text: str) -> list[str]:
    """Segmented words of a normalised text (punctuation and spaces dropped)."""
    return [w for w in tokenizer().lcut(text, HMM=True) if w.strip() and (w.isalnum() or len(w) > 1)]


def keywords(text: str) -> list[str]:
    """Content words: segmented words (dictionary only, no HMM for unknown words: twice as
    fast, and the matter test needs shared words, not perfect segmentation) minus stop words,
    single characters and bare numbers (the caller's entity extraction keeps those)."""
    return [w for w in tokenizer().lcut(text, HMM=False) if len(w) > 1 and w not in STOPWORDS and not w.isdigit()]
