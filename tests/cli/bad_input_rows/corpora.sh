# Parallel text, subword vocabularies, eval --output and attend average: rows for
# test_bad_input_cli.sh (sourced; row, $R, $s2s, ... come from there).
printf 'Ein Hund.\nZwei Katzen.\nEin Mann schläft.\n' >"$R/pt.de"
printf 'A dog.\nTwo cats.\nA man sleeps.\n' >"$R/pt.en"
printf 'A dog.\nTwo cats.\n' >"$R/pt-short.en"            # one line fewer than pt.de
printf 'A dog.\n\nA man sleeps.\n' >"$R/pt-gap.en"        # a line empty on one side only
P=(--valid-src "$R/pt.de" --valid-tgt "$R/pt.en" --test-src "$R/pt.de" --test-tgt "$R/pt.en")
L=(--source-lang de --target-lang en)
for side in train valid test; do
  for end in src tgt; do
    row "train:--$side-$end:missing"    "$R/no-such.de" train "--$side-$end" "$R/no-such.de"
    row "train:--$side-$end:unreadable" "$R/dir"        train "--$side-$end" "$R/dir"
  done
done
# A binary file, line counts that differ, an empty line on one side: one line naming file and line.
row 'train:--train-src:value'  "$R/garbage.bin:1: binary data" train --train-src "$R/garbage.bin" --train-tgt "$R/pt.en" "${P[@]}"
row 'train:--train-tgt:value'  "$R/pt-short.en:3: file ends before" train --train-src "$R/pt.de" --train-tgt "$R/pt-short.en" "${P[@]}"
row 'train:--valid-tgt:value'  "$R/pt-gap.en:2: empty line"  train --train-src "$R/pt.de" --train-tgt "$R/pt.en" --valid-src "$R/pt.de" --valid-tgt "$R/pt-gap.en" --test-src "$R/pt.de" --test-tgt "$R/pt.en"
row 'train:--test-src:value'   'a source and a target file'   train --train-src "$R/pt.de" --train-tgt "$R/pt.en"
row 'train:--train-src:value'  'not both'                      train --train-src "$R/pt.de" --train-tgt "$R/pt.en" "${P[@]}" --train-file "$R/good.tsv"
row 'train:--train-src:value'  '--data'                        train --data toy-en-fr --train-src "$R/pt.de"
row 'train:--train-pref:value' "$R/no-such.de"                 train --train-pref "$R/no-such" --valid-pref "$R/pt" --test-pref "$R/pt" "${L[@]}"
row 'train:--valid-pref:value' '--valid-pref'                  train --train-pref "$R/pt" --test-pref "$R/pt" "${L[@]}"
row 'train:--test-pref:value'  '--test-pref'                   train --train-pref "$R/pt" --valid-pref "$R/pt" --test-pref "$R/pt" "${L[@]}" --test-src "$R/pt.de"
row 'train:--source-lang:value' '--source-lang'                train --train-pref "$R/pt" --valid-pref "$R/pt" --test-pref "$R/pt" --target-lang en
row 'train:--source-lang:value' "'d/e'"                        train --train-pref "$R/pt" --valid-pref "$R/pt" --test-pref "$R/pt" --source-lang d/e --target-lang en
row 'train:--target-lang:value' "$R/pt.fr"                     train --train-pref "$R/pt" --valid-pref "$R/pt" --test-pref "$R/pt" --source-lang de --target-lang fr
row 'train:--source-lang:value' '--source-lang'                train "${G[@]}" --source-lang de
# --data DIR of parallel text: languages needed, one test split or --test-pref.
mkdir -p "$R/ptdir"
for stem in train val test_a test_b; do cp "$R/pt.de" "$R/ptdir/$stem.de"; cp "$R/pt.en" "$R/ptdir/$stem.en"; done
row 'train:--data:value'       'is parallel text in de and en'   train --data "$R/ptdir"
row 'train:--data:value'       'several test splits (test_a, test_b)' train --data "$R/ptdir" "${L[@]}"
row 'train:--data:value'       'neither a Cora/Citeseer directory' train --data "$R/dir"
row 'train:--data:value'       "$R/dir has no train split"       train --data "$R/dir" "${L[@]}"
row 'train:--data:value'       'not both'                        train --data "$R/ptdir" "${L[@]}" --test-src "$R/pt.de"
# Subword options.
row 'train:--tokenizer:choice'     '--tokenizer'     train --tokenizer bpe
row 'train:--vocab-size:type'      '--vocab-size'    train --tokenizer sentencepiece --vocab-size x
row 'train:--vocab-size:range'     '--vocab-size'    train --tokenizer sentencepiece --vocab-size 4
row 'train:--vocab-size:value'     '--vocab-size'    train --vocab-size 100
row 'train:--vocab-size:value'     'more than the training text allows' train --train-src "$R/pt.de" --train-tgt "$R/pt.en" "${P[@]}" --tokenizer sentencepiece --vocab-size 5000
row 'train:--sp-model-type:choice' '--sp-model-type' train --tokenizer sentencepiece --sp-model-type char
row 'train:--min-freq:value'       '--min-freq'      train --tokenizer sentencepiece --min-freq 2
# eval --output: checked before the split is decoded.
row 'eval:--output:value'  "$R/dir"           eval -c "$s2s" --output "$R/dir"
row 'eval:--output:value'  "$R/no-such-dir"   eval -c "$s2s" --output "$R/no-such-dir/hyp.txt"
row 'eval:--output:value'  '--output'         eval -c "$gat" --output "$R/hyp-out.txt"
# attend average
row 'average:inputs:required'  'inputs'               average -o "$R/avg.safetensors"
row 'average:inputs:value'     "$R/no-such.safetensors" average -o "$R/avg.safetensors" "$R/no-such.safetensors"
row 'average:inputs:value'     "$R/truncated.safetensors" average -o "$R/avg.safetensors" "$s2s" "$R/truncated.safetensors"
row 'average:inputs:value'     'only checkpoints of one model' average -o "$R/avg.safetensors" "$s2s" "$sum"
row 'average:inputs:value'     'fewer than the 2 asked for' average -o "$R/avg.safetensors" --last 2 "$R/s2s"
row 'average:inputs:value'     '--last'               average -o "$R/avg.safetensors" --last 1 "$R/s2s" "$R/gat"
row 'average:inputs:value'     "$R/good.tsv: not a run directory" average -o "$R/avg.safetensors" --last 1 "$R/good.tsv"
row 'average:--out:required'   '--out'                average "$s2s"
row 'average:--out:value'      "$R/dir is a directory" average -o "$R/dir" "$s2s"
row 'average:--out:value'      "$R/no-such-dir"       average -o "$R/no-such-dir/avg.safetensors" "$s2s"
row 'average:--last:type'      '--last'               average -o "$R/avg.safetensors" --last x "$R/s2s"
row 'average:--last:range'     '--last'               average -o "$R/avg.safetensors" --last 0 "$R/s2s"
# datasets show of parallel text
row 'datasets show:target:value'       "$R/pt-short.en:3" datasets show "$R/pt.de" "$R/pt-short.en"
row 'datasets show:target:value'       'not both'         datasets show "$R/pt" "$R/pt.en" --source-lang de --target-lang en
row 'datasets show:--source-lang:value' '--target-lang'   datasets show "$R/pt" --source-lang de
row 'datasets show:--target-lang:value' "$R/pt.fr"        datasets show "$R/pt" --source-lang de --target-lang fr
row 'datasets show:--target-lang:value' 'no STEM.de file' datasets show "$R/dir" --source-lang de --target-lang en
row 'train:--max-source-length:type'  '--max-source-length' train --max-source-length x
row 'train:--max-source-length:range' '--max-source-length' train --max-source-length -1
