// The op library. Every op is a free function that computes its result eagerly and, when an input
// requires grad, records a Node whose backward closure sits right below the forward in the .cpp.
// Shapes follow PyTorch; index tensors are float32 tensors of whole numbers (see creation.h).
#pragma once

#include <vector>

#include "autograd/creation.h"
#include "autograd/random.h"
#include "autograd/tensor.h"

namespace attend {

// --- pointwise, with NumPy broadcasting (ops_pointwise.cpp) ------------------------------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, float s);
Tensor sub(const Tensor& a, float s);
Tensor rsub(float s, const Tensor& a);  // s - a
Tensor mul(const Tensor& a, float s);
Tensor div(const Tensor& a, float s);
Tensor rdiv(float s, const Tensor& a);  // s / a

Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor pow(const Tensor& x, float exponent);
Tensor abs(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
Tensor elu(const Tensor& x, float alpha = 1.0f);
// approximate=false: x·Φ(x) with the exact erf (PyTorch's default); true: the tanh formula.
Tensor gelu(const Tensor& x, bool approximate = false);
// A differentiable copy.
Tensor clone(const Tensor& x);

inline Tensor operator+(const Tensor& a, const Tensor& b) {
  return add(a, b);
}
inline Tensor operator-(const Tensor& a, const Tensor& b) {
  return sub(a, b);
}
inline Tensor operator*(const Tensor& a, const Tensor& b) {
  return mul(a, b);
}
inline Tensor operator/(const Tensor& a, const Tensor& b) {
  return div(a, b);
}
inline Tensor operator+(const Tensor& a, float s) {
  return add(a, s);
}
inline Tensor operator+(float s, const Tensor& a) {
  return add(a, s);
}
inline Tensor operator-(const Tensor& a, float s) {
  return sub(a, s);
}
inline Tensor operator-(float s, const Tensor& a) {
  return rsub(s, a);
}
inline Tensor operator*(const Tensor& a, float s) {
  return mul(a, s);
}
inline Tensor operator*(float s, const Tensor& a) {
  return mul(a, s);
}
inline Tensor operator/(const Tensor& a, float s) {
  return div(a, s);
}
inline Tensor operator/(float s, const Tensor& a) {
  return rdiv(s, a);
}
inline Tensor operator-(const Tensor& x) {
  return neg(x);
}

// In-place helpers outside the graph (engine accumulation, optimizers). Shapes must match.
void add_(Tensor& dst, const Tensor& src, float alpha = 1.0f);  // dst += alpha * src
void mul_(Tensor& dst, float s);
void fill_(Tensor& dst, float value);
void copy_(Tensor& dst, const Tensor& src);

// The shape both operands broadcast to; throws ShapeError naming op and both shapes otherwise.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
// Sums a gradient of a broadcast result back down to an operand's shape (outside the graph).
Tensor sum_to(const Tensor& grad, const Shape& shape);

// --- reductions (ops_reduce.cpp) ---------------------------------------------------------------
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, int dim, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, int dim, bool keepdim = false);
// Maximum value; the gradient goes to the first maximal element.
Tensor max(const Tensor& x);
Tensor max(const Tensor& x, int dim, bool keepdim = false);
// Index of the first maximum along dim (not differentiable).
Tensor argmax(const Tensor& x, int dim, bool keepdim = false);

// --- shape (ops_shape.cpp) ---------------------------------------------------------------------
// A view with the same data; one dimension may be -1 (inferred).
Tensor reshape(const Tensor& x, const std::vector<int64_t>& shape);
inline Tensor view(const Tensor& x, const std::vector<int64_t>& shape) {
  return reshape(x, shape);
}
Tensor flatten(const Tensor& x);
Tensor unsqueeze(const Tensor& x, int dim);
Tensor squeeze(const Tensor& x, int dim);
// Materialised: attend keeps every tensor contiguous.
Tensor transpose(const Tensor& x, int dim0, int dim1);
Tensor permute(const Tensor& x, const std::vector<int>& dims);
Tensor concat(const std::vector<Tensor>& xs, int dim);
// The slices of x along dim, with that dimension removed (torch.unbind); one graph node.
std::vector<Tensor> unbind(const Tensor& x, int dim);
Tensor stack(const std::vector<Tensor>& xs, int dim);
// Elements start .. start+length-1 along dim (torch.narrow), and Python's x[start:end] along dim.
Tensor narrow(const Tensor& x, int dim, int64_t start, int64_t length);
Tensor slice(const Tensor& x, int dim, int64_t start, int64_t end);

// --- indexing (ops_index.cpp) ------------------------------------------------------------------
// x's slices at index (1-D) along dim.
Tensor index_select(const Tensor& x, int dim, const Tensor& index);
// out[i][j] = x[index[i][j]][j] for dim 0, etc. (torch.gather); index has x's rank.
Tensor gather(const Tensor& x, int dim, const Tensor& index);
// self with src added at index along dim (torch.scatter_add).
Tensor scatter_add(const Tensor& self, int dim, const Tensor& index, const Tensor& src);
// self with source's slices added at index (1-D) along dim (torch.index_add).
Tensor index_add(const Tensor& self, int dim, const Tensor& index, const Tensor& source);
// value where mask != 0 (mask broadcasts to x).
Tensor masked_fill(const Tensor& x, const Tensor& mask, float value);
// a where cond != 0, else b (all three broadcast).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// Rows of weight [num_embeddings, dim] at indices (any shape) -> [..., dim]. The row padding_idx
// (if >= 0) gets no gradient, as in torch.nn.Embedding.
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx = -1);

// --- matrix products (ops_matmul.cpp) ----------------------------------------------------------
// a [..., M, K] @ b [..., K, N] with broadcast batch dimensions; transpose_a / transpose_b use
// the last two dimensions transposed without copying (cblas_sgemm flags).
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);
// x [..., in] @ weight[out, in]^T + bias[out] (torch.nn.functional.linear); bias may be undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// --- neural-network functions (ops_nn.cpp) -----------------------------------------------------
Tensor softmax(const Tensor& x, int dim);
Tensor log_softmax(const Tensor& x, int dim);

enum class Reduction { kMean, kSum, kNone };
// logits [..., C], target [...] of class indices. Mean is over targets != ignore_index.
// label_smoothing as in torch.nn.functional.cross_entropy.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, int64_t ignore_index = -100,
                     float label_smoothing = 0.0f, Reduction reduction = Reduction::kMean);
// log_probs [..., C], target [...].
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, int64_t ignore_index = -100,
                Reduction reduction = Reduction::kMean);
// Connectionist temporal classification loss (torch.nn.functional.ctc_loss applied to
// log_softmax(logits, 2), batch first): logits [B, T, C] (the op takes the log-softmax over C
// itself; its gradient is with respect to the logits), targets [B, S] of class ids (each row's
// first target_lengths[b] count; blank is never a target), input_lengths[b] <= T frames per row.
// Reduction: kNone gives [B] losses -log p(y|x); kSum their sum; kMean each divided by its target
// length (at least 1), then the mean over the batch (torch's 'mean'). A row whose target cannot
// fit in its frames has an infinite loss and no gradient; zero_infinity makes that loss 0.
Tensor ctc_loss(const Tensor& logits, const Tensor& targets,
                const std::vector<int64_t>& input_lengths,
                const std::vector<int64_t>& target_lengths, int64_t blank = 0,
                Reduction reduction = Reduction::kMean, bool zero_infinity = false);
// Normalises over the last dimension; weight and bias [D] may be undefined.
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps = 1e-5f);
// Zeroes each element with probability p and scales the rest by 1/(1-p) when training.
Tensor dropout(const Tensor& x, float p, bool training, Generator& gen);

// --- convolution (ops_conv.cpp) ------------------------------------------------------------------
// x [B, C, T] convolved with weight [O, C, K] (plus bias [O], may be undefined) over T zero-padded
// by `padding` on both sides, stride 1: [B, O, T + 2 padding - K + 1] (torch.nn.functional.conv1d;
// cross-correlation, as PyTorch computes it).
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              int64_t padding = 0);

// --- fused recurrent cells (ops_rnn.cpp) --------------------------------------------------------
// gx = x W_ih^T + b_ih and gh = h W_hh^T + b_hh, both [B, G*H]; PyTorch's gate orders.
// LSTM (i, f, g, o): returns {h [B, H], c [B, H]} from c_prev [B, H].
std::vector<Tensor> lstm_cell(const Tensor& gx, const Tensor& gh, const Tensor& c_prev);
// A whole LSTM recurrence in one op: gx [T, B, 4H] (x_t W_ih^T + b_ih for every step), weight_hh
// [4H, H], bias_hh [4H] (or undefined), h0 and c0 [B, H]. Returns {h_1..h_T as [T, B, H], c_T
// [B, H]}; h_T is the last row of the first. Same values as lstm_cell over linear(h, w_hh, b_hh)
// step by step, with the weight gradient taken over all steps in one GEMM.
std::vector<Tensor> lstm_sequence(const Tensor& gx, const Tensor& w_hh, const Tensor& b_hh,
                                  const Tensor& h0, const Tensor& c0);
// GRU (r, z, n): n = tanh(gx_n + r * gh_n); returns h = (1 - z) * n + z * h_prev.
Tensor gru_cell(const Tensor& gx, const Tensor& gh, const Tensor& h_prev);
// Elman RNN: tanh(gx + gh).
Tensor rnn_tanh_cell(const Tensor& gx, const Tensor& gh);

// --- fused attention (ops_attention.cpp) ---------------------------------------------------------
// softmax(Q K^T * scale + mask) V for q [..., Tq, d], k [..., Tk, d], v [..., Tk, dv] with equal
// batch dimensions. mask is additive (0 keeps, -inf blocks) and broadcasts to [..., Tq, Tk].
// scale <= 0 means 1/sqrt(d). Dropout (training) applies to the weights before V, as PyTorch's
// nn.MultiheadAttention. Returns {output [..., Tq, dv], weights [..., Tq, Tk] (before dropout)}.
std::vector<Tensor> scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                                 const Tensor& mask = Tensor(),
                                                 float dropout_p = 0.0f, Generator* gen = nullptr,
                                                 float scale = 0.0f);
// --- multi-head attention on projected rows (ops_multi_head.cpp) -------------------------------
// scaled_dot_product_attention over `heads` heads of dim / heads features each, reading head h's
// queries from columns [q_col + h hd, q_col + (h+1) hd) of q [B, Tq, Wq] (keys likewise from k
// [B, Tk, Wk] at k_col, values from v [B, Tk, Wv] at v_col) without copying them out, and writing
// the heads side by side. q, k and v may be one tensor (the fused QKV projection [B, T, 3E] with
// columns 0, E, 2E). mask broadcasts to [B, H, Tq, Tk]; scale is 1/sqrt(hd); dropout as
// scaled_dot_product_attention (same draws, same order). Returns {output [B, Tq, dim] (heads
// concatenated, ready for the out-projection), weights [B, H, Tq, Tk] (before dropout)}.
std::vector<Tensor> multi_head_attention(const Tensor& q, int64_t q_col, const Tensor& k,
                                         int64_t k_col, const Tensor& v, int64_t v_col,
                                         int64_t heads, int64_t dim, const Tensor& mask = Tensor(),
                                         float dropout_p = 0.0f, Generator* gen = nullptr);
// Bahdanau scores v^T tanh(qp_i + kp_j) for projected queries qp [B, Tq, A] and keys kp [B, Tk, A]:
// returns [B, Tq, Tk] without materialising graph nodes per pair.
Tensor additive_attention_score(const Tensor& qp, const Tensor& kp, const Tensor& v);
// Additive mask [t, t] with -inf above the diagonal (position i sees keys 0..i).
Tensor causal_mask(int64_t t);
// Additive mask [B, 1, 1, Tk] from a key_padding_mask [B, Tk] whose nonzero entries are padding
// (PyTorch's convention): broadcasts over heads and queries.
Tensor padding_mask(const Tensor& key_padding_mask);

}  // namespace attend

#include "autograd/ops_graph.h"
