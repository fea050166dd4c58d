"""The selectivity rule language: a tokenizer and a Pratt parser, never `eval`.

    item.hs6 starts_with "8517" and item.origin in ["CN", "VN"]
        and item.unit_value_kg < 0.5 * ref.unit_value_kg

Grammar, loosest binding first: `or`; `and`; `not`; comparisons (`== != < <= > >=`, `in`,
`not in`, `starts_with`, `ends_with`, `contains`, not chained); `+ -`; `* / %`; unary `-`;
then literals (numbers, "strings" or 'strings', `true`, `false`, `null`, `[lists]`), dotted
field names, `( ... )` and the functions `any all count sum lower abs`. `#` starts a comment.
Keywords are case-insensitive. Every failure is a `RuleSyntaxError` with a stable code, the
line and column (from 1) and the offending token; nothing else escapes the parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

MAX_LENGTH = 4000
MAX_DEPTH = 40
KEYWORDS = {"and", "or", "not", "in", "true", "false", "null", "starts_with", "ends_with", "contains"}
FUNCTIONS = {"any", "all", "count", "sum", "lower", "abs"}
COMPARISONS = {"==", "!=", "<", "<=", ">", ">=", "in", "not in", "starts_with", "ends_with", "contains"}
_TWO_CHAR = {"==", "!=", "<=", ">="}
_ONE_CHAR = set("<>+-*/%()[],.")
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}
_BINDING = {"or": 10, "and": 20, **dict.fromkeys(COMPARISONS, 40), "+": 50, "-": 50, "*": 60, "/": 60, "%": 60}


class RuleSyntaxError(ValueError):
    """A rule that cannot be used, with its code and where: line, column (from 1) and token."""

    def __init__(self, code: str, line: int, column: int, token: str, **params: object):
        super().__init__(f"{code} at line {line}, column {column}: {token!r}")
        self.code, self.line, self.column, self.token = code, line, column, token[:40]
        self.params = params


@dataclass(frozen=True)
class Token:
    """One token: kind (num, str, name, kw, op, end), its value and where it starts."""

    kind: str
    text: str
    line: int
    column: int
    value: object = None


@dataclass(frozen=True)
class Node:
    """A syntax tree node: literal, name, list, unary, binary, compare, and, or, not or call."""

    kind: str
    token: Token
    value: object = None
    children: tuple[Node, ...] = field(default_factory=tuple)


def tokenize(source: str) -> list[Token]:
    """The tokens of a rule, ending with an `end` token; RuleSyntaxError on a character it cannot read."""
    if len(source) > MAX_LENGTH:
        raise RuleSyntaxError("rule.too_long", 1, 1, source[:10], max=MAX_LENGTH)
    tokens: list[Token] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(source):
        char, column = source[pos], pos - line_start + 1
        if char == "\n":
            pos, line, line_start = pos + 1, line + 1, pos + 1
        elif char in " \t\r":
            pos += 1
        elif char == "#":
            while pos < len(source) and source[pos] != "\n":
                pos += 1
        elif char.isascii() and char.isdigit():
            pos = _number(source, pos, line, column, tokens)
        elif char in "\"'":
            pos = _string(source, pos, line, column, tokens)
        elif char.isascii() and (char.isalpha() or char == "_"):
            end = pos
            while end < len(source) and source[end].isascii() and (source[end].isalnum() or source[end] == "_"):
                end += 1
            word = source[pos:end]
            kind = "kw" if word.lower() in KEYWORDS or word.lower() in FUNCTIONS else "name"
            tokens.append(Token(kind, word.lower() if kind == "kw" else word, line, column))
            pos = end
        elif source[pos:pos + 2] in _TWO_CHAR:
            tokens.append(Token("op", source[pos:pos + 2], line, column))
            pos += 2
        elif char in _ONE_CHAR:
            tokens.append(Token("op", char, line, column))
            pos += 1
        else:
            code = "rule.single_equals" if char == "=" else "rule.unexpected_char"
            raise RuleSyntaxError(code, line, column, char)
    tokens.append(Token("end", "", line, len(source) - line_start + 1))
    return tokens


def _number(source: str, pos: int, line: int, column: int, tokens: list[Token]) -> int:
    """Read digits with an optional fraction into a Decimal token; returns the position after it."""
    end = pos
    while end < len(source) and source[end].isascii() and source[end].isdigit():
        end += 1
    if end < len(source) and source[end] == ".":
        end += 1
        start_fraction = end
        while end < len(source) and source[end].isascii() and source[end].isdigit():
            end += 1
        if end == start_fraction:
            raise RuleSyntaxError("rule.bad_number", line, column, source[pos:end])
    if end < len(source) and (source[end].isalpha() or source[end] == "_"):
        raise RuleSyntaxError("rule.bad_number", line, column, source[pos:end + 1])
    tokens.append(Token("num", source[pos:end], line, column, Decimal(source[pos:end])))
    return end


def _string(source: str, pos: int, line: int, column: int, tokens: list[Token]) -> int:
    """Read a quoted string with \\ escapes; returns the position after its closing quote."""
    quote, end, chars = source[pos], pos + 1, []
    while True:
        if end >= len(source) or source[end] == "\n":
            raise RuleSyntaxError("rule.unterminated_string", line, column, source[pos:end])
        char = source[end]
        if char == quote:
            break
        if char == "\\":
            escaped = source[end + 1:end + 2]
            if escaped not in _ESCAPES:
                raise RuleSyntaxError("rule.bad_escape", line, column + end - pos, "\\" + escaped)
            chars.append(_ESCAPES[escaped])
            end += 2
        else:
            chars.append(char)
            end += 1
    tokens.append(Token("str", source[pos:end + 1], line, column, "".join(chars)))
    return end + 1


class _Parser:
    """Pratt parser over a token list; `depth` bounds nesting so hostile input cannot exhaust the stack."""

    def __init__(self, tokens: list[Token]):
        self.tokens, self.pos, self.depth = tokens, 0, 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += min(1, len(self.tokens) - 1 - self.pos)
        return token

    def fail(self, token: Token, code: str | None = None) -> RuleSyntaxError:
        if code is None:
            code = "rule.unexpected_end" if token.kind == "end" else "rule.unexpected_token"
        return RuleSyntaxError(code, token.line, token.column, token.text)

    def expect(self, text: str) -> Token:
        token = self.take()
        if token.text != text or token.kind not in ("op", "kw"):
            raise self.fail(token, None if token.kind == "end" else "rule.expected_" + _NAMES.get(text, "token"))
        return token

    def operator(self) -> str | None:
        """The binary operator at the current position, if any ('not in' spans two tokens)."""
        token = self.peek()
        if token.kind == "kw" and token.text == "not" and self.tokens[self.pos + 1].text == "in":
            return "not in"
        if token.kind in ("op", "kw") and token.text in _BINDING:
            return token.text
        return None

    def expression(self, min_binding: int = 0) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(self.peek(), "rule.too_deep")
        left = self.prefix()
        while (op := self.operator()) is not None and _BINDING[op] > min_binding:
            token = self.take()
            if op == "not in":
                self.take()
            right = self.expression(_BINDING[op])
            if op in COMPARISONS:
                left = Node("compare", token, op, (left, right))
                if self.operator() in COMPARISONS:
                    raise self.fail(self.peek(), "rule.chained_comparison")
            else:
                left = Node(op if op in ("and", "or") else "binary", token, op, (left, right))
        self.depth -= 1
        return left

    def prefix(self) -> Node:
        token = self.take()
        if token.kind in ("num", "str"):
            return Node("literal", token, token.value)
        if token.kind == "kw" and token.text in ("true", "false", "null"):
            return Node("literal", token, {"true": True, "false": False, "null": None}[token.text])
        if token.kind == "kw" and token.text == "not":
            return Node("not", token, None, (self.expression(30),))
        if token.text == "-" and token.kind == "op":
            return Node("unary", token, "-", (self.expression(70),))
        if token.text == "(" and token.kind == "op":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.text == "[" and token.kind == "op":
            return self.list_literal(token)
        if token.kind == "kw" and token.text in FUNCTIONS:
            self.expect("(")
            argument = self.expression()
            self.expect(")")
            return Node("call", token, token.text, (argument,))
        if token.kind == "name":
            return self.dotted(token)
        raise self.fail(token)

    def list_literal(self, opening: Token) -> Node:
        items: list[Node] = []
        while self.peek().text != "]" or self.peek().kind != "op":
            items.append(self.expression())
            if self.peek().text == "," and self.peek().kind == "op":
                self.take()
            elif self.peek().text != "]":
                raise self.fail(self.peek(), None if self.peek().kind == "end" else "rule.expected_bracket")
        self.take()
        return Node("list", opening, None, tuple(items))

    def dotted(self, first: Token) -> Node:
        parts = [first.text]
        while self.peek().text == "." and self.peek().kind == "op":
            self.take()
            part = self.take()
            if part.kind not in ("name", "kw"):  # "ref.count": a keyword is a plain word after a dot
                raise self.fail(part, None if part.kind == "end" else "rule.expected_name")
            parts.append(part.text)
        return Node("name", first, ".".join(parts))


_NAMES = {")": "paren", "(": "paren", "]": "bracket"}


def parse(source: str) -> Node:
    """The syntax tree of a rule; RuleSyntaxError (code, line, column, token) when it is not well formed."""
    tokens = tokenize(source)
    if tokens[0].kind == "end":
        raise RuleSyntaxError("rule.empty", 1, 1, "")
    parser = _Parser(tokens)
    tree = parser.expression()
    if parser.peek().kind != "end":
        raise parser.fail(parser.peek())
    return tree
