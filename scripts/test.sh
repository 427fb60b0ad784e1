#!/usr/bin/env bash
# `npm test`: the whole suite against real services. What the tests need (shells and tmux
# for completion and terminal tests, strace, GNU time, chromium for the dashboard, a Docker engine and two sshd on loopback) is
# reused when it is already there, installed and started when it can be (root with
# Debian's packages), and otherwise named before failing. RIGKIT_TEST_SKIP_SERVICES=1 runs
# without them: their tests are skipped, and say so.
# Arguments are passed to `bun test` (e.g. npm test -- test/unit).
set -uo pipefail
cd "$(dirname "$0")/.."
bun=node_modules/.bin/bun
[ -x "$bun" ] || { echo "npm test: node_modules/.bin/bun is missing; run npm ci (or npm install) first" >&2; exit 1; }

if [ "${RIGKIT_TEST_SKIP_SERVICES:-}" = 1 ]; then
  echo "npm test: RIGKIT_TEST_SKIP_SERVICES=1: tests needing Docker, sshd, shells, tmux or strace are SKIPPED" >&2
  exec "$bun" test "$@"
fi

services_dir=${RIGKIT_TEST_SERVICES_DIR:-/tmp/rigkit-test-services}
export RIGKIT_TEST_SERVICES=${RIGKIT_TEST_SERVICES:-$services_dir/env}

# The services answer as the tests will use them (never restarted when they do).
services_up() { core_up && lxd_up; }

# Docker and sshd.
core_up() {
  [ -f "$RIGKIT_TEST_SERVICES" ] || return 1
  local docker_host ssh_config
  docker_host=$(sed -n 's/^RIGKIT_TEST_DOCKER_HOST=//p' "$RIGKIT_TEST_SERVICES")
  ssh_config=$(sed -n 's/^RIGKIT_TEST_SSH_CONFIG=//p' "$RIGKIT_TEST_SERVICES")
  command -v docker >/dev/null && DOCKER_HOST=$docker_host docker version >/dev/null 2>&1 || return 1
  for host in rig-a rig-b; do
    ssh -F "$ssh_config" -o BatchMode=yes -o ConnectTimeout=3 "$host" true >/dev/null 2>&1 || return 1
  done
}

# Every LXD member answers (a test that kills one restarts it; a run that died before could not).
lxd_up() {
  local lxd_dirs lxd_dir
  lxd_dirs=$(sed -n 's/^RIGKIT_TEST_LXD_DIRS=//p' "$RIGKIT_TEST_SERVICES" 2>/dev/null)
  [ -n "$lxd_dirs" ] || return 1
  for lxd_dir in ${lxd_dirs//,/ }; do
    LXD_DIR=$lxd_dir timeout 5 lxc query /1.0 >/dev/null 2>&1 || return 1
  done
  # The build tests' network (a cluster made by an older script has none).
  LXD_DIR=${lxd_dirs%%,*} timeout 5 lxc query /1.0/networks/rigkit-build >/dev/null 2>&1
}

# Debian package for each missing tool (the service daemons only when the services are down).
missing_packages() {
  local missing=()
  for tool in zsh fish tmux strace; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ -f /usr/share/bash-completion/bash_completion ] || missing+=(bash-completion)
  [ -x /usr/bin/time ] || missing+=(time) # GNU time: peak memory of rig with a chatty task
  # git, node and a python3 with venv: workspaces' isolation (test/e2e/isolation.test.ts)
  command -v git >/dev/null || missing+=(git)
  command -v node >/dev/null || missing+=(nodejs)
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
  command -v bwrap >/dev/null || missing+=(bubblewrap) # isolation without root
  [ -x /usr/bin/chromium ] || missing+=(chromium) # the dashboard's tests run in a real headless browser
  if [ "$up" = 0 ]; then
    command -v dockerd >/dev/null || missing+=(docker.io)
    [ -x /usr/sbin/sshd ] || command -v sshd >/dev/null || missing+=(openssh-server)
    command -v ssh >/dev/null || missing+=(openssh-client)
    command -v busybox >/dev/null || missing+=(busybox-static)
    command -v lxd >/dev/null || missing+=(lxd)
    command -v lxc >/dev/null || missing+=(lxd-client)
    command -v mkfs.btrfs >/dev/null || missing+=(btrfs-progs)
    command -v ip >/dev/null || missing+=(iproute2) # the LXD build tests' veth pair
  fi
  echo "${missing[*]}"
}

fail() {
  echo "npm test: $1" >&2
  echo "npm test: or run without them: RIGKIT_TEST_SKIP_SERVICES=1 npm test (their tests are skipped)" >&2
  exit 1
}

up=0
services_up && up=1
missing=$(missing_packages)
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "npm test: installing $missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086 # one word per package
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; } ||
      fail "apt-get install $missing failed"
  else
    fail "missing: $missing (install these Debian packages as root, or run npm test as root to have it do so)"
  fi
fi

if [ "$up" = 0 ]; then
  [ "$(id -u)" = 0 ] || fail "the Docker engine and sshd test services are not running, and starting them needs root (sudo bash scripts/test-services.sh start)"
  echo "npm test: starting the test services (Docker engine, two sshd on 127.0.0.1, an LXD cluster on 127.0.0.2-4)" >&2
  RIGKIT_TEST_SERVICES_DIR=$services_dir bash scripts/test-services.sh start >/dev/null || fail "the test services did not start (see $services_dir/*.log)"
  core_up || fail "the test services started but do not answer (see $services_dir/*.log)"
  # Without LXD (a sandbox that cannot run it) the rest still runs; its tests fail, saying why.
  lxd_up || echo "npm test: the LXD test cluster is not running (see $services_dir/lxd/c*/lxd.log): its tests will FAIL" >&2
fi

exec "$bun" test "$@"
