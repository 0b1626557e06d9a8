#!/usr/bin/env python3
"""Writes dump-vectors.jsonl: JSON texts and what Python's json.dumps(json.loads(text)) makes of them.

Each line is {"input": <text>, "expected": <dump or null when Python rejects the text>}. Deterministic (seeded).
Regenerate with: python3 make-dump-vectors.py > dump-vectors.jsonl
NaN/Infinity literals are left out: Python accepts them, CallJoin (standard JSON) does not; tests cover that apart.
"""
import json
import random
import struct
import sys

rng = random.Random(20250102)
cases = []


def add(text):
    cases.append(text)


# Literals and containers.
for t in ['null', 'true', 'false', '{}', '[]', '""', '[[]]', '[{}]', '{"a":{}}', '{"a":[]}', ' {"a" : 1 , "b" :[ 1 ,2 ] } ',
          '\t\n\r[1,\n2]\r\n', '[null,true,false]', '{"":""}', '{"a":null}', '[[[[[[[[[[1]]]]]]]]]]']:
    add(t)

# Integers.
for t in ['0', '-0', '1', '-1', '42', '9007199254740993', '-9223372036854775809', '18446744073709551616',
          '123456789012345678901234567890123456789', '1' * 4300, '-' + '9' * 4300, '1' * 4301, '-' + '1' * 4301,
          '[-0, 0, -1]', '{"n": 12345678901234567890}']:
    add(t)

# Floats written in every shape.
for t in ['0.0', '-0.0', '0e0', '-0e0', '0E+0', '0.0e-10', '1.0', '1.5', '1.50', '-1.50', '1e2', '1E2', '1e+2', '1e-2',
          '1.0e0', '2.5E+3', '100.0', '1e15', '1e16', '1e17', '1e-4', '1e-5', '0.0001', '0.00001', '0.000123',
          '1234567890123456.0', '12345678901234567.0', '123456789012345678.0', '0.1', '0.2', '0.30000000000000004',
          '3.141592653589793', '2.718281828459045', '1.7976931348623157e308', '-1.7976931348623157e308',
          '2.2250738585072014e-308', '2.225073858507201e-308', '5e-324', '4.9406564584124654e-324', '1e-323',
          '1e308', '1e309', '-1e309', '1e400', '-1e400', '1e-400', '-1e-400', '123.456e-7', '9999999999999999.0',
          '99999999999999999.0', '0.1e1', '10e-1', '1.00000000000000011', '1.0000000000000002', '0.9999999999999999',
          '123e5', '1.5e300', '-2.5e-300', '1e21', '1e22', '1e23', '5e-7', '1.5e-7', '1.234e-5', '4.35', '0.5e-4',
          '0.' + '0' * 300 + '1', '1' + '0' * 400 + '.0', '3.' + '3' * 800, '[1.0, -0.0, 1e2, 3]',
          '{"f": 1e-9, "g": 65536.0}', '1.' + '0' * 30, '7.0e-10', '100000000000000000000000.0']:
    add(t)

# Strings: escapes, control characters, DEL, slashes, non-ASCII, astral, surrogates.
for t in [r'"\""', r'"\\"', r'"\/"', '"/"', r'"\b\f\n\r\t"', r'"\u0000"', r'"\u001f"', r'"\u0020"', r'"\u007f"',
          '"\x7f"', r'"\u0080"', r'"\u00e9"', '"\u00e9"', r'"\u00E9"', r'"\uFFFF"', r'"\uffff"', r'"\ufeff"',
          '"\ufeff"', r'"\ud83d\ude00"', '"\U0001F600"', r'"\uD83D\uDE00"', r'"\ud800"', r'"\udc00"', r'"\ud800x"',
          r'"\udc00\ud800"', r'"\ud800\ud800"', r'"\ud83d"', r'"a\ud83dZ"', '"\u4e2d\u6587"', '"\u0915\u094d\u0937"',
          '"\U00010348\U0010FFFF"', r'"\u2028\u2029"', '"\u2028"', r'"tab\there"', r'"\u0041\u0042"', '"<>&\'"',
          '"weave-trace-internal:///p/object/n:v"', r'"\\\\\"\""', '"' + 'x' * 1000 + '"',
          '{"\u00e9": "\u00e9", "\\u00e9x": 1}', '{"k\\n": "v\\t"}', '[" ", "~", "!", "#"]']:
    add(t)

# Duplicate keys: the first key's position keeps, the last value wins.
for t in ['{"a":1,"a":2}', '{"a":1,"b":2,"a":3}', '{"a":1,"b":2,"a":3,"b":4,"c":5}', '{"a":{"x":1,"x":2},"b":[{"y":1,"y":2}]}',
          '[{"a":1,"a":{"b":1,"b":2}}]', '{"a":1,"\\u0061":2}', '{"a":[1,2],"a":null}', '{"x":{"a":1},"x":{"b":2}}',
          '{"a":1,"b":{"c":1,"c":2},"a":3}', '{"k":"weave-trace-internal:///p/call/1","k":"x"}']:
    add(t)

# Malformed texts Python rejects too.
for t in ['', ' ', '{', '}', '[1,]', '{"a":1,}', '[1 2]', '{"a" 1}', "{'a':1}", '01', '1.', '.5', '+1', '-', '1e', '1e+',
          '"abc', '"\\x"', '"\\u12"', '"\\u12g4"', '"a\x01b"', '"a\nb"', 'nul', 'True', '[1]x', '{} {}', '// c\n1',
          '{"a":1}}', '[', ']', '0x10', '--1', '1.0.0', '"\\', '{"a":}', '{1:2}']:
    add(t)


def random_string():
    pieces = []
    for _ in range(rng.randint(0, 8)):
        kind = rng.random()
        if kind < 0.35:
            pieces.append(json.dumps(''.join(chr(rng.randint(0x20, 0x7e)) for _ in range(rng.randint(0, 6))))[1:-1])
        elif kind < 0.5:
            pieces.append(rng.choice(['\\n', '\\t', '\\"', '\\\\', '\\/', '\\b', '\\f', '\\r', '\x7f']))
        elif kind < 0.65:
            pieces.append('\\u%04x' % rng.choice([rng.randint(0, 0x1f), rng.randint(0x7f, 0xffff), rng.randint(0xd800, 0xdfff)]))
        elif kind < 0.8:
            pieces.append(chr(rng.choice([rng.randint(0xa0, 0xd7ff), rng.randint(0xe000, 0xfffd)])))
        elif kind < 0.9:
            pieces.append(chr(rng.randint(0x10000, 0x10ffff)))
        else:
            pieces.append(rng.choice(['weave-trace-internal:///p/object/n:v', 'wandb-artifact:///e/p/a', '\\u0077eave:///x']))
    return '"' + ''.join(pieces) + '"'


def random_number():
    kind = rng.random()
    if kind < 0.3:
        return str(rng.randint(-10 ** rng.randint(1, 40), 10 ** rng.randint(1, 40)))
    if kind < 0.6:
        value = struct.unpack('<d', struct.pack('<Q', rng.getrandbits(64)))[0]
        while value != value or value in (float('inf'), float('-inf')):
            value = struct.unpack('<d', struct.pack('<Q', rng.getrandbits(64)))[0]
        return repr(value)
    mantissa = str(rng.randint(0, 10 ** rng.randint(1, 25)))
    if rng.random() < 0.7:
        cut = rng.randint(1, len(mantissa))
        mantissa = mantissa[:cut] + '.' + (mantissa[cut:] or '0')
    exponent = rng.choice(['', 'e%d' % rng.randint(-330, 330), 'E+%d' % rng.randint(0, 30), 'e-%d' % rng.randint(0, 30)])
    if '.' not in mantissa and exponent == '':
        exponent = 'e0'
    return rng.choice(['', '-']) + mantissa + exponent


def random_value(depth):
    kind = rng.random()
    if depth > 4 or kind < 0.45:
        scalar = rng.random()
        if scalar < 0.4:
            return random_string()
        if scalar < 0.85:
            return random_number()
        return rng.choice(['null', 'true', 'false'])
    ws = lambda: rng.choice(['', '', '', ' ', '\n  '])
    if kind < 0.7:
        items = [random_value(depth + 1) for _ in range(rng.randint(0, 5))]
        return '[' + ws() + (',' + ws()).join(items) + ws() + ']'
    members = []
    keys = [random_string() for _ in range(rng.randint(0, 5))]
    if keys and rng.random() < 0.15:
        keys.append(rng.choice(keys))
    for key in keys:
        members.append(key + ws() + ':' + ws() + random_value(depth + 1))
    return '{' + ws() + (',' + ws()).join(members) + ws() + '}'


for _ in range(1000):
    add(random_number())
for _ in range(300):
    add(random_string())
for _ in range(300):
    add(random_value(0))

seen = set()
for text in cases:
    if text in seen:
        continue
    seen.add(text)
    try:
        expected = json.dumps(json.loads(text))
    except (ValueError, RecursionError):
        expected = None
    sys.stdout.write(json.dumps({"input": text, "expected": expected}) + "\n")
