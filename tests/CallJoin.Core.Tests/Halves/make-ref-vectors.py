#!/usr/bin/env python3
"""Writes ref-vectors.jsonl: strings and whether upstream weave stores them as refs.

Restates, in our own words, the rules of weave's extract_refs_from_values (weave/shared/trace_server_interface_util.py)
and parse_internal_uri (weave/shared/refs_internal.py): a string is a ref when it starts with weave-trace-internal:///
or wandb-artifact:/// and parses into an internal ref whose canonical URI is the string itself.
Deterministic (seeded). Regenerate with: python3 make-ref-vectors.py > ref-vectors.jsonl
"""
import json
import random
import sys
from urllib.parse import quote, unquote

INTERNAL = 'weave-trace-internal:///'
ARTIFACT = 'wandb-artifact:///'
EDGES = ('key', 'index', 'attr', 'id')


def canonical(s):
    """The URI upstream would rebuild from s, or None where parsing fails."""
    if s.startswith(INTERNAL):
        parts = s[len(INTERNAL):].split('/')
        if len(parts) < 2:
            return None
        project, kind, rest = parts[0], parts[1], parts[2:]
        if not rest:
            return None
        if kind in ('table', 'call'):
            return f'{INTERNAL}{project}/{kind}/{rest[0]}'
        if kind == 'artifact':
            return f'{ARTIFACT}{project}/{rest[0]}'
        if kind not in ('object', 'op'):
            return None
        name_version = rest[0].split(':')
        if len(name_version) != 2:
            return None
        extra = rest[1:]
        extra = [] if extra == [''] else [unquote(e) for e in extra]
        if len(extra) % 2:
            return None
        for i, e in enumerate(extra):
            if i % 2 == 0 and e not in EDGES:
                return None
            if i % 2 == 1 and extra[i - 1] == 'index':
                try:
                    int(e)
                except ValueError:
                    return None
        uri = f'{INTERNAL}{project}/{kind}/{name_version[0]}:{name_version[1]}'
        if extra:
            uri += '/' + '/'.join(quote(e, safe='') for e in extra)
        return uri
    if s.startswith(ARTIFACT):
        parts = s[len(ARTIFACT):].split('/')
        if len(parts) < 3:
            return None
        return f'{ARTIFACT}{parts[0]}/{parts[1]}/{parts[2]}'
    return None


rng = random.Random(7)
cases = [
    'weave-trace-internal:///p/object/n:v', 'weave-trace-internal:///p/op/n:v', 'weave-trace-internal:///p/table/d',
    'weave-trace-internal:///p/call/c', 'weave-trace-internal:///p/call/c/x', 'weave-trace-internal:///p/table/d/x',
    'weave-trace-internal:///p/object/n:v/', 'weave-trace-internal:///p/object/n:v/attr/rows/id/abc',
    'weave-trace-internal:///p/object/n:v/key/a%20b', 'weave-trace-internal:///p/object/n:v/key/a b',
    'weave-trace-internal:///p/object/n:v/key/a%2fb', 'weave-trace-internal:///p/object/n:v/key/a%2Fb',
    'weave-trace-internal:///p/object/n:v/key/%41', 'weave-trace-internal:///p/object/n:v/key/%C3%A9',
    'weave-trace-internal:///p/object/n:v/key/%C3', 'weave-trace-internal:///p/object/n:v/key/\u00e9',
    'weave-trace-internal:///p/object/n:v/index/0', 'weave-trace-internal:///p/object/n:v/index/-1',
    'weave-trace-internal:///p/object/n:v/index/1_0', 'weave-trace-internal:///p/object/n:v/index/1__0',
    'weave-trace-internal:///p/object/n:v/index/%201%20', 'weave-trace-internal:///p/object/n:v/index/x',
    'weave-trace-internal:///p/object/n:v/index/%D9%A1', 'weave-trace-internal:///p/object/n:v/index/',
    'weave-trace-internal:///p/object/n:v/key/', 'weave-trace-internal:///p/object/n:v/key',
    'weave-trace-internal:///p/object/n:v/foo/bar', 'weave-trace-internal:///p/object/n', 'weave-trace-internal:///p/object/n:v:w',
    'weave-trace-internal:///p/object/:', 'weave-trace-internal:///p/object', 'weave-trace-internal:///p', 'weave-trace-internal:///',
    'weave-trace-internal:///p/artifact/a', 'weave-trace-internal:///p/thing/a', 'weave-trace-internal:///p/call/',
    'weave-trace-internal:///p/table/', 'weave-trace-internal:////object/n:v', 'weave-trace-internal://p/object/n:v',
    'wandb-artifact:///e/p/a', 'wandb-artifact:///e/p', 'wandb-artifact:///e/p/a/b', 'wandb-artifact:///e/p/', 'wandb-artifact:///',
    'weave:///e/p/object/n:v', 'weave:///e/p/op/n:v', 'weave-private:///x', 'Weave-trace-internal:///p/call/c', '',
    'weave-trace-internal:///p/object/n:v/key/%7E', 'weave-trace-internal:///p/object/n:v/key/~',
    'weave-trace-internal:///p/object/n:v/key/%e2%82%ac', 'weave-trace-internal:///p/object/n:v/key/%E2%82%AC',
    'weave-trace-internal:///p/object/n:v/key/%', 'weave-trace-internal:///p/object/n:v/key/%2', 'weave-trace-internal:///p/object/n:v/key/%ZZ',
]
pool = ['p', 'proj', '', 'table', 'call', 'object', 'op', 'artifact', 'x', 'n:v', 'n', 'n:v:w', ':', 'key', 'index', 'attr',
        'id', 'rows', '0', '-1', '+7', '1_000', '_1', ' 1', '%201', '%2F', '%2f', '%41', '%C3%A9', '%C3', 'a%20b', '%ZZ', '\u00e9',
        '%E2%82%AC', 'a.b-c~d', '%7E', '%20', '\u0661', '%D9%A1', 'a b', '%0A1%0A', '%1C1']
for _ in range(600):
    scheme = rng.choice([INTERNAL, INTERNAL, INTERNAL, ARTIFACT, 'weave:///'])
    cases.append(scheme + '/'.join(rng.choice(pool) for _ in range(rng.randint(0, 7))))

seen = set()
for s in cases:
    if s in seen:
        continue
    seen.add(s)
    sys.stdout.write(json.dumps({'value': s, 'is_ref': canonical(s) == s}) + '\n')
