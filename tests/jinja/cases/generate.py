# Regenerates tests/jinja/cases/*_cases.inc: each case of a .txt file ("## name" line, then the
# template; cases separated by a "%%" line) rendered by Python Jinja2 3.1 set up as transformers'
# apply_chat_template sets it up, with context.json as variables. The .inc files are ground truth
# from the reference implementation, never from our engine.
#
#   python3 tests/jinja/cases/generate.py tests/jinja/cases tests/jinja/cases/*.txt
import sys, json, os
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols
from jinja2.exceptions import TemplateError
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
def raise_exception(m): raise TemplateError(m)
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters['tojson']=tojson
env.globals['raise_exception']=raise_exception
CTX = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'context.json')))
def cxx(s):
    d = 'J'
    while (')'+d+'"') in s: d += 'J'
    return 'R"' + d + '(' + s + ')' + d + '"'
out_dir = sys.argv[1]
for fname in sys.argv[2:]:
    groups = open(fname).read().split('\n%%\n')
    lines = ['// Generated from Python Jinja2 3.1 in transformers\' chat-template environment', '// (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, tojson = json.dumps).', '// Each entry: name, template source, then the rendered output or the Python exception class.']
    for g in groups:
        if not g.strip(): continue
        name, src = g.split('\n', 1)
        assert name.startswith('## '), name
        name = name[3:].strip()
        try:
            out = env.from_string(src).render(**CTX)
            lines.append('{%s, %s, %s, nullptr},' % (cxx(name), cxx(src), cxx(out)))
        except Exception as e:
            lines.append('{%s, %s, nullptr, %s},' % (cxx(name), cxx(src), cxx(type(e).__name__)))
    base = os.path.basename(fname).replace('.txt', '_cases.inc')
    open(os.path.join(out_dir, base), 'w').write('\n'.join(lines) + '\n')
    print(base, len(lines) - 3)
