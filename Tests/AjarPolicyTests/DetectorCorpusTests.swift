import AjarPolicy
import Foundation
import Testing

/// Precision and recall of the built-in detectors on the labelled corpus in
/// `Fixtures/detector-corpus.jsonl` (made by `Fixtures/make-detector-corpus.py`).
@Suite struct DetectorCorpusTests {
    struct Snippet: Decodable {
        struct Span: Decodable, Hashable {
            var `class`: String
            var value: String
        }

        var text: String
        var spans: [Span]
        var note: String
    }

    struct Tally {
        var truePositives = 0
        var falsePositives = 0
        var falseNegatives = 0
        var precision: Double {
            truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
        }
        var recall: Double {
            truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives)
        }
    }

    static func loadCorpus() throws -> [Snippet] {
        let url = try #require(
            Bundle.module.url(forResource: "detector-corpus", withExtension: "jsonl", subdirectory: "Fixtures"))
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        return try lines.map { try JSONDecoder().decode(Snippet.self, from: Data($0.utf8)) }
    }

    @Test("the corpus has at least 300 snippets, true cases and hard negatives of every built-in class")
    func corpusSize() throws {
        let corpus = try Self.loadCorpus()
        #expect(corpus.count >= 300)
        #expect(corpus.filter(\.spans.isEmpty).count >= 100)
        for dataClass in DataClass.builtIn {
            #expect(corpus.contains { $0.spans.contains { $0.class == dataClass.rawValue } }, "no \(dataClass) cases")
        }
    }

    @Test("every built-in class has precision and recall of at least 0.95 on the corpus")
    func precisionAndRecall() throws {
        let corpus = try Self.loadCorpus()
        var tallies: [String: Tally] = [:]
        var mistakes: [String] = []
        for snippet in corpus {
            let utf8 = Array(snippet.text.utf8)
            let found = SensitiveDataScanner.builtIn.scan(snippet.text).map {
                Snippet.Span(class: $0.dataClass.rawValue, value: String(decoding: utf8[$0.range], as: UTF8.self))
            }
            var expected = snippet.spans
            for span in found {
                if let index = expected.firstIndex(of: span) {
                    expected.remove(at: index)
                    tallies[span.class, default: Tally()].truePositives += 1
                } else {
                    tallies[span.class, default: Tally()].falsePositives += 1
                    mistakes.append("false \(span.class) '\(span.value)' in: \(snippet.text)")
                }
            }
            for missed in expected {
                tallies[missed.class, default: Tally()].falseNegatives += 1
                mistakes.append("missed \(missed.class) '\(missed.value)' in: \(snippet.text)")
            }
        }
        var report = "class          TP  FP  FN  precision  recall\n"
        for dataClass in DataClass.builtIn {
            let t = tallies[dataClass.rawValue] ?? Tally()
            report += dataClass.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
            report += String(
                format: " %3d %3d %3d  %9.3f  %6.3f\n", t.truePositives, t.falsePositives, t.falseNegatives,
                t.precision, t.recall)
        }
        print(report + mistakes.joined(separator: "\n"))
        for dataClass in DataClass.builtIn {
            let t = tallies[dataClass.rawValue] ?? Tally()
            #expect(t.truePositives > 0, "\(dataClass) never detected")
            #expect(t.precision >= 0.95, "\(dataClass) precision \(t.precision)")
            #expect(t.recall >= 0.95, "\(dataClass) recall \(t.recall)")
        }
    }
}
