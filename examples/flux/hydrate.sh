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

# The generator's warnings: kustomize drops a plugin's stderr on success, so the plugin also appends
# them to this file and `kustomize-zymtrace hydrate` prints them as a summary. ZYMTRACE_WARNINGS=error
# turns them into errors instead.
export ZYMTRACE_WARNINGS_FILE
ZYMTRACE_WARNINGS_FILE=$(mktemp)
trap 'rm -f "$ZYMTRACE_WARNINGS_FILE"' EXIT

render() {  # $1: target directory; fails (status 1) with the tools' messages on stderr
  local stream
  stream=$(mktemp)
  trap 'rm -f "$stream"' RETURN
  kubectl kustomize --enable-alpha-plugins "$overlay" > "$stream" || return 1
  kustomize-zymtrace hydrate --layout stages -o "$1" "$stream" || return 1
}

if $check; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch" "$ZYMTRACE_WARNINGS_FILE"' EXIT
  if ! render "$scratch/out" 2> "$scratch/log"; then
    echo "render failed: $overlay could not be rendered, so $out cannot be checked:" >&2
    cat "$scratch/log" >&2
    exit 1
  fi
  if ! diff -r "$scratch/out" "$out" > "$scratch/diff"; then
    echo "drift: $out is not what $overlay renders; run: $0 $overlay $out" >&2
    cat "$scratch/diff" >&2
    exit 1
  fi
  echo "no drift: $out matches $overlay"
else
  render "$out"
fi
