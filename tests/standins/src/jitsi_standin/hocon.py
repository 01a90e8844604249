"""A reader for the HOCON subset that jvb.conf and jicofo.conf use.

Supported: nested objects (`a { }`, `a = { }`, `a : { }`), dotted keys (`a.b.c = 1`), quoted
and unquoted keys and strings, numbers, booleans, null, arrays, `#` and `//` comments,
duplicate objects merged (later keys win, as in HOCON). Not supported (and rejected loudly,
never ignored): includes and `${}` substitutions. Errors name the line, as the real
Typesafe Config does, so a broken file is obvious in the daemon's log.
"""

import re

_UNQUOTED_END = set('{}[],:=#"\n') | {"\r"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")


class HoconError(ValueError):
    """The file is not valid (for this reader) HOCON."""


class _Parser:
    def __init__(self, text, source):
        self.text = text
        self.pos = 0
        self.source = source

    def fail(self, message):
        line = self.text.count("\n", 0, self.pos) + 1
        raise HoconError(f"{self.source}: line {line}: {message}")

    def peek(self):
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip(self, newlines=True):
        """Skip blanks and comments (and newlines/commas when asked)."""
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch in " \t\r" or (newlines and ch in "\n,"):
                self.pos += 1
            elif ch == "#" or self.text.startswith("//", self.pos):
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def quoted(self):
        self.pos += 1
        out = []
        escapes = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
        while True:
            ch = self.peek()
            if ch in ("", "\n"):
                self.fail("unterminated quoted string")
            self.pos += 1
            if ch == '"':
                return "".join(out)
            if ch == "\\":
                esc = self.peek()
                self.pos += 1
                if esc == "u":
                    out.append(chr(int(self.text[self.pos:self.pos + 4], 16)))
                    self.pos += 4
                elif esc in escapes:
                    out.append(escapes[esc])
                else:
                    self.fail(f"bad escape \\{esc}")
            else:
                out.append(ch)

    def unquoted(self, stop=""):
        start = self.pos
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch in _UNQUOTED_END or ch in stop or self.text.startswith("//", self.pos):
                break
            self.pos += 1
        return self.text[start:self.pos].strip()

    def key_path(self):
        parts = []
        while True:
            self.skip(newlines=False)
            if self.peek() == '"':
                parts.append(self.quoted())
            else:
                word = self.unquoted(stop=". \t")
                if not word:
                    self.fail(f"expected a key, found {self.peek()!r}")
                if word.startswith("include"):
                    self.fail("include is not supported by the stand-in")
                parts.append(word)
            if self.peek() == ".":
                self.pos += 1
                continue
            return parts

    def value(self):
        self.skip(newlines=False)
        ch = self.peek()
        if ch == "{":
            self.pos += 1
            return self.object(closing="}")
        if ch == "[":
            return self.array()
        if ch == '"':
            return self.quoted()
        if ch == "$":
            self.fail("substitutions (${...}) are not supported by the stand-in")
        word = self.unquoted()
        if not word:
            self.fail(f"expected a value, found {ch!r}")
        if word in ("true", "yes", "on"):
            return True
        if word in ("false", "no", "off"):
            return False
        if word == "null":
            return None
        if _NUMBER.match(word):
            return float(word) if any(c in word for c in ".eE") else int(word)
        return word

    def array(self):
        self.pos += 1
        items = []
        while True:
            self.skip()
            if self.peek() == "]":
                self.pos += 1
                return items
            if not self.peek():
                self.fail("unterminated array")
            items.append(self.value())

    def object(self, closing):
        result = {}
        while True:
            self.skip()
            ch = self.peek()
            if ch == closing:
                if closing:
                    self.pos += 1
                return result
            if ch == "" or ch == "}":
                self.fail("unbalanced braces" if ch == "}" else "unterminated object (missing '}')")
            path = self.key_path()
            self.skip(newlines=False)
            sep = self.peek()
            if sep in ("=", ":"):
                self.pos += 1
            elif sep != "{":
                self.fail(f"expected '=', ':' or '{{' after key {'.'.join(path)!r}")
            _assign(result, path, self.value())


def _assign(target, path, value):
    for part in path[:-1]:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    last = path[-1]
    if isinstance(value, dict) and isinstance(target.get(last), dict):
        _merge(target[last], value)
    else:
        target[last] = value


def _merge(base, extra):
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def loads(text, source="<string>"):
    """Parse HOCON text into nested dicts."""
    parser = _Parser(text, source)
    parser.skip()
    if parser.peek() == "{":
        parser.pos += 1
        result = parser.object(closing="}")
        parser.skip()
        if parser.peek():
            parser.fail("text after the root object")
        return result
    return parser.object(closing="")


def load(path):
    with open(path, encoding="utf-8") as handle:
        return loads(handle.read(), source=path)


def get(tree, dotted, default=None):
    """Look up `a.b.c` in a parsed tree."""
    node = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node
