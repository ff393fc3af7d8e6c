# Bad-input rows of `attend gradflow` (sourced by test_bad_input_cli.sh). Each fails while the
# options are checked, before any training and before --out is created.
row 'gradflow:--lengths:type'       '--lengths'                  gradflow --lengths 5,abc
row 'gradflow:--lengths:range'      '--lengths'                  gradflow --lengths 0
row 'gradflow:--lengths:range'      '--lengths'                  gradflow --lengths 5,1001
row 'gradflow:--lengths:range'      '--lengths'                  gradflow --lengths nan
row 'gradflow:--lengths:value'      '5 is listed twice'          gradflow --lengths 5,10,5
row 'gradflow:--encoders:choice'    '--encoders'                 gradflow --encoders rnn,transformer
row 'gradflow:--encoders:value'     "'gru' is listed twice"      gradflow --encoders gru,lstm,gru
row 'gradflow:--hidden:type'        '--hidden'                   gradflow --hidden abc
row 'gradflow:--hidden:range'       '--hidden'                   gradflow --hidden 0
row 'gradflow:--steps:type'         '--steps'                    gradflow --steps 1.5
row 'gradflow:--steps:range'        '--steps'                    gradflow --steps 0
row 'gradflow:--batch-size:type'    '--batch-size'               gradflow --batch-size many
row 'gradflow:--batch-size:range'   '--batch-size'               gradflow --batch-size 5000
row 'gradflow:--seed:type'          '--seed'                     gradflow --seed abc
row 'gradflow:--seed:range'         '--seed'                     gradflow --seed -1
row 'gradflow:--out:value'          'exists and is not empty; pass --overwrite' gradflow --out "$R/s2s"
row 'gradflow:--out:value'          '--out'                      gradflow --out ''
row 'gradflow:--out:value'          "$R/text.txt exists and is not a directory" gradflow --out "$R/text.txt"
row 'gradflow:--out:unreadable'     "$R/text.txt"                gradflow --out "$R/text.txt/run"
row 'gradflow:--progress:choice'    '--progress'                 gradflow --progress fancy
