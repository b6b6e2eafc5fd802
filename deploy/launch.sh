#!/usr/bin/env bash
# Launch masklam on a Ray cluster with the cluster launcher.
#   deploy/launch.sh up     <aws|gcp|local>            start (or update) the cluster
#   deploy/launch.sh submit <aws|gcp|local> -- CMD...   run CMD as a Ray job, e.g. -- masklam train --config configs/x.yaml
#   deploy/launch.sh status <aws|gcp|local>            cluster status (nodes, resources)
#   deploy/launch.sh down   <aws|gcp|local>            tear it down
# Runs from the repository root so file_mounts ship this checkout.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RAY="${RAY:-ray}"

usage() { sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2; }

[[ $# -ge 2 ]] || usage
action="$1"; provider="$2"; shift 2
config="$ROOT/deploy/ray/$provider.yaml"
[[ -f "$config" ]] || { echo "launch.sh: no cluster config $config (choose aws, gcp or local)" >&2; exit 2; }
cd "$ROOT"

case "$action" in
  up)     exec "$RAY" up -y "$config" ;;
  down)   exec "$RAY" down -y "$config" ;;
  status) exec "$RAY" exec "$config" "ray status" ;;
  submit)
    [[ "${1:-}" == "--" ]] && shift
    [[ $# -ge 1 ]] || { echo "launch.sh submit: give the command after --" >&2; exit 2; }
    # the dashboard is forwarded to localhost:8265 for the duration of the job submission
    "$RAY" dashboard "$config" --port 8265 >/dev/null 2>&1 &
    fwd=$!
    trap 'kill $fwd 2>/dev/null || true' EXIT
    for _ in $(seq 30); do curl -sf http://127.0.0.1:8265/api/version >/dev/null 2>&1 && break; sleep 1; done
    "$RAY" job submit --address http://127.0.0.1:8265 --working-dir "$ROOT" \
      --runtime-env-json '{"excludes": [".venv", "runs", ".git"]}' -- "$@"
    ;;
  *) usage ;;
esac
