#!/usr/bin/env bash
# Installs the Debian packages Spool needs to build and test, and only those that are
# missing. Safe to re-run: when everything is present it changes nothing and asks no
# registry. Runs apt-get directly as root, through sudo otherwise.
set -euo pipefail

packages=(
  cmake g++ ninja-build pkg-config
  libsqlite3-dev libsqlitecpp-dev sqlite3
  nlohmann-json3-dev libfmt-dev libuv1-dev libcurl4-openssl-dev
  libcli11-dev libutfcpp-dev libsimdjson-dev libtomlplusplus-dev libssl-dev
  catch2
  gnuplot-nox
  clang libclang-rt-14-dev valgrind tzdata
)

# Node.js runs the test tools (ajv, tsc). Many machines have it from elsewhere; Debian's
# nodejs and npm packages are the fallback.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
