# attend attention's rows for test_bad_input_cli.sh (sourced; row, $R, $s2s, ... come from there).
A=(attention --input 'The cat sleeps.')  # a text input, so a row gets past the option checks
row 'attention:--checkpoint:required'   '--checkpoint'             attention --input 'Hello.'
row 'attention:--checkpoint:missing'    "$R/no-such.safetensors"   "${A[@]}" -c "$R/no-such.safetensors"
row 'attention:--checkpoint:unreadable' "$R/dir"                   "${A[@]}" -c "$R/dir"
row 'attention:--checkpoint:value'      "$R/text.txt"              "${A[@]}" -c "$R/text.txt"
row 'attention:--checkpoint:value'      "$R/garbage.bin"           "${A[@]}" -c "$R/garbage.bin"
row 'attention:--checkpoint:value'      "$R/truncated.safetensors" "${A[@]}" -c "$R/truncated.safetensors"
row 'attention:--checkpoint:value'      "$R/foreign.safetensors"   "${A[@]}" -c "$R/foreign.safetensors"
row 'attention:--checkpoint:value'      'GAT node classifier'      attention -c "$gg" --node 0
row 'attention:--input:value'           '--input'                  attention -c "$s2s" --input ' '
row 'attention:--input:value'           '--input'                  attention -c "$s2s"
row 'attention:--input:value'           '--input'                  attention -c "$gat" --input 'Hello.'
row 'attention:--input:value'           'not both'                 attention -c "$s2s" --input 'Hello.' --node 1
row 'attention:--node:value'            '--node'                   attention -c "$s2s" --node 1
row 'attention:--node:value'            '--node'                   attention -c "$sum" --node 1
row 'attention:--node:value'            "'999'"                    attention -c "$gat" --node 999
row 'attention:--node:value'            "'abc'"                    attention -c "$gat" --node abc
row 'attention:--node:value'            "'-1'"                     attention -c "$gat" --node=-1
row 'attention:--node:value'            '--node'                   attention -c "$gat" --node ''
row 'attention:--out:value'             "$R/s2s exists"            "${A[@]}" -c "$s2s" --out "$R/s2s"
row 'attention:--out:value'             "$R/text.txt"              "${A[@]}" -c "$s2s" --out "$R/text.txt/maps"
row 'attention:--out:value'             "$R/text.txt"              "${A[@]}" -c "$s2s" --out "$R/text.txt" --overwrite
row 'attention:--out:value'             '--out'                    "${A[@]}" -c "$s2s" --out ''
