#!/usr/bin/env bash
# Every bad command line in one table. Each row is a command that must fail with exit code 2 and
# exactly one line of output, "error: ...", containing the row's expected text (the option, file or
# value at fault) — no crash, no hang (timeout 60 s per row), and no file written or changed: the
# prepared runs and files are checksummed before and after the whole table, and each row runs in
# an empty directory that must still be empty afterwards (a train row without --out would write
# runs/MODEL-DATA there).
#
# Completeness is enforced. The script reads the root's --help, then every subcommand's (and their
# subcommands'), and fails unless each option or positional that takes a value has a row of every
# kind it needs. A row's first column names what it covers as COMMAND:OPTION:KIND, where COMMAND is
# the subcommand path ("" for the root's options) and KIND is
#   type        INT/UINT/FLOAT options: a value of the wrong type (--lr abc)
#   range       a documented range (INT in [1 - 1000], POSITIVE): a value outside it (--epochs 0)
#   choice      a documented set ({adam,adamw,sgd}): a value not in it
#   missing     FILE options: a path that does not exist
#   unreadable  FILE options: a path that cannot be read as one (as root, chmod 000 does not stop a
#               read, so: a directory where a file is expected)
#   required    REQUIRED options and positionals: left out
#   value       any other option or positional that takes a value: at least one bad value
# Model hyperparameters are TEXT in --help; their kind comes from the default in their help: [128]
# a number (type and range), [false] a boolean (type), [lstm] a choice. Flags are exempt. Rows of
# other kinds (a checkpoint of another model, garbage contents, ...) are welcome and not required.
# So when you add an option, this test fails until you add its rows to the table below.
# Usage: test_bad_input_cli.sh PATH/TO/attend
set -u
attend=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")  # rows run in another directory
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
R=$tmp/prepared  # everything the rows may read; checksummed around the table
cwd=$tmp/cwd     # where each row runs; must stay empty
mkdir -p "$R" "$cwd"

# --- prepared runs and files (the tiniest settings) ------------------------------------------
prepare() {  # prepare COMMAND...: must succeed
  local out
  out=$("$attend" "$@" 2>&1 </dev/null) || { echo "FAIL: preparing: attend $*"; echo "$out" | tail -5; exit 1; }
}
prepare train --model seq2seq --embedding 8 --hidden 8 --batch-size 32 --max-steps 1 --eval-examples 2 \
  --max-decode-length 4 --samples 0 --progress off --out "$R/s2s"
prepare train --model transformer --data toy-summarization --d-model 8 --heads 1 --feedforward 8 \
  --encoder-layers 1 --decoder-layers 1 --max-steps 1 --batch-size 16 --eval-examples 2 \
  --max-decode-length 4 --samples 0 --progress off --out "$R/sum"
prepare train --model gat --data karate --epochs 1 --progress off --out "$R/gat"
prepare train --model gat-graph --data toy-motifs --hidden 2 --heads 1 --layers 1 --max-steps 1 \
  --progress off --out "$R/gg"
# A speech model needs audio support; without it the rows that read its checkpoint are left out.
audio=false
"$attend" version | grep -q '^audio: on' && audio=true
$audio && prepare train --model las --data toy-digits --digits singles --listener-hidden 2 --levels 1 \
  --hidden 4 --embedding 2 --attention-dim 2 --location-filters 1 --location-width 3 --max-steps 1 \
  --batch-size 16 --eval-examples 2 --max-decode-length 4 --samples 0 --progress off --out "$R/las"
mkdir -p "$R/dir" "$R/fake-cora/linqs"                                   # directories, not files
printf 'The cat sleeps.\tLe chat dort.\n' >"$R/good.tsv"                 # a valid data file
for i in $(seq 20); do printf 'cat %d\tchat %d\n' "$i" "$i"; done >"$R/twenty.tsv"  # enough to split
printf 'this is text, not a checkpoint\n' >"$R/text.txt"
for i in $(seq 64); do printf '\x93\x00\xff\x07\xc3\x28\x80\x01'; done >"$R/garbage.bin"
cp "$R/garbage.bin" "$R/garbage.tsv"                                     # binary under a data name
cp "$R/s2s/best.safetensors" "$R/checkpoint.tsv"                         # a checkpoint as data
head -c 1000 "$R/s2s/best.safetensors" >"$R/truncated.safetensors"
# A valid safetensors file that attend train did not write: one tensor, no model config.
header=$(printf '%-64s' '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}')  # 64 bytes
{ printf '\x40\x00\x00\x00\x00\x00\x00\x00%s' "$header"; printf '\x00\x00\x80\x3f'; } >"$R/foreign.safetensors"
mkdir -p "$R/broken-run"                                                 # a run whose last checkpoint is cut short
cp "$R/s2s/config.toml" "$R/broken-run/"
head -c 5000 "$R/s2s/last.safetensors" >"$R/broken-run/last.safetensors"
printf '[train]\nno-such-option = 3\n' >"$R/unknown-key.toml"
printf '[no-such-command]\nepochs = 3\n' >"$R/unknown-section.toml"
printf '[train]\nepochs = "abc"\n' >"$R/bad-value.toml"

# --- the table ---------------------------------------------------------------------------------
keys=() wants=() cmds=()
row() {  # row COMMAND:OPTION:KIND EXPECTED_TEXT ARGS...
  local a
  if ! $audio; then for a in "$@"; do [[ $a == "$las" ]] && return; done; fi
  keys+=("$1"); wants+=("$2"); shift 2
  if [[ $# -eq 0 ]]; then cmds+=(""); else cmds+=("$(printf '%q ' "$@")"); fi
}
las=$R/las/best.safetensors
s2s=$R/s2s/best.safetensors sum=$R/sum/best.safetensors gat=$R/gat/best.safetensors gg=$R/gg/best.safetensors
G=(--model gat)  # the fastest model, for rows that need train to get past parsing
files=(--train-file "$R/good.tsv" --valid-file "$R/good.tsv" --test-file "$R/good.tsv")

# the root
row ':(command):required'       'a command is required'   # nothing at all
row ':(command):value'          "'no-such-command'"       no-such-command
row ':--threads:type'           '--threads'               --threads abc version
row ':--threads:range'          '--threads'               --threads 0 version
row ':--config:missing'         "$R/no-such.toml"         --config "$R/no-such.toml" train
row ':--config:unreadable'      "$R/dir"                  --config "$R/dir" train
row ':--config:value'           "$R/text.txt"             --config "$R/text.txt" train "${G[@]}"
row ':--config:value'           "$R/garbage.bin"          --config "$R/garbage.bin" train "${G[@]}"
row ':--config:value'           'no-such-option'          --config "$R/unknown-key.toml" train "${G[@]}"
row ':--config:value'           'no-such-command'         --config "$R/unknown-section.toml" train "${G[@]}"
row ':--config:type'            '--epochs'                --config "$R/bad-value.toml" train "${G[@]}"
row 'version:--bogus:value'     '--bogus'                 version --bogus

# train: what to train on and where
row 'train:--model:choice'      '--model'                 train --model lstm
row 'train:--data:value'        'no-such-dataset'         train --data no-such-dataset
row 'train:--data:missing'      "$R/no-such-dir"          train "${G[@]}" --data "$R/no-such-dir"
row 'train:--data:unreadable'   "$R/fake-cora"            train "${G[@]}" --data "$R/fake-cora"
row 'train:--data:value'        'karate'                  train --model gat-graph --data karate
row 'train:--data:value'        'toy-motifs'              train "${G[@]}" --data toy-motifs
row 'train:--data:value'        '--data'                  train --data toy-en-fr "${files[@]}"
row 'train:--train-file:missing'    "$R/no-such.tsv"      train --train-file "$R/no-such.tsv"
row 'train:--train-file:unreadable' "$R/dir"              train --train-file "$R/dir"
row 'train:--train-file:value'  "$R/checkpoint.tsv:1"     train --train-file "$R/checkpoint.tsv" --valid-file "$R/good.tsv" --test-file "$R/good.tsv"
row 'train:--train-file:value'  '--valid-file'            train --train-file "$R/good.tsv"
row 'train:--train-file:value'  '--train-file'            train "${G[@]}" "${files[@]}"
row 'train:--valid-file:missing'    "$R/no-such.tsv"      train --valid-file "$R/no-such.tsv"
row 'train:--valid-file:unreadable' "$R/dir"              train --valid-file "$R/dir"
row 'train:--valid-file:value'  "$R/garbage.tsv:1"        train --train-file "$R/good.tsv" --valid-file "$R/garbage.tsv" --test-file "$R/good.tsv"
row 'train:--test-file:missing'     "$R/no-such.tsv"      train --test-file "$R/no-such.tsv"
row 'train:--test-file:unreadable'  "$R/dir"              train --test-file "$R/dir"
row 'train:--test-file:value'   "$s2s"                    train --train-file "$R/good.tsv" --valid-file "$R/good.tsv" --test-file "$s2s"
row 'train:--out:value'         'exists; pass --overwrite' train "${G[@]}" --out "$R/gat"
row 'train:--out:value'         '--out'                   train "${G[@]}" --out ''
row 'train:--out:unreadable'    "$R/text.txt"             train "${G[@]}" --out "$R/text.txt/run"
row 'train:--overwrite:value'   'dropout'                 train "${G[@]}" --out "$R/gat" --overwrite --dropout 1.5
row 'train:--overwrite:value'   'no-such-dir'             train "${G[@]}" --out "$R/gat" --overwrite --data "$R/no-such-dir"
row 'train:--resume:missing'    'last.safetensors'        train --resume --out "$R/no-such-run"
row 'train:--resume:value'      'toy-fr-en'               train --resume --out "$R/s2s" --data toy-fr-en
row 'train:--resume:value'      'hidden'                  train --resume --out "$R/s2s" --hidden 16
row 'train:--resume:value'      'karate'                  train --resume --out "$R/gat" --data toy-citation
row 'train:--resume:value'      '--runs'                  train --resume --out "$R/s2s" --runs 2
row 'train:--resume:unreadable' "$R/broken-run/last.safetensors" train --resume --out "$R/broken-run"
row 'train:--seed:type'         '--seed'                  train --seed abc
row 'train:--seed:type'         '--seed'                  train --seed -1
row 'train:--runs:type'         '--runs'                  train --runs two
row 'train:--runs:range'        '--runs'                  train --runs 0

# train: model hyperparameters (checked against the model's declared type and range)
row 'train:--cell:choice'           "'cell'"              train --cell transformer
row 'train:--embedding:type'        "'embedding'"         train --embedding 1.5
row 'train:--embedding:range'       "'embedding'"         train --embedding 0
row 'train:--hidden:type'           "'hidden'"            train --hidden many
row 'train:--hidden:range'          "'hidden'"            train "${G[@]}" --hidden 100000
row 'train:--layers:type'           "'layers'"            train --layers one
row 'train:--layers:range'          "'layers'"            train --layers 0
row 'train:--bidirectional:type'    "'bidirectional'"     train --bidirectional maybe
row 'train:--attention:choice'      "'attention'"         train --attention cosine
row 'train:--attention:value'       '--attention'         train "${G[@]}" --attention dot
row 'train:--input-feeding:type'    "'input-feeding'"     train --input-feeding 2
row 'train:--dropout:type'          "'dropout'"           train --dropout high
row 'train:--dropout:range'         "'dropout'"           train --dropout 1.5
row 'train:--dropout:range'         "'dropout'"           train --dropout nan
row 'train:--d-model:type'          "'d-model'"           train --model transformer --d-model wide
row 'train:--d-model:range'         "'d-model'"           train --model transformer --d-model 0
row 'train:--heads:type'            "'heads'"             train --model transformer --heads 2.5
row 'train:--heads:range'           "'heads'"             train "${G[@]}" --heads 0
row 'train:--heads:value'           'heads 3'             train --model transformer --d-model 16 --heads 3
row 'train:--feedforward:type'      "'feedforward'"       train --model transformer --feedforward x
row 'train:--feedforward:range'     "'feedforward'"       train --model transformer --feedforward -4
row 'train:--encoder-layers:type'   "'encoder-layers'"    train --model transformer --encoder-layers x
row 'train:--encoder-layers:range'  "'encoder-layers'"    train --model transformer --encoder-layers 0
row 'train:--decoder-layers:type'   "'decoder-layers'"    train --model transformer --decoder-layers x
row 'train:--decoder-layers:range'  "'decoder-layers'"    train --model transformer --decoder-layers 65
row 'train:--norm-first:type'       "'norm-first'"        train --model transformer --norm-first sometimes
row 'train:--tie-embeddings:type'   "'tie-embeddings'"    train --model transformer --tie-embeddings sometimes
row 'train:--max-length:type'       "'max-length'"        train --model transformer --max-length long
row 'train:--max-length:range'      "'max-length'"        train --model transformer --max-length 0
row 'train:--out-heads:type'        "'out-heads'"         train "${G[@]}" --out-heads x
row 'train:--out-heads:range'       "'out-heads'"         train "${G[@]}" --out-heads 0
row 'train:--negative-slope:type'   "'negative-slope'"    train "${G[@]}" --negative-slope steep
row 'train:--negative-slope:range'  "'negative-slope'"    train "${G[@]}" --negative-slope nan
row 'train:--value-dropout:type'    "'value-dropout'"     train "${G[@]}" --value-dropout half
row 'train:--value-dropout:range'   "'value-dropout'"     train "${G[@]}" --value-dropout 1
row 'train:--v2:type'               "'v2'"                train "${G[@]}" --v2 yes-please
row 'train:--input-linear:type'     "'input-linear'"      train --model gat-graph --input-linear 3
row 'train:--pooling:choice'        "'pooling'"           train --model gat-graph --pooling sum

# train: optimisation, evaluation, logging
row 'train:--epochs:type'           '--epochs'            train --epochs ten
row 'train:--epochs:range'          '--epochs'            train --epochs 0
row 'train:--max-steps:type'        '--max-steps'         train --max-steps 1.5
row 'train:--max-steps:range'       '--max-steps'         train --max-steps -1
row 'train:--batch-size:type'       '--batch-size'        train --batch-size 1.5
row 'train:--batch-size:range'      '--batch-size'        train --batch-size 0
row 'train:--optimizer:choice'      '--optimizer'         train --optimizer rmsprop
row 'train:--lr:type'               '--lr'                train --lr abc
row 'train:--lr:range'              '--lr'                train --lr -1
row 'train:--lr:range'              '--lr'                train --lr nan
row 'train:--weight-decay:type'     '--weight-decay'      train --weight-decay x
row 'train:--weight-decay:range'    '--weight-decay'      train --weight-decay -0.1
row 'train:--weight-decay:range'    '--weight-decay'      train --weight-decay nan
row 'train:--momentum:type'         '--momentum'          train --momentum x
row 'train:--momentum:range'        '--momentum'          train --momentum 1.5
row 'train:--momentum:range'        '--momentum'          train --momentum nan
row 'train:--schedule:choice'       '--schedule'          train --schedule linear
row 'train:--warmup:type'           '--warmup'            train --warmup x
row 'train:--warmup:range'          '--warmup'            train --warmup -1
row 'train:--lr-step-epochs:type'   '--lr-step-epochs'    train --lr-step-epochs x
row 'train:--lr-step-epochs:range'  '--lr-step-epochs'    train --lr-step-epochs 0
row 'train:--lr-gamma:type'         '--lr-gamma'          train --lr-gamma x
row 'train:--lr-gamma:range'        '--lr-gamma'          train --lr-gamma 2
row 'train:--lr-gamma:range'        '--lr-gamma'          train --lr-gamma nan
row 'train:--clip-norm:type'        '--clip-norm'         train --clip-norm x
row 'train:--clip-norm:range'       '--clip-norm'         train --clip-norm -1
row 'train:--clip-norm:range'       '--clip-norm'         train --clip-norm nan
row 'train:--clip-value:type'       '--clip-value'        train --clip-value x
row 'train:--clip-value:range'      '--clip-value'        train --clip-value -1
row 'train:--clip-value:range'      '--clip-value'        train --clip-value nan
row 'train:--metric:value'          'bogus'               train --metric bogus
row 'train:--metric:value'          "'bleu'"              train "${G[@]}" --metric bleu
row 'train:--patience:type'         '--patience'          train --patience x
L=(--model las)  # its own hyperparameters
row 'train:--listener-hidden:type'  "'listener-hidden'"   train "${L[@]}" --listener-hidden wide
row 'train:--listener-hidden:range' "'listener-hidden'"   train "${L[@]}" --listener-hidden 0
row 'train:--levels:type'           "'levels'"            train "${L[@]}" --levels x
row 'train:--levels:range'          "'levels'"            train "${L[@]}" --levels 7
row 'train:--attention-dim:type'    "'attention-dim'"     train "${L[@]}" --attention-dim 1.5
row 'train:--attention-dim:range'   "'attention-dim'"     train "${L[@]}" --attention-dim 0
row 'train:--location-filters:type'  "'location-filters'" train "${L[@]}" --location-filters x
row 'train:--location-filters:range' "'location-filters'" train "${L[@]}" --location-filters 0
row 'train:--location-width:type'   "'location-width'"    train "${L[@]}" --location-width x
row 'train:--location-width:range'  "'location-width'"    train "${L[@]}" --location-width 0
$audio && row 'train:--location-width:value'  'odd'                 train "${L[@]}" --location-width 4
row 'train:--ctc-weight:type'       "'ctc-weight'"        train "${L[@]}" --ctc-weight x
row 'train:--ctc-weight:range'      "'ctc-weight'"        train "${L[@]}" --ctc-weight 2
row 'train:--patience:range'        '--patience'          train --patience -1
row 'train:--best-rule:choice'      '--best-rule'         train --best-rule both
row 'train:--eval-every:type'       '--eval-every'        train --eval-every x
row 'train:--eval-every:range'      '--eval-every'        train --eval-every 0
row 'train:--log-every:type'        '--log-every'         train --log-every x
row 'train:--log-every:range'       '--log-every'         train --log-every 0
row 'train:--checkpoint-every:type'  '--checkpoint-every' train --checkpoint-every x
row 'train:--checkpoint-every:range' '--checkpoint-every' train --checkpoint-every -1
row 'train:--progress:choice'       '--progress'          train --progress fancy
row 'train:--collective-timeout:type'  '--collective-timeout' train --collective-timeout x
row 'train:--collective-timeout:range' '--collective-timeout' train --collective-timeout 0

# train: text tasks (and refused for graph models)
row 'train:--label-smoothing:type'  '--label-smoothing'   train --label-smoothing x
row 'train:--label-smoothing:range' '--label-smoothing'   train --label-smoothing 1.5
row 'train:--label-smoothing:range' '--label-smoothing'   train --label-smoothing nan
row 'train:--eval-examples:type'    '--eval-examples'     train --eval-examples x
row 'train:--eval-examples:range'   '--eval-examples'     train --eval-examples -1
row 'train:--min-freq:type'         '--min-freq'          train --min-freq x
row 'train:--min-freq:range'        '--min-freq'          train --min-freq 0
row 'train:--max-vocab:type'        '--max-vocab'         train --max-vocab x
row 'train:--max-vocab:range'       '--max-vocab'         train --max-vocab -1
row 'train:--samples:type'          '--samples'           train --samples x
row 'train:--samples:range'         '--samples'           train --samples 1001
row 'train:--samples:value'         '--samples'           train "${G[@]}" --samples 2
row 'train:--beam:value'            '--beam'              train "${G[@]}" --beam 2

# train: speech tasks (and refused for text and graph models)
row 'train:--spec-augment:choice'   '--spec-augment'      train --spec-augment XX
row 'train:--spec-augment:value'    'speech models'       train --spec-augment LD
row 'train:--normalization:choice'  '--normalization'     train --normalization cepstral
row 'train:--normalization:value'   'speech models'       train --normalization utterance
row 'train:--digits:choice'         '--digits'            train --digits pairs
$audio && row 'train:--held-out-speaker:value' "'nobody'"           train "${L[@]}" --held-out-speaker nobody
row 'train:--held-out-speaker:value' 'speech models'      train --held-out-speaker us-m1
for n in train valid test; do
  row "train:--$n-strings:type"     "--$n-strings"        train --$n-strings x
  row "train:--$n-strings:range"    "--$n-strings"        train --$n-strings 0
done

# the decoding options, on every command that has them
for cmd in train eval translate summarize transcribe; do
  case $cmd in
    train) c=(train) ;;
    summarize) c=(summarize -c "$sum") ;;
    transcribe) c=(transcribe -c "$las" "$R/dir/no-such.wav") ;;
    *) c=("$cmd" -c "$s2s") ;;
  esac
  row "$cmd:--beam:type"               '--beam'              "${c[@]}" --beam wide
  row "$cmd:--beam:range"              '--beam'              "${c[@]}" --beam 0
  row "$cmd:--length-penalty:type"     '--length-penalty'    "${c[@]}" --length-penalty x
  row "$cmd:--length-penalty:range"    '--length-penalty'    "${c[@]}" --length-penalty -1
  row "$cmd:--length-penalty:range"    '--length-penalty'    "${c[@]}" --length-penalty nan
  row "$cmd:--max-decode-length:type"  '--max-decode-length' "${c[@]}" --max-decode-length x
  row "$cmd:--max-decode-length:range" '--max-decode-length' "${c[@]}" --max-decode-length 0
  row "$cmd:--eval-batch-size:type"    '--eval-batch-size'   "${c[@]}" --eval-batch-size x
  row "$cmd:--eval-batch-size:range"   '--eval-batch-size'   "${c[@]}" --eval-batch-size 0
done

# the checkpoint, on every command that reads one
for cmd in eval translate summarize predict transcribe; do
  f=(); [[ $cmd == transcribe ]] && f=("$R/text.txt")  # its required files
  row "$cmd:--checkpoint:required"   '--checkpoint'        "$cmd"
  row "$cmd:--checkpoint:missing"    "$R/no-such.safetensors" "$cmd" -c "$R/no-such.safetensors" "${f[@]}"
  row "$cmd:--checkpoint:unreadable" "$R/dir"              "$cmd" -c "$R/dir" "${f[@]}"
  row "$cmd:--checkpoint:value"      "$R/text.txt"         "$cmd" -c "$R/text.txt" "${f[@]}"
  row "$cmd:--checkpoint:value"      "$R/garbage.bin"      "$cmd" -c "$R/garbage.bin" "${f[@]}"
  row "$cmd:--checkpoint:value"      "$R/good.tsv"         "$cmd" -c "$R/good.tsv" "${f[@]}"
  row "$cmd:--checkpoint:value"      "$R/truncated.safetensors" "$cmd" -c "$R/truncated.safetensors" "${f[@]}"
  row "$cmd:--checkpoint:value"      "$R/foreign.safetensors"   "$cmd" -c "$R/foreign.safetensors" "${f[@]}"
done
row 'translate:--checkpoint:value' 'needs a text model'   translate -c "$gat" 'Hello.'
row 'translate:--checkpoint:value' 'use attend summarize' translate -c "$sum" 'Hello.'
row 'summarize:--checkpoint:value' 'needs a text model'   summarize -c "$gg" 'Some news.'
row 'summarize:--checkpoint:value' 'use attend translate' summarize -c "$s2s" 'Some news.'
row 'predict:--checkpoint:value'   'needs a graph model'  predict -c "$s2s"
row 'transcribe:--checkpoint:value' 'needs a speech model' transcribe -c "$s2s" "$R/text.txt"
row 'transcribe:files:required'    'files'                transcribe -c "$las"
row 'transcribe:files:value'       "$R/no-such.wav"       transcribe -c "$las" "$R/no-such.wav"
row 'transcribe:files:value'       "$R/text.txt"          transcribe -c "$las" "$R/text.txt"
row 'transcribe:files:value'       "$R/dir"               transcribe -c "$las" "$R/dir"
row 'translate:--checkpoint:value' 'needs a text model'   translate -c "$las" 'Hello.'
row 'eval:--data:value'            'toy-en-fr'            eval -c "$las" --data toy-en-fr
row 'translate:text:value'         'input 2 is empty'     translate -c "$s2s" 'The cat sleeps.' ' '
row 'summarize:text:value'         'input 1 is empty'     summarize -c "$sum" ''

# eval and predict: the data to score, the split, the nodes
row 'eval:--data:value'            'no-such-dataset'      eval -c "$s2s" --data no-such-dataset
row 'eval:--data:value'            'vocabulary mismatch'  eval -c "$s2s" --data toy-fr-en
row 'eval:--data:value'            'toy-citation'         eval -c "$gat" --data toy-citation
row 'eval:--data:value'            'toy-motifs'           eval -c "$gat" --data toy-motifs
row 'eval:--data:value'            'karate'               eval -c "$gg" --data karate
row 'eval:--split:choice'          '--split'              eval -c "$s2s" --split train
row 'eval:--eval-examples:type'    '--eval-examples'      eval -c "$s2s" --eval-examples x
row 'eval:--eval-examples:range'   '--eval-examples'      eval -c "$s2s" --eval-examples -1
row 'predict:--data:value'         'no-such-graph'        predict -c "$gat" --data no-such-graph
row 'predict:--data:value'         'toy-citation'         predict -c "$gat" --data toy-citation
row 'predict:--data:missing'       "$R/no-such.jsonl"     predict -c "$gg" --data "$R/no-such.jsonl"
row 'predict:--data:unreadable'    "$R/garbage.bin"       predict -c "$gg" --data "$R/garbage.bin"
row 'predict:--nodes:value'        "'999'"                predict -c "$gat" --nodes 0 999
row 'predict:--nodes:value'        "'abc'"                predict -c "$gat" --nodes abc
row 'predict:--nodes:value'        "'2400'"               predict -c "$gg" --nodes 2400

# demo and datasets
row 'demo:--steps:type'            '--steps'              demo --steps many
row 'demo:--steps:range'           '--steps'              demo --steps 0
row 'demo:--hidden:type'           '--hidden'             demo --hidden x
row 'demo:--hidden:range'          '--hidden'             demo --hidden 0
row 'demo:--lr:type'               '--lr'                 demo --lr x
row 'demo:--lr:range'              '--lr'                 demo --lr 0
row 'demo:--lr:range'              '--lr'                 demo --lr nan
row 'demo:--seed:type'             '--seed'               demo --seed x
row 'demo:--seed:type'             '--seed'               demo --seed -1
row 'datasets:(command):required' 'a command is required' datasets
row 'datasets:(command):value'  "'no-such-command'"     datasets no-such-command
row 'datasets show:dataset:required' 'dataset'            datasets show
row 'datasets show:dataset:value'  'no-such-dataset'      datasets show no-such-dataset
row 'datasets show:dataset:missing'    "$R/no-such.tsv"   datasets show "$R/no-such.tsv"
row 'datasets show:dataset:unreadable' "$R/dir"           datasets show "$R/dir"
row 'datasets show:dataset:value'  "$R/garbage.tsv:1"     datasets show "$R/garbage.tsv"
row 'datasets show:dataset:value'  "$R/s2s/best.safetensors" datasets show "$R/s2s/best.safetensors"
row 'datasets show:--samples:type'  '--samples'           datasets show toy-en-fr --samples x
row 'datasets show:--samples:range' '--samples'           datasets show toy-en-fr --samples -1
row 'datasets split:file:required' 'file'                 datasets split --out "$R/split"
row 'datasets split:file:missing'  "$R/no-such.tsv"       datasets split "$R/no-such.tsv" --out "$R/split"
row 'datasets split:file:unreadable' "$R/dir"             datasets split "$R/dir" --out "$R/split"
row 'datasets split:file:value'    "$R/garbage.tsv:1"     datasets split "$R/garbage.tsv" --out "$R/split"
row 'datasets split:file:value'    'split empty'          datasets split "$R/good.tsv" --out "$R/split"
row 'datasets split:--out:required' '--out'               datasets split "$R/twenty.tsv"
row 'datasets split:--out:value'   "$R/good.tsv"          datasets split "$R/twenty.tsv" --out "$R/good.tsv"
row 'datasets split:--valid:type'  '--valid'              datasets split "$R/twenty.tsv" --out "$R/split" --valid x
row 'datasets split:--valid:range' '--valid'              datasets split "$R/twenty.tsv" --out "$R/split" --valid 2
row 'datasets split:--test:type'   '--test'               datasets split "$R/twenty.tsv" --out "$R/split" --test x
row 'datasets split:--test:range'  '--test'               datasets split "$R/twenty.tsv" --out "$R/split" --test -0.1
row 'datasets split:--test:range'  'sum to at most 1'     datasets split "$R/twenty.tsv" --out "$R/split" --valid 0.5 --test 0.6
row 'datasets split:--seed:type'   '--seed'               datasets split "$R/twenty.tsv" --out "$R/split" --seed x

# Rows for the study commands live beside this table, one file per command
# (bad_input_rows/COMMAND.sh); they see everything above (row, $R, $s2s, ...).
for rows in "$(dirname "${BASH_SOURCE[0]}")"/bad_input_rows/*.sh; do
  [[ -e $rows ]] && source "$rows"
done

# --- completeness: every option that takes a value has its rows -------------------------------
declare -A have=()
for k in "${keys[@]}"; do have[$k]=1; done
need() {  # need COMMAND OPTION KIND
  [[ -n ${have["$1:$2:$3"]:-} ]] && return
  [[ $1 == transcribe ]] && ! $audio && return  # its rows need a speech checkpoint
  echo "FAIL: no row for '${1:-attend} $2' ($3): add one to the table in $0"; fail=1
}
check_help() {  # check_help COMMAND_PATH (words, "" for the root)
  local cmd=$1 section='' group='' line name spec desc default sub
  local -a subs=()
  local help
  # shellcheck disable=SC2086
  help=$("$attend" $cmd --help 2>&1) || { echo "FAIL: attend $cmd --help exited $?"; fail=1; return; }
  while IFS= read -r line; do
    case $line in
      Positionals:) section=pos; continue ;;
      Options:|'  Options:') section=opt; continue ;;
      Subcommands:) section=sub; continue ;;
      '[Option Group: '*) group=${line#\[Option Group: }; group=${group%]}; continue ;;
    esac
    if [[ $section == sub && $line =~ ^\ \ ([a-z][a-z-]*)\  ]]; then
      subs+=("${BASH_REMATCH[1]}"); continue
    fi
    name='' spec=''
    if [[ $section == pos && $line =~ ^\ \ ([a-z][a-z_-]*)\ ([A-Z].*)$ ]]; then
      name=${BASH_REMATCH[1]}; spec=${BASH_REMATCH[2]}
    elif [[ $section == opt && $line =~ ^\ +(-[A-Za-z],)?(--[A-Za-z0-9-]+)(\ (.*))?$ ]]; then
      name=${BASH_REMATCH[2]}; spec=${BASH_REMATCH[4]}
    else
      continue
    fi
    desc=
    [[ $spec == *'  '* ]] && desc=${spec#*  } && spec=${spec%%  *}
    [[ $name == --help || -z $spec ]] && continue  # flags
    [[ $spec == *REQUIRED* ]] && need "$cmd" "$name" required
    if [[ $spec == *:FILE* ]]; then
      need "$cmd" "$name" missing; need "$cmd" "$name" unreadable
    elif [[ $spec == *':{'* ]]; then
      need "$cmd" "$name" choice
    elif [[ $spec =~ ^(INT|UINT|FLOAT) ]]; then
      need "$cmd" "$name" type
      [[ $spec == *' in ['* || $spec == *POSITIVE* || $spec == *NONNEGATIVE* ]] && need "$cmd" "$name" range
    elif [[ $group == 'Model hyperparameters' ]]; then
      default=${desc#*[}; default=${default%%]*}
      if [[ $default =~ ^-?[0-9.]+$ ]]; then
        need "$cmd" "$name" type; need "$cmd" "$name" range
      elif [[ $default == true || $default == false ]]; then
        need "$cmd" "$name" type
      else
        need "$cmd" "$name" choice
      fi
    else
      need "$cmd" "$name" value
    fi
  done <<<"$help"
  for sub in "${subs[@]}"; do check_help "${cmd:+$cmd }$sub"; done
}
check_help ""

# --- run the table -----------------------------------------------------------------------------
checksums() { (cd "$R" && find . -print0 | sort -z | xargs -0 md5sum 2>/dev/null; find . | sort); }
before=$(checksums)
start=$SECONDS
args=()
for i in "${!keys[@]}"; do
  eval "args=(${cmds[i]})"
  what="${keys[i]} (attend ${cmds[i]})"
  out=$(cd "$cwd" && timeout 60 "$attend" "${args[@]}" 2>&1 </dev/null); rc=$?
  bad=
  if [[ $rc -eq 124 ]]; then bad="timed out after 60 s"
  elif [[ $rc -gt 128 ]]; then bad="killed by signal $((rc - 128)) (crash)"
  elif [[ $rc -ne 2 ]]; then bad="exit code $rc, expected 2"
  elif [[ $(printf '%s\n' "$out" | wc -l) -ne 1 ]]; then bad="output is not one line"
  elif [[ $out != 'error: '* ]]; then bad="output does not start with 'error: '"
  elif [[ $out != *"${wants[i]}"* ]]; then bad="message lacks '${wants[i]}'"
  elif [[ -n $(ls -A "$cwd") ]]; then bad="wrote $(ls -A "$cwd" | head -3 | tr '\n' ' ')"
  fi
  if [[ -n $bad ]]; then
    echo "FAIL: $what: $bad"; printf '%s\n' "$out" | head -5 | sed 's/^/    /'; fail=1
  else
    echo "ok: $what: $out"
  fi
  rm -rf "${cwd:?}"/* "${cwd:?}"/.[!.]* 2>/dev/null
done
after=$(checksums)
if [[ $before == "$after" ]]; then
  echo "ok: the table's ${#keys[@]} rows changed no prepared file"
else
  echo "FAIL: prepared files changed:"; diff <(echo "$before") <(echo "$after") | head -20; fail=1
fi
echo "table: ${#keys[@]} rows in $((SECONDS - start)) s"

# --- and the one good use of --overwrite: it replaces the run ----------------------------------
cp -r "$R/gat" "$tmp/replaced" && touch "$tmp/replaced/left-from-before"
out=$("$attend" train "${G[@]}" --epochs 1 --max-steps 1 --progress off --out "$tmp/replaced" --overwrite 2>&1 </dev/null)
rc=$?
if [[ $rc -eq 0 && ! -e $tmp/replaced/left-from-before && -s $tmp/replaced/last.safetensors ]]; then
  echo "ok: --overwrite replaces an existing run directory"
else
  echo "FAIL: --overwrite: exit code $rc, directory: $(ls "$tmp/replaced" | tr '\n' ' ')"; echo "$out" | tail -3; fail=1
fi
exit $fail
