import Testing

@testable import AjarInference

/// Golden tests: token ids and pieces exactly as llama.cpp produces them (llama-cpp-python, vocab_only),
/// for SmolLM2's vocabulary under its own pre-tokenizer (`smollm`), under the other pre-tokenizers, and
/// as a SentencePiece vocabulary. Fixtures: scripts/make-tokenizer-fixtures.py.
@Suite struct TokenizerLlamaCppTests {
    typealias Case = TokenizerFixtures.LlamaCppTokens.Case

    @Test("SmolLM2 ids equal llama.cpp's with special tokens as text", arguments: TokenizerFixtures.cases)
    func idsWithoutSpecial(_ testCase: Case) throws {
        let tokenizer = try TokenizerFixtures.smolLM2.get()
        #expect(tokenizer.encode(testCase.text, addSpecial: false, parseSpecial: false) == testCase.ids)
    }

    @Test("SmolLM2 ids equal llama.cpp's with special tokens parsed", arguments: TokenizerFixtures.cases)
    func idsWithSpecial(_ testCase: Case) throws {
        let tokenizer = try TokenizerFixtures.smolLM2.get()
        #expect(tokenizer.encode(testCase.text, addSpecial: false, parseSpecial: true) == testCase.idsSpecial)
    }

    @Test("every token's piece equals llama.cpp's, hidden and rendered", arguments: TokenizerFixtures.cases)
    func pieces(_ testCase: Case) throws {
        let tokenizer = try TokenizerFixtures.smolLM2.get()
        for (index, id) in testCase.idsSpecial.enumerated() {
            #expect(Array(tokenizer.piece(id)) == TokenizerFixtures.bytes(hex: testCase.pieces[index]), "token \(id)")
            #expect(
                Array(tokenizer.piece(id, renderSpecial: true))
                    == TokenizerFixtures.bytes(hex: testCase.piecesSpecial[index]), "token \(id)")
        }
    }

    @Test("decoding the encoded text gives the text back", arguments: TokenizerFixtures.cases)
    func roundTrip(_ testCase: Case) throws {
        let tokenizer = try TokenizerFixtures.smolLM2.get()
        let plain = tokenizer.encode(testCase.text, addSpecial: false, parseSpecial: false)
        #expect(tokenizer.decode(plain) == testCase.text)
        let special = tokenizer.encode(testCase.text, addSpecial: false, parseSpecial: true)
        #expect(tokenizer.decode(special, renderSpecial: true) == testCase.text)
    }

    @Test(
        "SmolLM2's vocabulary under other pre-tokenizers gives llama.cpp's ids",
        arguments: ["gpt-2", "llama-bpe", "qwen2", "default"])
    func preTokenizerVariants(_ name: String) throws {
        let fixture = try TokenizerFixtures.llamaCpp.get()
        let variant = try #require(fixture.variants[name], "variant \(name) missing from the fixture")
        let tokenizer = try Tokenizer(metadata: TokenizerFixtures.vocabulary.get().metadata(preTokenizer: name))
        for (index, testCase) in fixture.cases.enumerated() {
            #expect(
                tokenizer.encode(testCase.text, addSpecial: false, parseSpecial: false) == variant.ids[index],
                "case \(index): \(testCase.text.prefix(40).debugDescription)")
            #expect(
                tokenizer.encode(testCase.text, addSpecial: false, parseSpecial: true) == variant.idsSpecial[index],
                "case \(index) (special): \(testCase.text.prefix(40).debugDescription)")
        }
    }

    @Test("a SentencePiece vocabulary gives llama.cpp's ids, with and without BOS")
    func sentencePieceVariant() throws {
        let fixture = try TokenizerFixtures.llamaCpp.get()
        let variant = try #require(fixture.variants["spm"], "variant spm missing from the fixture")
        let tokenizer = try TokenizerFixtures.sentencePiece.get()
        #expect(tokenizer.addsBOS)
        #expect(tokenizer.addsSpacePrefix)
        for (index, testCase) in fixture.cases.enumerated() {
            let label = "case \(index): \(testCase.text.prefix(40).debugDescription)"
            #expect(
                tokenizer.encode(testCase.text, addSpecial: false, parseSpecial: false) == variant.ids[index],
                "\(label)")
            #expect(
                tokenizer.encode(testCase.text, addSpecial: false, parseSpecial: true) == variant.idsSpecial[index],
                "\(label)")
            if let withBOS = variant.idsWithBOS {
                #expect(
                    tokenizer.encode(testCase.text, addSpecial: true, parseSpecial: true) == withBOS[index], "\(label)")
            }
        }
    }

    @Test("end-of-generation tokens and special ids equal llama.cpp's")
    func endOfGeneration() throws {
        let fixture = try TokenizerFixtures.llamaCpp.get()
        let tokenizer = try TokenizerFixtures.smolLM2.get()
        #expect(tokenizer.endOfGenerationTokens == Set(fixture.eog))
        #expect(tokenizer.bos == fixture.bos)
        #expect(tokenizer.eos == fixture.eos)
        for id in fixture.eog {
            #expect(tokenizer.isEndOfGeneration(id))
        }
        #expect(!tokenizer.isEndOfGeneration(1))
    }
}
