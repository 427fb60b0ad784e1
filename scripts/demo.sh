#!/usr/bin/env bash
# The whole loop on the local provider, offline, in a throwaway project:
# init → plan (all pending) → apply → plan (all cached) → create two workspaces →
# run an action on one → ls → rm --all --yes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rig="$root/bin/rig"
[ -x "$root/node_modules/.bin/bun" ] || { echo "Run npm install first." >&2; exit 1; }

demo=$(mktemp -d "${TMPDIR:-/tmp}/rigkit-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT
export RIGKIT_HOME="$demo/.rigkit-home"
cd "$demo"
echo "Hello from the demo project" > hello.txt

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
step exec ws1 -- cat hello.txt .prepared
step ws1/info
step ls
step rm --all --yes
printf '\nDone: the demo project in %s is removed again.\n' "$demo"
