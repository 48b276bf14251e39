import Foundation
import Testing

@testable import AjarInference

/// Runs the default model end to end (when it has been fetched).
@Suite("Llama smoke")
struct LlamaSmokeTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

    @Test("greedy continuation of a prompt", .enabled(if: canRunWholeModel, "needs an optimised build and the model"))
    func greedy() throws {
        let model = try LlamaModel(path: Self.path)
        let tokenizer = try Tokenizer(file: model.file)
        let prompt = tokenizer.encode("The capital of France is", addSpecial: false, parseSpecial: false)
        let state = model.makeState(capacity: 256)
        for token in prompt { try model.forward(token, state: state) }
        var generated: [Int32] = []
        for _ in 0..<8 {
            let next = Int32(Sampler.argmax(state.logits, count: model.config.vocabularySize))
            generated.append(next)
            try model.forward(next, state: state)
        }
        let text = tokenizer.decode(generated)
        print("smoke prompt \(prompt) → \(generated) \(text.debugDescription)")
        #expect(text.contains("Paris"))
    }
}
