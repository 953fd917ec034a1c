#!/usr/bin/env python3
"""Where a wasm module's bytes go: code size per function and per crate (from the name section),
data segments, and a gzip estimate per crate (each group's function bodies compressed together).

    python3 scripts/wasm-sizes.py target/wasm32-unknown-unknown/release/cohort.wasm [TOP]

Needs the name section (the cargo output, before wasm-bindgen --remove-name-section)."""
import re, sys, zlib, collections

def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i

ESC = {'$LT$': '<', '$GT$': '>', '$RF$': '&', '$BP$': '*', '$u20$': ' ', '$C$': ',', '$u5b$': '[', '$u5d$': ']',
       '$u7b$': '{', '$u7d$': '}', '$u3b$': ';', '$u27$': "'", '$u2b$': '+', '$LP$': '(', '$RP$': ')', '..': '::'}

def demangle(name):
    """Legacy Rust mangling (_ZN...E) to a readable path without the hash; v0 names (_R) as is."""
    if not name.startswith('_ZN'):
        return name
    i, parts = 3, []
    while i < len(name) and name[i].isdigit():
        j = i
        while name[j].isdigit(): j += 1
        n = int(name[i:j]); parts.append(name[j:j + n]); i = j + n
    if parts and re.fullmatch(r'h[0-9a-f]{16}', parts[-1]): parts.pop()
    out = '::'.join(parts)
    for k, v in ESC.items(): out = out.replace(k, v)
    return out.replace('_<', '<').replace('::::', '::')

def main(path, top=40):
    b = open(path, 'rb').read()
    i = 8; secs = []
    while i < len(b):
        sid = b[i]; n, j = leb(b, i + 1); secs.append((sid, j, n)); i = j + n
    nimports = 0; bodies = []; names = {}; datas = []; custom = {}
    for sid, off, n in secs:
        if sid == 2:
            cnt, k = leb(b, off)
            for _ in range(cnt):
                for _ in range(2):
                    l, k = leb(b, k); k += l
                kind = b[k]; k += 1
                if kind == 0: _, k = leb(b, k); nimports += 1
                elif kind == 1: k += 1; fl, k = leb(b, k); _, k = leb(b, k); k = leb(b, k)[1] if fl & 1 else k
                elif kind == 2: fl, k = leb(b, k); _, k = leb(b, k); k = leb(b, k)[1] if fl & 1 else k
                elif kind == 3: k += 2
        elif sid == 10:
            cnt, k = leb(b, off)
            for _ in range(cnt):
                l, k = leb(b, k); bodies.append(b[k:k + l]); k += l
        elif sid == 11:
            datas.append(n)
        elif sid == 0:
            l, k = leb(b, off); nm = b[k:k + l].decode(); custom[nm] = n
            if nm == 'name':
                end = off + n
                k += l
                while k < end:
                    sub = b[k]; sl, k2 = leb(b, k + 1)
                    if sub == 1:
                        cnt, q = leb(b, k2)
                        for _ in range(cnt):
                            idx, q = leb(b, q); ln, q = leb(b, q); names[idx] = demangle(b[q:q + ln].decode('utf8', 'replace')); q += ln
                    k = k2 + sl
    print(f'{path}: {len(b)/1000:.1f} KB raw, {len(zlib.compress(b, 9))/1000:.1f} KB zlib-9')
    for sid, off, n in secs:
        print(f'  section {sid:2d}: {n/1000:9.1f} KB')
    for nm, n in custom.items(): print(f'  custom {nm}: {n/1000:.1f} KB')
    funcs = [(names.get(nimports + i, f'func{nimports+i}'), body) for i, body in enumerate(bodies)]
    def crate(name):
        s = name
        s = re.sub(r'^core::ptr::drop_in_place<', '', s)
        m = re.match(r'^(?:<|&|\*|mut |dyn |\[)*([A-Za-z_][A-Za-z0-9_]*(?:::[a-z_][a-z0-9_]*)?)', s)
        c = m.group(1) if m else s
        if c == 'impl' or c.startswith('impl'): c = 'impl'
        return c
    groups = collections.defaultdict(list)
    for nm, body in funcs: groups[crate(nm)].append(body)
    rows = [(c, sum(map(len, bs)), len(zlib.compress(b''.join(bs), 9)), len(bs)) for c, bs in groups.items()]
    rows.sort(key=lambda r: -r[1])
    print('\nper crate (first path segment): raw KB, gz KB (group compressed alone), functions')
    for c, raw, gz, nf in rows[:top]:
        print(f'  {c:40s} {raw/1000:8.1f} {gz/1000:8.1f} {nf:6d}')
    print(f'\ntop {top} functions (raw bytes)')
    for nm, body in sorted(funcs, key=lambda f: -len(f[1]))[:top]:
        print(f'  {len(body):8d}  {nm[:150]}')
    # generic instantiations: names that differ only in <...>
    gen = collections.defaultdict(lambda: [0, 0])
    for nm, body in funcs:
        key = re.sub(r'<[^<>]*>', '<>', re.sub(r'<[^<>]*>', '<>', re.sub(r'<[^<>]*>', '<>', nm)))
        key = re.sub(r'::h[0-9a-f]{16}$', '', key)
        gen[key][0] += 1; gen[key][1] += len(body)
    print('\nmost-instantiated generic functions (copies, raw KB)')
    for k, (n, s) in sorted(gen.items(), key=lambda kv: -kv[1][1])[:top]:
        if n > 1: print(f'  {n:4d} {s/1000:8.1f}  {k[:140]}')

if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40)
