#!/usr/bin/env bash
# The chapter's recipe end to end with `tenni train` defaults (cold activation cache), side by side:
# --precision auto (the default), --precision fp32 (Tenni's own float32 kernels where the CPU has AVX-512),
# --precision fp32 in libtorch (TENNI_FP32_KERNELS=libtorch), ML.NET's ResNet18 featurizer + L-BFGS on the
# same photos (benchmarks/MlNetRecipe: the issue's yardstick), and optionally another commit of Tenni (the
# baseline, built in a temporary worktree), round-robin over ROUNDS rounds; wall time, peak RSS
# (VmHWM via /usr/bin/time) and best validation accuracy of each run; medians and ratios at the end.
# Usage: benchmarks/speed-recipe.sh [data folder] [rounds] [baseline commit]
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data/PetImages-mini}"
rounds="${2:-3}"
baseline="${3:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"; [ -n "$baseline" ] && git worktree remove --force "$work-baseline" 2>/dev/null || true' EXIT
dotnet build -c Release src/Tenni.Cli -v q -nologo >/dev/null
dotnet build -c Release benchmarks/MlNetRecipe -v q -nologo >/dev/null
here="src/Tenni.Cli/bin/Release/net10.0/Tenni.Cli.dll"
declare -A cli=([auto]="$here" [fp32]="$here" [fp32-libtorch]="$here")
declare -A extra=([auto]="" [fp32]="--precision fp32" [fp32-libtorch]="--precision fp32")
declare -A envs=([auto]="" [fp32]="" [fp32-libtorch]="TENNI_FP32_KERNELS=libtorch")
variants=(auto fp32 fp32-libtorch mlnet)
if [ -n "$baseline" ]; then
  git worktree add --detach "$work-baseline" "$baseline" >/dev/null 2>&1
  dotnet build -c Release "$work-baseline/src/Tenni.Cli" -v q -nologo -p:CreateHardLinksForCopyLocalIfPossible=true >/dev/null
  cli[baseline]="$work-baseline/src/Tenni.Cli/bin/Release/net10.0/Tenni.Cli.dll"; extra[baseline]=""; envs[baseline]=""; variants+=(baseline)
fi
echo "# $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), data $data, $rounds rounds"
echo "| round | variant | wall | peak RSS | best validation accuracy |"
echo "|---|---|---:|---:|---|"
for round in $(seq 1 "$rounds"); do
  n=${#variants[@]}
  for k in $(seq 0 $((n - 1))); do
    v=${variants[$(( (k + round) % n ))]}
    rm -rf "$work/cache" "$work/run"
    if [ "$v" = mlnet ]; then
      /usr/bin/time -f "%e %M" -o "$work/time" dotnet benchmarks/MlNetRecipe/bin/Release/net10.0/MlNetRecipe.dll "$data" > "$work/out" 2>&1
      acc=$(grep -o "validation accuracy [0-9.]*" "$work/out" | head -1 | awk "{print \$3}")
    else
      env ${envs[$v]} /usr/bin/time -f "%e %M" -o "$work/time" dotnet "${cli[$v]}" train --data "$data" --cache-dir "$work/cache" --out "$work/run" ${extra[$v]} > "$work/out" 2>&1
      acc=$(grep -o "best validation accuracy [0-9.]*" "$work/out" | head -1 | awk "{print \$4}")
    fi
    read -r wall rss < "$work/time"
    echo "$v $wall $rss $acc" >> "$work/results"
    printf '| %s | %s | %.1f s | %.0f MB | %s |\n' "$round" "$v" "$wall" "$(echo "$rss / 1024" | bc -l)" "$acc"
  done
done
echo
echo "| variant | median wall | speed vs ML.NET (its wall ÷ this) | median peak RSS |"
echo "|---|---:|---:|---:|"
mlnet=$(awk '$1 == "mlnet" {print $2}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
for v in "${variants[@]}"; do
  w=$(awk -v v="$v" '$1 == v {print $2}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
  r=$(awk -v v="$v" '$1 == v {print $3}' "$work/results" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
  printf '| %s | %.1f s | %.2f× | %.0f MB |\n' "$v" "$w" "$(echo "$mlnet / $w" | bc -l)" "$(echo "$r / 1024" | bc -l)"
done
