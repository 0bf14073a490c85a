// SPDX-License-Identifier: MIT
// Muon (Jordan et al. 2024, "Muon: An optimizer for hidden layers in neural networks") as
// torch.optim.Muon (PyTorch 2.9, torch/optim/_muon.py) computes it, for weights of 2 or more
// dimensions. Each is the matrix G that torch holds for the layer, A rows (out) by B columns (in):
// a weight stored (in, out) — optlab's dense and convolution layers, WeightLayout::in_out — is
// read transposed, and one of 3 or more dimensions (out, in, kh, kw) as (out, in·kh·kw), as
// Keller Jordan's Muon reshapes it (torch 2.9 refuses it). Per matrix:
//
//   m ← lerp(m, g, 1 − μ);   u ← nesterov ? lerp(g, m, μ) : m
//   O ← NewtonSchulz(u):  X ← u (transposed when A > B);  X ← X / max(‖X‖_F, ε)
//                         ns_steps × { S ← X·Xᵀ;  S' ← b·S + c·S·S;  X ← a·X + S'·X }
//   θ ← θ·(1 − γλ);   θ ← θ − γ·ratio·O,  ratio = √max(1, A/B) ("original") or 0.2·√max(A, B)
//
// The products go through the BLAS. One deliberate difference: Newton–Schulz runs in the
// parameter's own dtype (torch casts to bfloat16, which gains a CPU nothing). Tensors of
// fewer than 2 dimensions (biases, norms) are refused by name: train them with AdamW (optlab train's
// --optimizer muon does, Keras 3 and PyTorch's docs recommend it). docs/optimizers.md#muon.
#pragma once

#include <string>
#include <vector>

#include "optlab/optim/optimizer.hpp"

namespace optlab {

struct MuonOptions {
    Field<"lr"> lr = 1e-3;                                                   // γ
    Field<"weight_decay"> weight_decay = 0.1;                                // λ, decoupled
    Field<"momentum"> momentum = 0.95;                                       // μ
    Field<"nesterov", bool> nesterov = true;
    Field<"ns_coefficients", Triple> ns_coefficients = Triple{3.4445, -4.7750, 2.0315};  // a, b, c
    Field<"eps"> eps = 1e-7;                                                 // ε of the normalisation
    Field<"ns_steps"> ns_steps = 5;                                          // a whole number < 100
    Field<"adjust_lr_fn", std::string> adjust_lr_fn = std::string("original");  // or match_rms_adamw
    Field<"maximize", bool> maximize = false;
    Convention convention = Convention::torch;

    static MuonOptions defaults(Convention c);
};

template <class T>
class Muon final : public BasicOptimizer<T, Muon<T>, MuonOptions> {
    using Base = BasicOptimizer<T, Muon<T>, MuonOptions>;

  public:
    static constexpr std::string_view kName = "muon";
    static constexpr std::array<std::string_view, 1> kBuffers = {"momentum_buffer"};

    /// Both refuse, by name, a tensor of fewer than 2 dimensions.
    explicit Muon(ParamStore<T>& store, const MuonOptions& options = {});
    Muon(ParamStore<T>& store, typename Base::ParamGroups groups);

    static void validate(const MuonOptions& o);
    /// ratio of the step: √max(1, A/B) ("original") or 0.2·√max(A, B) ("match_rms_adamw").
    static double lr_ratio(const MuonOptions& o, std::size_t rows, std::size_t cols);
    /// The Newton–Schulz workspaces, sized by the largest matrix.
    std::size_t workspace_bytes() const override {
        return (x_.size() + x_next_.size() + s_.size() + s2_.size()) * sizeof(T);
    }

  private:
    /// A weight as torch's (out, in·…) matrix: the rows and columns Muon's rule reads, every
    /// dimension after the first folded into the columns (a kernel (out, in, kh, kw) is
    /// (out, in·kh·kw), as Keller Jordan's Muon does), and whether it is stored transposed.
    struct TorchMatrix {
        std::size_t rows, cols;
        bool stored_transposed;  // WeightLayout::in_out
    };
    static TorchMatrix torch_matrix(const TensorInfo& t);
    void check_matrices() const;
    void step_group(std::size_t g) override;
    void newton_schulz(std::size_t rows, std::size_t cols, const MuonOptions& o);

    // Workspaces, grown to the largest matrix and reused: the step allocates nothing after
    // its first.
    std::vector<T> x_, x_next_, s_, s2_;
};

extern template class Muon<float>;
extern template class Muon<double>;

}  // namespace optlab
