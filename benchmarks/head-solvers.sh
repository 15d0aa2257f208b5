#!/usr/bin/env bash
# Heads that converge (issue 19): the head solvers side by side, scored on photos the run never saw.
#
# Variants (resnet18 cut at pool5, everything else the defaults):
#   default      tenni train                                        (--head-solver auto: L-BFGS, strength by
#                                                                    K-fold CV when the validation split is small)
#   chapter      tenni train --recipe chapter                       (20 epochs of Adam, batch 64, head at 10×)
#   split        tenni train --head-solver lbfgs --folds 0          (L2 strength chosen on the validation split)
#   refit        tenni train --head-solver lbfgs --folds 0 --refit  (then refitted on training + validation photos)
#   res5         tenni train --train-layers res5                    (few-photo fine-tuning: converged head first,
#                                                                    then res5 + head, best epoch by validation loss)
#   res5chapter  tenni train --recipe chapter --train-layers res5   (the chapter's recipe training res5 too)
# Each trained run is scored with `tenni predict --run RUN TEST --csv` (the run folder's final model,
# what predict uses by default); the chapter's run is also scored with its best/ model.
#
# Held-out photos (training folders are symlinks in a temp dir; the true class is the folder name):
#   OxfordPets37-half: 5 folds, fold k holds out the k-th photo (by name) of every class (37 photos)
#     and trains on the other 4 per class (148); every photo is tested once, 185 predictions in all.
#   PetImages-mini: every 4th photo (by name) of each class held out; trained on the rest with
#     --seed 1, 2 and 3 (seeds of the 70/30 training/validation split). Files tenni cannot read are
#     reported and not counted.
# One shared --cache-dir: a cold run of the default variant on the whole data folder extracts every
# photo once (its time is reported, and the same command again, warm); every measured run is warm.
# Within a fold/seed the variants run round-robin, the order rotating from one to the next.
#
# Usage: benchmarks/head-solvers.sh [OxfordPets37-half folder] [PetImages-mini folder]
#   (defaults ../shared/data/...; KEEP=1 keeps the temp dir with every run, log and prediction)
set -euo pipefail
cd "$(dirname "$0")/.."
oxford="$(realpath "${1:-../shared/data/OxfordPets37-half}")"
pets="$(realpath "${2:-../shared/data/PetImages-mini}")"
work="$(mktemp -d)"
if [[ -n "${KEEP:-}" ]]; then echo "keeping $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
dotnet build -c Release src/Tenni.Cli -v q -nologo >/dev/null
tenni() { dotnet src/Tenni.Cli/bin/Release/net10.0/Tenni.Cli.dll "$@"; }
variants=(default chapter split refit res5 res5chapter)
variant_args() {
  case "$1" in
    default | cold | warm) ;;
    chapter) echo --recipe chapter ;;
    split) echo --head-solver lbfgs --folds 0 ;;
    refit) echo --head-solver lbfgs --folds 0 --refit ;;
    res5) echo --train-layers res5 ;;
    res5chapter) echo --recipe chapter --train-layers res5 ;;
    res5cache) echo --train-layers res5 --epochs 1 ;;
  esac
}
runs="$work/runs.tsv"
printf 'dataset\tround\tvariant\twall_s\trun\n' > "$runs"

# The photos of a class folder, sorted by name (image extensions only: Thumbs.db is no photo).
photos() {
  find "$1" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.gif' \
    -o -iname '*.bmp' -o -iname '*.webp' \) -printf '%f\n' | LC_ALL=C sort
}

# split DATA OUT RULE K: class folders of symlinks, OUT/train/C and OUT/test/C; photo i (0-based) of a
# class is a test photo when RULE is "index" and i == K, or RULE is "every4" and i % 4 == 3.
split() {
  local data="$1" out="$2" rule="$3" k="$4" dir class i f side
  for dir in "$data"/*/; do
    class="$(basename "$dir")"
    mkdir -p "$out/train/$class" "$out/test/$class"
    i=0
    while IFS= read -r f; do
      side=train
      if [[ $rule == index && $i -eq $k ]] || [[ $rule == every4 && $((i % 4)) -eq 3 ]]; then side=test; fi
      ln -s "$dir$f" "$out/$side/$class/$f"
      i=$((i + 1))
    done < <(photos "$dir")
  done
}

# train DATASET ROUND VARIANT DATA SEED [TEST]: one timed `tenni train`, then predictions on TEST.
train() {
  local dataset="$1" round="$2" variant="$3" data="$4" seed="$5" test="${6:-}" out start end
  out="$work/runs/$dataset-$round-$variant"
  mkdir -p "$work/runs"
  start=$(date +%s.%N)
  # shellcheck disable=SC2046
  tenni train --data "$data" --cache-dir "$work/cache" --out "$out" --seed "$seed" $(variant_args "$variant") > "$out.txt" 2>&1
  end=$(date +%s.%N)
  printf '%s\t%s\t%s\t%s\t%s\n' "$dataset" "$round" "$variant" "$(echo "$end - $start" | bc)" "$out" >> "$runs"
  if [[ -n $test ]]; then
    tenni predict --run "$out" "$test" --csv > "$out.csv" 2> "$out.predict.txt"
    if [[ $variant == chapter || $variant == res5chapter ]]; then
      tenni predict --run "$out/best" "$test" --csv > "$out.best.csv" 2> "$out.best.predict.txt"
    fi
  fi
}

# round DATASET ROUND DATA SEED TEST R: every variant once, the order rotated by R.
round() {
  local r="$6" j
  local n=${#variants[@]}
  for ((j = 0; j < n; j++)); do
    train "$1" "$2" "${variants[$(((j + r) % n))]}" "$3" "$4" "$5"
  done
  echo "  $1 $2 done" >&2
}

started="$(date -u '+%Y-%m-%d %H:%M') UTC"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "OxfordPets37-half: cold and warm runs on all 185 photos, then 5 folds" >&2
train oxford all cold "$oxford" 1
train oxford all warm "$oxford" 1
train oxford all res5cache "$oxford" 1 # fills the cache of res5's input (res4's output) for every photo
for k in 0 1 2 3 4; do
  split "$oxford" "$work/oxford-fold$k" index "$k"
  round oxford "fold$((k + 1))" "$work/oxford-fold$k/train" 1 "$work/oxford-fold$k/test" "$k"
done
echo "PetImages-mini: cold and warm runs on the whole folder, then 3 seeds" >&2
train pets all cold "$pets" 1
train pets all warm "$pets" 1
train pets all res5cache "$pets" 1
split "$pets" "$work/pets" every4 0
for seed in 1 2 3; do
  round pets "seed$seed" "$work/pets/train" "$seed" "$work/pets/test" "$((seed - 1))"
done

echo "# $started, $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "# data: $oxford, $pets"
python3 - "$runs" <<'PY'
import csv, json, os, re, statistics, sys
from collections import defaultdict

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))

def read_run(row):
    run = row["run"]
    text = open(run + ".txt").read()
    log = json.load(open(os.path.join(run, "log")))
    done = re.search(r"at epoch \d+ of \d+, ([0-9.]+) s; run folder", text)
    chosen = re.search(r"L-BFGS chose l2 = ([0-9.eE+-]+)", text) or re.search(r"as loaded: l2 = ([0-9.eE+-]+)", text)
    kept = re.search(r"fine-tune: kept epoch (\d+)", text)
    baseline = "did not lower the validation loss of the converged head" in text
    split = re.search(r"split: .*: (\d+) training, (\d+) validation images", text)
    return {
        "wall": float(row["wall_s"]),
        "run": float(done.group(1)) if done else float("nan"),      # in-process: scan, load, fit, save
        "head": log[-1]["elapsed_time"],                             # the training loop (log's last entry)
        "l2": chosen.group(1) if chosen else "",
        "solver": re.search(r"^head: ([^:]+):", text, re.M).group(1),
        "train": int(split.group(1)), "val": int(split.group(2)),
        "epochs": len(log), "kept": kept.group(1) if kept else ("0" if baseline else ""),
    }

def score(path):
    correct = tested = unreadable = 0
    for rec in csv.DictReader(open(path)):
        if rec["error"]:
            unreadable += 1
        elif rec["rank"] == "1":
            tested += 1
            correct += rec["class"] == os.path.basename(os.path.dirname(rec["path"]))
    return correct, tested, unreadable

names = {"default": "(1) default `tenni train`", "chapter": "(2) `--recipe chapter`",
         "chapter/best": "(2b) `--recipe chapter`, scored with best/", "split": "(3) `--head-solver lbfgs --folds 0`",
         "refit": "(4) `--head-solver lbfgs --folds 0 --refit`", "res5": "(5) `--train-layers res5`",
         "res5chapter": "(6) `--recipe chapter --train-layers res5`", "res5chapter/best": "(6b) `--recipe chapter --train-layers res5`, scored with best/"}
med = statistics.median

def epochs_run(infos):  # log entries per run, and the epoch kept by few-photo fine-tuning (0: the converged head)
    return ", ".join(str(i["epochs"]) + (" (" + i["kept"] + ")" if i["kept"] else "") for i in infos)
for dataset, title in (("oxford", "OxfordPets37-half, 5 folds (train 148 = 111 + 37 validation, test 37 each)"),
                       ("pets", "PetImages-mini, every 4th photo held out, seeds 1, 2, 3")):
    runs = [r for r in rows if r["dataset"] == dataset]
    cold = {r["variant"]: read_run(r) for r in runs if r["round"] == "all"}
    print(f"\n## {title}\n")
    print(f"cold (default variant on the whole folder, empty cache: every photo extracted): {cold['cold']['wall']:.1f} s wall; "
          f"the same warm: {cold['warm']['wall']:.1f} s; extraction ≈ {cold['cold']['wall'] - cold['warm']['wall']:.1f} s\n")
    measured = defaultdict(dict)  # variant -> round -> (info, score)
    for r in runs:
        if r["round"] == "all":
            continue
        info = read_run(r)
        measured[r["variant"]][r["round"]] = (info, score(r["run"] + ".csv"))
        if r["variant"] in ("chapter", "res5chapter"):
            measured[r["variant"] + "/best"][r["round"]] = (info, score(r["run"] + ".best.csv"))
    rounds = sorted(measured["default"])
    unread = {s[2] for v in measured.values() for _, s in v.values()}
    sample = next(iter(measured["default"].values()))[0]
    print(f"split inside each run: {sample['train']} training, {sample['val']} validation photos; "
          f"files predict could not read (not counted): {sorted(unread)}\n")
    print(f"| variant | head solver | top-1 held out | per {'fold' if dataset == 'oxford' else 'seed'} ({', '.join(rounds)}) "
          f"| wall, median | in-process run, median | training loop (log), median | vs chapter wall, median of pairs | chosen l2 | epochs run (kept) |")
    print("|---|---|---:|---|---:|---:|---:|---:|---|---|")
    for variant in ("default", "chapter", "chapter/best", "split", "refit", "res5", "res5chapter", "res5chapter/best"):
        per = measured[variant]
        correct = sum(per[k][1][0] for k in rounds)
        tested = sum(per[k][1][1] for k in rounds)
        each = ", ".join(f"{per[k][1][0] / per[k][1][1]:.1%}" for k in rounds)
        infos = [per[k][0] for k in rounds]
        if variant.endswith("/best"):
            print(f"| {names[variant]} | {infos[0]['solver']} | {correct}/{tested} = **{correct / tested:.1%}** | {each} | (same run) | | | | | |")
            continue
        pairs = med([per[k][0]["wall"] - measured["chapter"][k][0]["wall"] for k in rounds])
        l2s = ", ".join(i["l2"] for i in infos if i["l2"]) or "–"
        print(f"| {names[variant]} | {infos[0]['solver']} | {correct}/{tested} = **{correct / tested:.1%}** | {each} "
              f"| {med(i['wall'] for i in infos):.1f} s | {med(i['run'] for i in infos):.1f} s | {med(i['head'] for i in infos):.2f} s "
              f"| {pairs:+.1f} s | {l2s} | {epochs_run(infos)} |")
    refit_cost = med([measured["refit"][k][0]["run"] - measured["split"][k][0]["run"] for k in rounds])
    print(f"\nrefit's extra fit (in-process run time, refit − split, median of pairs): {refit_cost:+.2f} s")
PY
