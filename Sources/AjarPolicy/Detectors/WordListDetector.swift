/// A custom detector from the config: a list of words or phrases (project code names, client
/// names), matched as whole words, ASCII case-insensitively unless configured otherwise.
///
/// Whole word means the bytes before and after a match are not letters or digits (any non-ASCII
/// byte counts as a letter), so `nightjar` does not match inside `nightjars`.
package struct WordListDetector: Detector {
    package let dataClass: DataClass
    private let caseSensitive: Bool
    /// The words' UTF-8 bytes (lower-cased when matching ignores case), longest first, so the
    /// longest phrase wins at a position.
    private let words: [[UInt8]]
    /// For each first byte, whether any word starts with it: a cheap filter for the scan loop.
    private let firstBytes: [Bool]

    /// - Parameters:
    ///   - dataClass: the class to report.
    ///   - words: the words or phrases; empty ones are ignored.
    ///   - caseSensitive: whether case must match (ASCII letters only are folded otherwise).
    package init(dataClass: DataClass, words: [String], caseSensitive: Bool = false) {
        self.dataClass = dataClass
        self.caseSensitive = caseSensitive
        let encoded = words.map { word in
            caseSensitive ? Array(word.utf8) : word.utf8.map { $0.asciiLowercased }
        }
        self.words = encoded.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        var firstBytes = [Bool](repeating: false, count: 256)
        for word in self.words {
            if let first = word.first { firstBytes[Int(first)] = true }
        }
        self.firstBytes = firstBytes
    }

    package func detect(in bytes: UnsafeBufferPointer<UInt8>, text: String, into spans: inout [DetectedSpan]) {
        let n = bytes.count
        var i = 0
        while i < n {
            let byte = caseSensitive ? bytes[i] : bytes[i].asciiLowercased
            guard firstBytes[Int(byte)], i == 0 || !bytes[i - 1].isWordByte, let length = matchLength(bytes, at: i)
            else {
                i += 1
                continue
            }
            spans.append(DetectedSpan(dataClass, i..<(i + length)))
            i += length
        }
    }

    private func matchLength(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int? {
        for word in words where i + word.count <= bytes.count {
            var equal = true
            for (k, expected) in word.enumerated() {
                let actual = caseSensitive ? bytes[i + k] : bytes[i + k].asciiLowercased
                if actual != expected {
                    equal = false
                    break
                }
            }
            guard equal else { continue }
            let end = i + word.count
            if end == bytes.count || !bytes[end].isWordByte { return word.count }
        }
        return nil
    }
}
