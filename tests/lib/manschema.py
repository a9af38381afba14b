#!/usr/bin/env python3
# Validates fsimg's --json output against the schema its man page documents.
#
#   manschema.py MANPAGE NAME [FILE]     FILE (default stdin): JSON Lines
#
# The schema is the literal block between the lines
#   .\" BEGIN JSON SCHEMA NAME   and   .\" END JSON SCHEMA
# of MANPAGE, in the notation fsimg(1) describes (JSON SCHEMAS):
#   TYPE   := ALT { "|" ALT }
#   ALT    := string | uint | int | bool | null | "literal" | OBJECT | ARRAY
#   OBJECT := "{" [ MEMBER { "," MEMBER } ] "}"    MEMBER := "name" [?] ":" TYPE
#   ARRAY  := "[" TYPE "," "..." "]"
# A member marked ? may be absent; no other member may appear; each line of
# input is one value of TYPE. Exit 0 when every line conforms, else 1 with
# one message per bad line (the first few) on stderr.
import json
import re
import sys

TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|(\.\.\.)|([{}\[\]|,:?])|([a-z]+))')


def tokenize(text):
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SyntaxError('schema: cannot read %r' % text[pos:pos + 20])
        pos = m.end()
        s, dots, punct, word = m.groups()
        out.append(('lit', json.loads(s)) if s else ('word', word) if word else
                   ('p', dots or punct))
    return out


class Parser:
    def __init__(self, toks):
        self.t, self.i = toks, 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else ('end', None)

    def take(self, kind, val=None):
        tok = self.peek()
        if tok[0] != kind or (val is not None and tok[1] != val):
            raise SyntaxError('schema: expected %s, got %r' % (val or kind, tok))
        self.i += 1
        return tok[1]

    def type(self):
        alts = [self.alt()]
        while self.peek() == ('p', '|'):
            self.i += 1
            alts.append(self.alt())
        return ('union', alts)

    def alt(self):
        kind, val = self.peek()
        if kind == 'word':
            self.i += 1
            if val not in ('string', 'uint', 'int', 'bool', 'null'):
                raise SyntaxError('schema: unknown type ' + val)
            return ('prim', val)
        if kind == 'lit':
            self.i += 1
            return ('const', val)
        if (kind, val) == ('p', '{'):
            self.i += 1
            members = {}
            while self.peek() != ('p', '}'):
                if members:
                    self.take('p', ',')
                name = self.take('lit')
                optional = self.peek() == ('p', '?')
                if optional:
                    self.i += 1
                self.take('p', ':')
                members[name] = (optional, self.type())
            self.i += 1
            return ('object', members)
        if (kind, val) == ('p', '['):
            self.i += 1
            item = self.type()
            self.take('p', ',')
            self.take('p', '...')
            self.take('p', ']')
            return ('array', item)
        raise SyntaxError('schema: unexpected %r' % (val,))


def check(schema, v, where):
    """Returns None when v conforms, else a message."""
    kind = schema[0]
    if kind == 'union':
        errs = []
        for alt in schema[1]:
            e = check(alt, v, where)
            if e is None:
                return None
            errs.append(e)
        # the deepest complaint says most about a record of the wrong shape
        return max(errs, key=lambda e: e.count('.') + e.count('['))
    if kind == 'const':
        return None if v == schema[1] and type(v) is type(schema[1]) else \
            '%s: %r is not %r' % (where, v, schema[1])
    if kind == 'prim':
        t = schema[1]
        ok = {'string': lambda: isinstance(v, str),
              'uint': lambda: type(v) is int and v >= 0,
              'int': lambda: type(v) is int,
              'bool': lambda: type(v) is bool,
              'null': lambda: v is None}[t]()
        return None if ok else '%s: %r is not %s' % (where, v, t)
    if kind == 'array':
        if not isinstance(v, list):
            return '%s: not an array' % where
        for i, x in enumerate(v):
            e = check(schema[1], x, '%s[%d]' % (where, i))
            if e:
                return e
        return None
    if kind == 'object':
        if not isinstance(v, dict):
            return '%s: not an object' % where
        for k in v:
            if k not in schema[1]:
                return '%s: member "%s" is not in the schema' % (where, k)
        for k, (optional, t) in schema[1].items():
            if k not in v:
                if not optional:
                    return '%s: member "%s" is missing' % (where, k)
                continue
            e = check(t, v[k], '%s.%s' % (where, k))
            if e:
                return e
        return None
    raise AssertionError(kind)


def schema_from_man(path, name):
    lines, on = [], False
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if line == '.\\" BEGIN JSON SCHEMA ' + name:
                on = True
            elif on and line == '.\\" END JSON SCHEMA':
                break
            elif on and not line.startswith('.'):
                lines.append(line)
    if not lines:
        raise SystemExit('%s: no JSON schema "%s"' % (path, name))
    p = Parser(tokenize(' '.join(lines)))
    t = p.type()
    if p.peek()[0] != 'end':
        raise SyntaxError('schema: trailing %r' % (p.peek(),))
    return t


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError('duplicate member %s' % sorted(dup)[0])
    return dict(pairs)


def main():
    if len(sys.argv) not in (3, 4):
        raise SystemExit('usage: manschema.py MANPAGE NAME [FILE]')
    schema = schema_from_man(sys.argv[1], sys.argv[2])
    src = open(sys.argv[3], encoding='utf-8') if len(sys.argv) == 4 else sys.stdin
    bad = n = 0
    for n, line in enumerate(src, 1):
        try:
            v = json.loads(line, object_pairs_hook=no_duplicates)
            e = check(schema, v, 'line %d' % n)
        except ValueError as ex:
            e = 'line %d: %s' % (n, ex)
        if e:
            bad += 1
            if bad <= 5:
                print(e, file=sys.stderr)
    if n == 0:
        print('no output to check', file=sys.stderr)
        return 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
