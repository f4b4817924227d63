#!/usr/bin/env bash
# Makes a Debian host ready for Berth and its tests: Node.js 24 with npm 11 (from the npm registry),
# a compiler for the native addon better-sqlite3, a running Docker engine, Debian's AWS CLI, boto3,
# skopeo, a static busybox (test images are built FROM scratch with it; nothing is pulled),
# iptables and openssl (task endpoints, SNS signing), and libfaketime, iproute2, curl, chromium and
# Debian's botocore (tests only).
# Idempotent: installs only what is missing and starts dockerd only when no engine answers.
#
# Node.js 24 goes to BERTH_NODE_PREFIX (/opt/berth/node), and node, npm and npx to BERTH_BIN_DIR
# (/usr/local/bin, which comes before Debian's /usr/bin on PATH), so that the README's
# `npm ci && npm start` and `npm test` run on Node 24 whatever Node.js Debian has.
set -euo pipefail

node_major=24
npm_major=11
node_prefix=${BERTH_NODE_PREFIX:-/opt/berth/node}
bin_dir=${BERTH_BIN_DIR:-/usr/local/bin}

missing=()
# node-gyp compiles better-sqlite3 from source: its prebuilt binaries are not on the npm registry.
{ command -v make && command -v g++; } >/dev/null 2>&1 || missing+=(build-essential)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
[ -x /usr/bin/aws ] || missing+=(awscli)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
# libfaketime: the lifecycle-policy test runs one Berth process days ahead to age its images.
dpkg -s faketime >/dev/null 2>&1 || missing+=(faketime)
# ip and curl: the security test calls Berth from a network namespace (a non-loopback address).
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# chromium: the web console's browser test drives Debian's chromium headless (puppeteer-core never downloads one).
[ -x /usr/bin/chromium ] || missing+=(chromium)
# boto3: the STS test calls Berth from Python as users do (any python3 on PATH with boto3 will do).
{ python3 -c 'import boto3' || /usr/bin/python3 -c 'import boto3'; } >/dev/null 2>&1 || missing+=(python3-boto3)
# Debian's botocore (and requests, which it imports): the task credentials test builds an image
# from these files and this python3 to show an unmodified botocore inside a task finds its role.
dpkg -s python3-botocore python3-requests >/dev/null 2>&1 || missing+=(python3-botocore python3-requests)
# iptables: agents route 169.254.170.2 (task credentials and metadata) to themselves, as ecs-init does.
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
# openssl: SNS makes its signing key and certificate with it at first start; tests make certificates.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: ${missing[*]} missing; run this script as root to install them" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

bash "$(dirname "$0")/setup-node.sh" "$node_major" "$npm_major" "$node_prefix" "$bin_dir"

if ! docker info >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: no Docker engine answers; start dockerd as root" >&2
    exit 1
  fi
  nohup dockerd >/var/log/berth-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "setup: dockerd did not come up; see /var/log/berth-dockerd.log" >&2; exit 1; }
fi
echo "setup: Docker $(docker version --format '{{.Server.Version}}') ready"
