/// A credential. It prints as `<redacted>` in every description, so no log line, error or dump can
/// leak it; code that must send it reads ``value`` explicitly.
package struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself. Read it only to put it on the wire.
    package let value: String

    package init(_ value: String) {
        self.value = value
    }

    package var isEmpty: Bool { value.isEmpty }
    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
}
