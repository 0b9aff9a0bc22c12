# Shared bootstrap for .ci/run, .ci/test and .ci/demo. Sourced, not run.
# Makes a fresh Debian machine ready: Node 24 (+ pnpm), the Debian packages
# the tests drive for real (QEMU, busybox, Chromium), and the workspace deps.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# CI has the shared corpus: tests that need it must run, not skip (test-support/corpus.ts).
export LABKIT_REQUIRE_CORPUS=1

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# 1. Node 24. Users who already have Node >= 24 skip this entirely.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 24 ]; then
  NODE_DIR="${LABKIT_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/labkit/node24}"
  if [ ! -x "$NODE_DIR/node_modules/.bin/node" ]; then
    log "Node $(node --version 2>/dev/null || echo none) is older than 24: installing node@24 into $NODE_DIR"
    npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error node@24 pnpm@12 >/dev/null
  fi
  export PATH="$NODE_DIR/node_modules/.bin:$PATH"
fi
if ! command -v pnpm >/dev/null 2>&1; then
  PNPM_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/labkit/pnpm"
  [ -x "$PNPM_DIR/node_modules/.bin/pnpm" ] || npm install --prefix "$PNPM_DIR" --no-audit --no-fund --loglevel=error pnpm@12 >/dev/null
  export PATH="$PNPM_DIR/node_modules/.bin:$PATH"
fi
log "node $(node --version), pnpm $(pnpm --version)"

# 2. Debian packages the real-part tests need (only what is missing).
# mmdebstrap builds the Debian playgrounds' roots (docker, debian) from the host's apt sources;
# docker.io and the rest are installed inside those images only.
# docker.io, redis-server and iptables: the swarm suite's own dockerds and Redis (never the system services).
DEB_PACKAGES=(qemu-system-x86 busybox-static chromium cpio e2fsprogs debootstrap mmdebstrap openssh-server gcc libc6-dev gpgv debian-archive-keyring lz4 docker.io redis-server iptables)
missing=()
for p in "${DEB_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # On a machine with systemd the packages start their system daemons; the tests start their own (dockerd per
  # namespace, Redis on a unix socket), and a system dockerd would add docker0 and NAT rules to the host.
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now docker.socket docker.service redis-server.service >/dev/null 2>&1 || true
  fi
fi

# 3. Workspace dependencies, exactly as locked.
log "pnpm install"
CI=true pnpm install --frozen-lockfile --reporter=append-only 2>&1 | tail -n 3
