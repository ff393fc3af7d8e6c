# nanoGPT's CPU configuration of character-level Shakespeare (its README: 4 layers, 4 heads, 128
# wide, context 64, batch 12, no dropout; its train.py: no biases, AdamW beta2 0.99 and weight
# decay 0.1 on matrices, gradient clipping at 1, cosine decay to 1e-4 after a linear warmup) for
# attend and for the same model in PyTorch (bench/gpt_pytorch.py). Sourced by gpt_bench.sh and
# gpt_loss_seeds.sh, which set REPO, DATA, TORCH_PYTHON and attend.

# nanogpt_warmup ITERS: nanoGPT's 100 warmup iterations, a twentieth of a run shorter than 1,000
# (smoke runs).
nanogpt_warmup() {
  echo $(($1 < 1000 ? $1 / 20 : 100))
}

# nanogpt_attend THREADS ITERS EVAL_BATCHES LR ARGS...: `attend train` for ITERS iterations,
# validated once at the end on EVAL_BATCHES batches; ARGS (--out, --seed, ...) are added.
nanogpt_attend() {
  local threads=$1 iters=$2 eval_batches=$3 lr=$4
  shift 4
  "$attend" --threads "$threads" train --model gpt --data "$DATA" --layers 4 --heads 4 \
    --width 128 --context 64 --dropout 0 --batch-size 12 --bias false --max-steps "$iters" \
    --eval-interval "$iters" --eval-batches "$eval_batches" --sample-tokens 0 --optimizer adamw \
    --lr "$lr" --beta2 0.99 --weight-decay 0.1 --schedule cosine \
    --warmup "$(nanogpt_warmup "$iters")" --min-lr 1e-4 --clip-norm 1 --progress off "$@"
}

# nanogpt_pytorch ITERS EVAL_BATCHES LR ARGS...: the same in PyTorch, one JSON line out.
nanogpt_pytorch() {
  local iters=$1 eval_batches=$2 lr=$3
  shift 3
  "$TORCH_PYTHON" "$REPO/bench/gpt_pytorch.py" --data "$DATA" --iters "$iters" \
    --warmup "$(nanogpt_warmup "$iters")" \
    --eval-iters "$eval_batches" --lr "$lr" --no-bias "$@"
}

# attend_valid_loss RUN_DIR: the last validation loss in RUN_DIR/metrics.jsonl, 4 decimals.
attend_valid_loss() {
  python3 -c 'import json,sys; print("%.4f" % [json.loads(l) for l in open(sys.argv[1]) if "\"valid\"" in l][-1]["loss"])' \
    "$1/metrics.jsonl"
}
