"""Check a parsed rule against the known fields and types, and compile it into Python closures.

Checking happens when a rule is saved, so an unknown field, a type mismatch or a non-boolean
rule is a coded error with its position then, never a failure while scoring. Evaluation follows
simple null rules: arithmetic with null gives null, a comparison with null is false (except
`== null` and `!= null`), and null counts as false where a boolean is expected. A rule that
tests item fields outside `any/all/count/sum` matches when it holds for at least one item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clearway.risk.rules.facts import BOOL, FIELDS, ITEM_FIELDS, ITEMS_KEY, NUM, STR
from clearway.risk.rules.lang import Node, RuleSyntaxError, parse

NULL, LIST = "null", "list"
Fn = Callable[[dict[str, Any], dict[str, Any] | None], Any]
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "%": lambda a, b: a % b,
}
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "starts_with": lambda a, b: a.startswith(b), "ends_with": lambda a, b: a.endswith(b),
    "contains": lambda a, b: b in a,
}


# Bound on the work one rule may cost on one declaration, in expression evaluations. Aggregates are computed
# once per declaration (not once per item), so a rule costs about nodes × items at most: a rule that would
# exceed the budget on the largest declaration (MAX_ITEMS) is refused when saved, and one that exceeds it on
# a declaration at run time is not evaluated (counted as an evaluation error).
MAX_ITEMS = 999
COST_BUDGET = 500_000


class RuleTooCostly(ArithmeticError):
    """A rule's cost on this declaration is over the budget; it is not evaluated."""


@dataclass(frozen=True)
class Compiled:
    """A checked rule: the function to call, whether it runs per item, the fields it reads, and its size."""

    fn: Fn
    per_item: bool
    fields: frozenset[str]
    nodes: int = 1              # expression nodes outside aggregates
    aggregate_nodes: int = 0    # nodes inside aggregates (each evaluated once per item, once per declaration)

    def cost(self, items: int) -> int:
        """Expression evaluations the rule needs on a declaration with this many items."""
        return (max(items, 1) if self.per_item else 1) * self.nodes + self.aggregate_nodes * max(items, 1)


@dataclass(frozen=True)
class _Typed:
    fn: Fn
    type: str
    item: bool  # reads item fields outside an aggregate
    element: str | None = None  # element type of a list
    constant: Any = None


def _error(code: str, node: Node, **params: object) -> RuleSyntaxError:
    token = str(node.value) if node.kind == "name" else node.token.text
    return RuleSyntaxError(code, node.token.line, node.token.column, token, **params)


def _want(node: Node, typed: _Typed, *types: str) -> None:
    if typed.type not in types and typed.type != NULL:
        raise _error("rule.type_mismatch", node, expected=" or ".join(types), found=typed.type)


class _Checker:
    def __init__(self) -> None:
        self.fields: set[str] = set()
        self.in_aggregate = False
        self.nodes = 0
        self.aggregate_nodes = 0

    def check(self, node: Node) -> _Typed:
        self.nodes += 1
        return getattr(self, f"_{node.kind}")(node)

    def _literal(self, node: Node) -> _Typed:
        value = node.value
        kind = (NULL if value is None else BOOL if isinstance(value, bool)
                else NUM if isinstance(value, Decimal) else STR)
        return _Typed(lambda d, i: value, kind, False, constant=value)

    def _name(self, node: Node) -> _Typed:
        key = str(node.value)
        if key not in FIELDS:
            raise _error("rule.unknown_field", node, field=key)
        self.fields.add(key)
        if key in ITEM_FIELDS:
            return _Typed(lambda d, i: i.get(key) if i is not None else None, FIELDS[key], not self.in_aggregate)
        return _Typed(lambda d, i: d.get(key), FIELDS[key], False)

    def _list(self, node: Node) -> _Typed:
        values, kinds = [], set()
        for child in node.children:
            typed = self.check(child)
            if typed.constant is None or typed.type not in (NUM, STR):
                raise _error("rule.list_constant", child)
            values.append(typed.constant)
            kinds.add(typed.type)
        if len(kinds) > 1:
            raise _error("rule.list_mixed", node)
        members = frozenset(values)
        return _Typed(lambda d, i: members, LIST, False, element=kinds.pop() if kinds else NULL, constant=members)

    def _unary(self, node: Node) -> _Typed:
        inner = self.check(node.children[0])
        _want(node.children[0], inner, NUM)
        if inner.constant is not None:
            value = -inner.constant
            return _Typed(lambda d, i: value, NUM, False, constant=value)
        f = inner.fn
        return _Typed(lambda d, i: None if (v := f(d, i)) is None else -v, NUM, inner.item)

    def _binary(self, node: Node) -> _Typed:
        left, right = (self.check(c) for c in node.children)
        _want(node.children[0], left, NUM)
        _want(node.children[1], right, NUM)
        op, lf, rf = _ARITHMETIC[str(node.value)], left.fn, right.fn

        def arithmetic(d: dict[str, Any], i: dict[str, Any] | None) -> Any:
            a, b = lf(d, i), rf(d, i)
            return None if a is None or b is None else op(a, b)

        return _Typed(arithmetic, NUM, left.item or right.item)

    def _compare(self, node: Node) -> _Typed:
        left, right = (self.check(c) for c in node.children)
        op, lf, rf, item = str(node.value), left.fn, right.fn, left.item or right.item
        if op in ("in", "not in"):
            if right.type != LIST:
                raise _error("rule.list_expected", node.children[1])
            if right.element != NULL:
                _want(node.children[0], left, str(right.element))
            negate = op == "not in"
            return _Typed(lambda d, i: None if (v := lf(d, i)) is None else (v in rf(d, i)) != negate, BOOL, item)
        if op in ("==", "!="):
            if NULL not in (left.type, right.type) and left.type != right.type:
                raise _error("rule.type_mismatch", node, expected=left.type, found=right.type)
            if NULL in (left.type, right.type):
                return _Typed(lambda d, i: (lf(d, i) == rf(d, i)) == (op == "=="), BOOL, item)
            equal = op == "=="
            return _Typed(lambda d, i: None if (a := lf(d, i)) is None or (b := rf(d, i)) is None
                          else (a == b) == equal, BOOL, item)
        allowed = (STR,) if op in ("starts_with", "ends_with", "contains") else (NUM, STR)
        _want(node.children[0], left, *allowed)
        _want(node.children[1], right, left.type if left.type != NULL else allowed[0])
        test = _ORDER[op]
        return _Typed(lambda d, i: None if (a := lf(d, i)) is None or (b := rf(d, i)) is None else test(a, b),
                      BOOL, item)

    def _and(self, node: Node) -> _Typed:
        left, right = self._booleans(node)
        lf, rf = left.fn, right.fn
        return _Typed(lambda d, i: bool(lf(d, i)) and bool(rf(d, i)), BOOL, left.item or right.item)

    def _or(self, node: Node) -> _Typed:
        left, right = self._booleans(node)
        lf, rf = left.fn, right.fn
        return _Typed(lambda d, i: bool(lf(d, i)) or bool(rf(d, i)), BOOL, left.item or right.item)

    def _not(self, node: Node) -> _Typed:
        (inner,) = self._booleans(node)
        f = inner.fn
        return _Typed(lambda d, i: not f(d, i), BOOL, inner.item)

    def _booleans(self, node: Node) -> list[_Typed]:
        typed = [self.check(c) for c in node.children]
        for child, t in zip(node.children, typed, strict=True):
            _want(child, t, BOOL)
        return typed

    def _call(self, node: Node) -> _Typed:
        name, child = str(node.value), node.children[0]
        if name in ("lower", "abs"):
            inner = self.check(child)
            _want(child, inner, STR if name == "lower" else NUM)
            f, op = inner.fn, (str.lower if name == "lower" else abs)
            return _Typed(lambda d, i: None if (v := f(d, i)) is None else op(v), inner.type, inner.item)
        if self.in_aggregate:
            raise _error("rule.nested_aggregate", node)
        self.in_aggregate = True
        before = self.nodes
        inner = self.check(child)
        self.aggregate_nodes += self.nodes - before
        self.nodes = before
        self.in_aggregate = False
        _want(child, inner, NUM if name == "sum" else BOOL)
        return _Typed(_aggregate(name, inner.fn), NUM if name in ("count", "sum") else BOOL, False)


def _aggregate(name: str, f: Fn) -> Fn:
    """any/all/count/sum of an item expression over the declaration's items, computed once per declaration."""
    if name == "any":
        def whole(d: dict[str, Any]) -> Any:
            return any(f(d, it) for it in d[ITEMS_KEY])
    elif name == "all":
        def whole(d: dict[str, Any]) -> Any:
            return bool(d[ITEMS_KEY]) and all(f(d, it) for it in d[ITEMS_KEY])
    elif name == "count":
        def whole(d: dict[str, Any]) -> Any:
            return sum(1 for it in d[ITEMS_KEY] if f(d, it))
    else:
        def whole(d: dict[str, Any]) -> Any:
            return sum((v for it in d[ITEMS_KEY] if (v := f(d, it)) is not None), Decimal(0))
    # Inside a per-item term the aggregate would otherwise be recomputed for every item (items² work).
    # One (facts, value) pair, replaced as a whole, so concurrent evaluations never mix their values.
    last: list[tuple[Any, Any]] = [(None, None)]

    def memoised(d: dict[str, Any], i: dict[str, Any] | None) -> Any:
        seen, value = last[0]
        if seen is d:
            return value
        value = whole(d)
        last[0] = (d, value)
        return value

    return memoised


def compile_rule(source: str) -> Compiled:
    """Parse, check and compile a rule; RuleSyntaxError with code and position when it cannot be used."""
    tree = parse(source)
    checker = _Checker()
    typed = checker.check(tree)
    if typed.type != BOOL:
        raise _error("rule.not_boolean", tree, found=typed.type)
    compiled = Compiled(fn=typed.fn, per_item=typed.item, fields=frozenset(checker.fields), nodes=checker.nodes,
                        aggregate_nodes=checker.aggregate_nodes)
    if compiled.cost(MAX_ITEMS) > COST_BUDGET:
        raise _error("rule.too_costly", tree, cost=compiled.cost(MAX_ITEMS), budget=COST_BUDGET, items=MAX_ITEMS)
    return compiled


def matches(compiled: Compiled, facts: dict[str, Any]) -> list[int] | None:
    """Item numbers (from 1) where a per-item rule holds, [] for a declaration-level match, None for no match.

    Arithmetic errors (division by zero, overflow) propagate: the caller counts them and treats
    the rule as not matching.
    """
    if compiled.cost(len(facts[ITEMS_KEY])) > COST_BUDGET:  # saved under older limits: do not let it run away
        raise RuleTooCostly(compiled.cost(len(facts[ITEMS_KEY])))
    if compiled.per_item:
        hits = [n for n, item in enumerate(facts[ITEMS_KEY], 1) if compiled.fn(facts, item)]
        return hits or None
    return [] if compiled.fn(facts, None) else None
