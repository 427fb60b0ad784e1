#!/usr/bin/env bash
# Real services for the provider tests, all on this machine and on loopback only:
#   - a Docker engine (dockerd --bridge=none --iptables=false: containers get no network)
#     with a tiny image built locally from busybox-static (no registry is contacted);
#   - two sshd instances on 127.0.0.1:2222 and 127.0.0.1:2223 with keys made here, as a
#     small fleet ("rig-a", "rig-b" in the generated ssh_config).
#   - a 3-member LXD cluster on 127.0.0.2/3/4:8443 (scripts/test-services-lxd.sh).
# Usage: scripts/test-services.sh start|stop|env. `start` prints the env file path; the
# tests read it from RIGKIT_TEST_SERVICES (default /tmp/rigkit-test-services/env).
# Needs root and: docker.io openssh-server openssh-client busybox-static lxd lxd-client btrfs-progs.
set -euo pipefail
dir=${RIGKIT_TEST_SERVICES_DIR:-/tmp/rigkit-test-services}
# shellcheck source=scripts/test-services-lxd.sh
source "$(dirname "$0")/test-services-lxd.sh"
sock="$dir/docker.sock"
image=rigkit-test/busybox:1

stop() {
  for pidfile in "$dir"/sshd-*.pid "$dir/dockerd.pid"; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  stop_lxd
  sleep 1
}

start_docker() {
  if DOCKER_HOST="unix://$sock" docker version >/dev/null 2>&1; then return; fi
  command -v dockerd >/dev/null || { echo "dockerd is not installed (apt-get install docker.io)" >&2; exit 1; }
  mkdir -p "$dir/docker-data" "$dir/docker-exec"
  # An engine left by an earlier run (a session's processes end with it; /tmp stays) leaves
  # pid files behind: dockerd takes a live process that got containerd's old pid for its
  # containerd and waits for it in vain. Stop any of ours that is left, forget the pids.
  pkill -9 -f -- "--exec-root $dir/docker-exec" 2>/dev/null || true
  pkill -9 -f -- "$dir/docker-exec/containerd" 2>/dev/null || true
  rm -f "$dir/dockerd.pid" "$dir/docker-exec/containerd/containerd.pid" "$sock"
  dockerd --bridge=none --iptables=false --ip6tables=false \
    --data-root "$dir/docker-data" --exec-root "$dir/docker-exec" \
    -H "unix://$sock" --pidfile "$dir/dockerd.pid" >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 100); do
    DOCKER_HOST="unix://$sock" docker version >/dev/null 2>&1 && return
    sleep 0.2
  done
  echo "dockerd did not start; see $dir/dockerd.log:" >&2
  tail -20 "$dir/dockerd.log" >&2
  exit 1
}

build_image() {
  if DOCKER_HOST="unix://$sock" docker image inspect "$image" >/dev/null 2>&1; then return; fi
  local rootfs="$dir/rootfs"
  rm -rf "$rootfs" && mkdir -p "$rootfs"/{bin,tmp,root,etc,work}
  cp "$(command -v busybox)" "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
  chmod 1777 "$rootfs/tmp"
  tar -C "$rootfs" -c . | DOCKER_HOST="unix://$sock" docker import -c 'ENV PATH=/bin' - "$image" >/dev/null
}

start_sshd() {
  local keys="$dir/ssh"
  mkdir -p "$keys" /run/sshd
  [ -f "$keys/host_key" ] || ssh-keygen -q -t ed25519 -N "" -f "$keys/host_key"
  [ -f "$keys/client_key" ] || ssh-keygen -q -t ed25519 -N "" -f "$keys/client_key"
  cp "$keys/client_key.pub" "$keys/authorized_keys"
  chmod 600 "$keys/authorized_keys" "$keys/client_key"
  : >"$keys/ssh_config"
  for host in a b; do
    local port=$([ "$host" = a ] && echo 2222 || echo 2223)
    mkdir -p "$dir/remote-$host"
    cat >"$keys/sshd-$host.conf" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $keys/host_key
AuthorizedKeysFile $keys/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PidFile $dir/sshd-$host.pid
CONF
    if ! [ -f "$dir/sshd-$host.pid" ] || ! kill -0 "$(cat "$dir/sshd-$host.pid")" 2>/dev/null; then
      "$(command -v sshd || echo /usr/sbin/sshd)" -f "$keys/sshd-$host.conf" -E "$dir/sshd-$host.log"
    fi
    cat >>"$keys/ssh_config" <<CONF
Host rig-$host
  HostName 127.0.0.1
  Port $port
  User root
  IdentityFile $keys/client_key
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
CONF
  done
  for host in a b; do
    for _ in $(seq 50); do
      ssh -F "$keys/ssh_config" -o BatchMode=yes -o ConnectTimeout=2 "rig-$host" true 2>/dev/null && break
      sleep 0.2
    done
    ssh -F "$keys/ssh_config" -o BatchMode=yes "rig-$host" true || { echo "sshd rig-$host did not start; see $dir/sshd-$host.log" >&2; exit 1; }
  done
}

case "${1:-start}" in
  start)
    mkdir -p "$dir"
    start_docker
    build_image
    start_sshd
    # The LXD cluster is the one service some sandboxes cannot run: without it, the other
    # services still start and the LXD tests fail saying it is not running.
    lxd_up=1
    # (Its own shell: errexit still stops it at the first failure, which `||` would disable.)
    dir=$dir bash -euo pipefail -c 'source "$1"; start_lxd' _ "$(dirname "$0")/test-services-lxd.sh" || { lxd_up=0; echo "the LXD test cluster did not start (see $dir/lxd/c*/lxd.log)" >&2; }
    { cat <<ENV
RIGKIT_TEST_DOCKER_HOST=unix://$sock
RIGKIT_TEST_DOCKER_IMAGE=$image
RIGKIT_TEST_SSH_CONFIG=$dir/ssh/ssh_config
RIGKIT_TEST_SSH_HOSTS=rig-a,rig-b
RIGKIT_TEST_SSH_ROOTS=$dir/remote-a,$dir/remote-b
ENV
      [ "$lxd_up" = 0 ] || lxd_env; } >"$dir/env"
    echo "$dir/env"
    ;;
  stop) stop ;;
  env) cat "$dir/env" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
