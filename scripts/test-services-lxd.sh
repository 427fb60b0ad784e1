#!/usr/bin/env bash
# The LXD test cluster (sourced by scripts/test-services.sh): three LXD daemons on this
# machine, each with its own LXD_DIR, listening on 127.0.0.2/3/4:8443, joined into one
# cluster "c1, c2, c3"; a storage pool per member (btrfs on a sparse loop file, or a
# `dir` pool where loop devices cannot be had: RIGKIT_TEST_LXD_POOL=dir forces it); no
# network in the default profile (workspaces need none: exec, forward and files travel
# through the API); and a busybox image ("rigkit-test/busybox") built here from
# Debian's busybox-static and imported, so nothing is downloaded.
# Needs root and: lxd lxd-client btrfs-progs busybox-static.
# Uses $dir from test-services.sh. Members are reused when they answer.
lxd_root="$dir/lxd"
lxd_members=(c1 c2 c3)
lxd_address() { echo "127.0.0.$(( ${1#c} + 1 )):8443"; }

lxd_member_up() {
  LXD_DIR="$lxd_root/$1" timeout 5 lxc query /1.0 >/dev/null 2>&1
}

lxd_start_daemon() {
  local member=$1 ldir="$lxd_root/$1"
  mkdir -p "$ldir"
  if [ -f "$ldir/lxd.pid" ] && kill -0 "$(cat "$ldir/lxd.pid")" 2>/dev/null && lxd_member_up "$member"; then return; fi
  LXD_DIR="$ldir" setsid lxd --group root --logfile "$ldir/lxd.log" >"$ldir/daemon.out" 2>&1 </dev/null &
  echo $! >"$ldir/lxd.pid"
  LXD_DIR="$ldir" timeout 60 lxd waitready || { echo "lxd $member did not start; see $ldir/lxd.log" >&2; tail -20 "$ldir/lxd.log" >&2; exit 1; }
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
  local driver
  driver=$(cat "$lxd_root/driver" 2>/dev/null || lxd_pool_driver)
  echo "$driver" >"$lxd_root/driver"
  for member in "${lxd_members[@]}"; do lxd_start_daemon "$member"; done
  if ! LXD_DIR="$lxd_root/c1" lxc cluster list >/dev/null 2>&1; then lxd_bootstrap "$driver"; fi
  for member in c2 c3; do
    LXD_DIR="$lxd_root/c1" lxc cluster show "$member" >/dev/null 2>&1 || lxd_join "$member" "$driver"
  done
  lxd_image
  lxd_client_cert
}

stop_lxd() {
  # Instances first (a member that loses quorum takes long to stop), then the daemons.
  for member in "${lxd_members[@]}"; do
    [ -f "$lxd_root/$member/lxd.pid" ] && kill -9 "$(cat "$lxd_root/$member/lxd.pid")" 2>/dev/null || true
  done
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
