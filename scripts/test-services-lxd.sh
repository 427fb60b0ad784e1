#!/usr/bin/env bash
# The LXD test cluster (sourced by scripts/test-services.sh): three LXD daemons on this
# machine, each with its own LXD_DIR, listening on 127.0.0.2/3/4:8443, joined into one
# cluster "c1, c2, c3"; a storage pool per member (btrfs on a sparse loop file, or a
# `dir` pool where loop devices cannot be had: RIGKIT_TEST_LXD_POOL=dir forces it); no
# network in the default profile (workspaces need none: exec, forward and files travel
# through the API), and one managed network for the build tests (lxd_build_network); a
# busybox image ("rigkit-test/busybox") built here from Debian's busybox-static and
# imported, so nothing is downloaded.
# Needs root and: lxd lxd-client btrfs-progs busybox-static iproute2.
# Uses $dir from test-services.sh. Members are reused when they answer.
lxd_root="$dir/lxd"
lxd_members=(c1 c2 c3)
lxd_address() { echo "127.0.0.$(( ${1#c} + 1 )):8443"; }

lxd_member_up() {
  LXD_DIR="$lxd_root/$1" timeout 5 lxc query /1.0 >/dev/null 2>&1
}

# Starts a member's daemon unless it answers (not waiting: see lxd_wait).
lxd_launch() {
  local member=$1 ldir="$lxd_root/$1"
  mkdir -p "$ldir"
  if [ -f "$ldir/lxd.pid" ] && kill -0 "$(cat "$ldir/lxd.pid")" 2>/dev/null && lxd_member_up "$member"; then return; fi
  # A daemon of this member that does not answer (waiting for a quorum that never came)
  # would hold its address: only one per member.
  pkill -9 -f -- "--logfile $ldir/lxd.log" 2>/dev/null && sleep 0.5
  LXD_DIR="$ldir" setsid lxd --group root --logfile "$ldir/lxd.log" >"$ldir/daemon.out" 2>&1 </dev/null &
  echo $! >"$ldir/lxd.pid"
}

lxd_wait() {
  LXD_DIR="$lxd_root/$1" timeout "${2:-60}" lxd waitready
}

# One member (a test restarts one it killed; the others keep the cluster's quorum).
lxd_start_daemon() {
  lxd_launch "$1"
  lxd_wait "$1" || { echo "lxd $1 did not start; see $lxd_root/$1/lxd.log" >&2; tail -20 "$lxd_root/$1/lxd.log" >&2; exit 1; }
}

# Every member, started together: a clustered member waits for the others' quorum, so
# after a reboot (daemons gone, their directories kept) none is ready until all run.
lxd_start_all() {
  local member
  for member in "${lxd_members[@]}"; do lxd_launch "$member"; done
  for member in "${lxd_members[@]}"; do lxd_wait "$member" "$1" || return 1; done
}

# The cluster answers from c1 and lists its three members.
lxd_healthy() {
  [ "$(LXD_DIR="$lxd_root/c1" timeout 20 lxc cluster list --format csv 2>/dev/null | grep -c -E ',(ONLINE|OFFLINE),')" = "${#lxd_members[@]}" ]
}

# Removes the test cluster: its daemons, and only what is below $lxd_root (mounts, loop
# devices, files).
lxd_wipe() {
  stop_lxd
  sleep 1
  local mount file
  # Deepest first; lazily, as a killed daemon's mounts may still be busy.
  awk -v root="$lxd_root/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
  for file in "$lxd_root"/c*/disks/*.img; do
    [ -e "$file" ] && losetup -j "$file" | cut -d: -f1 | while read -r loop; do losetup -d "$loop" 2>/dev/null || true; done
  done
  rm -rf "$lxd_root"
  mkdir -p "$lxd_root"
}

# The pool's driver: btrfs on a loop file when this machine lets us make one.
lxd_pool_driver() {
  if [ -n "${RIGKIT_TEST_LXD_POOL:-}" ]; then echo "$RIGKIT_TEST_LXD_POOL"; return; fi
  if command -v mkfs.btrfs >/dev/null && [ -e /dev/loop-control ] && losetup -f >/dev/null 2>&1; then echo btrfs; else echo dir; fi
}

lxd_pool_config() {
  if [ "$1" = btrfs ]; then echo "size: 2GiB"; else echo "source: $lxd_root/$2-pool"; fi
}

# The default profile's devnull: /dev/null is 0600 on some hosts, and unprivileged
# containers need their own, 0666.
lxd_bootstrap() {
  local driver=$1
  [ "$driver" = dir ] && mkdir -p "$lxd_root/c1-pool"
  LXD_DIR="$lxd_root/c1" lxd init --preseed <<YAML
config:
  core.https_address: $(lxd_address c1)
  cluster.https_address: $(lxd_address c1)
  images.auto_update_interval: "0"
  # A killed member counts as offline only after this long (default 20 s), so the tests of
  # "a create placed on a member that died" meet that window every time, not by chance.
  cluster.offline_threshold: "120"
cluster:
  server_name: c1
  enabled: true
storage_pools:
- name: default
  driver: $driver
  config:
    $(lxd_pool_config "$driver" c1)
profiles:
- name: default
  devices:
    root:
      type: disk
      path: /
      pool: default
    devnull:
      type: unix-char
      source: /dev/null
      path: /dev/null
      mode: "0666"
YAML
}

lxd_join() {
  local member=$1 driver=$2 token
  [ "$driver" = dir ] && mkdir -p "$lxd_root/$member-pool"
  token=$(LXD_DIR="$lxd_root/c1" lxc cluster add "$member" --quiet)
  local key value
  if [ "$driver" = btrfs ]; then key=size value=2GiB; else key=source value="$lxd_root/$member-pool"; fi
  LXD_DIR="$lxd_root/$member" lxd init --preseed <<YAML
cluster:
  enabled: true
  server_name: $member
  server_address: $(lxd_address "$member")
  cluster_token: $token
  member_config:
  - entity: storage-pool
    name: default
    key: $key
    value: $value
YAML
}

lxd_image() {
  LXD_DIR="$lxd_root/c1" lxc image info rigkit-test/busybox 2>/dev/null | grep -q "rigkit tests v2" && return
  local build="$lxd_root/image"
  rm -rf "$build" && mkdir -p "$build/rootfs"/{bin,sbin,tmp,root,etc,dev,proc,sys,run,work}
  local rootfs="$build/rootfs"
  cp "$(command -v busybox)" "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$rootfs/etc/passwd"
  echo 'root:x:0:' >"$rootfs/etc/group"
  # LXD starts /sbin/init; this one brings up loopback (no NIC: `rig forward` connects
  # to 127.0.0.1 inside) and waits to be stopped.
  printf '#!/bin/sh\nip link set lo up\ntrap "exit 0" TERM INT PWR\nwhile :; do sleep 3600 & wait $!; done\n' >"$rootfs/sbin/init"
  chmod 755 "$rootfs/sbin/init"
  chmod 1777 "$rootfs/tmp"
  cat >"$build/metadata.yaml" <<YAML
architecture: $(uname -m)
creation_date: $(date +%s)
properties:
  description: busybox for rigkit tests v2
  os: busybox
YAML
  tar -C "$build" -czf "$build/image.tar.gz" metadata.yaml rootfs
  LXD_DIR="$lxd_root/c1" lxc image delete rigkit-test/busybox >/dev/null 2>&1 || true
  LXD_DIR="$lxd_root/c1" lxc image import "$build/image.tar.gz" --alias rigkit-test/busybox >/dev/null
}

# A client certificate the cluster trusts, for the HTTPS (remote) tests.
lxd_client_cert() {
  local certs="$lxd_root/client"
  mkdir -p "$certs"
  if ! [ -f "$certs/client.crt" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -sha384 -nodes -days 3650 \
      -subj "/CN=rigkit-test" -keyout "$certs/client.key" -out "$certs/client.crt" >/dev/null 2>&1
    chmod 600 "$certs/client.key"
  fi
  LXD_DIR="$lxd_root/c1" lxc config trust list --format csv 2>/dev/null | grep -q rigkit-test ||
    LXD_DIR="$lxd_root/c1" lxc config trust add "$certs/client.crt" --name rigkit-test >/dev/null 2>&1 ||
    LXD_DIR="$lxd_root/c1" lxc config trust add "$certs/client.crt" >/dev/null
  cp "$lxd_root/c1/cluster.crt" "$certs/server.crt"
}

start_lxd() {
  command -v lxd >/dev/null || { echo "lxd is not installed (apt-get install --no-install-recommends lxd lxd-client btrfs-progs)" >&2; exit 1; }
  mkdir -p "$lxd_root"
  # A cluster left by an earlier run (a session's daemons end with it; /tmp stays) is used
  # when it comes back whole, and made again otherwise.
  if [ -d "$lxd_root/c1/database" ] && ! { lxd_start_all 30 && lxd_healthy; }; then
    echo "the LXD test cluster left by an earlier run does not come back; making it again" >&2
    lxd_wipe
  fi
  local driver
  driver=$(cat "$lxd_root/driver" 2>/dev/null || lxd_pool_driver)
  echo "$driver" >"$lxd_root/driver"
  lxd_start_all 60 || { echo "lxd did not start; see $lxd_root/c*/lxd.log" >&2; tail -20 "$lxd_root"/c*/lxd.log >&2; exit 1; }
  if ! LXD_DIR="$lxd_root/c1" lxc cluster list >/dev/null 2>&1; then lxd_bootstrap "$driver"; fi
  for member in c2 c3; do
    LXD_DIR="$lxd_root/c1" lxc cluster show "$member" >/dev/null 2>&1 || lxd_join "$member" "$driver"
  done
  lxd_online
  LXD_DIR="$lxd_root/c1" lxc config set cluster.offline_threshold 120 # (a cluster made before it was in the preseed)
  lxd_image
  lxd_client_cert
  lxd_build_network
}

# The managed network `rigkit-build` for the tests of `build.network`: a macvlan on one
# end of a veth pair whose other end goes nowhere, so nothing leaves this machine (a
# managed bridge cannot be made for members on one host; a dummy interface needs a
# kernel module this sandbox may not have).
lxd_build_network() {
  ip link show rigkit-lxd0 >/dev/null 2>&1 || ip link add rigkit-lxd0 type veth peer name rigkit-lxd1
  ip link set rigkit-lxd0 up && ip link set rigkit-lxd1 up
  LXD_DIR="$lxd_root/c1" lxc network show rigkit-build >/dev/null 2>&1 && return
  local member
  for member in "${lxd_members[@]}"; do
    LXD_DIR="$lxd_root/c1" lxc network create rigkit-build --type=macvlan parent=rigkit-lxd0 --target "$member" >/dev/null
  done
  LXD_DIR="$lxd_root/c1" lxc network create rigkit-build --type=macvlan >/dev/null
}

# A member that was restarted shows OFFLINE until its next heartbeat (~10 s), and the
# scheduler places nothing on it until then: wait for all three.
lxd_online() {
  local waited=0
  until [ "$(LXD_DIR="$lxd_root/c1" lxc cluster list --format csv 2>/dev/null | grep -c ',ONLINE,')" = "${#lxd_members[@]}" ]; do
    [ "$waited" -ge 60 ] && { echo "the LXD test cluster's members are not all ONLINE after 60 s" >&2; LXD_DIR="$lxd_root/c1" lxc cluster list >&2; exit 1; }
    sleep 1
    waited=$((waited + 1))
  done
}

stop_lxd() {
  local member
  for member in "${lxd_members[@]}"; do
    [ -f "$lxd_root/$member/lxd.pid" ] && kill -9 "$(cat "$lxd_root/$member/lxd.pid")" 2>/dev/null || true
  done
  # And any other daemon of these members (a pid file is overwritten by a later start).
  pkill -9 -f -- "--logfile $lxd_root/" 2>/dev/null || true
}

lxd_env() {
  cat <<ENV
RIGKIT_TEST_LXD_DIRS=$lxd_root/c1,$lxd_root/c2,$lxd_root/c3
RIGKIT_TEST_LXD_SOCKET=$lxd_root/c1/unix.socket
RIGKIT_TEST_LXD_REMOTE=https://$(lxd_address c1)
RIGKIT_TEST_LXD_CLIENT_CERT=$lxd_root/client/client.crt
RIGKIT_TEST_LXD_CLIENT_KEY=$lxd_root/client/client.key
RIGKIT_TEST_LXD_SERVER_CERT=$lxd_root/client/server.crt
RIGKIT_TEST_LXD_IMAGE=rigkit-test/busybox
RIGKIT_TEST_LXD_POOL_DRIVER=$(cat "$lxd_root/driver")
ENV
}
