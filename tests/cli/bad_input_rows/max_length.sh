# Sequences longer than a Transformer's positions (--max-length): named before any training step
# or decoding, not a shape error from inside the model.
long_text=$(for i in $(seq 600); do printf 'rain '; done)
row 'train:--max-length:value'   'max-length 8'           train --model transformer --d-model 8 --heads 1 --feedforward 8 \
  --encoder-layers 1 --decoder-layers 1 --max-length 8 --max-steps 1 --progress off
row 'summarize:text:value'       'max-length'             summarize -c "$sum" "$long_text"
row 'attention:--input:value'    'max-length'             attention -c "$sum" -i "$long_text"
