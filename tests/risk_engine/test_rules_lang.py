"""The rule language's parser: well-formed rules parse, malformed ones fail with a code and a position."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearway.risk.rules.compile import compile_rule
from clearway.risk.rules.lang import MAX_DEPTH, RuleSyntaxError, parse, tokenize

EXAMPLE = ('item.hs6 starts_with "8517" and item.origin in ["CN", "VN"]\n'
           '  and item.unit_value_kg < 0.5 * ref.unit_value_kg')


def test_the_issue_example_parses_into_and_of_three_comparisons():
    tree = parse(EXAMPLE)
    assert tree.kind == "and"
    left, right = tree.children
    assert left.kind == "and" and right.kind == "compare" and right.value == "<"
    assert [c.value for c in left.children] == ["starts_with", "in"]


def test_precedence_arithmetic_before_comparison_before_not_before_and_before_or():
    tree = parse("not a.b + 2 * 3 > 4 or c.d == 1 and e.f != 2")
    assert tree.kind == "or"
    assert tree.children[0].kind == "not"
    inner = tree.children[0].children[0]
    assert inner.kind == "compare" and inner.children[0].value == "+"
    assert inner.children[0].children[1].value == "*"
    assert tree.children[1].kind == "and"


def test_keywords_are_case_insensitive_and_comments_are_ignored():
    tree = parse('declaration.type == "IM" AND NOT declarant.aeo # ignore this\n')
    assert tree.kind == "and" and tree.children[1].kind == "not"


def test_not_in_spans_two_words():
    assert parse('item.origin not in ["CN"]').value == "not in"


def test_strings_take_either_quote_and_escapes():
    tokens = tokenize("'it\\'s' \"a\\\"b\\n\"")
    assert [t.value for t in tokens[:2]] == ["it's", 'a"b\n']


def test_a_keyword_after_a_dot_is_a_field_part():
    assert parse("ref.count >= 5").children[0].value == "ref.count"


@pytest.mark.parametrize(("source", "code", "line", "column", "token"), [
    ("", "rule.empty", 1, 1, ""),
    ("   # only a comment", "rule.empty", 1, 1, ""),
    ("item.value > 1 &", "rule.unexpected_char", 1, 16, "&"),
    ("item.value = 1", "rule.single_equals", 1, 12, "="),
    ('item.hs6 == "8517', "rule.unterminated_string", 1, 13, '"8517'),
    ('item.hs6 == "a\\q"', "rule.bad_escape", 1, 15, "\\q"),
    ("item.value > 1.", "rule.bad_number", 1, 14, "1."),
    ("item.value > 12abc", "rule.bad_number", 1, 14, "12a"),
    ("item.value >", "rule.unexpected_end", 1, 13, ""),
    ("item.value > > 1", "rule.unexpected_token", 1, 14, ">"),
    ("(item.value > 1", "rule.unexpected_end", 1, 16, ""),
    ("(item.value > 1]", "rule.expected_paren", 1, 16, "]"),
    ('item.origin in ["CN" "VN"]', "rule.expected_bracket", 1, 22, '"VN"'),
    ("item. > 1", "rule.expected_name", 1, 7, ">"),
    ("1 < 2 < 3", "rule.chained_comparison", 1, 7, "<"),
    ("item.value > 1 item.value", "rule.unexpected_token", 1, 16, "item"),
    ("any item.value > 1", "rule.expected_paren", 1, 5, "item"),
    ("declaration.type == \"IM\"\n  and\n  item.valeu > 1", "rule.unknown_field", 3, 3, "item.valeu"),
    ('item.value > "100"', "rule.type_mismatch", 1, 14, '"100"'),
    ('item.hs6 starts_with 85', "rule.type_mismatch", 1, 22, "85"),
    ("item.origin in item.hs6", "rule.list_expected", 1, 16, "item.hs6"),
    ('item.origin in ["CN", item.hs6]', "rule.list_constant", 1, 23, "item.hs6"),
    ('item.value in [1, "a"]', "rule.list_mixed", 1, 15, "["),
    ("any(all(item.value > 1))", "rule.nested_aggregate", 1, 5, "all"),
    ("item.value + 1", "rule.not_boolean", 1, 12, "+"),
    ("declaration.item_count and true", "rule.type_mismatch", 1, 1, "declaration.item_count"),
    ("(" * (MAX_DEPTH + 1) + "true" + ")" * (MAX_DEPTH + 1), "rule.too_deep", 1, MAX_DEPTH + 1, "("),
    ("x" * 4001, "rule.too_long", 1, 1, "xxxxxxxxxx"),
    ("déclaration.type == 1", "rule.unexpected_char", 1, 2, "é"),
])
def test_each_error_has_its_code_line_column_and_token(source, code, line, column, token):
    with pytest.raises(RuleSyntaxError) as caught:
        compile_rule(source)
    error = caught.value
    assert (error.code, error.line, error.column, error.token) == (code, line, column, token)


_WORDS = ["item.value", "item.hs6", "item.origin", "declaration.type", "ref.unit_value_kg", "declarant.aeo",
          "and", "or", "not", "in", "not in", "starts_with", "==", "!=", "<", ">=", "+", "-", "*", "/", "%",
          "(", ")", "[", "]", ",", "any(", "count(", "sum(", "true", "null", "0", "1.5", '"CN"', "'x'", "\n", "#"]


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=200))
def test_random_text_never_raises_anything_but_a_coded_error(source):
    try:
        compile_rule(source)
    except RuleSyntaxError as error:
        assert error.code.startswith("rule.") and error.line >= 1 and error.column >= 1


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_WORDS), max_size=40))
def test_random_token_soup_never_raises_anything_but_a_coded_error(words):
    try:
        compiled = compile_rule(" ".join(words))
    except RuleSyntaxError as error:
        assert error.code.startswith("rule.") and error.line >= 1 and error.column >= 1
    else:
        assert compiled.fields <= {w for w in _WORDS if "." in w}
