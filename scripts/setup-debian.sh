#!/usr/bin/env bash
# Makes a Debian host ready for Berth and its tests: a running Docker engine, Debian's AWS CLI,
# boto3, skopeo, a static busybox (test images are built FROM scratch with it; nothing is pulled) and
# libfaketime, iproute2 and curl (tests only).
# Idempotent: installs only what is missing and starts dockerd only when no engine answers.
set -euo pipefail

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
[ -x /usr/bin/aws ] || missing+=(awscli)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
# libfaketime: the lifecycle-policy test runs one Berth process days ahead to age its images.
dpkg -s faketime >/dev/null 2>&1 || missing+=(faketime)
# ip and curl: the security test calls Berth from a network namespace (a non-loopback address).
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# boto3: the STS test calls Berth from Python as users do (any python3 on PATH with boto3 will do).
{ python3 -c 'import boto3' || /usr/bin/python3 -c 'import boto3'; } >/dev/null 2>&1 || missing+=(python3-boto3)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: ${missing[*]} missing; run this script as root to install them" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

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
