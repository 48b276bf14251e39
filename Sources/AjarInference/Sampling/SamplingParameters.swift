/// How the next token is chosen from the logits. Defaults leave the distribution untouched
/// (temperature 1, no truncation, no penalties).
package struct SamplingParameters: Sendable, Equatable {
    /// 0 (or less) means greedy: always the most likely token.
    package var temperature: Float = 1
    /// Keep only the `topK` most likely tokens; 0 keeps all.
    package var topK: Int = 0
    /// Keep the smallest set of most likely tokens whose probabilities sum to at least `topP`.
    package var topP: Float = 1
    /// Drop tokens whose probability is below `minP` × the most likely token's.
    package var minP: Float = 0
    /// Divides positive (multiplies negative) logits of tokens seen in the penalty window
    /// (llama.cpp's `repeat_penalty`, the CTRL paper's); 1 disables it.
    package var repetitionPenalty: Float = 1
    /// Subtracts `frequencyPenalty` × count of each token seen (OpenAI's definition).
    package var frequencyPenalty: Float = 0
    /// Subtracts `presencePenalty` from each token seen at least once (OpenAI's definition).
    package var presencePenalty: Float = 0
    /// How many of the most recent tokens the penalties look at (llama.cpp's `repeat_last_n`).
    package var penaltyWindow: Int = 64
    /// Same seed, same prompt, same parameters → same tokens. `nil` draws a seed.
    package var seed: UInt64?
    /// How many alternatives to report with each token's log-probability (0 reports none).
    package var topLogprobs: Int = 0
    /// Whether to compute the chosen token's log-probability at all.
    package var logprobs: Bool = false

    package init() {}

    /// Greedy decoding.
    package static var greedy: SamplingParameters {
        var parameters = SamplingParameters()
        parameters.temperature = 0
        return parameters
    }
}
