// The vendor-neutral "model": what each fake vendor reads from a request (`FakeConversation`)
// and what it answers (`FakeAnswer`). Each vendor file maps its wire format onto these and back.
//
// Tokens are whitespace-separated words, everywhere: in prompts, in answers and in limits.

import Foundation

/// The three vendors the fake server speaks for.
enum Vendor: String, Sendable {
    case openai
    case anthropic
    case gemini
}

/// What the request allows the model to do with its tools.
enum ToolChoice: Sendable, Equatable {
    /// The model decides (the fake calls a tool when the user mentions "weather" or the model
    /// name contains "tools").
    case auto
    /// Never call a tool.
    case none
    /// Always call a tool (the first declared).
    case required
    /// Always call this tool.
    case named(String)
}

/// What a fake vendor took from a request.
struct FakeConversation: Sendable {
    var vendor: Vendor
    var model: String
    /// Text of the last user message (OpenAI `user`, Anthropic `user` text blocks, Gemini `user`
    /// text parts).
    var lastUserText = ""
    /// When the conversation ends with tool results: their text, joined by spaces.
    var toolResultText: String?
    /// Words in every message, the system prompt and tool calls and results.
    var promptTokens = 0
    /// Names of the declared function tools, in order.
    var toolNames: [String] = []
    var toolChoice: ToolChoice = .auto
    /// Whether a JSON answer was asked for.
    var wantsJSON = false
    var maxTokens: Int?
    var stopSequences: [String] = []
    /// The raw request body (for `echo-request`).
    var rawBody = ""
}

/// One answer (one choice / candidate).
struct FakeAnswer: Sendable, Equatable {
    enum Content: Sendable, Equatable {
        case text(String)
        /// A call of `name` with `arguments` as JSON text.
        case toolCall(name: String, arguments: String)
    }

    enum Finish: Sendable, Equatable {
        /// A natural end (OpenAI `stop`, Anthropic `end_turn`, Gemini `STOP`).
        case stop
        /// The token limit cut it (`length`, `max_tokens`, `MAX_TOKENS`).
        case length
        /// A stop sequence cut it; the sequence matched.
        case stopSequence(String)
        /// The answer is a tool call (`tool_calls`, `tool_use`, Gemini `STOP`).
        case toolCalls
    }

    var content: Content
    var finish: Finish
    var completionTokens: Int

    /// The arguments every fake tool call carries.
    static let toolArguments = #"{"location":"Paris"}"#

    /// The answer's text, or "" for a tool call.
    var text: String {
        if case .text(let text) = content { return text }
        return ""
    }

    /// The text in stream order: one piece per word, each with the whitespace before it.
    var textPieces: [String] { Self.wordPieces(text) }

    /// Makes the answer for choice `choice` (0-based; OpenAI `n`).
    static func make(for conversation: FakeConversation, scenario: Scenario, choice: Int = 0) -> FakeAnswer {
        if scenario == .echoRequest {
            // The exact bytes received: no suffix, no limits, no stop sequences.
            let body = conversation.rawBody
            return FakeAnswer(content: .text(body), finish: .stop, completionTokens: wordCount(body))
        }
        if let tool = toolToCall(conversation) {
            return FakeAnswer(
                content: .toolCall(name: tool, arguments: toolArguments),
                finish: .toolCalls,
                completionTokens: wordCount(tool) + wordCount(toolArguments)
            )
        }
        var subject = conversation.toolResultText.map { "tool result: " + $0 } ?? conversation.lastUserText
        if choice > 0 { subject += " #\(choice)" }
        var text: String
        if conversation.wantsJSON {
            text = FakeJSON.object([.init(key: "answer", value: .string(subject))]).serialized
        } else {
            text = "fake-\(conversation.vendor.rawValue) \(conversation.model): \(subject)"
        }
        var finish = Finish.stop
        if let (index, sequence) = firstStop(in: text, sequences: conversation.stopSequences) {
            text = String(text[..<index])
            finish = .stopSequence(sequence)
        }
        if let limit = conversation.maxTokens {
            let pieces = wordPieces(text)
            if wordCount(text) > limit {
                text = pieces.prefix(max(0, limit)).joined()
                finish = .length
            }
        }
        return FakeAnswer(content: .text(text), finish: finish, completionTokens: wordCount(text))
    }

    private static func toolToCall(_ conversation: FakeConversation) -> String? {
        guard let first = conversation.toolNames.first, conversation.toolResultText == nil else { return nil }
        switch conversation.toolChoice {
        case .none:
            return nil
        case .required:
            return first
        case .named(let name):
            return name
        case .auto:
            let asksWeather = conversation.lastUserText.lowercased().contains("weather")
            return asksWeather || conversation.model.contains("tools") ? first : nil
        }
    }

    /// The earliest occurrence of any non-empty stop sequence.
    private static func firstStop(in text: String, sequences: [String]) -> (String.Index, String)? {
        var best: (String.Index, String)?
        for sequence in sequences where !sequence.isEmpty {
            if let range = text.range(of: sequence), best.map({ range.lowerBound < $0.0 }) ?? true {
                best = (range.lowerBound, sequence)
            }
        }
        return best
    }

    // MARK: - Words

    /// Number of whitespace-separated words.
    static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count
    }

    /// Splits text into pieces that concatenate back to it exactly: each piece is the
    /// whitespace before a word plus the word; trailing whitespace joins the last piece.
    static func wordPieces(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var inWord = false
        for character in text {
            if character.isWhitespace {
                if inWord {
                    pieces.append(current)
                    current = ""
                    inWord = false
                }
            } else {
                inWord = true
            }
            current.append(character)
        }
        if !current.isEmpty {
            if inWord || pieces.isEmpty {
                pieces.append(current)
            } else {
                pieces[pieces.count - 1] += current
            }
        }
        return pieces
    }

    /// Splits tool-argument JSON into the small fragments vendors stream (a few bytes each).
    static func argumentFragments(_ arguments: String) -> [String] {
        var fragments: [String] = []
        var current = ""
        for character in arguments {
            current.append(character)
            if current.count >= 5 || character == "," || character == ":" {
                fragments.append(current)
                current = ""
            }
        }
        if !current.isEmpty { fragments.append(current) }
        return fragments
    }
}

/// Deterministic fake embeddings: a unit vector derived from the text's bytes.
enum FakeEmbedding {
    static func vector(for text: String, dimensions: Int) -> [Float] {
        var generator = SplitMix64(seed: FNV1a.hash(text.utf8))
        var values = (0..<max(1, dimensions)).map { _ in
            Double(generator.next() >> 11) / Double(1 << 53) * 2 - 1
        }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { values = values.map { $0 / norm } }
        return values.map { Float($0) }
    }

    /// Base64 of the little-endian float32 values (OpenAI's `encoding_format: "base64"`).
    static func base64(_ values: [Float]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
