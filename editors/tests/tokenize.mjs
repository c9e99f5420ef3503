// Tokenizes `.rbench` files with the TextMate engine of VS Code (vscode-textmate on
// vscode-oniguruma) and prints the tokens as JSON, for `tests/editor_grammar.rs`.
//
//   node editors/tests/tokenize.mjs GRAMMAR FILE...
//
// The npm packages are looked up in the folder `RBENCH_TEXTMATE` names (where
// `npm ci --prefix DIR` installed them), else next to this script. The output is a list with one
// entry per file: `{ file, lines: [{ offset, tokens: [{ start, end, scopes }] }] }`, where
// `offset` is the byte offset of the line in the file and `start`/`end` are byte offsets in the
// line. The rule stack is carried from line to line, as an editor does.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const moduleDir = process.env.RBENCH_TEXTMATE || fileURLToPath(new URL(".", import.meta.url));
const require = createRequire(join(moduleDir, "package.json"));
const textmate = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const [grammarPath, ...files] = process.argv.slice(2);
if (!grammarPath || files.length === 0) {
  console.error("usage: node tokenize.mjs GRAMMAR FILE...");
  process.exit(2);
}

await oniguruma.loadWASM(readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")));
const registry = new textmate.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (text) => new oniguruma.OnigString(text),
  }),
  loadGrammar: async () =>
    textmate.parseRawGrammar(readFileSync(grammarPath, "utf8"), grammarPath),
});
const grammar = await registry.loadGrammar("source.rbench");

/** The UTF-8 length of `text`: the test speaks in byte offsets, JavaScript in UTF-16 units. */
const bytes = (text) => Buffer.byteLength(text, "utf8");

const output = files.map((file) => {
  const text = readFileSync(file, "utf8");
  const lines = [];
  let stack = textmate.INITIAL;
  let offset = 0;
  // Line breaks as VS Code splits them: \r\n, \n or a lone \r.
  for (const match of text.matchAll(/([^\r\n]*)(\r\n|\r|\n|$)/g)) {
    const [whole, line, lineBreak] = match;
    if (whole === "" && match.index === text.length && lines.length > 0) break;
    const result = grammar.tokenizeLine(line, stack, 0);
    if (result.stoppedEarly) throw new Error(`${file}: tokenizing stopped early`);
    const tokens = result.tokens.map((token, i) => {
      const end = Math.min(i + 1 < result.tokens.length ? result.tokens[i + 1].startIndex : line.length, line.length);
      return {
        start: bytes(line.slice(0, token.startIndex)),
        end: bytes(line.slice(0, end)),
        scopes: token.scopes,
      };
    });
    lines.push({ offset, tokens: tokens.filter((token) => token.end > token.start) });
    stack = result.ruleStack;
    offset += bytes(line) + bytes(lineBreak);
    if (lineBreak === "") break;
  }
  return { file, lines };
});

process.stdout.write(JSON.stringify(output));
