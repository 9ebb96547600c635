// Native HF tokenizers (Rust, @anush008/tokenizers 0.6.0): a tokenizer.json written by
// automodel's save_pretrained vs the family's original tokenizer.json, on every encode /
// encode_pair / decode record of the family's cases.jsonl. Also checks the goldens directly.
import fs from 'node:fs';
import { Tokenizer } from '@anush008/tokenizers';
const [,, fixtures, saved] = process.argv;
const pairs = [];
for (const fam of fs.readdirSync(fixtures)) {
  if (fs.existsSync(`${fixtures}/${fam}/tokenizer.json`)) pairs.push([fam, `${saved}/${fam}/tokenizer.json`]);
  if (fs.existsSync(`${saved}/legacy-${fam}/tokenizer.json`)) pairs.push([fam, `${saved}/legacy-${fam}/tokenizer.json`]);
}
let total = 0, bad = 0;
for (const [fam, file] of pairs) {
  const ours = Tokenizer.fromFile(file);
  const lines = fs.readFileSync(`${fixtures}/${fam}/cases.jsonl`, 'utf8').split('\n').filter(Boolean).map(JSON.parse);
  let n = 0, diff = 0;
  for (const r of lines) {
    if (r.kind === 'encode' || r.kind === 'encode_pair') {
      const e = await ours.encode(r.text, r.text_pair ?? null, { addSpecialTokens: r.add_special_tokens ?? true });
      const same = JSON.stringify(e.getIds()) === JSON.stringify(r.ids) && JSON.stringify(e.getTokens()) === JSON.stringify(r.tokens) &&
                   (!r.offsets || JSON.stringify(e.getOffsets()) === JSON.stringify(r.offsets));
      n++; if (!same) { diff++; if (diff <= 3) console.log('  DIFF', fam, r.id, JSON.stringify(e.getIds()).slice(0, 120)); }
    } else if (r.kind === 'decode' || r.kind === 'decode_ids') {
      if (r.error) continue;
      const a = await ours.decode(r.ids, false), b = await ours.decode(r.ids, true);
      n++; if (a !== r.text || b !== r.text_skip_special) { diff++; if (diff <= 3) console.log('  DIFF decode', fam, r.id); }
    }
  }
  console.log(`${file}: ${n} records, ${diff} differ from the native goldens`);
  total += n; bad += diff;
}
console.log(`total ${total} records, ${bad} differ`);
