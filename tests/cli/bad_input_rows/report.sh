# attend report's rows for test_bad_input_cli.sh (sourced; row, $R, $s2s, ... come from there).
mkdir -p "$R/corrupt-log" "$R/bad-field-log"
printf '{"split":"train","step":1,"train_loss":2}\n{oops\n{"step":3}\n' >"$R/corrupt-log/metrics.jsonl"
printf '{"split":"train","step":1,"train_loss":"low"}\n' >"$R/bad-field-log/metrics.jsonl"
row 'report:run_dir:required'   'run_dir'                            report
row 'report:run_dir:value'      "$R/no-such-run"                     report "$R/no-such-run"
row 'report:run_dir:value'      "$R/dir/metrics.jsonl: missing"      report "$R/dir"
row 'report:run_dir:value'      "$R/text.txt: not a directory"       report "$R/text.txt"
row 'report:run_dir:value'      "$R/corrupt-log/metrics.jsonl:2:"    report "$R/corrupt-log"
row 'report:run_dir:value'      "$R/bad-field-log/metrics.jsonl:1:"  report "$R/bad-field-log"
row 'report:--out:value'        "$R/no-such-dir"                     report "$R/s2s" --out "$R/no-such-dir/r.html"
row 'report:--out:value'        "$R/dir is a directory"              report "$R/s2s" --out "$R/dir"
row 'report:--examples:type'    '--examples'                         report "$R/s2s" --examples many
row 'report:--examples:range'   '--examples'                         report "$R/s2s" --examples -1
