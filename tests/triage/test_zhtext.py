"""The pure text package: normalisation, segmentation, MinHash/LSH, search grams, rules."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from tongxin.lib.zhtext.default_rules import DEFAULT_RULES
from tongxin.lib.zhtext.matter import profile, same_matter
from tongxin.lib.zhtext.normalize import chinese_number, extract_dates, normalize
from tongxin.lib.zhtext.rules import Facts, Rule, check_rule_data, negated, screen
from tongxin.lib.zhtext.shingles import band_keys, char_ngrams, estimate, minhash, query_grams, search_grams
from tongxin.lib.zhtext.tokenize import words

RULES = [Rule.from_data(d) for d in DEFAULT_RULES]


def level(text: str, **facts) -> tuple[str, list[str]]:
    s = screen(normalize(text), RULES, Facts(**facts))
    return s.level, s.flags


def test_normalise_width_traditional_numerals():
    assert normalize("我們幾十個工友，三號井欠薪三個月！２０２４年") == "我们几十个工友,3号井欠薪3个月!2024年"
    assert normalize("一萬二千元") == "12000元"
    assert normalize("万一出事") == "万一出事"
    assert chinese_number("二〇二四") == 2024 and chinese_number("三十五") == 35


def test_dates():
    found = extract_dates(normalize("去年十月五日和2024年3月"), today=date(2026, 1, 1))
    assert found[0].as_date() == date(2025, 10, 5)
    assert (found[1].year, found[1].month, found[1].day) == (2024, 3, None)


def test_coal_dictionary_words_are_kept_whole():
    got = words(normalize("综采队在采空区附近掘进，瓦斯超限，尘肺病人要内退，棚改房没交"))
    for term in ("综采队", "采空区", "掘进", "瓦斯超限", "尘肺病", "内退", "棚改"):
        assert term in got


def test_minhash_is_stable_and_estimates_jaccard():
    a = char_ngrams(normalize("三号井综采一队三月份工资少发八百元，请求补发"))
    b = char_ngrams(normalize("三号井综采一队三月份工资少发八百元，请求尽快补发"))
    sa, sb = minhash(a), minhash(b)
    assert list(sa) == list(minhash(set(a)))
    assert abs(estimate(sa, sb) - len(a & b) / len(a | b)) < 0.2
    assert band_keys(sa) == band_keys(minhash(a)) and len(band_keys(sa)) == 16


def test_search_grams_are_ascii_phrases():
    doc = search_grams(normalize("井下瓦斯超限"))
    assert doc.isascii()
    assert " ".join(query_grams("瓦斯超限")) in doc
    assert " ".join(query_grams("瓦斯")) in doc


def test_negation_scope():
    assert negated("没有人想闹事", 4)
    assert not negated("再不解决我们就去跳楼", 9)
    assert not negated("不得不堵路", 3)
    assert not negated("工资没有发我们去堵路", 8)


def test_extreme_words_and_false_friends():
    assert level("再不发工资我就去跳楼")[0] == "high"
    assert level("配电室跳闸了好几次")[0] == "low"
    assert level("单位组织进京培训")[0] == "low"
    assert level("没有人想闹事，只想要回工资")[0] == "low"
    assert level("工人们绝不会堵路")[0] == "low"
    assert level("水仓堵漏工程没完工")[0] == "low"
    assert level("工作面瓦斯聚集，通风要加强")[0] != "high"


def test_collective_and_skip_level():
    assert level("我们共12名职工反映")[0] == "medium"
    assert level("我们共3人反映")[0] == "low"
    assert level("反映工资问题", people_count=6) == ("medium", ["collective"])
    lv, flags = level("我们三十多个工友要去北京上访")
    assert lv == "high" and {"collective", "skip_level"} <= set(flags)
    assert level("不解决我就去省里反映")[0] == "medium"


def test_repeat_count_and_sensitive_period():
    assert level("工资问题", prior_same_matter=2) == ("medium", ["repeat"])
    assert level("我们联名反映工资问题", sensitive_period="全国两会")[0] == "high"


def test_litigation_and_identity():
    assert "litigation" in level("我已向区法院起诉，法院已立案")[1]
    assert "litigation" in level("已经申请了劳动仲裁，仲裁委已受理")[1]
    assert "litigation" not in level("准备去申请劳动仲裁")[1]
    assert "identity_sensitive" in level("王矿长克扣我们的工资还打击报复")[1]


def test_rule_data_is_checked():
    assert check_rule_data({"code": "x", "patterns": ["("]})
    assert not check_rule_data(DEFAULT_RULES[0])


def test_same_matter_tells_facts_apart():
    a = profile(normalize("我是三号井综采一队的，三月份工资少发了八百元，问班长也说不清楚，请求补发。"))
    b = profile(normalize("领导好，3号井综采1队3月的工资给我少算了800块钱，到现在没人给个说法，赶紧给我补上！"))
    c = profile(normalize("我是五号井综采二队的，六月份工资少发了八百元，问班长也说不清楚，请求补发。"))
    assert same_matter(a, b)[0]
    ok, score, clash = same_matter(a, c)
    assert not ok and score > 0.5 and clash


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_screened_without_error(text):
    norm = normalize(text)
    assert normalize(norm) == norm
    s = screen(norm, RULES, Facts())
    assert s.level in ("low", "medium", "high")
