#!/usr/bin/env bash
# Installs Node.js and npm from the npm registry into a prefix of Berth's own, and puts node, npm and
# npx in a bin directory that comes before Debian's /usr/bin on PATH.
# Usage: setup-node.sh NODE_MAJOR NPM_MAJOR PREFIX BIN_DIR (setup-debian.sh calls it).
#
# Why not Debian's nodejs: Debian 12 ships an end-of-life Node.js (18). The npm registry's node-linux-<arch>
# package (the platform half of its `node` package, without that package's install script) holds the
# official binary and its C++ headers, and native addons compile against those headers: node-gyp
# would otherwise download them, and only the package registries are reachable.
# Idempotent: a prefix that already holds NODE_MAJOR and NPM_MAJOR is kept; the links are rewritten.
set -euo pipefail

node_major=$1 npm_major=$2 prefix=$3 bin_dir=$4
marker="installed by Berth's scripts/setup-node.sh"

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "setup: no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac
node_dir="$prefix/lib/node_modules/node-linux-$arch"
npm_cli="$prefix/lib/node_modules/npm/bin/npm-cli.js"

major_of() { "$prefix/bin/node" -p "$1.split('.')[0]" 2>/dev/null || true; }
installed() {
  [ -x "$prefix/bin/node" ] && [ -f "$npm_cli" ] && [ -f "$node_dir/include/node/node_version.h" ] &&
    [ "$(major_of process.versions.node)" = "$node_major" ] &&
    [ "$(major_of "require('$prefix/lib/node_modules/npm/package.json').version")" = "$npm_major" ]
}

if ! installed; then
  # Replace only a prefix of ours (an older Node.js, a broken install), never a folder of someone else's.
  if [ -n "$(ls -A "$prefix" 2>/dev/null)" ] && [ ! -f "$prefix/.berth" ]; then
    echo "setup: $prefix holds something else than Berth's Node.js; move it away or set BERTH_NODE_PREFIX" >&2
    exit 1
  fi
  if [ "$(id -u)" != 0 ] && ! mkdir -p "$(dirname "$prefix")" 2>/dev/null; then
    echo "setup: Node.js $node_major is missing; run this script as root to install it in $prefix" >&2
    exit 1
  fi
  # Any npm fetches the packages: Debian's (installed here when missing) or the one the machine has.
  if [ ! -x /usr/bin/npm ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  staging="$prefix.new"
  rm -rf "$staging"
  /usr/bin/npm install --global --prefix "$staging" --no-audit --no-fund --loglevel=error \
    "node-linux-$arch@$node_major" "npm@$npm_major"
  # Keep the machine's npm settings (registry, proxy, CA file, ...) for the new npm; the prefix and
  # the headers are the new Node's own.
  machine_npmrc=$(/usr/bin/npm config get globalconfig 2>/dev/null || true)
  mkdir -p "$staging/etc"
  if [ -n "$machine_npmrc" ] && [ -f "$machine_npmrc" ]; then
    grep -Ev '^[[:space:]]*(prefix|nodedir|globalconfig)[[:space:]]*=' "$machine_npmrc" >"$staging/etc/npmrc" || true
  fi
  echo "$marker" >"$staging/.berth"
  rm -rf "$prefix"
  mv "$staging" "$prefix"
fi

# npm takes its global prefix from the node binary's real folder (inside node-linux-<arch>). Its
# builtin config says instead: global packages under BIN_DIR's parent, so that their commands
# (`npm link`, `npm install -g`) land in BIN_DIR, on PATH; the settings kept above stay its own.
printf 'prefix=%s\nglobalconfig=%s\n' "$(dirname "$bin_dir")" "$prefix/etc/npmrc" >"$prefix/lib/node_modules/npm/npmrc"

mkdir -p "$bin_dir"
place() { # name, then the content of a wrapper script (none: a link to the prefix's binary)
  local target="$bin_dir/$1"
  if [ -e "$target" ] || [ -L "$target" ]; then
    if ! { [ "$(readlink "$target")" = "$prefix/bin/$1" ] || grep -qs "$marker" "$target"; }; then
      echo "setup: $target exists and is not Berth's; move it away or set BERTH_BIN_DIR" >&2
      exit 1
    fi
    rm -f "$target"
  fi
  if [ $# -eq 1 ]; then
    ln -s "$prefix/bin/$1" "$target"
  else
    printf '%s\n' "$2" >"$target"
    chmod 755 "$target"
  fi
}
# npm and npx run the prefix's node whatever PATH says, put it first on PATH for the scripts they
# run (`npm start` runs `node ...`), and build native addons against its headers: node-gyp reads
# npm_package_config_node_gyp_nodedir (its documented variable since npm 11), and it wins over a
# nodedir in the user's .npmrc (Debian's Node.js sets it to /usr, the headers of that Node.js).
wrapper() {
  cat <<EOF
#!/bin/sh
# $1 of Node.js $node_major from $prefix, $marker.
export PATH="$prefix/bin:\$PATH" npm_package_config_node_gyp_nodedir="$node_dir"
exec "$prefix/bin/node" "$prefix/lib/node_modules/npm/bin/$2" "\$@"
EOF
}
place node
place npm "$(wrapper npm npm-cli.js)"
place npx "$(wrapper npx npx-cli.js)"

echo "setup: Node.js $("$bin_dir/node" --version) and npm $("$bin_dir/npm" --version 2>/dev/null) in $prefix, linked from $bin_dir"
