# attend score's rows for test_bad_input_cli.sh (sourced; row, $R, ... come from there).
printf 'A cat sleeps.\nA dog eats.\n' >"$R/hyp.txt"
printf 'The cat sleeps.\nThe dog eats.\n' >"$R/ref.txt"
printf 'The cat sleeps.\n' >"$R/ref-short.txt"
printf 'The cat sleeps.\n\n' >"$R/ref-gap.txt"
row 'score:--hyp:required'    '--hyp'                        score --ref "$R/ref.txt"
row 'score:--hyp:missing'     "$R/no-such.txt"               score --hyp "$R/no-such.txt" --ref "$R/ref.txt"
row 'score:--hyp:unreadable'  "$R/dir"                       score --hyp "$R/dir" --ref "$R/ref.txt"
row 'score:--hyp:value'       "$R/garbage.bin:1: binary data" score --hyp "$R/garbage.bin" --ref "$R/ref.txt"
row 'score:--ref:required'    '--ref'                        score --hyp "$R/hyp.txt"
row 'score:--ref:missing'     "$R/no-such.txt"               score --hyp "$R/hyp.txt" --ref "$R/no-such.txt"
row 'score:--ref:unreadable'  "$R/dir"                       score --hyp "$R/hyp.txt" --ref "$R/dir"
row 'score:--ref:value'       "$R/ref-short.txt:2: file ends before" score --hyp "$R/hyp.txt" --ref "$R/ref.txt" --ref "$R/ref-short.txt"
row 'score:--ref:value'       "$R/ref-short.txt:2: file ends before" score --hyp "$R/ref-short.txt" --ref "$R/ref.txt"
row 'score:--ref:value'       "$R/ref-gap.txt:2: empty reference" score --hyp "$R/hyp.txt" --ref "$R/ref-gap.txt"
row 'score:--ref:value'       "$R/s2s/best.safetensors"      score --hyp "$R/hyp.txt" --ref "$R/s2s/best.safetensors"
row 'score:--metric:choice'   '--metric'                     score --hyp "$R/hyp.txt" --ref "$R/ref.txt" --metric ter
row 'score:--width:type'      '--width'                      score --hyp "$R/hyp.txt" --ref "$R/ref.txt" --width x
row 'score:--width:range'     '--width'                      score --hyp "$R/hyp.txt" --ref "$R/ref.txt" --width 11
