# The language model's rows for test_bad_input_cli.sh (sourced; row, prepare, $R, $s2s, ... come
# from there): gpt's hyperparameters, the language-model training options, bad text files, and
# attend generate.
for i in $(seq 60); do printf 'To be, or not to be: that is the question.\n'; done >"$R/tiny.txt"
: >"$R/empty.txt"
printf 'ab\ncd\n\x7fELF\x00\x01\x02' >"$R/binary.txt"
printf 'ok\nd\xe9j\xe0 vu\n' >"$R/latin1.txt"
prepare train --model gpt --data "$R/tiny.txt" --layers 1 --heads 2 --width 8 --context 16 \
  --batch-size 2 --max-steps 2 --eval-interval 2 --eval-batches 1 --sample-tokens 4 \
  --progress off --out "$R/gpt"
lm=$R/gpt/best.safetensors
P=(--model gpt --data "$R/tiny.txt")  # past parsing, onto a real text file

# train: gpt's hyperparameters
row 'train:--width:type'           "'width'"              train "${P[@]}" --width wide
row 'train:--width:range'          "'width'"              train "${P[@]}" --width 0
row 'train:--width:value'          'heads 3'              train "${P[@]}" --width 16 --heads 3
row 'train:--context:type'         "'context'"            train "${P[@]}" --context long
row 'train:--context:range'        "'context'"            train "${P[@]}" --context 0
row 'train:--context:value'        'too short'            train "${P[@]}" --context 1000
row 'train:--gelu:choice'          "'gelu'"               train "${P[@]}" --gelu sigmoid
row 'train:--bias:type'            "'bias'"               train "${P[@]}" --bias sometimes
row 'train:--data:value'           "$R/empty.txt: empty file" train --model gpt --data "$R/empty.txt"
row 'train:--data:value'           "$R/binary.txt:3: NUL byte" train --model gpt --data "$R/binary.txt"
row 'train:--data:value'           "$R/no-such.txt: no such file" train --model gpt --data "$R/no-such.txt"
row 'train:--data:value'           "$R/dir: not a regular file" train --model gpt --data "$R/dir"
row 'train:--data:value'           "$R/latin1.txt:2: invalid UTF-8" train --model gpt --data "$R/latin1.txt"

# train: the optimiser and language-model options
row 'train:--min-lr:type'          '--min-lr'             train --min-lr low
row 'train:--min-lr:range'         '--min-lr'             train --min-lr -1
row 'train:--beta2:type'           '--beta2'              train --beta2 x
row 'train:--beta2:range'          '--beta2'              train --beta2 1
row 'train:--accumulate:type'      '--accumulate'         train --accumulate 1.5
row 'train:--accumulate:range'     '--accumulate'         train --accumulate 0
row 'train:--eval-interval:type'   '--eval-interval'      train "${P[@]}" --eval-interval x
row 'train:--eval-interval:range'  '--eval-interval'      train "${P[@]}" --eval-interval 0
row 'train:--eval-interval:value'  'applies to language models' train "${G[@]}" --eval-interval 5
row 'train:--eval-batches:type'    '--eval-batches'       train "${P[@]}" --eval-batches x
row 'train:--eval-batches:range'   '--eval-batches'       train "${P[@]}" --eval-batches 0
row 'train:--sample-tokens:type'   '--sample-tokens'      train "${P[@]}" --sample-tokens x
row 'train:--sample-tokens:range'  '--sample-tokens'      train "${P[@]}" --sample-tokens -1
row 'train:--label-smoothing:value' 'applies to text and speech models' train "${P[@]}" --label-smoothing 0.1

# generate
row 'generate:--checkpoint:required'   '--checkpoint'             generate --prompt 'To'
row 'generate:--checkpoint:missing'    "$R/no-such.safetensors"   generate -c "$R/no-such.safetensors"
row 'generate:--checkpoint:unreadable' "$R/dir"                   generate -c "$R/dir"
row 'generate:--checkpoint:value'      "$R/text.txt"              generate -c "$R/text.txt"
row 'generate:--checkpoint:value'      "$R/truncated.safetensors" generate -c "$R/truncated.safetensors"
row 'generate:--checkpoint:value'      'needs a language model'   generate -c "$s2s"
row 'generate:--prompt:value'          'invalid UTF-8'            generate -c "$lm" --prompt $'To \xff'
row 'generate:--tokens:type'           '--tokens'                 generate -c "$lm" --tokens many
row 'generate:--tokens:range'          '--tokens'                 generate -c "$lm" --tokens -1
row 'generate:--temperature:type'      '--temperature'            generate -c "$lm" --temperature hot
row 'generate:--temperature:range'     '--temperature'            generate -c "$lm" --temperature -1
row 'generate:--temperature:range'     '--temperature'            generate -c "$lm" --temperature nan
row 'generate:--top-k:type'            '--top-k'                  generate -c "$lm" --top-k 2.5
row 'generate:--top-k:range'           '--top-k'                  generate -c "$lm" --top-k -1
row 'generate:--top-p:type'            '--top-p'                  generate -c "$lm" --top-p x
row 'generate:--top-p:range'           '--top-p'                  generate -c "$lm" --top-p 0
row 'generate:--top-p:range'           '--top-p'                  generate -c "$lm" --top-p 1.5
row 'generate:--seed:type'             '--seed'                   generate -c "$lm" --seed -1

# attention on a language model
row 'attention:--input:value'          'outside the model'        attention -c "$lm" --input 'XYZ'
row 'attention:--input:value'          'context of 16'            attention -c "$lm" --input 'To be, or not to be: that is'
row 'attention:--node:value'           'language-model'           attention -c "$lm" --node 1
