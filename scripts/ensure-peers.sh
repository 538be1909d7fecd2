#!/usr/bin/env bash
# Installs the real peers the test suite runs against (Debian packages), when any is missing.
# Idempotent and quick when everything is present. Needs root (or sudo) only when it installs.
set -euo pipefail
PACKAGES=(
  python3-grpcio python3-protobuf protobuf-compiler   # gRPC C-core peer and protoc for its stubs
  nghttp2-client                                       # h2load for benchmarks
  python3-thrift thrift-compiler                       # Apache Thrift peers
  openssl                                              # certificates for the TLS and mutual-TLS tests
  etcd-server                                          # etcd for discovery tests (governance)
  redis-server                                         # Redis for the shared job queue (BullMQ) tests
  dnsmasq-base                                         # DNS server for DNS discovery tests (governance)
  chromium                                             # headless browser for the chat page test (driven by playwright-core)
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ensure-peers: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
