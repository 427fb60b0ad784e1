/**
 * Connects stdin/stdout to 127.0.0.1:<port> inside a container or instance, with whatever
 * its image has: nc (busybox's included), socat, or bash's /dev/tcp. Run through `docker exec` or an LXD exec
 * stream, so it needs no network between here and the container (`--network none` works).
 */
export const connector = (port: number) =>
  [
    `if command -v nc >/dev/null 2>&1; then exec nc 127.0.0.1 ${port}`,
    `elif command -v busybox >/dev/null 2>&1 && busybox nc 2>&1 | grep -q Usage; then exec busybox nc 127.0.0.1 ${port}`,
    `elif command -v socat >/dev/null 2>&1; then exec socat - TCP:127.0.0.1:${port}`,
    `elif command -v bash >/dev/null 2>&1; then exec bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} && { cat <&3 & cat >&3; wait; }'`,
    `else echo "rig forward: the container has none of nc, socat, bash to connect to port ${port}" >&2; exit 127; fi`,
  ].join("\n");
