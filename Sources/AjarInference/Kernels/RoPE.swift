import Foundation

/// Rotary position embedding (RoPE), with a cos/sin table computed once.
///
/// Which elements form a rotated pair — checked against llama.cpp: `llama_model_rope_type()`
/// returns `LLAMA_ROPE_TYPE_NORM` for `LLM_ARCH_LLAMA` ("a normal RoPE, operating on pairs of
/// consecutive head values"), and `convert_hf_to_gguf.py` permutes the rows of Hugging Face's
/// `q_proj`/`k_proj` weights for Llama (`LlamaModel.permute`: reshape to (heads, 2, headDim/2, …),
/// swap axes 1 and 2) so that HF's rotate-half pairs (i, i + headDim/2) become consecutive pairs
/// (2i, 2i+1) in the GGUF weights. So for a llama GGUF the pairs are (2i, 2i+1): `.normal`.
/// `.neox` (pairs (i, i + headDim/2)) is for architectures llama.cpp marks NEOX (Qwen2, Phi3,
/// GPT-NeoX, …) and for unpermuted HF weights.
///
/// Angles follow llama.cpp's `ggml_rope_cache_init`: θ_i = p·base^(−2i/d), computed as
/// θ ← p, then θ ← θ·base^(−2/d) once per pair, in `Float`, and `cosf`/`sinf` of that.
package struct RoPE: Sendable {
    package enum Style: Sendable {
        /// Pairs (2i, 2i+1) — llama.cpp ROPE_TYPE_NORM; Llama GGUF files.
        case normal
        /// Pairs (i, i + d/2) — llama.cpp ROPE_TYPE_NEOX.
        case neox
    }

    /// Elements per head that are rotated (`llama.rope.dimension_count`, usually the head dimension).
    package let dimensions: Int
    package let base: Float
    package let style: Style
    /// Positions the table covers (`0..<maxPositions`).
    package let maxPositions: Int
    /// `[maxPositions][dimensions / 2]` cos, then sin.
    private let table: [Float]

    /// - Parameters:
    ///   - dimensions: Rotated elements per head, even (64 for the default model).
    ///   - base: `llama.rope.freq_base` (1e5 for the default model; 1e4 if absent).
    ///   - style: Pairing; `.normal` for llama GGUF files.
    ///   - maxPositions: Context length to cover.
    package init(dimensions: Int, base: Float, style: Style = .normal, maxPositions: Int) {
        let d = max(2, dimensions & ~1)
        self.dimensions = d
        self.base = base
        self.style = style
        self.maxPositions = max(1, maxPositions)
        let pairs = d / 2
        var table = [Float](repeating: 0, count: self.maxPositions * d)
        let thetaScale = Foundation.pow(base, -2 / Float(d))
        for p in 0..<self.maxPositions {
            var theta = Float(p)
            for i in 0..<pairs {
                table[p * d + i] = Foundation.cos(theta)
                table[p * d + pairs + i] = Foundation.sin(theta)
                theta *= thetaScale
            }
        }
        self.table = table
    }

    /// Rotates each of `heads` consecutive heads of `headStride` floats in `v` for `position`.
    /// - Parameters:
    ///   - v: `heads × headStride` floats (the q or k vector of one token).
    ///   - heads: Number of heads (9 for q, 3 for k in the default model).
    ///   - headStride: Floats per head (`headDim`, ≥ `dimensions`).
    ///   - position: Token position, `0..<maxPositions`.
    /// - Throws: `KernelError.indexOutOfRange` for a position outside the table,
    ///   `.shapeMismatch` if `v` is shorter than `heads × headStride`.
    package func apply(_ v: UnsafeMutableBufferPointer<Float>, heads: Int, headStride: Int, position: Int) throws(KernelError) {
        guard position >= 0, position < maxPositions else {
            throw .indexOutOfRange(what: "RoPE position", index: position, count: maxPositions)
        }
        guard headStride >= dimensions, heads >= 0, v.count >= heads * headStride, let base = v.baseAddress else {
            throw .shapeMismatch(what: "RoPE input length", expected: heads * max(headStride, dimensions), found: v.count)
        }
        let pairs = dimensions / 2
        table.withUnsafeBufferPointer { t in
            // Checked above: position < maxPositions, so this row of the table exists.
            let cosines = t.baseAddress.unsafelyUnwrapped + position * dimensions
            let sines = cosines + pairs
            for h in 0..<heads {
                let head = base + h * headStride
                switch style {
                case .normal:
                    for i in 0..<pairs {
                        let x0 = head[2 * i], x1 = head[2 * i + 1]
                        head[2 * i] = x0 * cosines[i] - x1 * sines[i]
                        head[2 * i + 1] = x0 * sines[i] + x1 * cosines[i]
                    }
                case .neox:
                    for i in 0..<pairs {
                        let x0 = head[i], x1 = head[i + pairs]
                        head[i] = x0 * cosines[i] - x1 * sines[i]
                        head[i + pairs] = x0 * sines[i] + x1 * cosines[i]
                    }
                }
            }
        }
    }

    /// Reference: computes the angles directly (same recurrence) and rotates, without the table.
    package static func applyReference(_ v: UnsafeMutableBufferPointer<Float>, heads: Int, headStride: Int, dimensions: Int,
                                       base: Float, style: Style, position: Int) {
        let pairs = dimensions / 2
        let thetaScale = Foundation.pow(base, -2 / Float(dimensions))
        for h in 0..<heads {
            var theta = Float(position)
            for i in 0..<pairs {
                let (a, b) = style == .normal ? (h * headStride + 2 * i, h * headStride + 2 * i + 1)
                    : (h * headStride + i, h * headStride + i + pairs)
                let c = Foundation.cos(theta), s = Foundation.sin(theta)
                let x0 = v[a], x1 = v[b]
                v[a] = x0 * c - x1 * s
                v[b] = x0 * s + x1 * c
                theta *= thetaScale
            }
        }
    }
}
