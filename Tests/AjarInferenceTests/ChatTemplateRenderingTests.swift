import Foundation
import Testing

@testable import AjarInference

/// Real chat templates (Fixtures/tokenizer/chat-templates) rendered exactly as jinja2 renders them for HF
/// transformers (Fixtures/tokenizer/chat-template-renders.json, made by scripts/make-tokenizer-fixtures.py).
@Suite struct ChatTemplateRenderingTests {
    struct Render: Decodable, Sendable, CustomTestStringConvertible {
        struct Message: Decodable, Sendable {
            var role: String
            var content: String
        }

        var template: String
        var conversation: String
        var messages: [Message]
        var addGenerationPrompt: Bool
        var bosToken: String
        var eosToken: String
        var output: String?
        var error: String?

        var testDescription: String { "\(template) / \(conversation)" }
    }

    struct Renders: Decodable {
        var generator: String
        var renders: [Render]
    }

    static let renders: [Render] = {
        guard let url = try? TokenizerFixtures.url("chat-template-renders.json"), let data = try? Data(contentsOf: url)
        else { return [] }
        return (try? JSONDecoder().decode(Renders.self, from: data).renders) ?? []
    }()

    static func template(_ name: String) throws -> ChatTemplate {
        let url = try TokenizerFixtures.url("chat-templates/\(name).jinja")
        return try ChatTemplate(source: String(decoding: Data(contentsOf: url), as: UTF8.self))
    }

    static let threeMessages: [(role: String, content: String)] = [
        ("system", "You are a helpful assistant."), ("user", "Hello! What is 2+2?"), ("assistant", "  2 + 2 = 4.  "),
    ]

    @Test("the render fixture covers ten templates and five conversations")
    func fixtureLoads() {
        #expect(Self.renders.count == 50)
    }

    @Test("every template renders every conversation as jinja2 does", arguments: ChatTemplateRenderingTests.renders)
    func matchesJinja2(_ render: Render) throws {
        let template = try Self.template(render.template)
        let messages = render.messages.map { (role: $0.role, content: $0.content) }
        let rendering = {
            try template.render(
                messages: messages, addGenerationPrompt: render.addGenerationPrompt, bosToken: render.bosToken,
                eosToken: render.eosToken)
        }
        if let output = render.output {
            #expect(try rendering() == output)
        } else {
            let message = try #require(render.error)
            #expect(throws: ChatTemplateError.raised(message: message)) { try rendering() }
        }
    }

    @Test("SmolLM2 (ChatML): system, user, assistant and the generation prompt")
    func smolLM2() throws {
        let output = try Self.template("smollm2-135m-instruct").render(
            messages: Self.threeMessages, addGenerationPrompt: true, bosToken: "<|im_start|>", eosToken: "<|im_end|>")
        #expect(
            output
                == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nHello! What is 2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n  2 + 2 = 4.  <|im_end|>\n<|im_start|>assistant\n")
        let noSystem = try Self.template("smollm2-135m-instruct").render(
            messages: [("user", "hi")], addGenerationPrompt: false, bosToken: "", eosToken: "")
        #expect(
            noSystem
                == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                + "<|im_start|>user\nhi<|im_end|>\n")
    }

    @Test("Llama 3: BOS once, headers, trimmed content, <|eot_id|>")
    func llama3() throws {
        let output = try Self.template("llama-3-8b-instruct").render(
            messages: Self.threeMessages, addGenerationPrompt: true, bosToken: "<|begin_of_text|>",
            eosToken: "<|eot_id|>")
        #expect(
            output
                == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello! What is 2+2?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n2 + 2 = 4.<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    @Test("Mistral v0.3 folds the system message into the last user turn and rejects non-alternating roles")
    func mistral() throws {
        let template = try Self.template("mistral-7b-instruct-v0.3")
        // The system message only goes with the *last* user message; here the assistant answered last.
        #expect(
            try template.render(
                messages: Self.threeMessages, addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
                == "<s>[INST] Hello! What is 2+2?[/INST] 2 + 2 = 4.</s>")
        #expect(
            try template.render(
                messages: Self.threeMessages + [("user", "Thanks")], addGenerationPrompt: true, bosToken: "<s>",
                eosToken: "</s>")
                == "<s>[INST] Hello! What is 2+2?[/INST] 2 + 2 = 4.</s>[INST] You are a helpful assistant.\n\nThanks[/INST]"
        )
        #expect(
            throws: ChatTemplateError.raised(
                message:
                    "After the optional system message, conversation roles must alternate user/assistant/user/assistant/..."
            )
        ) {
            try template.render(
                messages: [("user", "a"), ("user", "b")], addGenerationPrompt: true, bosToken: "<s>", eosToken: "</s>")
        }
    }

    @Test("Gemma 2 rejects a system message and renders user/model turns")
    func gemma2() throws {
        let template = try Self.template("gemma-2-2b-it")
        #expect(throws: ChatTemplateError.raised(message: "System role not supported")) {
            try template.render(
                messages: Self.threeMessages, addGenerationPrompt: true, bosToken: "<bos>", eosToken: "<eos>")
        }
        #expect(
            try template.render(
                messages: Array(Self.threeMessages.dropFirst()), addGenerationPrompt: true, bosToken: "<bos>",
                eosToken: "<eos>")
                == "<bos><start_of_turn>user\nHello! What is 2+2?<end_of_turn>\n"
                + "<start_of_turn>model\n2 + 2 = 4.<end_of_turn>\n<start_of_turn>model\n")
    }

    @Test("Phi-3 and Qwen2: tagged turns and the generation prompt")
    func phi3AndQwen2() throws {
        #expect(
            try Self.template("phi-3-mini-4k-instruct").render(
                messages: Self.threeMessages, addGenerationPrompt: true, bosToken: "<s>", eosToken: "<|endoftext|>")
                == "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nHello! What is 2+2?<|end|>\n"
                + "<|assistant|>\n  2 + 2 = 4.  <|end|>\n<|assistant|>\n")
        #expect(
            try Self.template("phi-3-mini-4k-instruct").render(
                messages: [("user", "hi")], addGenerationPrompt: false, bosToken: "<s>", eosToken: "<|endoftext|>")
                == "<|user|>\nhi<|end|>\n<|endoftext|>")
        #expect(
            try Self.template("qwen2-0.5b-instruct").render(
                messages: [("user", "hi")], addGenerationPrompt: true, bosToken: "", eosToken: "<|im_end|>")
                == "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
                + "<|im_start|>assistant\n")
    }

    @Test("the SmolLM2 prompt encodes with special tokens parsed into llama.cpp's control tokens")
    func renderedPromptEncodes() throws {
        let tokenizer = try TokenizerFixtures.smolLM2.get()
        let vocabulary = try TokenizerFixtures.vocabulary.get()
        let template = try ChatTemplate(source: try #require(vocabulary.chatTemplate))
        let prompt = try template.render(
            messages: [("user", "hi")], addGenerationPrompt: true, bosToken: "<|im_start|>", eosToken: "<|im_end|>")
        let ids = tokenizer.encode(prompt, addSpecial: true, parseSpecial: true)
        #expect(ids.first == 1)
        #expect(ids.filter { $0 == 1 }.count == 3)  // system, user, assistant turns
        #expect(ids.filter { $0 == 2 }.count == 2)
        #expect(tokenizer.decode(ids, renderSpecial: true) == prompt)
    }
}
