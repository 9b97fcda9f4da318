#!/usr/bin/env bash
# Shows that the contract types the server: a response field renamed in a scratch copy of
# openapi.yaml, types regenerated from it, and the server's type-check must fail. The
# unchanged copy must pass first, so that the failure is the rename's and not the setup's.
# Everything happens in a scratch directory: the working tree is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
schema=${CONTRACT_BITES_SCHEMA:-Balance}
field=${CONTRACT_BITES_FIELD:-balance_micros}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The types of one spec, and a server type-check against them (tsconfig `paths` maps
# @kikuai/sdk/contract to them instead of sdk/src/contract.ts).
typecheck_against() {
  local spec=$1 out=$2
  mkdir -p "$out"
  # The SDK's own generate flags (sdk/package.json "generate").
  npx openapi-typescript "$spec" -o "$out/schema.ts" --default-non-nullable false >/dev/null
  printf "export type { components, operations, paths } from './schema.js';\n" >"$out/contract.ts"
  # The root tsconfig's paths made absolute, with the contract's pointing at these types.
  node --input-type=module - "$repo" "$out" <<'EOF'
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
const [repo, out] = process.argv.slice(2);
const { paths = {} } = JSON.parse(readFileSync(path.join(repo, 'tsconfig.json'), 'utf8')).compilerOptions;
const absolute = Object.fromEntries(Object.entries(paths).map(([name, targets]) => [name, targets.map((target) => path.resolve(repo, target))]));
absolute['@kikuai/sdk/contract'] = [path.join(out, 'contract.ts')];
writeFileSync(
  path.join(out, 'tsconfig.json'),
  JSON.stringify({
    extends: path.join(repo, 'server/tsconfig.json'),
    compilerOptions: { noEmit: true, typeRoots: [path.join(repo, 'node_modules/@types')], paths: absolute },
    include: [path.join(repo, 'server/src'), path.join(repo, 'server/test')],
  }),
);
EOF
  npx tsc -p "$out/tsconfig.json" --pretty false
}

cp openapi.yaml "$scratch/openapi.yaml"
node --input-type=module - "$scratch/openapi.yaml" "$scratch/renamed.yaml" "$schema" "$field" <<'EOF'
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
const [from, to, schema, field] = process.argv.slice(2);
const document = parseDocument(readFileSync(from, 'utf8'));
const properties = document.getIn(['components', 'schemas', schema, 'properties']);
if (!properties?.has(field)) throw new Error(`components.schemas.${schema} has no property ${field}`);
properties.set(`${field}_renamed`, properties.get(field));
properties.delete(field);
const required = document.getIn(['components', 'schemas', schema, 'required']);
const index = required?.items.findIndex((item) => String(item.value ?? item) === field) ?? -1;
if (index >= 0) required.set(index, `${field}_renamed`);
writeFileSync(to, document.toString());
EOF

echo "contract-bites: the server type-checks against the spec as it is"
typecheck_against "$scratch/openapi.yaml" "$scratch/unchanged"

echo "contract-bites: renaming $schema.$field must fail the server's type-check"
if typecheck_against "$scratch/renamed.yaml" "$scratch/renamed" >"$scratch/errors.txt" 2>&1; then
  echo "contract-bites: FAILED: the server still type-checks with $schema.$field renamed; some handler or presenter is not typed by the contract"
  exit 1
fi
if ! grep -q "$field" "$scratch/errors.txt"; then
  cat "$scratch/errors.txt"
  echo "contract-bites: FAILED: the type-check failed, but not on $field"
  exit 1
fi
echo "contract-bites: ok, the type-check fails where the server answers $schema:"
grep -E "error TS|'$field'|\\b$field\\b" "$scratch/errors.txt" | head -n 20 | cut -c1-300 | sed 's/^/  /'

# The contract is types only. At run time the server loads one thing of the SDK: its money
# format (`formatUsd`, a pure function), so that the server's messages write amounts as
# every face does (issue 17). Never its client, its errors or anything else.
if [ -d server/dist ]; then
  # Statements at the start of a line (the product examples quote an SDK import in a string).
  runtime=$(grep -rhE --include='*.js' "^(import|export) [^;]* from '@kikuai/sdk[^']*'|require\('@kikuai/sdk[^']*'\)" server/dist | sed -E 's/;[[:space:]]*$//' || true)
  other=$(printf '%s\n' "$runtime" | grep -vE "^import \{ formatUsd( as [A-Za-z]+)? \} from '@kikuai/sdk'$" | grep -v '^$' || true)
  if [ -n "$other" ]; then
    printf '%s\n' "$other"
    echo "contract-bites: FAILED: server/dist loads more of @kikuai/sdk than its money format at run time (import type only)"
    exit 1
  fi
fi
