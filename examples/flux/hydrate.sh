#!/usr/bin/env bash
# Hydrate an overlay into plain YAML for Flux, one directory per apply stage.
#
#   examples/flux/hydrate.sh OVERLAY OUT_DIR          write (or refresh) OUT_DIR
#   examples/flux/hydrate.sh --check OVERLAY OUT_DIR  exit 1 if OUT_DIR is not what OVERLAY renders (CI drift check)
#
# Needs kubectl (kustomize inside) and kustomize-zymtrace on PATH. Flux cannot run generator plugins,
# so CI runs this and commits OUT_DIR; Flux applies the plain YAML.
set -euo pipefail
check=false
if [ "${1:-}" = "--check" ]; then check=true; shift; fi
if [ $# -ne 2 ]; then echo "usage: $0 [--check] OVERLAY OUT_DIR" >&2; exit 2; fi
overlay=$1 out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
export KUSTOMIZE_PLUGIN_HOME="${KUSTOMIZE_PLUGIN_HOME:-$root/plugin}"

render() {  # $1: target directory
  local stream
  stream=$(mktemp)
  trap 'rm -f "$stream"' RETURN
  kubectl kustomize --enable-alpha-plugins "$overlay" > "$stream"
  kustomize-zymtrace hydrate --layout stages -o "$1" "$stream"
}

if $check; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  render "$scratch/out" 2>/dev/null
  if ! diff -r "$scratch/out" "$out" > "$scratch/diff"; then
    echo "drift: $out is not what $overlay renders; run: $0 $overlay $out" >&2
    cat "$scratch/diff" >&2
    exit 1
  fi
  echo "no drift: $out matches $overlay"
else
  render "$out"
fi
