#!/usr/bin/env bash
# Smoke test of the Pulumi tools built by install-pulumi.sh, through the real engine and
# language host, with no cloud, no network and no provider binary:
#   pulumi version, pulumi plugin ls, file:// login + passphrase secrets, and up / preview
#   --expect-no-changes / update / refresh / destroy of a one-resource Node.js program whose
#   resource is a dynamic provider (runs in node through pulumi-resource-pulumi-nodejs).
# Uses the repo's node_modules (for @pulumi/pulumi) and a throwaway PULUMI_HOME and state dir.
# Usage: scripts/tools/smoke-pulumi.sh      (exit 0 = every step passed)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
eval "$("$here/env.sh")"
command -v pulumi >/dev/null || { echo "pulumi not on PATH: run scripts/tools/install-pulumi.sh" >&2; exit 1; }
[[ -d "$repo/node_modules/@pulumi/pulumi" ]] || { echo "run npm ci first (need node_modules/@pulumi/pulumi)" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/254carbon-pulumi-smoke.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
export PULUMI_HOME="$tmp/home" PULUMI_CONFIG_PASSPHRASE=smoke-passphrase
mkdir -p "$tmp/state" "$tmp/proj"
step() { printf '[smoke %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() { step "FAILED: $*"; exit 1; }

step "pulumi version: $(pulumi version)"
pulumi plugin ls
step "language host: $(command -v pulumi-language-nodejs)"

cd "$tmp/proj"
ln -s "$repo/node_modules" node_modules
cat >Pulumi.yaml <<'EOF'
name: toolsmoke
runtime: nodejs
description: throwaway project of scripts/tools/smoke-pulumi.sh
EOF
cat >package.json <<'EOF'
{ "name": "toolsmoke", "version": "0.0.0", "private": true, "main": "index.js" }
EOF
cat >index.js <<'EOF'
"use strict";
const pulumi = require("@pulumi/pulumi");
const cfg = new pulumi.Config();
const provider = {
  async create(inputs) { return { id: `thing-${inputs.size}`, outs: inputs }; },
  async diff(_id, olds, news) { return { changes: olds.size !== news.size }; },
  async update(_id, _olds, news) { return { outs: news }; },
  async read(id, props) { return { id, props }; },
  async delete() {},
};
const thing = new pulumi.dynamic.Resource(provider, "thing", { size: cfg.getNumber("size") ?? 1 });
exports.size = thing.size;
exports.secretOut = cfg.requireSecret("token");
EOF

pulumi login "file://$tmp/state"
pulumi stack init smoke
pulumi config set size 1
pulumi config set --secret token s3cr3t
grep -q 's3cr3t' Pulumi.smoke.yaml && fail "secret config stored in plain text"

step "pulumi up (create)"
pulumi up --yes --skip-preview --non-interactive
[[ "$(pulumi stack output size)" == "1" ]] || fail "stack output size != 1"
[[ "$(pulumi stack output secretOut)" == "[secret]" ]] || fail "secret output not masked"
[[ "$(pulumi stack output --show-secrets secretOut)" == "s3cr3t" ]] || fail "secret output wrong"

step "pulumi preview --expect-no-changes"
pulumi preview --expect-no-changes --non-interactive

step "pulumi up (update in place)"
pulumi config set size 2
pulumi up --yes --skip-preview --non-interactive
[[ "$(pulumi stack output size)" == "2" ]] || fail "stack output size != 2 after update"

step "pulumi refresh"
pulumi refresh --yes --non-interactive --skip-preview

step "pulumi destroy"
pulumi destroy --yes --non-interactive --skip-preview
n="$(pulumi stack export | jq '[.deployment.resources // [] | .[]] | length')"
[[ "$n" == "0" ]] || fail "$n resources left after destroy"
pulumi stack rm --yes smoke
step "all Pulumi smoke steps passed"
