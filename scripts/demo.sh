#!/usr/bin/env bash
# The whole loop on the local provider, offline, in a throwaway Node project (no
# dependencies, so `npm ci` needs no network): init (detects it) → plan (all pending) →
# apply → plan (all cached) → create two workspaces → run an action on one → ls →
# rm --all --yes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rig="$root/bin/rig"
[ -x "$root/node_modules/.bin/bun" ] || { echo "Run npm install first." >&2; exit 1; }

demo=$(mktemp -d "${TMPDIR:-/tmp}/rigkit-demo.XXXXXX")
home=$(mktemp -d "${TMPDIR:-/tmp}/rigkit-demo-home.XXXXXX")
trap 'rm -rf "$demo" "$home"' EXIT
export RIGKIT_HOME="$home"
cd "$demo"
echo "Hello from the demo project" > hello.txt
cat > package.json <<'EOF'
{
  "name": "demo",
  "version": "1.0.0",
  "private": true,
  "scripts": { "test": "node -e \"console.log(require('fs').readFileSync('hello.txt', 'utf8').trim() + ': tests pass')\"" }
}
EOF
echo '{ "name": "demo", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": { "": { "name": "demo", "version": "1.0.0" } } }' > package-lock.json
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

bold='' plain=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); fi
step() {
  printf '\n%s$ rig' "$bold"
  printf ' %q' "$@"
  printf '%s\n' "$plain"
  "$rig" "$@"
}

step init
step plan
step apply
step plan
step create ws1 ws2
step exec ws1 -- cat hello.txt
step ws1/test
step ls
step rm --all --yes
printf '\nDone: the demo project in %s is removed again.\n' "$demo"
