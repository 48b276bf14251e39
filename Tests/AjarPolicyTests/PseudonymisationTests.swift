import AjarCore
import Testing

@testable import AjarPolicy

@Suite struct PseudonymisationTests {
    @Test("the same value gets the same placeholder; numbering is per class in order of appearance")
    func stablePlaceholders() {
        var table = PseudonymTable()
        #expect(table.placeholder(for: "a@example.com", of: .email) == "<EMAIL_1>")
        #expect(table.placeholder(for: "+44 20 7946 0958", of: .phone) == "<PHONE_1>")
        #expect(table.placeholder(for: "b@example.com", of: .email) == "<EMAIL_2>")
        #expect(table.placeholder(for: "a@example.com", of: .email) == "<EMAIL_1>")
        #expect(table.placeholder(for: "4111111111111111", of: .paymentCard) == "<PAYMENT_CARD_1>")
        #expect(table.count == 4)
    }

    @Test("the table never prints its values")
    func redactedDescription() {
        var table = PseudonymTable()
        _ = table.placeholder(for: "a@example.com", of: .email)
        var dumped = ""
        dump(table, to: &dumped)
        for text in [String(describing: table), String(reflecting: table), "\(table)", dumped] {
            #expect(!text.contains("a@example.com"))
        }
    }

    @Test("rewrite replaces pseudonymised and redacted spans and keeps everything else byte for byte")
    func rewrite() {
        let text = "Mail ada@example.com or call +44 20 7946 0958, card 4111111111111111."
        let spans = SensitiveDataScanner.builtIn.scan(text)
        var table = PseudonymTable()
        let actions: [DataClass: DataAction] = [.email: .pseudonymise, .phone: .redact, .paymentCard: .keepLocal]
        let vendor = Pseudonymizer.rewrite(text, spans: spans, actions: actions, pseudonymise: true, table: &table)
        #expect(vendor.text == "Mail <EMAIL_1> or call [REDACTED_PHONE], card 4111111111111111.")
        #expect(vendor.replaced == 2)
        var unused = PseudonymTable()
        let inHouse = Pseudonymizer.rewrite(text, spans: spans, actions: actions, pseudonymise: false, table: &unused)
        #expect(inHouse.text == "Mail ada@example.com or call [REDACTED_PHONE], card 4111111111111111.")
        #expect(table.restore(vendor.text) == "Mail ada@example.com or call [REDACTED_PHONE], card 4111111111111111.")
    }

    @Test("the restorer holds back only a possible placeholder prefix")
    func holdsOnlyPrefixes() {
        var table = PseudonymTable()
        _ = table.placeholder(for: "ada@example.com", of: .email)
        var restorer = PlaceholderRestorer()
        #expect(restorer.feed("if a < b then <EM", table: table) == "if a < b then ")
        #expect(restorer.isHolding)
        #expect(restorer.feed("AIL_1> wrote", table: table) == "ada@example.com wrote")
        #expect(!restorer.isHolding)
        #expect(restorer.feed("<EMAIL_2> <PHONE", table: table) == "<EMAIL_2> <PHONE")
        #expect(restorer.feed("x <EMAIL_", table: table) == "x ")
        #expect(restorer.finish() == "<EMAIL_")
    }

    @Test("stream restorer: content and tool-call argument deltas split inside placeholders, flushed on finish")
    func streamRestorer() {
        var table = PseudonymTable()
        _ = table.placeholder(for: "ada@example.com", of: .email)
        _ = table.placeholder(for: "+44 20 7946 0958", of: .phone)
        var restorer = StreamRestorer(table: table)
        func chunk(_ deltas: [ChunkDelta], finish: Bool = false) -> ChatChunk {
            ChatChunk(
                id: "c", model: "m", created: 1,
                choices: deltas.enumerated().map {
                    ChunkChoice(index: $0.offset, delta: $0.element, finishReason: finish ? .toolCalls : nil)
                })
        }
        var content = ""
        var arguments = ""
        let pieces: [(String, String)] = [
            ("Hi <EMA", "{\"to\":\"<EM"), ("IL_1>, call <PHO", "AIL_1>\",\"tel\":\"<"), ("NE_1>", "PHONE_1>\"}"),
        ]
        for (text, args) in pieces {
            let out = restorer.restore(
                chunk([ChunkDelta(content: text, toolCalls: [ToolCallDelta(index: 0, arguments: args)])]))
            content += out.choices[0].delta.content ?? ""
            arguments += out.choices[0].delta.toolCalls.first?.arguments ?? ""
        }
        #expect(content == "Hi ada@example.com, call +44 20 7946 0958")
        #expect(arguments == "{\"to\":\"ada@example.com\",\"tel\":\"+44 20 7946 0958\"}")
        // A dangling prefix is released on the finishing chunk, as it was written.
        let held = restorer.restore(chunk([ChunkDelta(content: " bye <EMAIL_")]))
        #expect(held.choices[0].delta.content == " bye ")
        let last = restorer.restore(chunk([ChunkDelta()], finish: true))
        #expect(last.choices[0].delta.content == "<EMAIL_")
        #expect(restorer.finish() == nil)
    }

    @Test("stream restorer: finish() releases what a stream without a finish reason left behind")
    func finishWithoutReason() {
        var table = PseudonymTable()
        _ = table.placeholder(for: "ada@example.com", of: .email)
        var restorer = StreamRestorer(table: table)
        let out = restorer.restore(
            ChatChunk(
                id: "c", model: "m", created: 1,
                choices: [
                    ChunkChoice(index: 0, delta: ChunkDelta(content: "x <EMAIL")),
                    ChunkChoice(index: 1, delta: ChunkDelta(content: "y")),
                ]))
        #expect(out.choices.map(\.delta.content) == ["x ", "y"])
        let rest = restorer.finish()
        #expect(rest?.choices.map(\.index) == [0])
        #expect(rest?.choices.first?.delta.content == "<EMAIL")
        #expect(rest?.id == "c")
    }

    // MARK: - Property tests

    static let sensitiveSamples: [(DataClass, String)] = [
        (.email, "ada@example.com"), (.email, "grace.hopper@example.org"), (.phone, "+44 20 7946 0958"),
        (.phone, "(415) 555-0123"), (.paymentCard, "4111 1111 1111 1111"), (.iban, "DE89 3704 0044 0532 0130 00"),
        (.ssn, "123-45-6789"), (.ipAddress, "10.0.0.1"), (.secret, "ghp_0123456789abcdefghijABCDEFGHIJ012345"),
    ]
    /// Filler that stresses the restorer: angle brackets, underscores, capitals, digits, non-ASCII.
    static let filler = Array("abc XYZ <> <E <EMAIL <PHONE_ _1> 9 < > __ é日本 \n\"{}:,".unicodeScalars)

    /// A random text with random sensitive values spliced in.
    static func randomText(_ generator: inout SplitMix64) -> String {
        var text = ""
        for _ in 0..<generator.int(in: 0...12) {
            for _ in 0..<generator.int(in: 0...20) {
                text.unicodeScalars.append(filler[generator.int(in: 0...(filler.count - 1))])
            }
            if generator.next() % 3 != 0 {
                // Delimited, so each value is unambiguously one value (detection itself is measured
                // by the corpus test; "9 (415) 555-0123 1" may be read as one longer number).
                text += " [" + sensitiveSamples[generator.int(in: 0...(sensitiveSamples.count - 1))].1 + "] "
            }
        }
        return text
    }

    /// `text` cut at random scalar boundaries into 1…n pieces.
    static func randomChunks(_ text: String, _ generator: inout SplitMix64) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [String] = []
        var start = 0
        while start < scalars.count {
            let length = generator.int(in: 1...max(1, min(12, scalars.count - start)))
            var piece = ""
            piece.unicodeScalars.append(contentsOf: scalars[start..<(start + length)])
            pieces.append(piece)
            start += length
        }
        return pieces
    }

    @Test(
        "property: pseudonymise then restore, whole or in random chunks, gives back the text exactly",
        arguments: [1, 2, 3, 4, 5] as [UInt64])
    func roundTrip(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let actions = Dictionary(uniqueKeysWithValues: DataClass.builtIn.map { ($0, DataAction.pseudonymise) })
        for _ in 0..<200 {
            let text = Self.randomText(&generator)
            var table = PseudonymTable()
            let spans = SensitiveDataScanner.builtIn.scan(text)
            let masked = Pseudonymizer.rewrite(text, spans: spans, actions: actions, pseudonymise: true, table: &table)
                .text
            for sample in Self.sensitiveSamples where text.contains(sample.1) {
                #expect(!masked.contains(sample.1), "value left in masked text")
            }
            #expect(table.restore(masked) == text)

            // Streamed as content and as tool-call arguments, cut anywhere.
            var restorer = StreamRestorer(table: table)
            var content = ""
            var arguments = ""
            for piece in Self.randomChunks(masked, &generator) {
                let chunk = ChatChunk(
                    id: "c", model: "m", created: 0,
                    choices: [
                        ChunkChoice(
                            index: 0,
                            delta: ChunkDelta(content: piece, toolCalls: [ToolCallDelta(index: 2, arguments: piece)]))
                    ])
                let out = restorer.restore(chunk)
                content += out.choices[0].delta.content ?? ""
                arguments += out.choices[0].delta.toolCalls.first?.arguments ?? ""
            }
            if let rest = restorer.finish() {
                content += rest.choices[0].delta.content ?? ""
                arguments += rest.choices[0].delta.toolCalls.first?.arguments ?? ""
            }
            #expect(content == text)
            #expect(arguments == text)
        }
    }

    @Test(
        "property: text without placeholders streams through unchanged, whatever the chunking",
        arguments: [7, 8] as [UInt64])
    func passThrough(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        var table = PseudonymTable()
        _ = table.placeholder(for: "ada@example.com", of: .email)
        _ = table.placeholder(for: "x", of: .phone)
        for _ in 0..<200 {
            let text = Self.randomText(&generator)
            guard !text.contains("<EMAIL_1>"), !text.contains("<PHONE_1>") else { continue }
            var restorer = PlaceholderRestorer()
            var output = ""
            for piece in Self.randomChunks(text, &generator) { output += restorer.feed(piece, table: table) }
            output += restorer.finish()
            #expect(output == text)
        }
    }
}
