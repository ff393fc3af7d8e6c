# attend gradcheck's rows for test_bad_input_cli.sh (sourced; row, $R, ... come from there).
row 'gradcheck:names:value'     "'lstm_cll'"              gradcheck lstm_cll
row 'gradcheck:names:value'     "'qqqq'"                  gradcheck tanh qqqq
row 'gradcheck:--eps:type'      '--eps'                   gradcheck --eps small
row 'gradcheck:--eps:range'     '--eps'                   gradcheck --eps 0
row 'gradcheck:--eps:range'     '--eps'                   gradcheck --eps nan
row 'gradcheck:--atol:type'     '--atol'                  gradcheck --atol x
row 'gradcheck:--atol:range'    '--atol'                  gradcheck --atol -1
row 'gradcheck:--atol:range'    '--atol'                  gradcheck --atol 0
row 'gradcheck:--rtol:type'     '--rtol'                  gradcheck --rtol x
row 'gradcheck:--rtol:range'    '--rtol'                  gradcheck --rtol -0.5
row 'gradcheck:--rtol:range'    '--rtol'                  gradcheck --rtol inf
row 'gradcheck:--seed:type'     '--seed'                  gradcheck --seed 1.5
row 'gradcheck:--seed:range'    '--seed'                  gradcheck --seed -1
row 'gradcheck:names:value'     'empty check name'        gradcheck ''
